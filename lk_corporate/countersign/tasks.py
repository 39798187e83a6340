"""The job of one document of a countersigning batch (``countersign.operations``): the
result row's ID only; the outcome is written back into the row for the queue page."""

from __future__ import annotations

from lk_corporate.core.jobs import job
from lk_corporate.core.uow import unit_of_work
from lk_corporate.countersign import context
from lk_corporate.countersign.operations import COUNTERSIGN_JOB, run_result


@job(COUNTERSIGN_JOB)
def countersign_document(result_id: int) -> None:
    with unit_of_work() as session:
        run_result(session, context.file_store(), int(result_id),
                   supplier_key=context.supplier_key(),
                   validation=context.validation_settings())
