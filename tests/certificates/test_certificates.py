"""Registered client certificates: an operator uploads the signer's certificate (PEM or DER,
alone or with its chain) on the client's page; it then signs for the client whatever its
subject says; unregistering keeps the record. Refusals say what is wrong with the file."""

from __future__ import annotations

import html
import io
import re
from typing import Any

import pytest
from asn1crypto import pem
from sqlalchemy import select

from lk_corporate.certificates.models import ClientCertificate
from lk_corporate.certificates.operations import (
    CertificateError,
    register_certificate,
    registered_fingerprints,
)
from lk_corporate.core.audit import Actor
from lk_corporate.core.extensions import db
from lk_corporate.core.rights import SUPPLIER_OPERATOR, SUPPLIER_SIGNER
from lk_corporate.core.uow import unit_of_work
from signing.validation.authorization import authorized_for
from tests.clients.helpers import as_staff, audit_actions, field_error
from tests.support.factories import create_client, csrf_token

ACTOR = Actor(None, "tests", "10.0.0.1")


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))).replace("\xa0", " ")


def _der(path: Any) -> bytes:
    data = path.read_bytes()
    return pem.unarmor(data)[2] if pem.detect(data) else data


def test_register_pem_der_or_with_chain(session, demo_pki):
    firm = create_client(tax_id="7712345671")
    zmk = demo_pki.identity("zmk")
    with unit_of_work() as s:
        row = register_certificate(s, firm, _der(zmk.cert), actor=ACTOR)
    assert row.person == "Петров Сергей Николаевич" and row.tax_id == "5029012343"
    assert row.pem.startswith("-----BEGIN CERTIFICATE-----")
    assert registered_fingerprints(db.session, firm.id) == {row.sha256}
    # now it signs for the client, by its fingerprint
    assert authorized_for(_der(zmk.cert), firm.tax_id,
                          registered_fingerprints(db.session, firm.id)).authorized
    with pytest.raises(CertificateError, match="already registered"), unit_of_work() as s:
        register_certificate(s, firm, zmk.cert.read_bytes(), actor=ACTOR)
    # a PEM bundle with the chain: the signer's certificate is the one that is not a CA
    other = create_client()
    bundle = demo_pki.manifest.ca_chain.read_bytes() + demo_pki.identity("gp5").cert.read_bytes()
    with unit_of_work() as s:
        assert register_certificate(s, other, bundle, actor=ACTOR).tax_id == "7703456784"
    assert "certificate.registered" in audit_actions()


@pytest.mark.parametrize(("data", "message"), [
    (b"", "Choose the certificate file."),
    (b"not a certificate", "The file is not a certificate"),
    (b"x" * (70 * 1024), "larger than 64 KB"),
])
def test_files_that_are_not_a_certificate(session, data, message):
    with pytest.raises(CertificateError, match=re.escape(message)) as refused:
        register_certificate(db.session, create_client(), data, actor=ACTOR)
    assert refused.value.field == "file"


def test_a_ca_or_an_expired_certificate_is_refused(session, demo_pki):
    firm = create_client()
    with pytest.raises(CertificateError, match="certification authority"):
        register_certificate(db.session, firm, demo_pki.root_pem.read_bytes(), actor=ACTOR)
    with pytest.raises(CertificateError, match="expired"):
        register_certificate(db.session, firm, demo_pki.identity("zmk-expired").cert.read_bytes(),
                             actor=ACTOR)
    assert db.session.scalars(select(ClientCertificate)).first() is None


def _page_form(client: Any, url: str) -> dict[str, str]:
    page = client.get(url).get_data(as_text=True)
    submission = re.search(r'name="submission_id" type="hidden" value="([^"]+)"', page).group(1)
    return {"csrf_token": csrf_token(client, url), "submission_id": submission}


def test_the_operator_registers_and_unregisters_on_the_clients_page(client, session, demo_pki):
    firm = create_client()
    as_staff(client, SUPPLIER_OPERATOR)
    detail = _text(client.get(f"/staff/clients/{firm.id}").get_data(as_text=True))
    assert "Зарегистрированные сертификаты" in detail and "Зарегистрировать сертификат" in detail
    url = f"/staff/clients/{firm.id}/certificates"
    r = client.post(f"{url}/new", data={**_page_form(client, url),
                                        "file": (io.BytesIO(b"junk"), "cert.cer")},
                    content_type="multipart/form-data")
    assert r.status_code == 422
    assert field_error(r.get_data(as_text=True), "file").startswith("Файл не является сертификатом.")
    cert = demo_pki.identity("zmk").cert
    r = client.post(f"{url}/new", data={**_page_form(client, url),
                                        "file": (io.BytesIO(cert.read_bytes()), "zmk.cer")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    page = _text(client.get(url).get_data(as_text=True))
    assert "Петров Сергей Николаевич" in page and "Зарегистрирован" in page
    row = db.session.scalars(select(ClientCertificate)).one()
    r = client.post(f"{url}/{row.id}/unregister", data={"csrf_token": csrf_token(client, url)})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(ClientCertificate, row.id).revoked_at is not None
    assert registered_fingerprints(db.session, firm.id) == frozenset()
    assert "Регистрация отменена" in _text(client.get(url).get_data(as_text=True))
    assert audit_actions()[-1] == "certificate.unregistered"


def test_without_the_right_the_page_shows_but_nothing_changes(client, session, demo_pki):
    firm = create_client()
    as_staff(client, SUPPLIER_SIGNER)
    url = f"/staff/clients/{firm.id}/certificates"
    page = client.get(url).get_data(as_text=True)
    assert 'data-lk="certificate-form"' not in page
    r = client.post(f"{url}/new", data={"csrf_token": csrf_token(client, url)})
    assert r.status_code == 403
