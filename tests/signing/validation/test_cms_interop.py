"""CMS as other signing tools write it: the RFC 6211 algorithm-protection attribute, and BER.

Legitimate signatures from other tools must pass; the same constructions with a real
algorithm substitution or a damaged encoding must still fail.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from asn1crypto import algos, cms
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from pyhanko.sign.fields import SigSeedSubFilter

from signing.validation import Indication, SubIndication, ValidationSettings, validate_pdf
from signing.validation.ber import BerError, to_der
from signing.validation.cms import CmsError, decode_contents

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


# -- BER: indefinite lengths -------------------------------------------------------------------

# Paths (child indices) in a ContentInfo/SignedData with one SignerInfo: the outer layers a
# streaming BER encoder (Bouncy Castle's CMSSignedDataStreamGenerator…) writes with
# indefinite lengths: ContentInfo, [0], SignedData, its digestAlgorithms, encapContentInfo,
# certificates (the set, not the certificates) and signerInfos, and the SignerInfo.
OUTER = frozenset({(), (1,), (1, 0), (1, 0, 1), (1, 0, 2), (1, 0, 3), (1, 0, 4), (1, 0, 4, 0)})
SIGNED_ATTRS = (1, 0, 4, 0, 3)


def outer_layers(path: tuple[int, ...]) -> bool:
    return path in OUTER


def signed_attributes(path: tuple[int, ...]) -> bool:
    # each Attribute and each attribute's values SET (the [0] IMPLICIT SET OF around them
    # keeps its definite length: asn1crypto re-encodes an indefinite one itself)
    return path[:5] == SIGNED_ATTRS and 6 <= len(path) <= 7


def _pdfsig_verdicts(data: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "ber.pdf"
    path.write_bytes(data)
    proc = subprocess.run(["pdfsig", "-nocert", "-no-ocsp", str(path)], check=False,
                          capture_output=True, text=True, timeout=60)
    return re.findall(r"Signature Validation: ([^\n]*)", proc.stdout)


@pytest.mark.parametrize("select", [
    outer_layers,
    signed_attributes,
    lambda p: outer_layers(p) or signed_attributes(p),
    lambda p: outer_layers(p) or signed_attributes(p) or p == SIGNED_ATTRS,
], ids=["outer", "signed-attributes", "both", "all-of-the-signed-attributes"])
def test_ber_cms_with_indefinite_lengths_passes(docs: Docs, settings: ValidationSettings, tmp_path: Path,
                                                select: Callable[[tuple[int, ...]], bool]) -> None:
    data = docs("b_t")
    der = tamper.signature_cms(data)
    ber = tamper.to_indefinite(der, select)
    assert b"\x80" in bytes(ber[i + 1] for i in range(len(ber) - 1) if ber[i] in (0x30, 0x31, 0xA0))
    assert ber != der
    ber_pdf = tamper.replace_cms(data, ber)
    s = validate_pdf(ber_pdf, settings).signatures[0]
    assert (s.indication, s.sub_indication) == (P, None), s.messages
    assert s.timestamp is not None and s.timestamp.valid
    assert _pdfsig_verdicts(ber_pdf, tmp_path) == ["Signature is Valid."]


def test_ber_signed_attributes_are_verified_as_their_der(docs: Docs) -> None:
    # the signature value is over the DER of the SET OF attributes (RFC 5652, 5.4): the BER
    # bytes as read are not what was signed, their DER re-encoding is
    der = tamper.signature_cms(docs("b_t"))
    ber = tamper.to_indefinite(der, signed_attributes)
    ber_attrs = cms.ContentInfo.load(ber)["content"]["signer_infos"][0]["signed_attrs"].dump()
    der_attrs = cms.ContentInfo.load(der)["content"]["signer_infos"][0]["signed_attrs"].dump()
    assert b"\x30\x80" in ber_attrs and ber_attrs != der_attrs
    assert to_der(b"\x31" + ber_attrs[1:]) == b"\x31" + der_attrs[1:]


def test_ber_cms_followed_by_garbage_fails(docs: Docs, settings: ValidationSettings) -> None:
    data = docs("b_t")
    ber = tamper.to_indefinite(tamper.signature_cms(data), outer_layers)
    s = validate_pdf(tamper.replace_cms(data, ber + b"\x00\x00\x00\x01"), settings).signatures[0]
    assert (s.indication, s.sub_indication) == (F, SubIndication.FORMAT_FAILURE), s.messages
    assert any("data after the CMS structure" in m for m in s.messages), s.messages


def test_ber_with_a_changed_signed_attribute_fails(docs: Docs, settings: ValidationSettings) -> None:
    # a BER encoding is no way around the signature: one changed value in the signed
    # attributes (the signing time's last digit) and neither encoding verifies
    data = docs("b_t")
    ber = bytearray(tamper.to_indefinite(tamper.signature_cms(data), signed_attributes))
    i = ber.index(b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x09\x05")  # signingTime
    j = ber.index(b"Z", i)
    ber[j - 1] ^= 0x01
    s = validate_pdf(tamper.replace_cms(data, bytes(ber)), settings).signatures[0]
    assert (s.indication, s.sub_indication) == (F, SubIndication.SIG_CRYPTO_FAILURE), s.messages


def test_decode_contents_ber_boundaries(docs: Docs) -> None:
    ber = tamper.to_indefinite(tamper.signature_cms(docs("b_t")), outer_layers)
    assert ber[:2] == b"\x30\x80" and ber.endswith(b"\x00\x00")
    decode_contents(ber)
    decode_contents(ber + bytes(100))  # zero padding, which looks like end-of-contents
    with pytest.raises(CmsError, match="not a valid BER structure"):
        decode_contents(ber[:-2])  # the outer end-of-contents is missing
    with pytest.raises(CmsError, match="not a valid BER structure"):
        decode_contents(ber[: len(ber) // 2])
    with pytest.raises(CmsError, match="data after the CMS structure"):
        decode_contents(ber + b"\x00\x00\x05\x00")
    with pytest.raises(CmsError):
        decode_contents(b"\x30\x80" * 100_000)  # nesting: an error, not a RecursionError
    with pytest.raises(CmsError):
        decode_contents(b"\x30\x80\x04\x80\x00\x00\x00\x00")  # indefinite primitive


# -- the TLV re-encoder itself -----------------------------------------------------------------

@pytest.mark.parametrize(("ber", "der"), [
    ("3080020101 0000", "3003020101"),  # indefinite -> definite
    ("3081030201 01", "3003020101"),  # non-minimal length
    ("0482000161", "040161"),  # non-minimal primitive length
    ("2480040261620401630000", "0403616263"),  # segmented OCTET STRING
    ("23080302036103020060", None),  # only the last BIT STRING segment may have unused bits
    ("23080302006103020360", "0303036160"),  # segmented BIT STRING
    ("3106020102020101", "3106020101020102"),  # SET elements sorted
    ("a0060201020201 01", "a006020102020101"),  # a context tag: no idea what it is, kept
    ("3080318006092a864886f70d010903 0000 0000", "300d310b06092a864886f70d010903"),
    ("3080020101", None),  # no end-of-contents
    ("30030201", None),  # truncated
    ("3003020101 00", None),  # more than one value
])
def test_to_der(ber: str, der: str | None) -> None:
    data = bytes.fromhex(ber.replace(" ", ""))
    if der is None:
        with pytest.raises(BerError):
            to_der(data)
    else:
        assert to_der(data) == bytes.fromhex(der)
        assert to_der(bytes.fromhex(der)) == bytes.fromhex(der)


def test_to_der_leaves_der_unchanged(docs: Docs) -> None:
    der = tamper.signature_cms(docs("b_t"))
    assert to_der(der) == der
    assert to_der(tamper.to_indefinite(der, outer_layers)) == der
