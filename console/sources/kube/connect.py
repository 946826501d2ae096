"""Open a connection to a cluster the way kubectl does.

* ``--kubeconfig`` wins, else ``KUBECONFIG`` (several files joined by ``:``, merged
  with first-wins semantics), else ``~/.kube/config``;
* without any kubeconfig, inside a pod: the in-cluster service account;
* token, client-certificate and exec-plugin auth and TLS verification are handled by
  kubernetes-asyncio exactly as the kubeconfig says (``insecure-skip-tls-verify``
  is the only way to turn verification off).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from inference_console.sources.kube.errors import ConnectError
from inference_console.sources.kube.transport import Transport

SA_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")


@dataclass
class ClusterInfo:
    context: str
    server: str
    namespace: str
    user: str = ""
    in_cluster: bool = False
    contexts: list[str] = field(default_factory=list)
    tls_verified: bool = True


def kubeconfig_paths(explicit: str | None, environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    if explicit:
        return explicit
    if env.get("KUBECONFIG"):
        return env["KUBECONFIG"]
    return str(Path(env.get("HOME", str(Path.home()))) / ".kube" / "config")


def _existing(paths: str) -> list[str]:
    return [p for p in (os.path.expanduser(x) for x in paths.split(os.pathsep) if x) if os.path.exists(p)]


async def connect(
    kubeconfig: str | None = None,
    context: str | None = None,
    namespace: str | None = None,
    request_timeout: float = 30.0,
) -> tuple[Transport, ClusterInfo]:
    """Return a transport and what the header shows; raise ConnectError with a clear message."""
    from inference_console.sources.kube.light_import import import_light

    import_light()  # without the client's typed models
    from kubernetes_asyncio import config as kconfig
    from kubernetes_asyncio.client import ApiClient, Configuration
    from kubernetes_asyncio.config.config_exception import ConfigException

    paths = kubeconfig_paths(kubeconfig)
    files = _existing(paths)
    client_config = type.__call__(Configuration)
    if not files:
        if kubeconfig:
            raise ConnectError(f"kubeconfig not found: {kubeconfig}")
        if os.environ.get("KUBERNETES_SERVICE_HOST"):
            try:
                kconfig.load_incluster_config(client_configuration=client_config)
            except ConfigException as exc:
                raise ConnectError(f"in-cluster config unusable: {exc}") from exc
            ns = namespace or _read(SA_DIR / "namespace") or "default"
            info = ClusterInfo(
                context="in-cluster",
                server=client_config.host,
                namespace=ns,
                user="serviceaccount",
                in_cluster=True,
                contexts=["in-cluster"],
            )
            return Transport(ApiClient(configuration=client_config), request_timeout), info
        raise ConnectError(
            f"no kubeconfig found (looked at {paths}); use --kubeconfig, set KUBECONFIG, or try `inference-console demo`"
        )
    try:
        merger = kconfig.kube_config.KubeConfigMerger(os.pathsep.join(files))
        merged = merger.config
        if merged is None:
            raise ConnectError(f"kubeconfig {paths} holds no configuration")
        # kubectl's rule: the first file that sets current-context wins (the merger keeps the last).
        for path in files:
            first = merger.config_files.get(path) or {}
            if first.get("current-context"):
                merged.value["current-context"] = first["current-context"]
                break
        contexts = [str(getattr(c, "value", c).get("name")) for c in merged.value.get("contexts", []) or []]
        loader = kconfig.kube_config.KubeConfigLoader(config_dict=merged, config_base_path=None, active_context=context)
        await loader.load_and_set(client_config)
    except ConnectError:
        raise
    except KeyError as exc:
        raise ConnectError(f"kubeconfig {paths}: missing {exc}") from exc
    except (ConfigException, AssertionError) as exc:
        wanted = f"context {context!r}" if context else "current-context"
        detail = str(exc) or f"{wanted} not found or incomplete"
        raise ConnectError(f"kubeconfig {paths}: {detail}") from exc
    except Exception as exc:  # YAML errors, bad base64 in certificate data, ...
        raise ConnectError(f"kubeconfig {paths}: {_describe_error(exc)}") from exc
    ctx = loader.current_context or {}
    ctx_body = ctx.get("context") or {}
    info = ClusterInfo(
        context=str(ctx.get("name", context or "")),
        server=str(client_config.host),
        namespace=namespace or str(ctx_body.get("namespace") or "default"),
        user=str(ctx_body.get("user", "")),
        contexts=contexts,
        tls_verified=bool(client_config.verify_ssl),
    )
    return Transport(ApiClient(configuration=client_config), request_timeout), info


def _describe_error(exc: Exception) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if mark is not None and problem:
        where = f"{getattr(mark, 'name', '')}:{mark.line + 1}:{mark.column + 1}"
        return f"not valid YAML at {where}: {problem}"
    return f"{type(exc).__name__}: {exc}"


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""
