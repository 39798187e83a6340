"""«История показаний»: a client's last twelve months of readings, consumption and cost per
meter, drawn as server-side SVG bar charts, with approved consumption limits beside the
actuals."""
