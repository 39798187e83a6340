"""Sign test PDFs with pyHanko directly, at each PAdES level, with the test PKI.

The validator must judge files made by other software; pyHanko is the reference signer here
(the product's own signing code is tested against the same validator elsewhere).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from .testpki import Identity, TestPki


def base_pdf(pages: int = 1, text: str = "Act of meter readings No. 1", empty_fields: tuple[str, ...] = ()) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    for i in range(pages):
        c.drawString(72, 760, f"{text} - page {i + 1}")
        c.drawString(72, 740, "Total: 1234.56 RUB")
        c.showPage()
    c.save()
    data = buf.getvalue()
    for name in empty_fields:
        w = IncrementalPdfFileWriter(io.BytesIO(data))
        fields.append_signature_field(
            w, fields.SigFieldSpec(name, box=(300, 100, 500, 150))
        )
        out = io.BytesIO()
        w.write(out)
        data = out.getvalue()
    return data


def timestamper(pki: TestPki, at: dt.datetime | None = None, tsa: Identity | None = None) -> DummyTimeStamper:
    tsa = tsa or pki.tsa
    return DummyTimeStamper(
        tsa_cert=tsa.asn1_cert,
        tsa_key=tsa.asn1_key,
        certs_to_embed=SimpleCertificateStore.from_certs([tsa.asn1_cert] + [
            _asn1(c) for c in tsa.chain()
        ]),
        fixed_dt=at,
    )


def _asn1(cert: Any) -> Any:
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def validation_context(pki: TestPki, at: dt.datetime | None = None, signer: Identity | None = None) -> ValidationContext:
    at = at or pki.now
    crls = [
        pki.crl(pki.ca, at, at + dt.timedelta(days=7)).public_bytes(serialization.Encoding.DER),
        pki.crl(pki.root, at, at + dt.timedelta(days=30)).public_bytes(serialization.Encoding.DER),
    ]
    ocsps = []
    if signer is not None:
        ocsps.append(pki.ocsp_response(signer, at))
    return ValidationContext(
        trust_roots=[pki.root.asn1_cert],
        crls=crls,
        ocsps=ocsps,
        allow_fetching=False,
        other_certs=[pki.ca.asn1_cert, pki.ocsp.asn1_cert],
    )


def sign(
    pdf: bytes,
    pki: TestPki,
    who: Identity,
    *,
    level: str = "B-T",
    field: str = "Signature1",
    ts_at: dt.datetime | None = None,
    certify: int | None = None,
    lock: tuple[str, ...] | None = None,
    new_field_box: tuple[int, int, int, int] | None = (50, 50, 250, 110),
    embed_chain: bool = True,
    ignore_docmdp: bool = False,
    tsa: Identity | None = None,
    subfilter: fields.SigSeedSubFilter = fields.SigSeedSubFilter.PADES,
) -> bytes:
    """Sign ``pdf`` as ``who`` at PAdES level B-B, B-T, B-LT or B-LTA (with another
    ``subfilter``, e.g. ``adbe.pkcs7.detached``, the same CMS without the PAdES rules)."""
    certs = [who.asn1_cert] + ([_asn1(c) for c in who.chain()] if embed_chain else [])
    signer = signers.SimpleSigner(
        signing_cert=who.asn1_cert,
        signing_key=who.asn1_key,
        cert_registry=SimpleCertificateStore.from_certs(certs),
    )
    meta_kwargs: dict[str, Any] = {"field_name": field, "subfilter": subfilter}
    if level in ("B-LT", "B-LTA"):
        meta_kwargs.update(embed_validation_info=True, validation_context=validation_context(pki, signer=who))
    if level == "B-LTA":
        meta_kwargs.update(use_pades_lta=True)
    if certify is not None:
        from pyhanko.sign.fields import MDPPerm

        meta_kwargs.update(certify=True, docmdp_permissions=MDPPerm(certify))
    meta = signers.PdfSignatureMetadata(**meta_kwargs)
    spec = None
    w = IncrementalPdfFileWriter(io.BytesIO(pdf))
    existing = [name for name, _, _ in fields.enumerate_sig_fields(w)]
    if field not in existing:
        mdp = None
        if lock is not None:
            mdp = fields.FieldMDPSpec(fields.FieldMDPAction.INCLUDE, fields=list(lock))
        spec = fields.SigFieldSpec(field, box=new_field_box, field_mdp_spec=mdp)
    ts = timestamper(pki, ts_at, tsa) if level != "B-B" else None
    pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=ts, new_field_spec=spec)
    out = io.BytesIO()
    if ignore_docmdp:
        # what an attacker's tool does: sign regardless of the certification's P=1
        from unittest import mock

        import pyhanko.sign.validation as ph_validation

        with mock.patch.object(ph_validation, "read_certification_data", lambda r: None):
            pdf_signer.sign_pdf(w, output=out)
    else:
        pdf_signer.sign_pdf(w, output=out)
    return out.getvalue()


def document_timestamp(pdf: bytes, pki: TestPki, *, with_empty_field: str | None = None) -> bytes:
    """Add a document timestamp (in a new invisible field, as every timestamping tool does);
    ``with_empty_field``: also create an empty signature field in the same update."""
    w = IncrementalPdfFileWriter(io.BytesIO(pdf))
    if with_empty_field is not None:
        fields.append_signature_field(w, fields.SigFieldSpec(with_empty_field))
    out = io.BytesIO()
    signers.PdfTimeStamper(timestamper(pki)).timestamp_pdf(w, "sha256", output=out)
    return out.getvalue()
