"""Validate an object against its kind's OpenAPI v3 schema (the CRD's openAPIV3Schema).

The CRD comes from the cluster (``customresourcedefinitions/<plural>.<group>``); when
that cannot be read, from a directory of CRD files (``IC_CRD_DIR``; the tests point it
at ``../shared/fixtures/crds``).  Kubernetes' structural-schema rules are mapped onto
JSON Schema: ``nullable``, ``x-kubernetes-int-or-string``, and unknown fields are
errors unless ``x-kubernetes-preserve-unknown-fields`` allows them (as with
``fieldValidation=Strict``).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from inference_console.actions.types import Cause


def crd_version_schema(crd: dict[str, Any], version: str) -> dict[str, Any] | None:
    for v in (crd.get("spec") or {}).get("versions") or []:
        if v.get("name") == version:
            return ((v.get("schema") or {}).get("openAPIV3Schema")) or None
    return None


def to_json_schema(node: Any) -> Any:
    """OpenAPI v3 (Kubernetes flavour) → JSON Schema draft 7."""
    if isinstance(node, list):
        return [to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties", "definitions"):
            out[key] = {k: to_json_schema(v) for k, v in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = to_json_schema(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [to_json_schema(v) for v in value]
        elif key.startswith("x-kubernetes-") or key in ("nullable", "description", "example", "externalDocs", "format"):
            continue
        else:
            out[key] = value
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else [*out["type"], "null"]
    if (
        (out.get("type") == "object" or "properties" in out)
        and "properties" in out
        and "additionalProperties" not in node
        and not node.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    if node.get("x-kubernetes-embedded-resource"):
        out.pop("additionalProperties", None)
    return out


class SchemaValidator:
    def __init__(self, schema: dict[str, Any]) -> None:
        from jsonschema import Draft7Validator

        converted = to_json_schema(schema)
        # metadata is validated by the server's own rules, not the CRD schema.
        if isinstance(converted.get("properties"), dict):
            converted["properties"]["metadata"] = {"type": "object"}
        self._validator = Draft7Validator(converted)

    def errors(self, obj: dict[str, Any]) -> list[Cause]:
        body = {k: v for k, v in obj.items() if k != "status"}
        causes = []
        for err in sorted(self._validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path))):
            path = _path(err.absolute_path)
            if err.validator == "additionalProperties" and err.validator_value is False:
                extras = sorted(set(err.instance) - set((err.schema.get("properties") or {})))
                for extra in extras:
                    causes.append(Cause(f"{path}.{extra}" if path else extra, "unknown field", "FieldValueInvalid"))
                continue
            causes.append(Cause(path or "(object)", _message(err), str(err.validator)))
        return causes


def _path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _message(err: Any) -> str:
    if err.validator == "type":
        expected = err.validator_value
        return f"expected {expected if isinstance(expected, str) else ' or '.join(expected)}, got {type(err.instance).__name__} {err.instance!r:.60}"
    if err.validator == "required":
        return err.message.replace("is a required property", "is required")
    if err.validator == "enum":
        return f"must be one of {', '.join(map(str, err.validator_value))}, got {err.instance!r:.60}"
    return err.message[:300]


@lru_cache(maxsize=32)
def _compiled(key: str, schema_json: str) -> SchemaValidator:
    import json

    return SchemaValidator(json.loads(schema_json))


def validator_for(crd: dict[str, Any], version: str) -> SchemaValidator | None:
    import json

    schema = crd_version_schema(crd, version)
    if schema is None:
        return None
    md = crd.get("metadata") or {}
    key = f"{md.get('name')}@{md.get('resourceVersion', '')}@{version}@{len(json.dumps(schema, sort_keys=True))}"
    return _compiled(key, json.dumps(schema, sort_keys=True))


def crd_from_files(plural: str, group: str, directory: str | None = None) -> dict[str, Any] | None:
    """Find ``<plural>.<group>`` among CRD YAML files (the fallback source)."""
    directory = directory or os.environ.get("IC_CRD_DIR")
    if not directory:
        return None
    import yaml

    wanted = f"{plural}.{group}"
    for path in sorted(Path(directory).rglob("*.yaml")):
        try:
            text = path.read_text()
        except OSError:
            continue
        if wanted not in text:
            continue
        for doc in yaml.safe_load_all(text):
            if (
                isinstance(doc, dict)
                and doc.get("kind") == "CustomResourceDefinition"
                and (doc.get("metadata") or {}).get("name") == wanted
            ):
                return doc
    return None
