"""Correspondence with the supplier («Поставщик → Написать письмо»): conversations of a client
with the supplier's staff, their messages and attachments, who has read what, the staff's
inbox with assignment, and the e-mail notice of each new message."""
