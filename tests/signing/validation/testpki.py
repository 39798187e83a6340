"""A throw-away PKI for the validation tests, made with ``cryptography``.

The demo PKI (``lk pki init``) is the product's; these tests need certificates the demo has
no reason to carry: a root with the same name as the real one but another key, a self-signed
signer, a certificate revoked before/after a given moment, CRLs and OCSP responses produced
at chosen times. Keys are RSA-2048 like the demo's; everything is built once per session.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.ocsp import OCSPCertStatus, OCSPResponseBuilder
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

UTC = dt.UTC
OID_INN = ObjectIdentifier("1.2.643.3.131.1.1")
OID_INNLE = ObjectIdentifier("1.2.643.100.4")
OID_OGRN = ObjectIdentifier("1.2.643.100.1")
CRL_URL = "http://127.0.0.1:9/crl/issuing.crl"  # nothing listens: fetching must not be needed
ROOT_CRL_URL = "http://127.0.0.1:9/crl/root.crl"
OCSP_URL = "http://127.0.0.1:9/ocsp"

_KEY_CACHE: list[rsa.RSAPrivateKey] = []


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Identity:
    name: str
    cert: x509.Certificate
    key: rsa.RSAPrivateKey
    issuer: Identity | None = None

    @property
    def asn1_cert(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.cert.public_bytes(serialization.Encoding.DER))

    @property
    def asn1_key(self) -> asn1_keys.PrivateKeyInfo:
        return asn1_keys.PrivateKeyInfo.load(
            self.key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def chain(self) -> list[x509.Certificate]:
        out, cur = [], self.issuer
        while cur is not None:
            out.append(cur.cert)
            cur = cur.issuer
        return out


def _name(cn: str, org: str | None = None, extra: list[x509.NameAttribute] | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "RU")]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    attrs.extend(extra or [])
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def make_cert(
    name: str,
    subject: x509.Name,
    issuer: Identity | None,
    *,
    ca: bool = False,
    not_before: dt.datetime,
    not_after: dt.datetime,
    eku: list[ObjectIdentifier] | None = None,
    key: rsa.RSAPrivateKey | None = None,
    ocsp_nocheck: bool = False,
    with_aia: bool = True,
) -> Identity:
    key = key or new_key()
    signer_key = issuer.key if issuer else key
    issuer_name = issuer.cert.subject if issuer else subject
    b = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        b = b.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )
    if ca:
        b = b.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    else:
        b = b.add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
    if ocsp_nocheck:
        b = b.add_extension(x509.OCSPNoCheck(), critical=False)
    if issuer is not None and with_aia:
        crl_url = ROOT_CRL_URL if issuer.issuer is None else CRL_URL
        b = b.add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)]
            ),
            critical=False,
        )
        if not ca:
            b = b.add_extension(
                x509.AuthorityInformationAccess(
                    [x509.AccessDescription(x509.oid.AuthorityInformationAccessOID.OCSP,
                                            x509.UniformResourceIdentifier(OCSP_URL))]
                ),
                critical=False,
            )
    cert = b.sign(signer_key, hashes.SHA256())
    return Identity(name, cert, key, issuer)


@dataclass
class TestPki:
    __test__ = False  # not a pytest test class
    now: dt.datetime
    root: Identity
    ca: Identity
    tsa: Identity
    ocsp: Identity
    supplier: Identity
    client_a: Identity
    client_b: Identity
    revoked_early: Identity
    revoked_late: Identity
    expired: Identity
    self_signed: Identity
    fake_root: Identity
    fake_ca: Identity
    fake_client: Identity
    revocations: dict[int, dt.datetime] = field(default_factory=dict)

    def crl(self, issuer: Identity, this_update: dt.datetime, next_update: dt.datetime,
            extra_serials: int = 0) -> x509.CertificateRevocationList:
        b = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer.cert.subject)
            .last_update(this_update)
            .next_update(next_update)
            .add_extension(x509.CRLNumber(int(this_update.timestamp())), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
                critical=False,
            )
        )
        for ident in (self.revoked_early, self.revoked_late):
            when = self.revocations[ident.cert.serial_number]
            if ident.issuer is issuer and when <= this_update:
                b = b.add_revoked_certificate(
                    x509.RevokedCertificateBuilder()
                    .serial_number(ident.cert.serial_number)
                    .revocation_date(when)
                    .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
                    .build()
                )
        for i in range(extra_serials):
            b = b.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(10**30 + i * 7919)
                .revocation_date(this_update - dt.timedelta(days=30))
                .build()
            )
        return b.sign(issuer.key, hashes.SHA256())

    def ocsp_response(self, subject: Identity, produced_at: dt.datetime) -> bytes:
        issuer = subject.issuer
        assert issuer is not None
        when = self.revocations.get(subject.cert.serial_number)
        builder = OCSPResponseBuilder()
        if when is not None and when <= produced_at:
            builder = builder.add_response(
                cert=subject.cert, issuer=issuer.cert, algorithm=hashes.SHA256(),
                cert_status=OCSPCertStatus.REVOKED, this_update=produced_at,
                next_update=produced_at + dt.timedelta(days=7), revocation_time=when,
                revocation_reason=x509.ReasonFlags.key_compromise,
            )
        else:
            builder = builder.add_response(
                cert=subject.cert, issuer=issuer.cert, algorithm=hashes.SHA256(),
                cert_status=OCSPCertStatus.GOOD, this_update=produced_at,
                next_update=produced_at + dt.timedelta(days=7), revocation_time=None,
                revocation_reason=None,
            )
        responder = self.ocsp if issuer is self.ca else issuer
        builder = builder.responder_id(x509.ocsp.OCSPResponderEncoding.HASH, responder.cert)
        if responder is self.ocsp:
            builder = builder.certificates([self.ocsp.cert])
        resp = builder.sign(responder.key, hashes.SHA256())
        return resp.public_bytes(serialization.Encoding.DER)

    def write_pem(self, path: Path, *idents: Identity) -> Path:
        path.write_bytes(b"".join(i.pem for i in idents))
        return path


def build_pki(now: dt.datetime | None = None) -> TestPki:
    now = now or dt.datetime.now(UTC).replace(microsecond=0)
    year = dt.timedelta(days=365)
    nb, na = now - year, now + 5 * year
    root = make_cert("root", _name("LK Test Root CA", "LK Test PKI"), None, ca=True,
                     not_before=nb, not_after=now + 20 * year)
    ca = make_cert("ca", _name("LK Test Issuing CA", "LK Test PKI"), root, ca=True,
                   not_before=nb, not_after=now + 10 * year)
    tsa = make_cert("tsa", _name("LK Test TSA", "LK Test PKI"), ca, not_before=nb, not_after=na,
                    eku=[ExtendedKeyUsageOID.TIME_STAMPING])
    ocsp = make_cert("ocsp", _name("LK Test OCSP", "LK Test PKI"), ca, not_before=nb, not_after=na,
                     eku=[ExtendedKeyUsageOID.OCSP_SIGNING], ocsp_nocheck=True)

    def client(name: str, cn: str, org: str, inn: str, ogrn: str, **kw: object) -> Identity:
        extra = [x509.NameAttribute(OID_INNLE, inn), x509.NameAttribute(OID_OGRN, ogrn)]
        return make_cert(name, _name(cn, org, extra), kw.pop("issuer", ca),  # type: ignore[arg-type]
                         not_before=kw.pop("not_before", nb), not_after=kw.pop("not_after", na),  # type: ignore[arg-type]
                         **kw)  # type: ignore[arg-type]

    supplier = client("supplier", "Петров Пётр", "АО «Северэнергосбыт»", "7701234560", "1027700123450")
    client_a = client("client_a", "Иванов Иван", "ООО «Альфа»", "7712345671", "1027712345671")
    client_b = client("client_b", "Сидоров Сидор", "ООО «Бета»", "7798765432", "1027798765432")
    revoked_early = client("revoked_early", "Отозван Ранний", "ООО «Альфа»", "7712345671", "1027712345671")
    revoked_late = client("revoked_late", "Отозван Поздний", "ООО «Альфа»", "7712345671", "1027712345671")
    expired = client("expired", "Истёк Срок", "ООО «Альфа»", "7712345671", "1027712345671",
                     not_before=now - 3 * year, not_after=now - year)
    self_signed = make_cert("self_signed", _name("Иванов Иван", "ООО «Альфа»",
                            [x509.NameAttribute(OID_INNLE, "7712345671")]), None,
                            not_before=nb, not_after=na)
    fake_root = make_cert("fake_root", root.cert.subject, None, ca=True,
                          not_before=nb, not_after=now + 20 * year)
    fake_ca = make_cert("fake_ca", ca.cert.subject, fake_root, ca=True,
                        not_before=nb, not_after=now + 10 * year)
    fake_client = client("fake_client", "Иванов Иван", "ООО «Альфа»", "7712345671", "1027712345671",
                         issuer=fake_ca)
    pki = TestPki(now, root, ca, tsa, ocsp, supplier, client_a, client_b, revoked_early,
                  revoked_late, expired, self_signed, fake_root, fake_ca, fake_client)
    pki.revocations[revoked_early.cert.serial_number] = now - dt.timedelta(days=10)
    # revoked one hour after "now" (the tests sign at "now" and validate later)
    pki.revocations[revoked_late.cert.serial_number] = now + dt.timedelta(hours=1)
    return pki
