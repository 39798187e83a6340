"""Signing PDFs from the command line and, later, the portal's signing flows."""
