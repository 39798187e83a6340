"""Clients (legal entities under contract), their metering points and meters."""
