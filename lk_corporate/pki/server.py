"""The loopback services of the demo PKI: CRLs, OCSP (POST and GET), RFC 3161 TSA.

``lk pki serve DIR`` runs them in the foreground; ``lk demo`` and the tests call
:func:`start_services` to run them in a background thread. A small WSGI app on
werkzeug (already a Flask dependency) keeps the demo free of other servers.

Endpoints (``<base>`` is the base URL the PKI was generated with):

- ``GET  <base>/crl/<ca>.crl``      a fresh CRL of that authority (DER)
- ``GET  <base>/certs/<ca>.crt``    the authority certificate (DER), for AIA chasing
- ``POST <base>/ocsp``              OCSP, ``application/ocsp-request``
- ``GET  <base>/ocsp/<base64 req>`` OCSP over GET (RFC 6960 appendix A.1)
- ``POST <base>/tsa``               RFC 3161, ``application/timestamp-query``
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import threading
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self
from urllib.parse import unquote, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from lk_corporate.pki import ocsp, tsa
from lk_corporate.pki.authority import LoadedPki, load_pki
from lk_corporate.pki.crl import build_crl
from lk_corporate.pki.manifest import Manifest

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
MAX_REQUEST_BYTES = 64 * 1024
CRL_CACHE_SECONDS = 60


@dataclass
class _CrlCache:
    lock: threading.Lock = field(default_factory=threading.Lock)
    entries: dict[str, tuple[dt.datetime, bytes]] = field(default_factory=dict)


class PkiServices:
    """The WSGI application answering CRL, certificate, OCSP and TSA requests."""

    def __init__(self, pki: LoadedPki):
        self.pki = pki
        # The routes live under the base URL's path, if any (e.g. http://host/pki/...).
        prefix = urlsplit(pki.manifest.base_url).path.rstrip("/")
        self.tsa_path = f"{prefix}/tsa"
        self.url_map = Map([
            Rule(f"{prefix}/", endpoint="index"),
            Rule(f"{prefix}/crl/<ca_id>.crl", endpoint="crl"),
            Rule(f"{prefix}/certs/<ca_id>.crt", endpoint="cert"),
            Rule(f"{prefix}/ocsp", endpoint="ocsp_post", methods=["POST"]),
            Rule(f"{prefix}/ocsp/<path:encoded>", endpoint="ocsp_get", methods=["GET"]),
            Rule(f"{prefix}/tsa", endpoint="tsa", methods=["POST"]),
        ])
        self._crls = _CrlCache()

    # -- endpoints ------------------------------------------------------------------------
    def index(self, request: Request) -> Response:
        lines = [f"LK Corporate demo PKI services ({self.pki.manifest.base_url})", ""]
        lines += [f"CRL  {url}" for url in self.pki.manifest.crl_urls.values()]
        lines += [f"OCSP {self.pki.manifest.ocsp_url}", f"TSA  {self.pki.manifest.tsa_url}"]
        return Response("\n".join(lines) + "\n", mimetype="text/plain")

    def crl(self, request: Request, ca_id: str) -> Response:
        ca = self.pki.authorities.get(ca_id)
        if ca is None:
            raise NotFound()
        now = dt.datetime.now(dt.UTC)
        with self._crls.lock:
            cached = self._crls.entries.get(ca_id)
            if cached is None or (now - cached[0]).total_seconds() > CRL_CACHE_SECONDS:
                cached = (now, build_crl(ca.cert, ca.key, ca.revocations, now=now))
                self._crls.entries[ca_id] = cached
        return Response(cached[1], mimetype="application/pkix-crl")

    def cert(self, request: Request, ca_id: str) -> Response:
        ca = self.pki.authorities.get(ca_id)
        if ca is None:
            raise NotFound()
        return Response(ca.der, mimetype="application/pkix-cert")

    def ocsp_post(self, request: Request) -> Response:
        return self._ocsp(self._body(request))

    def ocsp_get(self, request: Request, encoded: str) -> Response:
        # RFC 6960 A.1: url-encoding of the base64 of the DER request. Be lenient with
        # clients that do not escape '/', '+' and '=' (the path converter keeps '/').
        text = unquote(encoded)
        try:
            der = base64.b64decode(text + "=" * (-len(text) % 4), validate=False)
        except (binascii.Error, ValueError):
            der = b""
        return self._ocsp(der)

    def tsa(self, request: Request) -> Response:
        return Response(tsa.respond(self.pki, self._body(request)),
                        mimetype="application/timestamp-reply")

    # -- plumbing -------------------------------------------------------------------------
    def _ocsp(self, der: bytes) -> Response:
        return Response(ocsp.respond(self.pki, der), mimetype="application/ocsp-response")

    @staticmethod
    def _body(request: Request) -> bytes:
        if request.content_length is not None and request.content_length > MAX_REQUEST_BYTES:
            return b""
        return request.get_data(cache=False)[:MAX_REQUEST_BYTES]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        adapter = self.url_map.bind_to_environ(environ)
        try:
            endpoint, args = adapter.match()
            response = getattr(self, endpoint)(request, **args)
        except (NotFound, MethodNotAllowed) as exc:
            response = exc
        except HTTPException as exc:  # pragma: no cover - werkzeug internals
            response = exc
        return response(environ, start_response)


@dataclass
class ServicesHandle:
    """A running background server; :meth:`stop` shuts it down and waits for the thread."""

    server: BaseWSGIServer
    thread: threading.Thread
    base_url: str

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1, so a client may keep its connection for the next request: a signing batch
    asks the TSA for two tokens per client, and a new connection each time costs about as
    much as the token (every response carries its Content-Length).

    A timestamp request is answered without the WSGI machinery (environ, request and
    response objects, URL matching: more than the token itself costs) and in one write, so
    the reply is not held back by Nagle's algorithm waiting for the client's ACK.
    """

    protocol_version = "HTTP/1.1"

    def run_wsgi(self) -> None:
        app = getattr(self.server, "app", None)
        if (self.command == "POST" and isinstance(app, PkiServices)
                and self.path.split("?", 1)[0] == app.tsa_path):
            self._timestamp(app)
            return
        super().run_wsgi()

    def _timestamp(self, app: PkiServices) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_REQUEST_BYTES:
            body = b""
            self.close_connection = True
        else:
            body = self.rfile.read(length)
        reply = tsa.respond(app.pki, body)
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\n"
                f"Content-Length: {len(reply)}\r\n"
                + ("Connection: close\r\n" if self.close_connection else "") + "\r\n")
        self.wfile.write(head.encode("ascii") + reply)
        self.log_request(200, len(reply))


class _QuietHandler(_KeepAliveHandler):
    """Request handler that does not log each request (background use in tests and demo)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.debug("%s %s", self.requestline, code)


class PortInUseError(OSError):
    """The port asked for is taken (werkzeug would print and exit instead)."""


def _check_port(host: str, port: int) -> None:
    import socket

    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PortInUseError(exc.errno, f"{host}:{port} is already in use") from exc


def port_is_free(host: str, port: int) -> bool:
    """Nothing listens on ``host:port`` yet (a bind would succeed)."""
    try:
        _check_port(host, port)
    except PortInUseError:
        return False
    return True


def serves_pki(manifest: Manifest, host: str, port: int, *, timeout: float = 3.0) -> bool:
    """Whether ``http://host:port`` serves this very PKI: every authority certificate it
    hands out (``/certs/<id>.crt``) is this PKI's, byte for byte.

    Another demo's PKI has the same layout and authority names but its own keys, so its
    certificates differ; anything else on the port answers 404 or not at all. Signatures
    timestamped or revocation-checked by a PKI that is not the signer's do not validate.
    """
    prefix = urlsplit(manifest.base_url).path.rstrip("/")
    # Straight to the port: an http_proxy from the environment must not answer for it.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for ca in manifest.authorities:
        url = f"http://{host}:{port}{prefix}/certs/{ca.id}.crt"
        try:
            with opener.open(url, timeout=timeout) as response:
                served = response.read(MAX_REQUEST_BYTES)
        except (OSError, ValueError):  # refused, timed out, HTTP error, not HTTP at all
            return False
        ours = x509.load_pem_x509_certificate(ca.cert.read_bytes())
        if served != ours.public_bytes(serialization.Encoding.DER):
            return False
    return True


def make_app(pki_dir: Path) -> PkiServices:
    """The WSGI app for the PKI in ``pki_dir`` (loaded once)."""
    return PkiServices(load_pki(Path(pki_dir)))


def start_services(pki_dir: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *,
                   quiet: bool = True) -> ServicesHandle:
    """Serve the PKI's CRL/OCSP/TSA from a daemon thread; returns at once.

    ``port=0`` picks a free port (see ``handle.port``), but the certificates
    only point at the port given to ``lk pki init --base-url``.
    """
    app = make_app(Path(pki_dir))
    _check_port(host, port)
    server = make_server(host, port, app, threaded=True,
                         request_handler=_QuietHandler if quiet else _KeepAliveHandler)
    thread = threading.Thread(target=server.serve_forever, name="lk-pki-services", daemon=True)
    thread.start()
    return ServicesHandle(server, thread, f"http://{host}:{server.server_port}")


def serve_forever(pki_dir: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                  on_ready: Callable[[], None] | None = None) -> None:
    """Serve in the foreground until interrupted (``lk pki serve``).

    Raises :class:`PortInUseError` if the port is taken; ``on_ready`` runs once listening.
    """
    app = make_app(Path(pki_dir))
    _check_port(host, port)
    server = make_server(host, port, app, threaded=True, request_handler=_KeepAliveHandler)
    if on_ready is not None:
        on_ready()
    try:
        server.serve_forever()
    finally:
        server.server_close()
