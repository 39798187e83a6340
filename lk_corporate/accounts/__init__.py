"""Accounts: users, roles and rights, memberships, activation codes, e-mail tokens."""
