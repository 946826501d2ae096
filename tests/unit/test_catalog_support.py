"""Shared helpers for the catalog tests, and tests of those helpers.

* :data:`FIXTURES` — ``shared/fixtures`` (``IC_SHARED_DIR`` overrides; a missing folder
  is an error, never a skip).
* :func:`load_example` / :func:`load_crd` — real upstream objects and CRDs.
* :func:`validate_crd_object` — validates a test object against its CRD's
  ``openAPIV3Schema`` *strictly*: every object schema that lists ``properties`` rejects
  other keys, so a misspelt status field in a test fails instead of passing silently.
* :func:`validate_core_object` — the same idea for core kinds (Pod, Node...), checked
  key by key against the kubernetes_asyncio models' ``attribute_map``/``openapi_types``.

Other catalog test modules import these (``from test_catalog_support import ...``).
"""

from __future__ import annotations

import copy
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from kubernetes_asyncio.client import models as k8s_models

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _shared_fixtures() -> Path:
    env = os.environ.get("IC_SHARED_DIR")
    here = Path(__file__).resolve()
    candidates = [Path(env)] if env else [here.parents[2] / "shared", here.parents[3] / "shared"]
    for base in candidates:
        if (base / "fixtures" / "crds").is_dir():
            return base / "fixtures"
    raise RuntimeError(
        f"shared fixtures not found (looked in {', '.join(str(c) for c in candidates)}); "
        "set IC_SHARED_DIR to the shared/ folder"
    )


FIXTURES = _shared_fixtures()

CRD_FILES = {
    "inferenceservices.serving.kserve.io": "crds/kserve/serving.kserve.io_inferenceservices.yaml",
    "bentodeployments.serving.yatai.ai": "crds/yatai/serving.yatai.ai_bentodeployments.yaml",
    "bentoes.resources.yatai.ai": "crds/yatai/resources.yatai.ai_bentoes.yaml",
    "bentorequests.resources.yatai.ai": "crds/yatai/resources.yatai.ai_bentorequests.yaml",
    "inferencestacks.doublewordai.co": "crds/takeoff/doublewordai.co_inferencestacks.yaml",
    "modelregistries.modelregistry.opendatahub.io": "crds/model-registry/modelregistry.opendatahub.io_modelregistries.yaml",
}


@lru_cache(maxsize=None)
def _load_all(rel: str) -> tuple[Any, ...]:
    path = FIXTURES / rel
    with path.open() as fh:
        return tuple(d for d in yaml.load_all(fh, Loader=_Loader) if d is not None)


def load_example(rel: str, kind: str | None = None, index: int = 0) -> dict[str, Any]:
    """A deep copy of one document of ``examples/<rel>`` (the ``index``-th of ``kind``)."""
    docs = [d for d in _load_all(f"examples/{rel}") if kind is None or d.get("kind") == kind]
    return copy.deepcopy(docs[index])


def load_crd(key: str) -> dict[str, Any]:
    return copy.deepcopy(_load_all(CRD_FILES[key])[0])


def crd_files() -> list[Path]:
    return sorted(p for p in (FIXTURES / "crds").rglob("*.yaml") if _is_crd(p))


def _is_crd(path: Path) -> bool:
    try:
        docs = _load_all(str(path.relative_to(FIXTURES)))
    except yaml.YAMLError:
        return False  # a Helm template, not a CRD
    return bool(docs) and isinstance(docs[0], dict) and docs[0].get("kind") == "CustomResourceDefinition"


def strict(schema: Any) -> Any:
    """A copy of an OpenAPI schema where objects with ``properties`` allow no other keys."""
    if isinstance(schema, list):
        return [strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: strict(v) for k, v in schema.items()}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


@lru_cache(maxsize=None)
def _validator(key: str, version: str) -> jsonschema.Validator:
    crd = load_crd(key)
    for v in crd["spec"]["versions"]:
        if v["name"] == version:
            schema = strict(v["schema"]["openAPIV3Schema"])
            return jsonschema.Draft7Validator(schema)
    raise AssertionError(f"{key} has no version {version}")


def validate_crd_object(key: str, obj: dict[str, Any]) -> dict[str, Any]:
    """Fail the test if ``obj`` does not fit its CRD (strictly).  Returns ``obj``."""
    crd = load_crd(key)
    group = crd["spec"]["group"]
    api_version = obj.get("apiVersion", "")
    assert api_version.startswith(f"{group}/"), f"{api_version} is not in {group}"
    version = api_version.split("/", 1)[1]
    served = {v["name"] for v in crd["spec"]["versions"] if v.get("served")}
    assert version in served, f"{version} not served by {key}"
    assert obj.get("kind") == crd["spec"]["names"]["kind"]
    errors = sorted(_validator(key, version).iter_errors(obj), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10])
    return obj


_LIST = re.compile(r"^list\[(.+)\]$")
_DICT = re.compile(r"^dict\(str, (.+)\)$")


def _check_value(value: Any, type_name: str, path: str) -> None:
    if (m := _LIST.match(type_name)) is not None:
        assert isinstance(value, list), f"{path}: expected a list"
        for i, item in enumerate(value):
            _check_value(item, m.group(1), f"{path}[{i}]")
    elif (m := _DICT.match(type_name)) is not None:
        assert isinstance(value, dict), f"{path}: expected a map"
        for k, item in value.items():
            _check_value(item, m.group(1), f"{path}.{k}")
    elif type_name == "str":
        assert isinstance(value, str), f"{path}: expected a string, got {value!r}"
    elif type_name == "int":
        assert isinstance(value, int) and not isinstance(value, bool), f"{path}: expected an int"
    elif type_name == "bool":
        assert isinstance(value, bool), f"{path}: expected a bool"
    elif type_name == "float":
        assert isinstance(value, (int, float)) and not isinstance(value, bool), f"{path}: expected a number"
    elif type_name == "datetime":
        assert isinstance(value, str) and re.match(r"^\d{4}-\d\d-\d\dT", value), f"{path}: expected an RFC 3339 time"
    elif type_name == "object":
        pass
    else:
        _check_model(value, type_name, path)


def _check_model(value: Any, type_name: str, path: str) -> None:
    cls = getattr(k8s_models, type_name)
    assert isinstance(value, dict), f"{path}: expected an object ({type_name})"
    by_json = {json_key: attr for attr, json_key in cls.attribute_map.items()}
    for key, item in value.items():
        assert key in by_json, f"{path}.{key} is not a field of {type_name}"
        _check_value(item, cls.openapi_types[by_json[key]], f"{path}.{key}")


CORE_MODELS = {
    ("v1", "Pod"): "V1Pod",
    ("v1", "Node"): "V1Node",
    ("v1", "Event"): "CoreV1Event",
    ("v1", "Service"): "V1Service",
    ("v1", "ConfigMap"): "V1ConfigMap",
    ("v1", "Secret"): "V1Secret",
    ("v1", "Namespace"): "V1Namespace",
    ("apps/v1", "Deployment"): "V1Deployment",
    ("apps/v1", "ReplicaSet"): "V1ReplicaSet",
}


def validate_core_object(obj: dict[str, Any]) -> dict[str, Any]:
    """Fail the test if a core object uses a field Kubernetes does not have.  Returns ``obj``."""
    model = CORE_MODELS[(obj.get("apiVersion"), obj.get("kind"))]
    _check_model(obj, model, obj["kind"])
    return obj


# ----------------------------------------------------------------------------
# Tests of the helpers themselves
# ----------------------------------------------------------------------------


def test_fixtures_are_present():
    assert (FIXTURES / "crds" / "kserve" / "serving.kserve.io_inferenceservices.yaml").is_file()
    assert len(crd_files()) >= 9


def test_strict_crd_validation_rejects_a_misspelt_status_field():
    isvc = load_example("kserve_hf_isvc.yaml")
    isvc["status"] = {"modelStatus": {"transitionStatus": "UpToDate"}, "url": "http://x"}
    validate_crd_object("inferenceservices.serving.kserve.io", isvc)
    isvc["status"]["modelStatus"]["transitionStatuss"] = "UpToDate"
    with pytest.raises(AssertionError, match="transitionStatuss"):
        validate_crd_object("inferenceservices.serving.kserve.io", isvc)


def test_strict_crd_validation_checks_enums_and_required_fields():
    isvc = load_example("kserve_hf_isvc.yaml")
    isvc["status"] = {"modelStatus": {"transitionStatus": "Broken"}}
    with pytest.raises(AssertionError, match="Broken"):
        validate_crd_object("inferenceservices.serving.kserve.io", isvc)
    bd = load_example("yatai-deployment_tests_e2e_example.yaml", kind="BentoDeployment")
    bd["status"] = {"conditions": [{"type": "Available", "status": "True"}]}  # v2alpha1 needs reason/message/time
    with pytest.raises(AssertionError, match="required"):
        validate_crd_object("bentodeployments.serving.yatai.ai", bd)


def test_core_validation_rejects_unknown_fields_and_wrong_types():
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "status": {"phase": "Running"}}
    validate_core_object(pod)
    with pytest.raises(AssertionError, match="phaze"):
        validate_core_object({**pod, "status": {"phaze": "Running"}})
    bad_quantity = {
        **pod,
        "spec": {"containers": [{"name": "c", "resources": {"limits": {"nvidia.com/gpu": 1}}}]},
    }
    with pytest.raises(AssertionError, match="expected a string"):
        validate_core_object(bad_quantity)
