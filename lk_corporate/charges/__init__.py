"""«Расшифровка начислений»: a month's charges of one client, from its calculated invoice,
as a page, a PDF and an e-mail."""
