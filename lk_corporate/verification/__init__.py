"""Checking signed PDFs: `lk verify` and the public /verify page."""
