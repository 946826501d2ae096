"""YAML in and out, fast: PyYAML over libyaml (C) when available.

Measured on a 4,800-line InferenceService: ruamel.yaml (pure Python, 0.19 ships no C
extension) loads in ~280 ms and dumps in ~190 ms; libyaml through PyYAML takes ~25 ms
and ~21 ms.  Server objects arrive as JSON, so there are no comments to round-trip, and
a person's own text is kept verbatim between retries of an edit; libyaml is the right
tool here.  The loader refuses duplicate keys (a silent last-wins would lose an edit)
and keeps timestamps as strings, as the Kubernetes API does.

``dump(obj, visible=True)`` is YAML for the screen: a string holding a control, format or
invisible character (see :mod:`inference_console.safe_text`) is written double-quoted with
that character as an escape (``"abc\\u202edcba.exe"``), so the text shows every character,
stays valid YAML and, read back, gives exactly the original value.
"""

from __future__ import annotations

from typing import Any

import yaml

from inference_console.safe_text import has_hidden, safe_multiline

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
TIMESTAMP = "tag:yaml.org,2002:timestamp"
STR = "tag:yaml.org,2002:str"


class Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    pass


Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != TIMESTAMP]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: Any, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError as exc:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, "found an unhashable key", key_node.start_mark
            ) from exc
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, f'found duplicate key "{key}"', key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load(text: str) -> Any:
    return yaml.load(text, Loader=Loader)


def load_all(text: str) -> list[Any]:
    return list(yaml.load_all(text, Loader=Loader))


def dump(obj: Any, *, visible: bool = False) -> str:
    """YAML text of ``obj``; with ``visible=True``, for display: no raw control or invisible
    character, yet the same value when parsed (see the module docstring)."""
    if not visible:
        return yaml.dump(
            obj, Dumper=_BaseDumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=4096
        )
    try:
        text = yaml.dump(
            obj, Dumper=_VisibleDumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=4096
        )
    except UnicodeEncodeError:  # a lone surrogate: libyaml cannot encode it, the Python emitter escapes it
        text = yaml.dump(
            obj, Dumper=_PyVisibleDumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=4096
        )
    # Every string with a hidden character was written double-quoted, so each raw one left is
    # inside a double-quoted scalar, where its escape (\x.., \u...., \U........) means the same.
    return safe_multiline(text) if has_hidden(text, newlines=True) else text


def _represent_str(dumper: Any, data: str) -> Any:
    if has_hidden(data, newlines=True):
        return dumper.represent_scalar(STR, data, style='"')
    return dumper.represent_str(data)


class _VisibleDumper(_BaseDumper):  # type: ignore[misc, valid-type]
    pass


class _PyVisibleDumper(yaml.SafeDumper):
    pass


_VisibleDumper.add_representer(str, _represent_str)
_PyVisibleDumper.add_representer(str, _represent_str)
