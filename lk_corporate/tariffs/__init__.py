"""Tariffs by service and zone, with validity dates."""
