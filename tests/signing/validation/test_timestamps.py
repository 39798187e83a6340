"""Signature timestamps are verified: imprint over the signature value, the token's own
signature, and the TSA's certificate chain to a trust anchor (with the timeStamping EKU)."""

from __future__ import annotations

import asyncio
import hashlib
import warnings

from asn1crypto import cms
from cryptography.x509.oid import ExtendedKeyUsageOID

from signing.validation import (
    Indication,
    PadesLevel,
    SubIndication,
    ValidationSettings,
    validate_pdf,
)

from . import tamper
from .conftest import Docs
from .signhelpers import base_pdf, sign, timestamper
from .testpki import TestPki, _name, make_cert


def _replace_cms(data: bytes, mutate) -> bytes:  # type: ignore[no-untyped-def]
    a, b = tamper.signature_contents_span(data)
    raw = bytes.fromhex(data[a + 1 : b - 1].decode())
    ci = cms.ContentInfo.load(tamper.cms_der(raw))
    mutate(ci)
    new = ci.dump(force=True)
    hexed = new.hex().encode()
    assert len(hexed) <= b - a - 2
    return data[: a + 1] + hexed + b"0" * (b - a - 2 - len(hexed)) + data[b - 1 :]


def test_timestamp_of_an_untrusted_tsa(pki: TestPki, settings: ValidationSettings) -> None:
    rogue = make_cert("rogue_tsa", _name("LK Test TSA", "LK Test PKI"), pki.fake_ca,
                      not_before=pki.now.replace(year=pki.now.year - 1),
                      not_after=pki.now.replace(year=pki.now.year + 1),
                      eku=[ExtendedKeyUsageOID.TIME_STAMPING])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = sign(base_pdf(), pki, pki.client_a, level="B-T", field="Client", tsa=rogue)
    s = validate_pdf(d, settings).signatures[0]
    assert s.integrity.signature_ok  # the signature itself is fine
    assert s.timestamp is not None and not s.timestamp.valid
    assert s.timestamp.imprint_ok and s.timestamp.signature_ok
    assert s.timestamp.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    assert (s.indication, s.sub_indication) == (Indication.INDETERMINATE, SubIndication.NO_CERTIFICATE_CHAIN_FOUND)


def test_timestamp_whose_imprint_does_not_match_the_signature(pki: TestPki, docs: Docs,
                                                              settings: ValidationSettings) -> None:
    other = asyncio.run(timestamper(pki).async_timestamp(hashlib.sha256(b"another signature").digest(), "sha256"))

    def swap(ci: cms.ContentInfo) -> None:
        si = ci["content"]["signer_infos"][0]
        si["unsigned_attrs"] = cms.CMSAttributes(
            [cms.CMSAttribute({"type": "signature_time_stamp_token", "values": [other]})]
        )

    d = _replace_cms(docs("b_t"), swap)
    s = validate_pdf(d, settings).signatures[0]
    assert s.integrity.signature_ok and s.integrity.digest_ok
    assert s.timestamp is not None and not s.timestamp.imprint_ok
    assert (s.indication, s.sub_indication) == (Indication.TOTAL_FAILED, SubIndication.HASH_FAILURE)


def test_timestamp_with_a_broken_token_signature(docs: Docs, settings: ValidationSettings) -> None:
    def corrupt(ci: cms.ContentInfo) -> None:
        si = ci["content"]["signer_infos"][0]
        token = si["unsigned_attrs"][0]["values"][0]
        tsi = token["content"]["signer_infos"][0]
        sig = bytearray(tsi["signature"].native)
        sig[5] ^= 0xFF
        tsi["signature"] = bytes(sig)

    s = validate_pdf(_replace_cms(docs("b_t"), corrupt), settings).signatures[0]
    assert s.timestamp is not None and not s.timestamp.signature_ok
    assert (s.indication, s.sub_indication) == (Indication.TOTAL_FAILED, SubIndication.SIG_CRYPTO_FAILURE)


def test_timestamp_removed_downgrades_to_b_b(docs: Docs, settings: ValidationSettings) -> None:
    def strip(ci: cms.ContentInfo) -> None:
        ci["content"]["signer_infos"][0]["unsigned_attrs"] = cms.CMSAttributes([])

    r = validate_pdf(_replace_cms(docs("b_t"), strip), settings).signatures[0]
    assert r.timestamp is None and r.pades_level is PadesLevel.B_B
