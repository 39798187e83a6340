"""(6) Invoices and tax invoices from accepted reading acts, signed by the supplier's key; the
month-end batch that makes them for every client (one Celery task per client); the client's
«Деньги → Счета» and «Деньги → Налоговые накладные»."""
