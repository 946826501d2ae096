"""Real servers for the registry tests, started once per test session (process-wide singletons).

* PostgreSQL from the ``pgserver`` wheel (TCP on loopback, scram passwords), Yatai's
  migrations from ``../shared/fixtures/yatai-db`` (or the project's own DDL) and the demo's rows.
* S3: moto in server mode on loopback, reached through boto3 over HTTP.
* Docker's reference registry (Debian's ``docker-registry``) on loopback: anonymous, and one
  with htpasswd (bcrypt) basic auth served over TLS with a certificate of a test CA.

A missing component fails loudly (no skip): these are what the tests are about.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from tests.shared import shared_dir

PG_PASSWORD = "pg-Secret-8d1f"
_cache: dict[str, Any] = {}
_lock = threading.Lock()


def _run(coro):
    """Run a coroutine on a private loop (fixtures are sync; tests have their own loops)."""
    result: dict[str, Any] = {}

    def target():
        try:
            result["value"] = asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres() -> Any:
    """The session's PostgreSQL with database ``yatai`` (demo rows) loaded."""
    with _lock:
        if "pg" not in _cache:
            from inference_console.sandbox.postgres import Postgres, load_yatai_schema, wait_ready
            from inference_console.sandbox.yatai_seed import demo_rows, seed

            root = Path(tempfile.mkdtemp(prefix="ic-pg-"))
            pg = Postgres(root / "data", free_port(), PG_PASSWORD).start()
            atexit.register(lambda: (pg.stop(), shutil.rmtree(root, ignore_errors=True)))

            async def prepare():
                import asyncpg

                await wait_ready(pg)
                await load_yatai_schema(pg, "yatai", shared_dir() / "fixtures" / "yatai-db")
                conn = await asyncpg.connect(pg.dsn("yatai"), password=PG_PASSWORD)
                try:
                    await seed(conn, *demo_rows())
                finally:
                    await conn.close()

            _run(prepare())
            _cache["pg"] = pg
        return _cache["pg"]


def database(
    name: str, *, seed_rows=None, bulk: int = 0, drop: str | None = None, schema: str = "yatai", now=None
) -> str:
    """A fresh Yatai database ``name`` on the session's server (demo rows, ``bulk`` versions,
    or a schema with the ``drop`` SQL applied); returns its DSN without the password.

    ``schema="yatai"`` builds it from Yatai's real migrations (``../shared/fixtures/yatai-db``),
    ``schema="project"`` from the project's own DDL (what the demo uses); ``now`` fixes the
    seed's clock (two databases seeded with the same ``now`` hold the same rows)."""
    from inference_console.sandbox.postgres import load_yatai_schema
    from inference_console.sandbox.yatai_seed import demo_rows, seed, seed_bulk

    assert schema in ("yatai", "project"), schema
    pg = postgres()
    key = f"db:{name}"
    with _lock:
        if key not in _cache:

            async def prepare():
                import asyncpg

                migrations = shared_dir() / "fixtures" / "yatai-db" if schema == "yatai" else None
                await load_yatai_schema(pg, name, migrations)
                conn = await asyncpg.connect(pg.dsn(name), password=PG_PASSWORD)
                try:
                    if bulk:
                        await seed_bulk(conn, "bulk_service", bulk)
                    if seed_rows is not None or not bulk:
                        await seed(conn, *(seed_rows or demo_rows()), now=now)
                    if drop:
                        await conn.execute(drop)
                finally:
                    await conn.close()

            _run(prepare())
            _cache[key] = pg.dsn(name)
        return _cache[key]


def moto_s3() -> str:
    """The endpoint URL of a moto S3 server on loopback."""
    with _lock:
        if "moto" not in _cache:
            from moto.server import ThreadedMotoServer

            port = free_port()
            server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
            server.start()
            atexit.register(server.stop)
            _cache["moto"] = f"http://127.0.0.1:{port}"
        return _cache["moto"]


def _registry_binary() -> str:
    binary = shutil.which("docker-registry") or "/usr/bin/docker-registry"
    if not os.path.exists(binary):
        raise RuntimeError("docker-registry is not installed: apt-get install -y docker-registry (.ci/run installs it)")
    return binary


def _serve_registry(root: Path, port: int, config: dict[str, Any]) -> None:
    """Start Debian's docker-registry with ``config`` and wait until it accepts connections."""
    path = root / "config.yml"
    path.write_text(json.dumps(config))  # YAML is a superset of JSON
    proc = subprocess.Popen(
        [_registry_binary(), "serve", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=open(root / "log", "wb"),
        start_new_session=True,
    )
    atexit.register(lambda: (proc.terminate(), shutil.rmtree(root, ignore_errors=True)))
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"docker-registry exited: {(root / 'log').read_text()[-500:]}") from None
            time.sleep(0.05)
    raise RuntimeError("docker-registry did not start")


def docker_registry() -> str:
    """The URL of Debian's docker-registry (Distribution) on loopback, anonymous, deletes enabled."""
    with _lock:
        if "registry" not in _cache:
            root = Path(tempfile.mkdtemp(prefix="ic-registry-"))
            port = free_port()
            _serve_registry(
                root,
                port,
                {
                    "version": 0.1,
                    "log": {"level": "error"},
                    "storage": {"filesystem": {"rootdirectory": str(root / "data")}, "delete": {"enabled": True}},
                    "http": {"addr": f"127.0.0.1:{port}"},
                },
            )
            _cache["registry"] = f"http://127.0.0.1:{port}"
        return _cache["registry"]


def test_ca(root: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1 signed by it: (ca.pem, cert.pem, key.pem)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "inference-console test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # keyCertSign, cRLSign
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = root / "ca.pem", root / "cert.pem", root / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


REGISTRY_USER = "robot"
REGISTRY_PASSWORD = "htpw-Secret-41c7"


def docker_registry_htpasswd() -> tuple[str, Path]:
    """Debian's docker-registry with htpasswd basic auth (user :data:`REGISTRY_USER`, a bcrypt
    entry for :data:`REGISTRY_PASSWORD`), over TLS as Distribution's documentation requires for
    htpasswd ("MUST be used under TLS"; 2.8.2 itself also accepts it over plain HTTP, so TLS is
    the documented setup, not a refusal).  Returns (https URL, the CA's PEM file)."""
    with _lock:
        if "registry-htpasswd" not in _cache:
            import bcrypt

            root = Path(tempfile.mkdtemp(prefix="ic-registry-auth-"))
            ca, cert, key = test_ca(root)
            hashed = bcrypt.hashpw(REGISTRY_PASSWORD.encode(), bcrypt.gensalt(rounds=5)).decode()
            (root / "htpasswd").write_text(f"{REGISTRY_USER}:{hashed}\n")
            port = free_port()
            _serve_registry(
                root,
                port,
                {
                    "version": 0.1,
                    "log": {"level": "error"},
                    "storage": {"filesystem": {"rootdirectory": str(root / "data")}},
                    "auth": {"htpasswd": {"realm": "ic-test-registry", "path": str(root / "htpasswd")}},
                    "http": {"addr": f"127.0.0.1:{port}", "tls": {"certificate": str(cert), "key": str(key)}},
                },
            )
            _cache["registry-htpasswd"] = (f"https://127.0.0.1:{port}", ca)
        return _cache["registry-htpasswd"]
