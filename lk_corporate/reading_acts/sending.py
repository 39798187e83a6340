"""Sending a reading act signed on the portal's signing page (``docsign``, «Подписать»).

Without this, docsign's default (``receive_if_valid``) would move the act to «Получен» on its
own: the readings would not hear of it (``act_moved``), the act would wait for a supplier
signer although automatic acceptance is on, and a refused signature would be explained in
other words than an upload's. ``register`` (called once by the app factory) hands docsign
``send_reading_act`` for reading acts.
"""

from __future__ import annotations

from lk_corporate.certificates.operations import registered_fingerprints
from lk_corporate.docflow.models import DocumentKind
from lk_corporate.docsign.operations import SendContext, register_send_handler
from lk_corporate.reading_acts import operations as ops
from lk_corporate.reading_acts.settings import ActSettings
from lk_corporate.signatures.portal import portal_validation_settings
from lk_corporate.signatures.supplier import SupplierKey, SupplierKeyMissing


def send_reading_act(context: SendContext) -> None:
    document = context.document
    act = ops.get_act(context.session, document.id, client_id=document.client_id)
    signature = None
    if context.signature is not None:
        field = context.signature.field_name
        signature = next((s for s in context.report.to_dict()["signatures"]
                          if s["field_name"] == field), None)
    try:
        key: SupplierKey | None = SupplierKey.from_config(context.config)
    except SupplierKeyMissing:
        key = None
    validation = portal_validation_settings(
        context.config, expected_tax_id=document.client.tax_id,
        registered_fingerprints=registered_fingerprints(context.session, document.client_id))
    ops.receive_signed_act(context.session, context.store, act, signature=signature,
                           actor=context.actor, settings=ActSettings.from_config(context.config),
                           supplier_key=key, validation=validation)


def register() -> None:
    register_send_handler(DocumentKind.READING_ACT, send_reading_act)
