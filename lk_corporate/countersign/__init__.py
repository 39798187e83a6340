"""The supplier's countersigning queue and the receiving side's decision on client-signed
documents: approve (countersign) or reject with a reason."""
