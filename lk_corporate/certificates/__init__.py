"""Certificates an operator registers for a client: they sign for it whatever their subject."""
