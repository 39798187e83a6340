"""The demo's outbox: the e-mails the portal sent, readable in the browser (demo mode only)."""
