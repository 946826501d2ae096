"""The config file: ``$XDG_CONFIG_HOME/inference-console/config.toml``.

Example::

    [defaults]
    refresh_interval = 2.0      # seconds between UI refreshes of ages and metrics
    readonly = false

    [contexts."prod-gpu"]       # a kubeconfig context name
    readonly = true
    namespace = "llm-prod"
    prometheus = { url = "https://prometheus.example/", token_env = "PROM_TOKEN" }
    loki = { url = "https://loki.example/", tenant = "team-a", token_file = "~/.secrets/loki" }
    model_registry = { url = "https://registry.example/" }

The endpoint tables (``prometheus``, ``loki``, ``model_registry``, ``image_registry``,
``yatai``, ``s3``) become typed, frozen settings (:mod:`.endpoints`), checked here: a
wrong type or an unknown key is a :class:`ConfigFileError` naming the file, the table
and the key.  A context's table is merged over the ``[defaults]`` one key by key.
Secrets are masked when the settings are printed (:meth:`ContextSettings.masked`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import tomllib

    from inference_console.settings.endpoints import (
        EndpointSettings,
        ImageRegistrySettings,
        LokiSettings,
        ModelRegistrySettings,
        PrometheusSettings,
        S3Settings,
        YataiSettings,
    )

# The endpoint tables, in the order of settings.endpoints.ENDPOINT_SETTINGS (a test checks it).
# Their typed settings are imported only for a file that has one: building the dataclasses
# costs ~10 ms, and the config file is read before the first frame.
ENDPOINT_TABLES = ("prometheus", "loki", "model_registry", "yatai", "s3", "image_registry")


class ConfigFileError(Exception):
    """A malformed config file; the message names the file (and line when known)."""

    def __init__(self, path: Path, message: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line


@dataclass(frozen=True)
class ContextSettings:
    readonly: bool = False
    namespace: str | None = None
    refresh_interval: float = 2.0
    prometheus: PrometheusSettings | None = None
    loki: LokiSettings | None = None
    model_registry: ModelRegistrySettings | None = None
    yatai: YataiSettings | None = None
    s3: S3Settings | None = None
    image_registry: ImageRegistrySettings | None = None

    def endpoints(self) -> dict[str, EndpointSettings]:
        """The endpoint tables that are configured, by table name."""
        return {name: value for name in ENDPOINT_TABLES if (value := getattr(self, name)) is not None}

    def masked(self) -> dict[str, Any]:
        """The settings as a dict for printing, every secret shown as ``***``."""
        return {
            "readonly": self.readonly,
            "namespace": self.namespace,
            "refresh_interval": self.refresh_interval,
            **{name: value.masked() for name, value in self.endpoints().items()},
        }


@dataclass(frozen=True)
class ConfigFile:
    path: Path
    exists: bool
    defaults: ContextSettings = ContextSettings()
    contexts: dict[str, ContextSettings] = field(default_factory=dict)

    def for_context(self, name: str | None) -> ContextSettings:
        if name and name in self.contexts:
            return self.contexts[name]
        return self.defaults


def config_path(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", str(Path.home()))) / ".config")
    return Path(base) / "inference-console" / "config.toml"


def state_dir(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_STATE_HOME") or str(Path(env.get("HOME", str(Path.home()))) / ".local" / "state")
    return Path(base) / "inference-console"


def _line_of(exc: tomllib.TOMLDecodeError) -> int | None:
    line = getattr(exc, "lineno", None)
    if line:
        return int(line)
    match = re.search(r"line (\d+)", str(exc))
    return int(match.group(1)) if match else None


def _endpoint(path: Path, cls: type[EndpointSettings], table: Any, where: str) -> EndpointSettings:
    from inference_console.settings.endpoints import EndpointSettingsError

    try:
        return cls.from_table(table, relative_to=path.parent)
    except EndpointSettingsError as exc:
        name = f"{where}.{cls.TABLE}" + (f".{exc.key}" if exc.key else "")
        raise ConfigFileError(path, f"{name} {exc.message}") from None


def _section_settings(
    path: Path, table: Any, where: str, base: ContextSettings, base_tables: dict[str, dict[str, Any]]
) -> tuple[ContextSettings, dict[str, dict[str, Any]]]:
    """The settings of one section, and its endpoint tables as merged (raw) for the sections under it."""
    if not isinstance(table, dict):
        raise ConfigFileError(path, f"[{where}] must be a table")
    unknown = set(table) - {"readonly", "namespace", "refresh_interval", *ENDPOINT_TABLES}
    if unknown:
        raise ConfigFileError(
            path,
            f"unknown setting(s) in [{where}]: {', '.join(sorted(unknown))} "
            f"(expected readonly, namespace, refresh_interval or a table: "
            f"{', '.join(ENDPOINT_TABLES)})",
        )
    readonly = table.get("readonly", base.readonly)
    if not isinstance(readonly, bool):
        raise ConfigFileError(path, f"{where}.readonly must be true or false, not {readonly!r}")
    namespace = table.get("namespace", base.namespace)
    if namespace is not None and not isinstance(namespace, str):
        raise ConfigFileError(path, f"{where}.namespace must be a string")
    refresh = table.get("refresh_interval", base.refresh_interval)
    if isinstance(refresh, bool) or not isinstance(refresh, (int, float)) or refresh <= 0:
        raise ConfigFileError(path, f"{where}.refresh_interval must be a positive number of seconds")
    tables = {name: dict(value) for name, value in base_tables.items()}
    endpoints: dict[str, EndpointSettings] = {}
    for name in ENDPOINT_TABLES:
        if name not in table and name not in tables:
            continue
        from inference_console.settings.endpoints import ENDPOINT_SETTINGS

        cls = ENDPOINT_SETTINGS[name]
        if name in table:
            # This section's own table first, so that an error names the key where it is written...
            _endpoint(path, cls, table[name], where)
            tables[name] = cls.merge_tables(tables.get(name, {}), table[name])
        if name in tables:
            # ...then merged over [defaults], for what only the combination gets wrong.
            endpoints[name] = _endpoint(path, cls, tables[name], where)
    settings = ContextSettings(readonly=readonly, namespace=namespace, refresh_interval=float(refresh), **endpoints)
    return settings, tables


def load_config(path: Path | None = None) -> ConfigFile:
    path = path or config_path()
    if not path.exists():
        return ConfigFile(path=path, exists=False)
    import tomllib  # (only when there is a file: not on the first frame's path otherwise)

    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigFileError(path, f"not valid TOML: {exc}", _line_of(exc)) from exc
    except UnicodeDecodeError as exc:
        raise ConfigFileError(path, f"not UTF-8 text: {exc}") from exc
    except OSError as exc:
        raise ConfigFileError(path, f"cannot read: {exc.strerror or exc}") from exc
    unknown = set(data) - {"defaults", "contexts"}
    if unknown:
        raise ConfigFileError(
            path, f"unknown top-level table(s): {', '.join(sorted(unknown))} (expected [defaults] and [contexts.NAME])"
        )
    defaults, default_tables = _section_settings(path, data.get("defaults", {}), "defaults", ContextSettings(), {})
    contexts_raw = data.get("contexts", {})
    if not isinstance(contexts_raw, dict):
        raise ConfigFileError(path, "[contexts] must hold one table per context")
    contexts = {
        name: _section_settings(path, table, f"contexts.{_quoted(name)}", defaults, default_tables)[0]
        for name, table in contexts_raw.items()
    }
    return ConfigFile(path=path, exists=True, defaults=defaults, contexts=contexts)


def _quoted(name: str) -> str:
    """A context name as it is written in a TOML table header (``prod``, ``"gke_proj_zone_name"``)."""
    if re.fullmatch(r"[A-Za-z0-9_-]+", name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
