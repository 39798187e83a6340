"""(5) The calculation engine: the readings of an accepted, signed reading act × the tariffs of
the period, VAT, rounded by the one rule of ``documents.money``.

``engine`` is pure (Decimal in, charge lines out, no Flask, no database); ``acts`` finds the
accepted acts of a period in the ``Document`` table and reads their signed readings payload,
checked against the hash printed on the act and the database before anything is charged.
"""
