"""Signing a document with the client's own key: the browser (or accounting software through
the API) signs, the portal prepares, assembles, validates and stores; then send or cancel."""
