"""(1) Billing periods: the month, its calculation date and its reading window."""
