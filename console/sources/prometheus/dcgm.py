"""NVIDIA dcgm-exporter: metric names, label variants and the fleet and per-GPU queries (pure).

Names and labels from ``shared/reference/metrics.md`` §1 and ``shared/fixtures/dcgm/``:
``DCGM_FI_DEV_*`` (or the 1.x ``dcgm_*`` names with ``--use-old-namespace``), host label
``Hostname`` (every release to 4.5.3-4.8.2) or ``hostname`` (later), pod labels ``pod``/
``namespace`` (``pod_name``/``pod_namespace`` in old-namespace mode, ``exported_pod``/
``exported_namespace`` when a ServiceMonitor without ``honorLabels`` renames them).
``DCGM_FI_DEV_XID_ERRORS`` is the code of the last XID, not a count.  There is no
``FB_TOTAL``: total is ``FB_USED + FB_FREE``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from inference_console.sources.prometheus.promql import any_of, by, either, matchers, quote, selector, tag

NAMES = {
    "util": ("DCGM_FI_DEV_GPU_UTIL", "dcgm_gpu_utilization"),  # percent 0-100
    "fb_used": ("DCGM_FI_DEV_FB_USED", "dcgm_fb_used"),  # MiB
    "fb_free": ("DCGM_FI_DEV_FB_FREE", "dcgm_fb_free"),  # MiB
    "temp": ("DCGM_FI_DEV_GPU_TEMP", "dcgm_gpu_temp"),  # °C
    "power": ("DCGM_FI_DEV_POWER_USAGE", "dcgm_power_usage"),  # W
    "xid": ("DCGM_FI_DEV_XID_ERRORS", "dcgm_xid_errors"),  # last XID code
}
FIELDS = tuple(NAMES)


@dataclass(frozen=True)
class Dialect:
    """Which names and labels this Prometheus's DCGM series carry."""

    present: bool = True
    legacy: bool = False  # dcgm_* (1.x names)
    host: str = "Hostname"  # "hostname", or "instance" when neither is set
    pod: str = "pod"
    namespace: str = "namespace"
    uuid: str = "UUID"
    model: str = "modelName"

    def name(self, field: str) -> str:
        return NAMES[field][1 if self.legacy else 0]

    @property
    def gpu_id(self) -> tuple[str, str, str]:
        return (self.host, "gpu", self.uuid)

    @property
    def identity(self) -> tuple[str, ...]:
        """Labels of one GPU and who holds it."""
        return (self.host, "gpu", self.uuid, self.model, self.pod, self.namespace)

    def describe(self) -> str:
        if not self.present:
            return "no DCGM exporter found"
        names = "dcgm_* (1.x names)" if self.legacy else "DCGM_FI_*"
        return f"{names}, host label {self.host}, pod label {self.pod}"


ABSENT = Dialect(present=False)


def detect(label_names: Iterable[str], legacy: bool = False) -> Dialect:
    """The dialect from the label names seen on the utilisation metric (empty: no DCGM)."""
    names = set(label_names)
    if not names:
        return ABSENT
    host = "Hostname" if "Hostname" in names else "hostname" if "hostname" in names else "instance"
    if "exported_pod" in names:
        pod, ns = "exported_pod", "exported_namespace"
    elif "pod_name" in names and "pod" not in names:
        pod, ns = "pod_name", "pod_namespace"
    else:
        pod, ns = "pod", "namespace"
    uuid = "UUID" if "UUID" in names else "uuid" if "uuid" in names else "UUID"
    return Dialect(True, legacy, host, pod, ns, uuid, "modelName")


def probe_match(legacy: bool = False) -> str:
    return NAMES["util"][1 if legacy else 0]


# ----------------------------------------------------------------------------- fleet (all GPUs)
def fleet_current(d: Dialect) -> str:
    """Every GPU's latest util, memory, temperature, power and XID in one query (``__name__`` kept).

    Only the GPU's key labels: who holds it comes once per GPU from :func:`fleet_identity`
    (six series per GPU carrying the pod, namespace, UUID and model each were most of the bytes).
    """
    names = [d.name(f) for f in FIELDS if f != "fb_free"]  # total memory: fleet_fb_total, once a minute
    return f"max by (__name__, {d.host}, gpu) ({{__name__=~{quote(any_of(names))}}})"


def fleet_identity(d: Dialect) -> str:
    """One series per GPU: who holds it (pod, namespace), UUID and model; the value is its last sample's time."""
    return f"max by ({by(d.identity)}) (timestamp({d.name('util')}))"


def fleet_fb_total(d: Dialect) -> str:
    """Framebuffer total per GPU (used + free, MiB): a property of the card, read once a minute."""
    return f"max by ({by(d.gpu_id)}) ({d.name('fb_used')} + {d.name('fb_free')})"


IDENTITY = "identity"  # the ``series`` label of fleet_identity's series in fleet_now's answer


def fleet_now(d: Dialect) -> str:
    """:func:`fleet_current` and :func:`fleet_identity` in one request (each refresh sends one query)."""
    return either(fleet_current(d), tag(fleet_identity(d), "series", IDENTITY))


def fleet_history(d: Dialect) -> str:
    """Utilisation per GPU, for the sparkline (a range query)."""
    return f"max by ({by(d.gpu_id)}) ({d.name('util')})"


def fleet_max_1h(d: Dialect, field: str = "util", window: str = "1h") -> str:
    """Highest value per GPU over the window (util: the idle rule; xid: errors in the last hour)."""
    return f"max by ({by(d.gpu_id)}) (max_over_time({d.name(field)}[{window}]))"


# ----------------------------------------------------------------------------- per object (its pods' GPUs)
def pods_inner(d: Dialect, namespace: str, pods: Iterable[str]) -> str:
    return matchers({d.namespace: namespace}, {d.pod: any_of(pods)})


def gpu_panel(d: Dialect, field: str, namespace: str, pods: Iterable[str]) -> str:
    """One series per GPU (host, gpu) of the pods."""
    return f"max by ({d.host}, gpu) ({selector(d.name(field), pods_inner(d, namespace, pods))})"


def gpu_memory(d: Dialect, namespace: str, pods: Iterable[str]) -> str:
    """Framebuffer used and total (used + free) per GPU in MiB, series tagged ``series``."""
    inner = pods_inner(d, namespace, pods)
    used = selector(d.name("fb_used"), inner)
    free = selector(d.name("fb_free"), inner)
    return either(
        tag(f"max by ({d.host}, gpu) ({used})", "series", "used"),
        tag(f"max by ({d.host}, gpu) ({used} + {free})", "series", "total"),
    )


def panels(d: Dialect) -> tuple:
    """The GPU panels of an object's pods, for this dialect."""
    from inference_console.sources.prometheus.panels import PanelSpec

    def field(name: str):
        return lambda ns, pods, r: gpu_panel(d, name, ns, pods)

    legend = (d.host, "gpu")
    return (
        PanelSpec("gpu_util", "GPU utilisation", "%", "gpu", field("util"), legend),
        PanelSpec(
            "gpu_memory",
            "GPU memory",
            "MiB",
            "gpu",
            lambda ns, pods, r: gpu_memory(d, ns, pods),
            (d.host, "gpu", "series"),
        ),
        PanelSpec("gpu_power", "GPU power", "W", "gpu", field("power"), legend),
        PanelSpec("gpu_temp", "GPU temperature", "°C", "gpu", field("temp"), legend),
        PanelSpec("gpu_xid", "Last XID error", "code", "gpu", field("xid"), legend),
    )
