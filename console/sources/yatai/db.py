"""Yatai's PostgreSQL, read-only: the pool, the schema check and the registry queries (asyncpg).

Every read runs in a read-only transaction (``default_transaction_read_only`` on the
connection and ``readonly=True`` on the transaction), under ``statement_timeout``, from a
small pool.  Rows soft-deleted by Yatai (``deleted_at`` set) are left out.  Failures become
:class:`~inference_console.sources.registries.RegistryError` in words that never include
the password or a DSN's userinfo.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, AsyncIterator

from inference_console.settings.endpoints import YataiSettings, mask_url
from inference_console.sources.registries import RegistryError
from inference_console.state.store import KindState

# What this console reads, table by table (Yatai's migrations 000001-000006).
REQUIRED: dict[str, tuple[str, ...]] = {
    "organization": ("id", "name"),
    "user": ("id", "name"),
    "bento_repository": ("id", "name", "description", "organization_id", "creator_id", "created_at", "deleted_at"),
    "bento": (
        "id",
        "version",
        "description",
        "manifest",
        "bento_repository_id",
        "upload_status",
        "image_build_status",
        "upload_finished_reason",
        "creator_id",
        "build_at",
        "created_at",
        "deleted_at",
    ),
    "model_repository": ("id", "name", "description", "organization_id", "creator_id", "created_at", "deleted_at"),
    "model": (
        "id",
        "version",
        "description",
        "manifest",
        "model_repository_id",
        "upload_status",
        "image_build_status",
        "creator_id",
        "build_at",
        "created_at",
        "deleted_at",
    ),
    "bento_model_rel": ("bento_id", "model_id", "deleted_at"),
    "label": ("resource_type", "resource_id", "key", "value", "deleted_at"),
}

_LABELS = """
    SELECT resource_id, json_object_agg(key, value)::text AS labels
    FROM label WHERE resource_type = '{kind}' AND deleted_at IS NULL GROUP BY resource_id
"""

BENTOS = f"""
SELECT b.id, r.name AS repository, o.name AS organization, b.version, b.description,
       b.manifest::text AS manifest, b.upload_status::text AS upload_status,
       b.image_build_status::text AS image_build_status, b.upload_finished_reason,
       b.build_at, b.created_at, u.name AS creator, l.labels, m.models
FROM bento b
JOIN bento_repository r ON r.id = b.bento_repository_id AND r.deleted_at IS NULL
JOIN organization o ON o.id = r.organization_id
LEFT JOIN "user" u ON u.id = b.creator_id
LEFT JOIN ({_LABELS.format(kind="bento")}) l ON l.resource_id = b.id
LEFT JOIN (
    SELECT rel.bento_id, json_agg(mr.name || ':' || md.version ORDER BY mr.name)::text AS models
    FROM bento_model_rel rel
    JOIN model md ON md.id = rel.model_id AND md.deleted_at IS NULL
    JOIN model_repository mr ON mr.id = md.model_repository_id
    WHERE rel.deleted_at IS NULL GROUP BY rel.bento_id
) m ON m.bento_id = b.id
WHERE b.deleted_at IS NULL
ORDER BY b.created_at DESC, b.id DESC
"""

MODELS = f"""
SELECT md.id, r.name AS repository, o.name AS organization, md.version, md.description,
       md.manifest::text AS manifest, md.upload_status::text AS upload_status,
       md.image_build_status::text AS image_build_status, md.build_at, md.created_at,
       u.name AS creator, l.labels
FROM model md
JOIN model_repository r ON r.id = md.model_repository_id AND r.deleted_at IS NULL
JOIN organization o ON o.id = r.organization_id
LEFT JOIN "user" u ON u.id = md.creator_id
LEFT JOIN ({_LABELS.format(kind="model")}) l ON l.resource_id = md.id
WHERE md.deleted_at IS NULL
ORDER BY md.created_at DESC, md.id DESC
"""

REPOSITORIES = """
SELECT r.name, o.name AS organization, r.description, r.created_at, u.name AS creator
FROM {table} r JOIN organization o ON o.id = r.organization_id LEFT JOIN "user" u ON u.id = r.creator_id
WHERE r.deleted_at IS NULL ORDER BY r.name
"""


def where(settings: YataiSettings) -> str:
    """The database as shown to people: host:port/database, never a password."""
    if settings.dsn:
        return mask_url(settings.dsn) or ""
    return f"postgresql://{settings.user + '@' if settings.user else ''}{settings.host or 'localhost'}:{settings.port}/{settings.database}"


def _json(text: Any, default: Any) -> Any:
    if text is None:
        return default
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return default


def translate(exc: BaseException, settings: YataiSettings) -> RegistryError:
    """A database failure in words (no secret): what failed and what to check."""
    import asyncpg

    place = where(settings)
    if isinstance(exc, RegistryError):
        return exc
    if isinstance(exc, asyncpg.InvalidPasswordError):
        return RegistryError(
            f"Yatai database {place}: password authentication failed "
            "(check yatai.password, password_env or password_file)",
            401,
        )
    if isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError):
        return RegistryError(f"Yatai database {place}: the server refused the user: {exc}", 403, KindState.FORBIDDEN)
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return RegistryError(f"Yatai database {place}: {exc}", 404)
    if isinstance(exc, asyncpg.QueryCanceledError):
        return RegistryError(
            f"Yatai database {place}: a query ran past statement_timeout "
            f"({settings.statement_timeout:g}s) and was cancelled",
            504,
        )
    if isinstance(exc, (asyncpg.UndefinedTableError, asyncpg.UndefinedColumnError)):
        return RegistryError(f"Yatai database {place}: the schema differs from Yatai's (another Yatai version?): {exc}")
    if isinstance(exc, asyncpg.InsufficientPrivilegeError):
        return RegistryError(f"Yatai database {place}: permission denied: {exc}", 403, KindState.FORBIDDEN)
    if isinstance(
        exc,
        (
            OSError,
            asyncio.TimeoutError,
            asyncpg.CannotConnectNowError,
            asyncpg.ConnectionDoesNotExistError,
            asyncpg.TooManyConnectionsError,
        ),
    ):
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        return RegistryError(f"cannot reach the Yatai database {place}: {reason}", 0)
    if isinstance(exc, asyncpg.PostgresError):
        return RegistryError(f"Yatai database {place}: {type(exc).__name__}: {exc}")
    return RegistryError(f"Yatai database {place}: {type(exc).__name__}: {exc}")


class YataiDB:
    def __init__(self, settings: YataiSettings) -> None:
        self.settings = settings
        self.pool: Any = None

    async def connect(self) -> None:
        import asyncpg

        s = self.settings
        password = s.resolve_password()  # SecretUnavailable names the variable or file, not the secret
        kwargs: dict[str, Any] = dict(
            min_size=1,
            max_size=s.pool_size,
            timeout=min(10.0, s.statement_timeout + 5),
            command_timeout=s.statement_timeout + 5,
            server_settings={
                "statement_timeout": str(int(s.statement_timeout * 1000)),
                "default_transaction_read_only": "on",
                "application_name": "inference-console",
            },
        )
        if password is not None:
            kwargs["password"] = password
        if s.sslmode:
            kwargs["ssl"] = s.sslmode
        try:
            if s.dsn:
                self.pool = await asyncpg.create_pool(dsn=s.dsn, **kwargs)
            else:
                self.pool = await asyncpg.create_pool(
                    host=s.host or "localhost", port=s.port, user=s.user, database=s.database, **kwargs
                )
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise translate(exc, s) from None

    async def close(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            try:
                await asyncio.wait_for(pool.close(), 2)
            except (Exception, asyncio.TimeoutError):  # noqa: BLE001
                pool.terminate()

    async def schema_problems(self) -> list[str]:
        """What this console needs and the database lacks: "table bento has no column …"."""
        rows = await self._fetch(
            """SELECT table_name, column_name FROM information_schema.columns
                                    WHERE table_schema = current_schema() AND table_name = ANY($1::text[])""",
            list(REQUIRED),
        )
        have: dict[str, set[str]] = {}
        for row in rows:
            have.setdefault(row["table_name"], set()).add(row["column_name"])
        problems = []
        for table, columns in REQUIRED.items():
            if table not in have:
                problems.append(f"table {table} is missing")
                continue
            missing = [c for c in columns if c not in have[table]]
            if missing:
                problems.append(f"table {table} has no column {', '.join(missing)}")
        return problems

    async def _fetch(self, query: str, *args: Any) -> list[Any]:
        try:
            async with self.pool.acquire() as conn:
                async with conn.transaction(readonly=True):
                    return await conn.fetch(query, *args)
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise translate(exc, self.settings) from None

    async def stream(self, query: str, page: int = 500) -> AsyncIterator[list[Any]]:
        """Rows in pages from a server-side cursor (the first page arrives before the rest is read)."""
        try:
            async with self.pool.acquire() as conn:
                async with conn.transaction(readonly=True):
                    cursor = await conn.cursor(query)
                    size = 200  # a small first page: rows on screen sooner
                    while True:
                        rows = await cursor.fetch(size)
                        if not rows:
                            return
                        yield rows
                        size = page
        except BaseException as exc:
            if isinstance(exc, (asyncio.CancelledError, GeneratorExit)):
                raise
            raise translate(exc, self.settings) from None

    async def repositories(self, table: str) -> list[Any]:
        return await self._fetch(REPOSITORIES.format(table=table))


def version_record(kind: str, row: Any) -> dict[str, Any]:
    """A bento or model row as a record keyed ``repository:version`` (metadata as Kubernetes has it)."""
    repo, version = row["repository"], row["version"]
    tag = f"{repo}:{version}"
    manifest = _json(row["manifest"], {}) or {}
    created = row["created_at"].isoformat() if row["created_at"] is not None else ""
    record: dict[str, Any] = {
        "kind": kind,
        "metadata": {"name": tag, "uid": tag, "labels": _json(row["labels"], {}) or {}, "creationTimestamp": created},
        "repository": repo,
        "version": version,
        "organization": row["organization"],
        "description": row["description"] or "",
        "creator": row["creator"] or "",
        "uploadStatus": row["upload_status"],
        "imageBuildStatus": row["image_build_status"],
        "buildAt": row["build_at"].isoformat() if row["build_at"] is not None else "",
        "sizeBytes": manifest.get("size_bytes") if isinstance(manifest, dict) else None,
        "manifest": manifest,
        "links": [],
    }
    if kind == "YataiBento":
        record["models"] = _json(row["models"], []) or []
        record["uploadFinishedReason"] = row["upload_finished_reason"] or ""
    return record


def repository_record(kind: str, row: Any) -> dict[str, Any]:
    name = row["name"]
    return {
        "kind": kind,
        "metadata": {
            "name": name,
            "uid": name,
            "labels": {},
            "creationTimestamp": row["created_at"].isoformat() if row["created_at"] else "",
        },
        "repository": name,
        "organization": row["organization"],
        "description": row["description"] or "",
        "creator": row["creator"] or "",
        "versions": 0,
        "latest": "",
        "deployed": 0,
    }
