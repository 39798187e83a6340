"""The audit log as the supplier admin reads it: entries, filters, the chain's state."""
