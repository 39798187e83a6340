"""Cross-checking helpers for the signing tests: pdfsig, openssl cms, a sample PDF.

Kept out of conftest.py so that test modules (ours and the validation helper's)
can import them: ``from tests.signing.helpers import run_pdfsig``.
"""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
REPO_FONT = Path(__file__).resolve().parents[2] / "documents" / "fonts" / "LiberationSans-Regular.ttf"


def make_sample_pdf(pages: int = 1, title: str = "Акт снятия показаний приборов учёта") -> bytes:
    """A small deterministic A4 PDF with Cyrillic text, as the document generators produce."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font_path = REPO_FONT if REPO_FONT.exists() else DEJAVU
    if "SampleSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("SampleSans", str(font_path)))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=True)
    for page in range(pages):
        c.setFont("SampleSans", 16)
        c.drawString(72, 770, title)
        c.setFont("SampleSans", 11)
        c.drawString(72, 740, f"ООО «Ромашка», ИНН 7712345671, договор № 123 — стр. {page + 1}")
        for i in range(10):
            c.drawString(72, 700 - 18 * i, f"Прибор учёта № {1000 + i}: показание {12345 + i * 7}")
        c.showPage()
    c.save()
    return buf.getvalue()


@dataclass(frozen=True)
class PdfsigSignature:
    """One signature as pdfsig reports it."""

    index: int
    field_name: str
    signer: str
    signature_valid: bool
    certificate_status: str
    signature_type: str
    whole_document: bool
    signed: bool
    raw: str


@dataclass(frozen=True)
class PdfsigReport:
    returncode: int
    output: str
    signatures: tuple[PdfsigSignature, ...]


def run_pdfsig(pdf: Path, nss_dir: str, *, no_ocsp: bool = False) -> PdfsigReport:
    """Run ``pdfsig -nssdir NSS`` on ``pdf`` and parse every signature block."""
    args = ["pdfsig", "-nssdir", nss_dir]
    if no_ocsp:
        args.append("-no-ocsp")
    proc = subprocess.run([*args, str(pdf)], capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    blocks = re.split(r"^Signature #(\d+):\s*$", out, flags=re.MULTILINE)
    sigs = []
    for i in range(1, len(blocks) - 1, 2):
        body = blocks[i + 1]

        def field(label: str, body: str = body) -> str:
            m = re.search(rf"^\s*- {re.escape(label)}: (.*)$", body, flags=re.MULTILINE)
            return m.group(1).strip() if m else ""

        sigs.append(PdfsigSignature(
            index=int(blocks[i]),
            field_name=field("Signature Field Name"),
            signer=field("Signer Certificate Common Name"),
            signature_valid=field("Signature Validation") == "Signature is Valid.",
            certificate_status=field("Certificate Validation"),
            signature_type=field("Signature Type"),
            whole_document="Total document signed" in body,
            signed="The signature form field is not signed" not in body,
            raw=body,
        ))
    return PdfsigReport(proc.returncode, out, tuple(sigs))


def assert_pdfsig_all_valid(pdf: Path, nss_dir: str, expected: int) -> PdfsigReport:
    """Every one of ``expected`` signatures is valid and its certificate trusted.

    Empty signature fields are not counted, nor document timestamps: poppler cannot
    validate ETSI.RFC3161 (it prints "Signature has not yet been verified"); pyHanko
    and ``openssl ts`` check those.
    """
    report = run_pdfsig(pdf, nss_dir)
    doc_ts = document_timestamp_fields(Path(pdf).read_bytes())
    signed = [s for s in report.signatures if s.signed and s.field_name not in doc_ts]
    assert len(signed) == expected, report.output
    for sig in signed:
        assert sig.signature_valid, report.output
        assert sig.certificate_status == "Certificate is Trusted.", report.output
    return report


@dataclass(frozen=True)
class PyhankoOutcome:
    """pyHanko's verdict on one signature or document timestamp."""

    is_document_timestamp: bool
    ok: bool
    status: object

    def details(self) -> str:
        pretty = getattr(self.status, "pretty_print_details", None)
        return pretty() if pretty else repr(self.status)


def pyhanko_validate_all(pdf: bytes, root_pem: Path, *,
                         offline: bool = False) -> list[PyhankoOutcome]:
    """Validate every signature and document timestamp with pyHanko.

    ``offline`` forbids fetching: revocation data must come from the file (B-LT).
    """
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko_certvalidator import ValidationContext

    root = load_cert_from_pemder(str(root_pem))
    reader = PdfFileReader(io.BytesIO(pdf))
    statuses = []
    for sig in reader.embedded_signatures:
        if offline:
            from pyhanko.sign.validation.dss import DocumentSecurityStore

            dss = DocumentSecurityStore.read_dss(reader)
            vc = dss.as_validation_context({"trust_roots": [root], "allow_fetching": False,
                                            "revocation_mode": "hard-fail"})
        else:
            vc = ValidationContext(trust_roots=[root], allow_fetching=True)
        if sig.sig_object.get("/Type") == "/DocTimeStamp":
            ts = validate_pdf_timestamp(sig, validation_context=vc)
            statuses.append(PyhankoOutcome(True, bool(ts.intact and ts.valid and ts.trusted), ts))
        else:
            st = validate_pdf_signature(sig, signer_validation_context=vc,
                                        ts_validation_context=vc)
            statuses.append(PyhankoOutcome(False, bool(st.bottom_line), st))
    return statuses


@dataclass(frozen=True)
class SignedRange:
    """One signature dictionary: the bytes it covers, its CMS, and its /SubFilter."""

    signed: bytes
    cms: bytes
    subfilter: str

    @property
    def is_document_timestamp(self) -> bool:
        return self.subfilter == "ETSI.RFC3161"


def document_timestamp_fields(pdf: bytes) -> set[str]:
    """Field names of the document timestamps in ``pdf``."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    return {s.field_name for s in reader.embedded_signatures
            if s.sig_object.get("/Type") == "/DocTimeStamp"}


def signed_byte_ranges(pdf: bytes) -> list[SignedRange]:
    """Every /ByteRange in the file with its concatenated signed bytes and DER CMS."""
    out = []
    for m in re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf):
        a, b, c, d = (int(x) for x in m.groups())
        signed = pdf[a:a + b] + pdf[c:c + d]
        contents_hex = pdf[a + b:c].strip(b"<>")
        der = bytes.fromhex(contents_hex.decode("ascii"))
        # The signature dictionary around this /ByteRange says what kind it is.
        window = pdf[pdf.rfind(b" obj", 0, a + b):pdf.find(b"endobj", c)]
        sub = re.search(rb"/SubFilter\s*/([\w.]+)", window)
        out.append(SignedRange(signed, _der_prefix(der), sub.group(1).decode() if sub else ""))
    return out


def verify_signed_range(rng: SignedRange, root_pem: Path, workdir: Path) -> None:
    """openssl's verdict: ``cms -verify`` for signatures, ``ts -verify`` for document
    timestamps (whose CMS signs a TSTInfo holding the digest of the covered bytes)."""
    if rng.is_document_timestamp:
        content = workdir / "ts-content.bin"
        token = workdir / "token.der"
        content.write_bytes(rng.signed)
        token.write_bytes(rng.cms)
        proc = subprocess.run(
            ["openssl", "ts", "-verify", "-data", str(content), "-in", str(token),
             "-token_in", "-CAfile", str(root_pem), "-untrusted", str(token_certs(rng.cms,
                                                                                 workdir))],
            capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0 and "Verification: OK" in proc.stdout, \
            proc.stdout + proc.stderr
    else:
        openssl_cms_verify(rng.signed, rng.cms, root_pem, workdir)


def token_certs(cms_der: bytes, workdir: Path) -> Path:
    """The certificates inside a CMS, as a PEM file (for openssl's -untrusted)."""
    from asn1crypto import cms, pem

    info = cms.ContentInfo.load(cms_der)
    path = workdir / "token-certs.pem"
    path.write_bytes(b"".join(pem.armor("CERTIFICATE", c.chosen.dump())
                              for c in info["content"]["certificates"]))
    return path


def _der_prefix(der: bytes) -> bytes:
    if der[1] & 0x80:
        n = der[1] & 0x7F
        length = int.from_bytes(der[2:2 + n], "big")
        return der[:2 + n + length]
    return der[:2 + der[1]]


def openssl_cms_verify(signed: bytes, cms_der: bytes, root_pem: Path, workdir: Path) -> None:
    """``openssl cms -verify`` the detached CMS over the signed bytes; raise if it fails."""
    content = workdir / "content.bin"
    sig = workdir / "sig.der"
    content.write_bytes(signed)
    sig.write_bytes(cms_der)
    proc = subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(sig),
         "-content", str(content), "-CAfile", str(root_pem), "-purpose", "any",
         "-out", "/dev/null"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0 and "Verification successful" in proc.stderr, proc.stderr
