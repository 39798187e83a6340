"""E-mail notices to the people of a client (and to the supplier's staff): who gets one,
in which language, with which attachments, and scheduled reminders sent exactly once.

``operations.notify`` / ``operations.notify_staff`` are what other packages call;
``documents`` has one function per document event (new invoice, waiting for a signature,
rejected); ``reminders`` and ``certificates`` are the scheduled notices (``tasks``).
Whether a user wants a kind of notice is an account setting (``accounts.preferences``).
"""
