"""Model presets kept in the ``model-config`` ConfigMap.

A preset names a model the console can deploy in one step.  Format (either or both):

1. data key ``presets.yaml`` holding a YAML map *preset name → preset*::

       qwen-small:
         storageUri: hf://Qwen/Qwen2.5-0.5B-Instruct
         modelFormat: huggingface
         runtime: kserve-huggingfaceserver   # optional
         gpus: 0                            # optional, default 0
         memory: 4Gi                        # optional

2. one data key per preset, the key being the preset name (a ``.yaml``/``.yml`` suffix
   is dropped) and the value the YAML of one preset.  A per-key preset wins over the
   same name in ``presets.yaml``.

Fields: ``storageUri`` (required, non-empty string); ``modelFormat`` (a string, or a map
with ``name``; may be left out for ``hf://`` URIs, where it is ``huggingface``);
``runtime`` (string); ``gpus`` (integer ≥ 0, or such a string); ``memory`` (a quantity
such as ``8Gi``; numbers are kept as text).  Unknown fields are ignored.

:func:`model_presets` returns ``{name: {"storageUri", "modelFormat", "runtime",
"gpus", "memory"}}`` with every key present (``runtime``/``memory`` may be ``None``);
malformed presets are left out.  :func:`parse_presets` also returns one message per
problem, for the ConfigMap's health and the UI.
"""

from __future__ import annotations

from typing import Any

from inference_console.catalog.base import as_int, as_map, as_str, name_of, one_line

PRESETS_CONFIGMAP = "model-config"
PRESETS_KEY = "presets.yaml"
MAX_VALUE = 512 * 1024  # ConfigMaps hold at most 1 MiB; a bigger value is not ours
MAX_PRESETS = 1000


def _load_yaml(text: str) -> Any:
    from inference_console.yaml_io import load

    return load(text)


def _preset(name: str, raw: Any) -> tuple[dict[str, Any] | None, str]:
    if not isinstance(raw, dict):
        return None, f"{name}: not a map"
    uri = raw.get("storageUri")
    if not isinstance(uri, str) or not uri.strip():
        return None, f"{name}: storageUri missing"
    uri = uri.strip()
    fmt = raw.get("modelFormat")
    if isinstance(fmt, dict):
        fmt = fmt.get("name")
    if fmt is None and uri.startswith("hf://"):
        fmt = "huggingface"
    if not isinstance(fmt, str) or not fmt.strip():
        return None, f"{name}: modelFormat missing"
    runtime = raw.get("runtime")
    if runtime is not None and not isinstance(runtime, str):
        return None, f"{name}: runtime must be a string"
    gpus_raw = raw.get("gpus", 0)
    gpus = as_int(gpus_raw) if gpus_raw is not None else 0
    if gpus is None or gpus < 0:
        return None, f"{name}: gpus must be a whole number >= 0"
    memory = raw.get("memory")
    if isinstance(memory, bool) or (memory is not None and not isinstance(memory, (str, int, float))):
        return None, f"{name}: memory must be a quantity such as 8Gi"
    return (
        {
            "storageUri": uri,
            "modelFormat": fmt.strip(),
            "runtime": runtime.strip() or None if isinstance(runtime, str) else None,
            "gpus": gpus,
            "memory": as_str(memory) or None,
        },
        "",
    )


def parse_presets(configmap: Any) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Presets of a ConfigMap and the problems found.  Never raises."""
    presets: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    data = as_map(configmap.get("data")) if isinstance(configmap, dict) else {}

    def add(name: Any, raw: Any) -> None:
        if not isinstance(name, str) or not name.strip():
            problems.append(f"preset name {one_line(repr(name), 40)} is not a string")
            return
        if len(presets) >= MAX_PRESETS:
            return
        preset, problem = _preset(name.strip(), raw)
        if preset is None:
            problems.append(one_line(problem, 200))
        else:
            presets[name.strip()] = preset

    def load(key: str, text: Any) -> Any:
        if not isinstance(text, str):
            problems.append(f"{one_line(key, 60)}: not text")
            return None
        if len(text) > MAX_VALUE:
            problems.append(f"{one_line(key, 60)}: too large")
            return None
        try:
            return _load_yaml(text)
        except Exception as exc:  # noqa: BLE001 - any YAML error is a user error here
            problems.append(f"{one_line(key, 60)}: invalid YAML ({type(exc).__name__})")
            return None

    if PRESETS_KEY in data:
        doc = load(PRESETS_KEY, data.get(PRESETS_KEY))
        if isinstance(doc, dict):
            for name, raw in doc.items():
                add(name, raw)
        elif doc is not None:
            problems.append(f"{PRESETS_KEY}: not a map of presets")
    for key, text in data.items():
        if key == PRESETS_KEY or not isinstance(key, str):
            continue
        name = key
        for suffix in (".yaml", ".yml"):
            if name.endswith(suffix):
                name = name[: -len(suffix)]
        doc = load(key, text)
        if doc is not None:
            add(name, doc)  # replaces a presets.yaml entry of the same name when valid
    return presets, problems


def model_presets(configmap: Any) -> dict[str, dict[str, Any]]:
    """``{preset name: {storageUri, modelFormat, runtime, gpus, memory}}``; malformed ones left out."""
    return parse_presets(configmap)[0]


def is_presets_configmap(configmap: Any) -> bool:
    return isinstance(configmap, dict) and name_of(configmap) == PRESETS_CONFIGMAP
