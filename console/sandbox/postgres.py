"""A real PostgreSQL from the ``pgserver`` wheel, on loopback TCP with a password (demo and tests).

``pgserver`` ships PostgreSQL's binaries; its own ``get_server`` listens on a Unix socket with
``trust`` authentication, which would hide a wrong password.  This starts the same binaries
the way a Yatai database runs: TCP on 127.0.0.1, ``scram-sha-256`` passwords.  As root, the
server runs as pgserver's system user (PostgreSQL refuses to run as root).

:func:`load_yatai_schema` creates a Yatai database from the project's own DDL
(:mod:`.yatai_schema`: what the console reads and the seed writes), so the demo needs nothing
beside the package.  Tests may pass a folder of Yatai's real migrations instead; they are applied
with the one change ``pgserver`` needs: it has no contrib extensions, so
``CREATE EXTENSION pgcrypto`` is dropped and ``gen_random_bytes`` (the only pgcrypto function the
migrations call) is defined in SQL first.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GEN_RANDOM_BYTES = """
CREATE OR REPLACE FUNCTION gen_random_bytes(n integer) RETURNS bytea AS $$
    SELECT decode(string_agg(lpad(to_hex(floor(random() * 256)::int), 2, '0'), ''), 'hex')
    FROM generate_series(1, n);
$$ LANGUAGE SQL VOLATILE;
"""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass(eq=False)  # compared (and kept in the exit hook's set) by identity
class Postgres:
    datadir: Path
    port: int
    password: str
    user: str = "postgres"
    process: subprocess.Popen | None = None
    _system_user: str | None = None
    _stopping: bool = False

    def dsn(self, database: str = "postgres", password: bool = False) -> str:
        secret = f":{self.password}" if password else ""
        return f"postgresql://{self.user}{secret}@127.0.0.1:{self.port}/{database}"

    # ------------------------------------------------------------------ life cycle
    def start(self, timeout: float = 60.0) -> "Postgres":
        """initdb (first time) and start; blocks until the server accepts connections.

        The server runs in its own session (a ctrl-c in the terminal must not reach it), so
        nothing stops it with its parent: :meth:`stop` does, also when it is called while this
        is still starting (a demo quit at once), and an exit hook stops any left running."""
        from pgserver._commands import POSTGRES_BIN_PATH

        bin_path = POSTGRES_BIN_PATH
        run_as: dict[str, Any] = {}
        if os.name == "posix" and os.geteuid() == 0:
            from pgserver.utils import ensure_prefix_permissions, ensure_user_exists

            self._system_user = "pgserver"
            ensure_user_exists(self._system_user)
            run_as = {"user": self._system_user}
        self.datadir.mkdir(parents=True, exist_ok=True)
        if self._system_user:
            from pgserver.utils import ensure_prefix_permissions

            ensure_prefix_permissions(self.datadir)
            shutil.chown(self.datadir, self._system_user)
        if not (self.datadir / "PG_VERSION").exists():
            pwfile = self.datadir.parent / f".{self.datadir.name}.pw"
            pwfile.write_text(self.password)
            if self._system_user:
                shutil.chown(pwfile, self._system_user)
            try:
                subprocess.run(
                    [
                        str(bin_path / "initdb"),
                        "-D",
                        str(self.datadir),
                        "-U",
                        self.user,
                        "--auth=scram-sha-256",
                        f"--pwfile={pwfile}",
                        "--encoding=utf8",
                        "--no-sync",
                    ],
                    check=True,
                    capture_output=True,
                    timeout=timeout,
                    **run_as,
                )
            except subprocess.CalledProcessError as exc:
                raise RuntimeError(f"initdb failed: {exc.stderr.decode(errors='replace')[-500:]}") from None
            finally:
                pwfile.unlink(missing_ok=True)
        log = open(self.datadir.parent / f"{self.datadir.name}.log", "ab")
        self.process = subprocess.Popen(
            [
                str(bin_path / "postgres"),
                "-D",
                str(self.datadir),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-k",
                str(self.datadir),
                "-c",
                "fsync=off",
                "-c",
                "max_connections=50",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **run_as,
        )
        _RUNNING.add(self)
        if self._stopping:  # stop() was called while this was starting
            self.stop()
            raise RuntimeError("postgres stopped while starting")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited with {self.process.returncode}; see {log.name}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            raise TimeoutError("postgres did not start listening")
        return self

    def stop(self) -> None:
        self._stopping = True
        _RUNNING.discard(self)
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            proc.terminate()  # smart shutdown
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


_RUNNING: "weakref.WeakSet[Postgres]" = weakref.WeakSet()


@atexit.register
def _stop_left_running() -> None:
    for pg in list(_RUNNING):
        try:
            pg.stop()
        except Exception:  # noqa: BLE001 - exiting: stop as many as possible
            pass


async def wait_ready(pg: Postgres, timeout: float = 30.0) -> None:
    import asyncio

    import asyncpg

    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            conn = await asyncpg.connect(pg.dsn(), password=pg.password, timeout=2)
            await conn.close()
            return
        except (OSError, asyncpg.PostgresError, asyncio.TimeoutError):
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.1)


async def load_yatai_schema(pg: Postgres, database: str = "yatai", migrations: Path | None = None) -> None:
    """Create ``database`` (dropped first if it exists) with the project's Yatai DDL, or, given
    ``migrations`` (a folder of Yatai's ``*.up.sql``), with those applied in order."""
    import asyncpg

    if migrations is not None and not any(migrations.glob("*.up.sql")):
        raise FileNotFoundError(f"no Yatai migrations (*.up.sql) in {migrations}")
    admin = await asyncpg.connect(pg.dsn(), password=pg.password)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if exists:
            await admin.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{database}"')
    finally:
        await admin.close()
    conn = await asyncpg.connect(pg.dsn(database), password=pg.password)
    try:
        if migrations is None:
            from inference_console.sandbox.yatai_schema import DDL

            await conn.execute(DDL)
            return
        await conn.execute(GEN_RANDOM_BYTES)
        for path in sorted(migrations.glob("*.up.sql")):
            sql = path.read_text()
            sql = "\n".join(
                line for line in sql.splitlines() if not line.strip().upper().startswith("CREATE EXTENSION")
            )
            await conn.execute(sql)
    finally:
        await conn.close()
