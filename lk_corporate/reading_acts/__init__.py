"""(3)–(4) The reading act: issued, signed by the client, accepted by the supplier's signature."""
