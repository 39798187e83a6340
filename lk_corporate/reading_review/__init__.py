"""The supplier engineer's check of clients' readings: confirm, or correct with a reason."""
