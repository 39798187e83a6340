"""The demo: one supplier, three clients, their meters, tariffs and a user for every role."""
