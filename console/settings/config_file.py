"""The config file: ``$XDG_CONFIG_HOME/inference-console/config.toml``.

Example::

    [defaults]
    refresh_interval = 2.0      # seconds between UI refreshes of ages and metrics
    readonly = false

    [contexts."prod-gpu"]       # a kubeconfig context name
    readonly = true
    namespace = "llm-prod"
    prometheus = { url = "https://prometheus.example/", token = "..." }
    loki = { url = "https://loki.example/", tenant = "team-a" }
    model_registry = { url = "https://registry.example/" }

Endpoint tables (``prometheus``, ``loki``, ``model_registry``, ``yatai``, ``s3``) are
kept as given for the issues that use them; secrets inside them are masked when the
settings are printed.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENDPOINT_TABLES = ("prometheus", "loki", "model_registry", "yatai", "s3", "image_registry")
SECRET_KEY = re.compile(r"(token|password|secret|key|credential)", re.IGNORECASE)


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
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)


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


def _section_settings(path: Path, table: Any, where: str, base: ContextSettings) -> ContextSettings:
    if not isinstance(table, dict):
        raise ConfigFileError(path, f"[{where}] must be a table")
    readonly = table.get("readonly", base.readonly)
    if not isinstance(readonly, bool):
        raise ConfigFileError(path, f"{where}.readonly must be true or false, not {readonly!r}")
    namespace = table.get("namespace", base.namespace)
    if namespace is not None and not isinstance(namespace, str):
        raise ConfigFileError(path, f"{where}.namespace must be a string")
    refresh = table.get("refresh_interval", base.refresh_interval)
    if isinstance(refresh, bool) or not isinstance(refresh, (int, float)) or refresh <= 0:
        raise ConfigFileError(path, f"{where}.refresh_interval must be a positive number of seconds")
    endpoints = {k: dict(v) for k, v in base.endpoints.items()}
    for name in ENDPOINT_TABLES:
        if name in table:
            value = table[name]
            if not isinstance(value, dict):
                raise ConfigFileError(path, f"{where}.{name} must be a table such as {{ url = \"...\" }}")
            url = value.get("url")
            if url is not None and not (isinstance(url, str) and re.match(r"^https?://", url)):
                raise ConfigFileError(path, f"{where}.{name}.url must be an http(s) URL, not {url!r}")
            endpoints[name] = {**endpoints.get(name, {}), **value}
    unknown = set(table) - {"readonly", "namespace", "refresh_interval", *ENDPOINT_TABLES}
    if where.startswith("contexts.") or where == "defaults":
        if unknown:
            raise ConfigFileError(path, f"unknown setting(s) in [{where}]: {', '.join(sorted(unknown))}")
    return ContextSettings(readonly=readonly, namespace=namespace, refresh_interval=float(refresh), endpoints=endpoints)


def load_config(path: Path | None = None) -> ConfigFile:
    path = path or config_path()
    if not path.exists():
        return ConfigFile(path=path, exists=False)
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
        raise ConfigFileError(path, f"unknown top-level table(s): {', '.join(sorted(unknown))} (expected [defaults] and [contexts.NAME])")
    defaults = _section_settings(path, data.get("defaults", {}), "defaults", ContextSettings())
    contexts_raw = data.get("contexts", {})
    if not isinstance(contexts_raw, dict):
        raise ConfigFileError(path, "[contexts] must hold one table per context")
    contexts = {
        name: _section_settings(path, table, f"contexts.{name}", defaults)
        for name, table in contexts_raw.items()
    }
    return ConfigFile(path=path, exists=True, defaults=defaults, contexts=contexts)


def mask_secrets(value: Any, key: str = "") -> Any:
    """Replace secret-looking values (token, password, ...) by a fixed mask."""
    if isinstance(value, dict):
        return {k: mask_secrets(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_secrets(v, key) for v in value]
    if key and SECRET_KEY.search(key) and value not in (None, ""):
        return "********"
    return value
