"""Repair and service requests («заявки на ремонт/обслуживание», seed 003): a client asks for
a meter replacement, a verification, a seal or a repair; the supplier's staff take it in a
queue, work on it and finish or reject it with a comment; the client is told by e-mail."""
