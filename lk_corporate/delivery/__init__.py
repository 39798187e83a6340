"""Outgoing mail for staff: what is queued, what was given up and why, and sending again."""
