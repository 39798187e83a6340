"""The portal's side of signatures: the supplier's server-side key, the trust settings every
check uses (``portal``), reports in words (``presentation``) and `lk sign`."""
