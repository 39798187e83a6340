"""What sending and countersigning a limit request mean (registered once by the app
factory through ``register``).

Sending (``docsign``, «Отправить»): the client's signature is judged as any document's
(``docsign.operations.receive_if_valid``: «Получен», or «Отклонён» with the reason) and,
received, the request waits in the supplier's countersigning queue — never approved
automatically, since limits are the supplier's decision. Countersigning approves it
(``operations.on_approved``); rejecting it is the default rejection with a reason.
"""

from __future__ import annotations

from lk_corporate.core import rights as R
from lk_corporate.countersign.operations import KindHandler, register_handler
from lk_corporate.docflow.models import DocumentKind
from lk_corporate.docsign.operations import SendContext, receive_if_valid, register_send_handler
from lk_corporate.limits import operations as ops


def send_limit_request(context: SendContext) -> None:
    ops.get_request(context.session, context.document.id, client_id=context.document.client_id)
    receive_if_valid(context)


def register() -> None:
    register_send_handler(DocumentKind.LIMIT_REQUEST, send_limit_request)
    register_handler(KindHandler(kind=DocumentKind.LIMIT_REQUEST, right=R.LIMITS_APPROVE,
                                 reason=ops.approval_reason, on_countersigned=ops.on_approved))
