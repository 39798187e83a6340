"""Payments from bank statements: reading them, matching them to clients and invoices."""
