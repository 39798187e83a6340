"""What other packages hear about invoices.

``invoices_issued`` is sent when a client's invoice pair has been issued, in the issuing
transaction (sender: the client's ID; keyword arguments: ``session``, and ``replaced`` —
True when the pair voided an earlier one, a corrected act's). The payments package listens:
the client's advance pays the new invoice at once, and money on a voided invoice moves to
its replacement, instead of both waiting for the next bank statement. This package knows
nothing of payments, so the dependency points one way only: ``payments → invoicing``.

``settlement_due`` is asked in the issuing transaction before ``invoices_issued`` is sent
(same sender and arguments): does the client have anything for it to do? A receiver returns
True or False. The month-end job, which sends ``invoices_issued`` in a short transaction of
its own after the pair's commit, opens that transaction only when a receiver said yes: most
clients at month end have no advance, and the transaction cost three round trips to find
that out.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

invoices_issued = _signals.signal("invoices-issued")
settlement_due = _signals.signal("settlement-due")
