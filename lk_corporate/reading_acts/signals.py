"""What other packages hear about reading acts.

``act_moved`` is sent after every move of a reading act (sender: the ``Document``; keyword
arguments: ``session``, ``status`` — the new ``DocumentStatus`` — and ``signature_refused``,
True when the act was rejected because the client's signature did not count, as opposed to
the supplier rejecting the readings themselves). The readings package listens and keeps its
rows' status in step with their act (pending → accepted / superseded / rejected); this
package knows nothing of those rows, so the dependency points one way only:
``readings → reading_acts``.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

act_moved = _signals.signal("reading-act-moved")
