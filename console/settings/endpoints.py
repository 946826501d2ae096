"""Typed settings for the endpoint tables of the config file.

One frozen dataclass per table (``prometheus``, ``loki``, ``model_registry``,
``image_registry``, ``yatai``, ``s3``), built and validated where the file is read
(:func:`inference_console.settings.config_file.load_config`), so a wrong type or an
unknown key is reported with the file, the table and the key before anything starts.

HTTP endpoints (Prometheus, Loki, the Kubeflow Model Registry, an OCI image registry)::

    url          http(s) URL; without it the source may discover the service in the cluster
    token        bearer token: token (literal), token_env (a variable's name) or token_file (a path)
    username     basic auth, with password, password_env or password_file
    ca_file      CA bundle (PEM) to verify the server with
    insecure     true: do not verify TLS
    headers      extra request headers, { "X-Scope-OrgID" = "team-a" }
    timeout      seconds per request (default 10)

plus ``interval`` (Prometheus refresh, seconds, default 15), ``tenant`` (Loki's
X-Scope-OrgID) and ``buffer_lines`` (Loki, default 100000).  Yatai's database:
``dsn`` (``postgresql://...``) or ``host``/``port``/``database``/``user``; password
from ``password``, ``password_env`` or ``password_file``; ``sslmode``,
``statement_timeout`` (seconds), ``pool_size``.  S3: ``endpoint_url``, ``region``,
``bucket``, ``path_style``, ``profile``, ``access_key_id`` with
``secret_access_key`` or ``secret_access_key_env`` (without them boto3's usual
environment and profile chain applies).

Secrets are read when a source needs them (``resolve_token()``, ``resolve_password()``,
``resolve_secret_access_key()``): the literal, else the environment variable, else the
file's contents, stripped.  A variable that is not set or a file that cannot be read is
a :class:`SecretUnavailable` naming the variable or the path, never the secret.  Paths
(``*_file``, ``ca_file``) may start with ``~``; a relative path is relative to the
config file's folder, as kubectl does for paths in a kubeconfig.

Merging (``[defaults]`` under ``[contexts.NAME]``) is key by key, except that keys which
are alternatives replace each other: a context that sets ``token_env`` drops the
default ``token`` (and basic auth), one that sets ``host`` drops the default ``dsn``.

Printing (``inference-console config``) goes through :meth:`EndpointSettings.masked`:
literal secrets, passwords inside URLs and DSNs, and headers whose name looks like
credentials (``Authorization``, ``X-Api-Key``, ...) are shown as ``***``.  Names of
variables and files are shown: they are how a reader finds out where a secret comes from.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Iterator, Mapping

MASK = "***"

# A header whose name matches carries credentials (Authorization, Proxy-Authorization,
# X-Api-Key, Cookie, X-Auth-Token...); X-Scope-OrgID (a tenant) does not.
SECRET_HEADER = re.compile(r"auth|token|secret|key|cookie|passw|credential|session|signature", re.IGNORECASE)
# A URL query parameter whose name matches is masked the same way (…?password=…&sslkey=…).
_SECRET_PARAM = re.compile(r"passw|token|secret|key|credential|signature|auth", re.IGNORECASE)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # RFC 9110 token
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
MAX_SECONDS = 24 * 3600.0
MAX_SECRET_FILE = 64 * 1024


class EndpointSettingsError(ValueError):
    """A bad value in an endpoint table; ``key`` is the key it is about ("" = the table).

    The message never contains the value of a secret.
    """

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key} {message}" if key else message)
        self.key = key
        self.message = message


class SecretUnavailable(Exception):
    """A secret that cannot be read: the message names the variable or the path, not the secret."""


# ----------------------------------------------------------------------------- masking
def mask_url(url: str | None) -> str | None:
    """``url`` with the password of its userinfo and secret-looking query values replaced by ``***``."""
    if not url:
        return url
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority_end = len(rest)
    for stop in "/?#":
        at = rest.find(stop)
        if at != -1:
            authority_end = min(authority_end, at)
    authority, tail = rest[:authority_end], rest[authority_end:]
    if "@" in authority:
        userinfo, _, hostport = authority.rpartition("@")
        user, colon, _password = userinfo.partition(":")
        authority = f"{user}:{MASK}@{hostport}" if colon else f"{userinfo}@{hostport}"
    path, qmark, query = tail.partition("?")
    if qmark:
        query, hash_, fragment = query.partition("#")
        parts = []
        for item in query.split("&"):
            name, eq, _value = item.partition("=")
            parts.append(f"{name}={MASK}" if eq and _SECRET_PARAM.search(name) else item)
        tail = f"{path}?{'&'.join(parts)}{hash_}{fragment}"
    return f"{scheme}://{authority}{tail}"


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {name: (MASK if SECRET_HEADER.search(name) else value) for name, value in headers.items()}


class Headers(Mapping[str, str]):
    """Extra request headers: a read-only, hashable map whose repr masks credentials."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, str] | None = None) -> None:
        self._data = dict(data or {})

    def __getitem__(self, name: str) -> str:
        return self._data[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(tuple(self._data.items()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and self._data == dict(other.items())

    def __repr__(self) -> str:
        return f"Headers({mask_headers(self._data)!r})"


# ----------------------------------------------------------------------------- reading secrets
def resolve_secret(
    what: str,
    literal: str | None = None,
    env: str | None = None,
    file: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> str | None:
    """The secret: ``literal``, else the variable ``env``, else the contents of ``file``, stripped.

    ``None`` when none of them is configured.  ``what`` names the setting in messages
    ("loki token").  Raises :class:`SecretUnavailable` for a variable that is not set or
    empty, or a file that cannot be read or is empty; the message names the variable or
    the path and never contains the secret.
    """
    if literal is not None:
        return literal
    if env:
        source = os.environ if environ is None else environ
        value = source.get(env)
        if value is None:
            raise SecretUnavailable(f"{what}: the environment variable {env} is not set")
        value = value.strip()
        if not value:
            raise SecretUnavailable(f"{what}: the environment variable {env} is empty")
        return value
    if file:
        path = Path(file).expanduser()
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_SECRET_FILE + 1)
        except OSError as exc:
            raise SecretUnavailable(f"{what}: cannot read {path}: {exc.strerror or type(exc).__name__}") from None
        if len(data) > MAX_SECRET_FILE:
            raise SecretUnavailable(f"{what}: {path} is larger than {MAX_SECRET_FILE // 1024} KiB: not a secret file")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise SecretUnavailable(f"{what}: {path} is not UTF-8 text") from None
        text = text.strip()
        if not text:
            raise SecretUnavailable(f"{what}: {path} is empty")
        return text
    return None


# ----------------------------------------------------------------------------- checking values
def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return f"a {type(value).__name__}"


def _shown(value: Any) -> str:
    """A non-secret value for a message: short, one line."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _text(key: str, value: Any, secret: bool = False) -> str:
    if not isinstance(value, str):
        raise EndpointSettingsError(key, f"must be a string, not {_kind_of(value)}")
    if not value.strip():
        raise EndpointSettingsError(key, "must not be empty (leave the key out instead)")
    if _CONTROL.search(value):
        raise EndpointSettingsError(
            key,
            "must not contain control characters (newlines, tabs, ...)"
            if secret
            else f"must not contain control characters: {_shown(value)}",
        )
    return value


def _http_url(key: str, value: Any) -> str:
    text = _text(key, value, secret=True)
    if not re.match(r"^https?://[^/?#\s]+", text):
        raise EndpointSettingsError(key, f"must be an http(s) URL, not {_shown(mask_url(text))}")
    return text


def _dsn(key: str, value: Any) -> str:
    text = _text(key, value, secret=True)
    if not re.match(r"^postgres(ql)?://", text):
        # Not echoed: a key=value DSN would show its password.
        raise EndpointSettingsError(key, "must be a PostgreSQL URL: postgresql://USER@HOST:PORT/DATABASE?sslmode=...")
    return text


def _env_name(key: str, value: Any) -> str:
    text = _text(key, value)
    if not _ENV_NAME.match(text):
        raise EndpointSettingsError(
            key, f"must be the name of an environment variable (letters, digits and _), not {_shown(text)}"
        )
    return text


def _path(key: str, value: Any, relative_to: Path | None) -> str:
    path = Path(_text(key, value)).expanduser()
    if not path.is_absolute() and relative_to is not None:
        path = relative_to / path
    return str(path)


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise EndpointSettingsError(key, f"must be true or false, not {_kind_of(value)}")
    return value


def _seconds(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= MAX_SECONDS:
        got = _shown(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else _kind_of(value)
        raise EndpointSettingsError(
            key, f"must be a number of seconds above 0 and at most {MAX_SECONDS:.0f}, not {got}"
        )
    return float(value)


def _int(key: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        got = _shown(value) if isinstance(value, int) and not isinstance(value, bool) else _kind_of(value)
        raise EndpointSettingsError(key, f"must be a whole number from {low} to {high}, not {got}")
    return value


def _headers(key: str, value: Any) -> Headers:
    if not isinstance(value, dict):
        raise EndpointSettingsError(
            key, f'must be a table of strings such as {{ "X-Scope-OrgID" = "team-a" }}, not {_kind_of(value)}'
        )
    out: dict[str, str] = {}
    for name, header in value.items():
        if not _HEADER_NAME.match(name):
            raise EndpointSettingsError(key, f"has {_shown(name)}, which is not a valid header name")
        if not isinstance(header, str):
            raise EndpointSettingsError(f"{key}.{name}", f"must be a string, not {_kind_of(header)}")
        if _CONTROL.search(header.replace("\t", " ")):
            # Not echoed: it may be a credential.
            raise EndpointSettingsError(f"{key}.{name}", "must not contain newlines or control characters")
        if name.lower() in {k.lower() for k in out}:
            raise EndpointSettingsError(key, f"sets {name} twice (header names are case-insensitive)")
        out[name] = header
    return Headers(out)


def _check(kind: str, key: str, value: Any, relative_to: Path | None, spec: Mapping[str, Any]) -> Any:
    if kind == "text":
        return _text(key, value)
    if kind == "secret":
        return _text(key, value, secret=True)
    if kind == "env":
        return _env_name(key, value)
    if kind == "path":
        return _path(key, value, relative_to)
    if kind == "url":
        return _http_url(key, value)
    if kind == "dsn":
        return _dsn(key, value)
    if kind == "bool":
        return _bool(key, value)
    if kind == "seconds":
        return _seconds(key, value)
    if kind == "int":
        return _int(key, value, spec["low"], spec["high"])
    if kind == "headers":
        return _headers(key, value)
    if kind == "choice":
        text = _text(key, value)
        if text not in spec["choices"]:
            raise EndpointSettingsError(key, f"must be one of {', '.join(spec['choices'])}, not {_shown(text)}")
        return text
    raise AssertionError(kind)  # pragma: no cover


def _f(kind: str, default: Any = None, **spec: Any) -> Any:
    return field(default=default, metadata={"kind": kind, **spec})


# ----------------------------------------------------------------------------- the tables
@dataclass(frozen=True, repr=False)
class EndpointSettings:
    """Common machinery: built from a TOML table, masked for printing, never shows a secret in repr."""

    TABLE: ClassVar[str] = ""
    # Keys that are alternatives: a table setting a key of one group drops the base's
    # keys of the other groups of the same tuple when merged over it.
    ALTERNATIVES: ClassVar[tuple[tuple[frozenset[str], ...], ...]] = ()

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def merge_tables(cls, base: Mapping[str, Any], table: Mapping[str, Any]) -> dict[str, Any]:
        """``table`` over ``base`` (raw TOML tables), key by key, alternatives replacing each other."""
        merged = dict(base)
        for groups in cls.ALTERNATIVES:
            for group in groups:
                if group & table.keys():
                    for other in groups:
                        if other is not group:
                            for key in other - table.keys():
                                merged.pop(key, None)
        merged.update(table)
        return merged

    @classmethod
    def from_table(cls, table: Mapping[str, Any], relative_to: Path | None = None) -> "EndpointSettings":
        """Check a raw TOML table and build the settings; :class:`EndpointSettingsError` names the key."""
        if not isinstance(table, dict):
            raise EndpointSettingsError(
                "", f'must be a table such as {{ {cls.keys()[0]} = "..." }}, not {_kind_of(table)}'
            )
        known = {f.name: f for f in dataclasses.fields(cls)}
        for key in table:
            if key not in known:
                import difflib  # only for this message: the config is read before the first frame

                close = difflib.get_close_matches(key, known, n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise EndpointSettingsError(key, f"is not a setting of {cls.TABLE}{hint}; known: {', '.join(known)}")
        values = {
            key: _check(known[key].metadata["kind"], key, value, relative_to, known[key].metadata)
            for key, value in table.items()
        }
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        """Checks between keys; raise :class:`EndpointSettingsError`."""

    def masked(self) -> dict[str, Any]:
        """The settings as a dict for printing, every secret replaced by ``***`` (unset keys left out)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            kind = f.metadata["kind"]
            if kind == "secret":
                value = MASK
            elif kind in ("url", "dsn"):
                value = mask_url(value)
            elif kind == "headers":
                if not value:
                    continue
                value = mask_headers(value)
            out[f.name] = value
        return out

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.masked().items())
        return f"{type(self).__name__}({inner})"


_BEARER = frozenset({"token", "token_env", "token_file"})
_BASIC = frozenset({"username", "password", "password_env", "password_file"})
_PASSWORD_SOURCES = (frozenset({"password"}), frozenset({"password_env"}), frozenset({"password_file"}))


@dataclass(frozen=True, repr=False)
class HttpEndpointSettings(EndpointSettings):
    url: str | None = _f("url")
    token: str | None = _f("secret")
    token_env: str | None = _f("env")
    token_file: str | None = _f("path")
    username: str | None = _f("text")
    password: str | None = _f("secret")
    password_env: str | None = _f("env")
    password_file: str | None = _f("path")
    ca_file: str | None = _f("path")
    insecure: bool = _f("bool", False)
    headers: Headers = field(default_factory=Headers, metadata={"kind": "headers"})
    timeout: float = _f("seconds", 10.0)

    ALTERNATIVES: ClassVar[tuple[tuple[frozenset[str], ...], ...]] = (
        (_BEARER, _BASIC),
        (frozenset({"token"}), frozenset({"token_env"}), frozenset({"token_file"})),
        _PASSWORD_SOURCES,
    )

    def check(self) -> None:
        bearer = any(getattr(self, k) is not None for k in _BEARER)
        password = any(getattr(self, k) is not None for k in ("password", "password_env", "password_file"))
        if bearer and (password or self.username is not None):
            raise EndpointSettingsError("token", "and basic auth (username, password) are both set: use one")
        if password and self.username is None:
            raise EndpointSettingsError("username", "is required with password, password_env or password_file")
        if self.username is not None and not password:
            raise EndpointSettingsError("password", "(or password_env or password_file) is required with username")

    def resolve_token(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The bearer token (literal, else ``token_env``, else ``token_file``), or ``None`` when not configured."""
        return resolve_secret(f"{self.TABLE} token", self.token, self.token_env, self.token_file, environ)

    def resolve_password(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The basic-auth password (literal, else ``password_env``, else ``password_file``), or ``None``."""
        return resolve_secret(f"{self.TABLE} password", self.password, self.password_env, self.password_file, environ)


@dataclass(frozen=True, repr=False)
class PrometheusSettings(HttpEndpointSettings):
    TABLE: ClassVar[str] = "prometheus"
    interval: float = _f("seconds", 15.0)  # refresh of metric panes


@dataclass(frozen=True, repr=False)
class LokiSettings(HttpEndpointSettings):
    TABLE: ClassVar[str] = "loki"
    tenant: str | None = _f("text")  # sent as X-Scope-OrgID
    buffer_lines: int = _f("int", 100_000, low=1, high=10_000_000)


@dataclass(frozen=True, repr=False)
class ModelRegistrySettings(HttpEndpointSettings):
    TABLE: ClassVar[str] = "model_registry"  # url: the base URL of the Model Registry REST service


@dataclass(frozen=True, repr=False)
class ImageRegistrySettings(HttpEndpointSettings):
    TABLE: ClassVar[str] = "image_registry"


@dataclass(frozen=True, repr=False)
class YataiSettings(EndpointSettings):
    TABLE: ClassVar[str] = "yatai"
    dsn: str | None = _f("dsn")
    host: str | None = _f("text")
    port: int = _f("int", 5432, low=1, high=65535)
    database: str = _f("text", "yatai")
    user: str | None = _f("text")
    password: str | None = _f("secret")
    password_env: str | None = _f("env")
    password_file: str | None = _f("path")
    sslmode: str | None = _f("choice", choices=SSL_MODES)
    statement_timeout: float = _f("seconds", 10.0)
    pool_size: int = _f("int", 2, low=1, high=32)

    ALTERNATIVES: ClassVar[tuple[tuple[frozenset[str], ...], ...]] = (
        (frozenset({"dsn"}), frozenset({"host", "port"})),
        _PASSWORD_SOURCES,
    )

    def check(self) -> None:
        if self.dsn is not None and self.host is not None:
            raise EndpointSettingsError("dsn", "and host are both set: use one")

    def resolve_password(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The database password (literal, else ``password_env``, else ``password_file``), or ``None``."""
        return resolve_secret("yatai password", self.password, self.password_env, self.password_file, environ)


@dataclass(frozen=True, repr=False)
class S3Settings(EndpointSettings):
    TABLE: ClassVar[str] = "s3"
    endpoint_url: str | None = _f("url")  # MinIO and other S3-compatible stores
    region: str | None = _f("text")
    bucket: str | None = _f("text")
    path_style: bool = _f("bool", False)
    profile: str | None = _f("text")
    access_key_id: str | None = _f("secret")
    secret_access_key: str | None = _f("secret")
    secret_access_key_env: str | None = _f("env")

    ALTERNATIVES: ClassVar[tuple[tuple[frozenset[str], ...], ...]] = (
        (frozenset({"profile"}), frozenset({"access_key_id", "secret_access_key", "secret_access_key_env"})),
        (frozenset({"secret_access_key"}), frozenset({"secret_access_key_env"})),
    )

    def check(self) -> None:
        has_secret = self.secret_access_key is not None or self.secret_access_key_env is not None
        if has_secret and self.access_key_id is None:
            raise EndpointSettingsError("access_key_id", "is required with secret_access_key or secret_access_key_env")
        if self.access_key_id is not None and not has_secret:
            raise EndpointSettingsError(
                "secret_access_key", "(or secret_access_key_env) is required with access_key_id"
            )

    def resolve_secret_access_key(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The secret access key (literal, else ``secret_access_key_env``), or ``None`` (boto3's own chain)."""
        return resolve_secret("s3 secret_access_key", self.secret_access_key, self.secret_access_key_env, None, environ)


ENDPOINT_SETTINGS: dict[str, type[EndpointSettings]] = {
    cls.TABLE: cls
    for cls in (
        PrometheusSettings,
        LokiSettings,
        ModelRegistrySettings,
        YataiSettings,
        S3Settings,
        ImageRegistrySettings,
    )
}
