"""CMS as other signing tools write it: the RFC 6211 algorithm-protection attribute, and BER.

Legitimate signatures from other tools must pass; the same constructions with a real
algorithm substitution or a damaged encoding must still fail.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from asn1crypto import algos, cms
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from pyhanko.sign.fields import SigSeedSubFilter

from signing.validation import Indication, SubIndication, ValidationSettings, validate_pdf

from . import tamper
from .conftest import Docs
from .signhelpers import base_pdf, sign
from .testpki import Identity, TestPki

P, F = Indication.TOTAL_PASSED, Indication.TOTAL_FAILED
# AlgorithmIdentifiers without parameters (where pyHanko writes NULL)
SHA256_ABSENT = bytes.fromhex("300b0609608648016503040201")
SHA256_RSA_ABSENT = bytes.fromhex("300b06092a864886f70d01010b")


@pytest.fixture(scope="module")
def protected(pki: TestPki) -> bytes:
    """pyHanko's adbe.pkcs7.detached signature: it carries cmsAlgorithmProtection."""
    return sign(base_pdf(), pki, pki.client_a, level="B-T", field="Client",
                subfilter=SigSeedSubFilter.ADOBE_PKCS7_DETACHED)


def _signer_info(pdf: bytes) -> cms.SignerInfo:
    ci = cms.ContentInfo.load(tamper.signature_cms(pdf))
    si: cms.SignerInfo = ci["content"]["signer_infos"][0]
    return si


def _protection(si: cms.SignerInfo) -> cms.CMSAlgorithmProtection | None:
    for attr in si["signed_attrs"]:
        if attr["type"].native == "cms_algorithm_protection":
            value: cms.CMSAlgorithmProtection = attr["values"][0]
            return value
    return None


def resign(pdf: bytes, who: Identity,
           edit: Callable[[list[cms.CMSAttribute]], list[cms.CMSAttribute]]) -> bytes:
    """Edit the first signature's signed attributes and sign them again with ``who``'s key
    (SHA-256, PKCS#1 v1.5), as a tool that writes such attributes would: the signature value
    is valid, so only the attribute check can object."""
    ci = cms.ContentInfo.load(tamper.signature_cms(pdf))
    sd = ci["content"]
    si = sd["signer_infos"][0]
    attrs = cms.CMSAttributes(edit([cms.CMSAttribute.load(a.dump()) for a in si["signed_attrs"]]))
    value = who.key.sign(attrs.dump(), padding.PKCS1v15(), hashes.SHA256())
    new_si = cms.SignerInfo({
        "version": si["version"],
        "sid": si["sid"],
        "digest_algorithm": si["digest_algorithm"],
        "signed_attrs": attrs,
        "signature_algorithm": si["signature_algorithm"],
        "signature": value,
    })
    new_sd = cms.SignedData({
        "version": sd["version"],
        "digest_algorithms": sd["digest_algorithms"],
        "encap_content_info": sd["encap_content_info"],
        "certificates": sd["certificates"],
        "signer_infos": cms.SignerInfos([new_si]),
    })
    new_ci = cms.ContentInfo({"content_type": "signed_data", "content": new_sd})
    return tamper.replace_cms(pdf, new_ci.dump())


Algorithm = dict[str, object] | bytes


def _alg(spec: Algorithm, cls: type[algos.DigestAlgorithm | algos.SignedDigestAlgorithm]
         ) -> algos.DigestAlgorithm | algos.SignedDigestAlgorithm:
    # DER bytes as given: asn1crypto itself would write NULL parameters for the RSA/SHA-2 OIDs
    return cls.load(spec) if isinstance(spec, bytes) else cls(spec)


def with_protection(digest: Algorithm, signature: Algorithm | None
                    ) -> Callable[[list[cms.CMSAttribute]], list[cms.CMSAttribute]]:
    """An attribute editor that replaces (or adds) cmsAlgorithmProtection."""
    def edit(attrs: list[cms.CMSAttribute]) -> list[cms.CMSAttribute]:
        value: dict[str, object] = {"digest_algorithm": _alg(digest, algos.DigestAlgorithm)}
        if signature is not None:
            value["signature_algorithm"] = _alg(signature, algos.SignedDigestAlgorithm)
        else:
            value["mac_algorithm"] = algos.HmacAlgorithm({"algorithm": "sha256"})
        new = cms.CMSAttribute({"type": "cms_algorithm_protection",
                                "values": [cms.CMSAlgorithmProtection(value)]})
        return [a for a in attrs if a["type"].native != "cms_algorithm_protection"] + [new]
    return edit


# -- RFC 6211 CMS algorithm protection -------------------------------------------------------

def test_signature_with_algorithm_protection_passes(protected: bytes, settings: ValidationSettings) -> None:
    si = _signer_info(protected)
    prot = _protection(si)
    assert prot is not None  # the attribute is there, [1] IMPLICIT signatureAlgorithm and all
    assert prot["signature_algorithm"].dump()[:1] == b"\xa1"
    s = validate_pdf(protected, settings).signatures[0]
    assert (s.indication, s.sub_indication) == (P, None), s.messages
    assert (s.integrity.digest_algorithm, s.integrity.signature_algorithm) == ("sha256", "sha256_rsa")


def test_absent_and_null_parameters_are_the_same_algorithm(protected: bytes, pki: TestPki,
                                                           settings: ValidationSettings) -> None:
    # the SignerInfo says sha256 / sha256WithRSAEncryption with NULL parameters; RFC 5754 and
    # RFC 4055 make absent parameters the same algorithm
    si = _signer_info(protected)
    assert si["digest_algorithm"].dump().endswith(b"\x05\x00")
    assert si["signature_algorithm"].dump().endswith(b"\x05\x00")
    data = resign(protected, pki.client_a, with_protection(SHA256_ABSENT, SHA256_RSA_ABSENT))
    prot = _protection(_signer_info(data))
    assert prot is not None
    assert prot["digest_algorithm"].dump() == SHA256_ABSENT
    assert prot["signature_algorithm"].untag().dump() == SHA256_RSA_ABSENT
    s = validate_pdf(data, settings).signatures[0]
    assert (s.indication, s.sub_indication) == (P, None), s.messages


@pytest.mark.parametrize(("digest", "signature", "needle"), [
    ({"algorithm": "sha512"}, {"algorithm": "sha256_rsa"}, "digest algorithm"),
    ({"algorithm": "sha256"}, {"algorithm": "sha512_rsa"}, "signature algorithm"),
    ({"algorithm": "sha256"}, {"algorithm": "rsassa_pss", "parameters": algos.RSASSAPSSParams({
        "hash_algorithm": {"algorithm": "sha256"},
        "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": "sha256"}},
        "salt_length": 32})}, "signature algorithm"),
    ({"algorithm": "sha256"}, None, "no signature algorithm"),
], ids=["digest", "signature", "pss", "mac-only"])
def test_really_different_protected_algorithm_fails(protected: bytes, pki: TestPki, settings: ValidationSettings,
                                                    digest: dict[str, object], signature: dict[str, object] | None,
                                                    needle: str) -> None:
    data = resign(protected, pki.client_a, with_protection(digest, signature))
    s = validate_pdf(data, settings).signatures[0]
    assert (s.indication, s.sub_indication) == (F, SubIndication.FORMAT_FAILURE), s.messages
    assert any("algorithm protection" in m and needle in m for m in s.messages), s.messages


def test_resigned_control_passes(protected: bytes, pki: TestPki, settings: ValidationSettings) -> None:
    """The re-signing helper itself yields a valid signature (so the failures above are about
    the attribute's content)."""
    data = resign(protected, pki.client_a, lambda attrs: attrs)
    s = validate_pdf(data, settings).signatures[0]
    assert (s.indication, s.sub_indication) == (P, None), s.messages


def test_docs_fixture_unaffected(docs: Docs, settings: ValidationSettings) -> None:
    # PAdES signatures from pyHanko carry no such attribute: nothing changes for them
    assert _protection(_signer_info(docs("b_t"))) is None
