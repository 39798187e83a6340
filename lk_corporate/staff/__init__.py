"""The supplier's staff: users, roles, rights and IP allow-lists (pages under /staff/)."""
