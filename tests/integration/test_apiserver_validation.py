"""Schema validation, pruning and fieldValidation of custom resources (the fixture CRDs), and the
ObjectMeta / built-in checks, as kube-apiserver answers them."""

from __future__ import annotations

import json

import pytest
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from inference_console.sandbox.apiserver import EmulatorError

ISVC_PATH = "/apis/serving.kserve.io/v1beta1/namespaces/ml/inferenceservices"
MERGE = "application/merge-patch+json"
JSONP = "application/json-patch+json"
APPLY = "application/apply-patch+yaml"
QUANTITY = (
    r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)"
    r"|(\.[0-9]+))))?$"
)


def isvc(name: str = "m", **predictor) -> dict:
    pred = {"model": {"modelFormat": {"name": "sklearn"}, "storageUri": "gs://m"}}
    pred.update(predictor)
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": name, "namespace": "ml"},
        "spec": {"predictor": pred},
    }


def widget_crd(schema: dict) -> dict:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"kind": "Widget", "plural": "widgets", "singular": "widget"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": schema},
                    "subresources": {"status": {}},
                }
            ],
        },
    }


WIDGET_SCHEMA = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["size"],
            "properties": {
                "size": {"type": "integer", "minimum": 1, "maximum": 10},
                "name": {"type": "string", "minLength": 2, "maxLength": 5, "pattern": "^[a-z]+$"},
                "port": {"x-kubernetes-int-or-string": True, "anyOf": [{"type": "integer"}, {"type": "string"}]},
                "note": {"type": "string", "nullable": True},
                "mode": {"type": "string", "enum": ["fast", "slow"]},
                "tags": {"type": "array", "maxItems": 2, "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
                "ports": {
                    "type": "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name"],
                    "items": {
                        "type": "object",
                        "required": ["name"],
                        "properties": {"name": {"type": "string"}, "port": {"type": "integer"}},
                    },
                },
                "extra": {
                    "type": "object",
                    "x-kubernetes-preserve-unknown-fields": True,
                    "properties": {"level": {"type": "integer"}},
                },
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "when": {"type": "string", "format": "date-time"},
            },
        },
        "status": {"type": "object", "properties": {"ready": {"type": "boolean"}, "count": {"type": "integer"}}},
    },
}


def widget(**spec) -> dict:
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": "ml"},
        "spec": {"size": 3, **spec},
    }


async def post(http, path: str, body: dict, query: str = "") -> tuple[int, dict, list[str]]:
    async with http.post(path + query, json=body) as resp:
        return resp.status, await resp.json(), resp.headers.getall("Warning", [])


async def test_type_enum_and_required_errors_are_422_with_causes(emulator, http):
    bad = isvc(minReplicas="two", scaleMetric="gpu")
    del bad["spec"]["predictor"]["model"]["modelFormat"]["name"]
    code, body, _ = await post(http, ISVC_PATH, bad)
    assert code == 422, body
    assert body["kind"] == "Status" and body["status"] == "Failure" and body["reason"] == "Invalid"
    assert body["message"] == (
        'InferenceService.serving.kserve.io "m" is invalid: ['
        'spec.predictor.minReplicas: Invalid value: "string": spec.predictor.minReplicas in body must be of type '
        'integer: "string", '
        "spec.predictor.model.modelFormat.name: Required value, "
        'spec.predictor.scaleMetric: Unsupported value: "gpu": supported values: "cpu", "memory", "concurrency", '
        '"rps"]'
    )
    assert body["details"]["name"] == "m" and body["details"]["group"] == "serving.kserve.io"
    assert body["details"]["kind"] == "InferenceService"
    causes = {c["field"]: c for c in body["details"]["causes"]}
    assert causes["spec.predictor.minReplicas"] == {
        "reason": "FieldValueTypeInvalid",
        "field": "spec.predictor.minReplicas",
        "message": 'Invalid value: "string": spec.predictor.minReplicas in body must be of type integer: "string"',
    }
    assert causes["spec.predictor.model.modelFormat.name"]["reason"] == "FieldValueRequired"
    assert causes["spec.predictor.model.modelFormat.name"]["message"] == "Required value"
    assert causes["spec.predictor.scaleMetric"]["reason"] == "FieldValueNotSupported"
    assert emulator.get("serving.kserve.io/v1beta1", "InferenceService", "ml", "m") is None


async def test_pattern_of_int_or_string_quantities(emulator, kube_api):
    custom = client.CustomObjectsApi(kube_api)
    obj = isvc()
    obj["spec"]["predictor"]["model"]["resources"] = {"limits": {"memory": "lots", "cpu": 2, "nvidia.com/gpu": "1"}}
    with pytest.raises(ApiException) as exc:
        await custom.create_namespaced_custom_object("serving.kserve.io", "v1beta1", "ml", "inferenceservices", obj)
    body = json.loads(exc.value.body)
    assert exc.value.status == 422
    [cause] = body["details"]["causes"]
    assert cause["field"] == "spec.predictor.model.resources.limits.memory"
    assert cause["message"] == (
        f"Invalid value: \"lots\": spec.predictor.model.resources.limits.memory in body should match '{QUANTITY}'"
    )
    obj["spec"]["predictor"]["model"]["resources"]["limits"]["memory"] = True
    with pytest.raises(ApiException) as exc:
        await custom.create_namespaced_custom_object("serving.kserve.io", "v1beta1", "ml", "inferenceservices", obj)
    [cause] = json.loads(exc.value.body)["details"]["causes"]
    assert cause["message"] == (
        'Invalid value: "boolean": spec.predictor.model.resources.limits.memory in body must '
        'be of type integer,string: "boolean"'
    )
    obj["spec"]["predictor"]["model"]["resources"]["limits"]["memory"] = "16Gi"
    made = await custom.create_namespaced_custom_object("serving.kserve.io", "v1beta1", "ml", "inferenceservices", obj)
    assert made["spec"]["predictor"]["model"]["resources"]["limits"] == {
        "memory": "16Gi",
        "cpu": 2,
        "nvidia.com/gpu": "1",
    }


async def test_every_keyword_on_a_custom_schema(emulator, http):
    emulator.install_crd(widget_crd(WIDGET_SCHEMA))
    path = "/apis/example.com/v1/namespaces/ml/widgets"
    code, body, _ = await post(
        http,
        path,
        widget(
            size=0,
            name="Toolong",
            port=1.5,
            mode="medium",
            tags=["a", "b", "a"],
            ports=[{"name": "http", "port": 80}, {"name": "http", "port": 81}, {"port": 9}],
            extra={"level": "high"},
            labels={"a": 1},
            when="yesterday",
        ),
    )
    assert code == 422, body
    got = {c["field"]: (c["reason"], c["message"]) for c in body["details"]["causes"]}
    assert got == {
        "spec.size": ("FieldValueInvalid", "Invalid value: 0: spec.size in body should be greater than or equal to 1"),
        "spec.name": ("FieldValueInvalid", "Invalid value: \"Toolong\": spec.name in body should match '^[a-z]+$'"),
        "spec.port": (
            "FieldValueTypeInvalid",
            'Invalid value: "number": spec.port in body must be of type integer,string: "number"',
        ),
        "spec.mode": ("FieldValueNotSupported", 'Unsupported value: "medium": supported values: "fast", "slow"'),
        "spec.tags": ("FieldValueTooMany", "Too many: 3: must have at most 2 items"),
        "spec.tags[2]": ("FieldValueDuplicate", 'Duplicate value: "a"'),
        "spec.ports[1]": ("FieldValueDuplicate", 'Duplicate value: map[string]interface {}{"name":"http"}'),
        "spec.ports[2].name": ("FieldValueRequired", "Required value"),
        "spec.extra.level": (
            "FieldValueTypeInvalid",
            'Invalid value: "string": spec.extra.level in body must be of type integer: "string"',
        ),
        "spec.labels.a": (
            "FieldValueTypeInvalid",
            'Invalid value: "integer": spec.labels.a in body must be of type string: "integer"',
        ),
        "spec.when": (
            "FieldValueTypeInvalid",
            'Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"',
        ),
    }
    code, body, _ = await post(http, path, widget(size=11, name="a"))
    assert [c["message"] for c in body["details"]["causes"]] == [
        'Invalid value: "a": spec.name in body should be at least 2 chars long',
        "Invalid value: 11: spec.size in body should be less than or equal to 10",
    ]
    code, body, _ = await post(http, path, widget(name="abcdefg"))
    assert body["details"]["causes"][0] == {
        "reason": "FieldValueTooLong",
        "field": "spec.name",
        "message": "Too long: may not be more than 5 bytes",
    }
    code, body, _ = await post(http, path, {**widget(), "spec": {}})
    assert code == 422 and body["message"] == 'Widget.example.com "w" is invalid: spec.size: Required value'
    # valid: nullable null kept, non-nullable null pruned, preserve-unknown kept, int-or-string both ways
    code, body, warnings = await post(
        http,
        path,
        widget(
            note=None, mode=None, port="http", extra={"level": 2, "anything": {"goes": 1}}, when="2026-01-02T03:04:05Z"
        ),
    )
    assert code == 201, body
    assert body["spec"] == {
        "size": 3,
        "note": None,
        "port": "http",
        "extra": {"level": 2, "anything": {"goes": 1}},
        "when": "2026-01-02T03:04:05Z",
    }
    assert warnings == []


async def test_unknown_fields_prune_warn_by_default_and_strict_and_ignore(emulator, http, kube_api):
    obj = isvc(foo=1)
    obj["spec"]["bar"] = {"x": 1}
    obj["metadata"]["colour"] = "blue"
    obj["top"] = True
    code, body, warnings = await post(http, ISVC_PATH, obj)
    assert code == 201, body
    assert warnings == [
        '299 - "unknown field \\"metadata.colour\\""',
        '299 - "unknown field \\"spec.bar\\""',
        '299 - "unknown field \\"spec.predictor.foo\\""',
        '299 - "unknown field \\"top\\""',
    ]
    assert "foo" not in body["spec"]["predictor"] and "bar" not in body["spec"] and "top" not in body
    stored = emulator.get("serving.kserve.io/v1beta1", "InferenceService", "ml", "m")
    assert "colour" not in stored["metadata"] and "foo" not in stored["spec"]["predictor"]

    code, body, _ = await post(http, ISVC_PATH, isvc("s", foo=1), "?fieldValidation=Strict")
    assert code == 400 and body["reason"] == "BadRequest"
    assert body["message"] == (
        'InferenceService in version "v1beta1" cannot be handled as a InferenceService: '
        'strict decoding error: unknown field "spec.predictor.foo"'
    )
    assert emulator.get("serving.kserve.io/v1beta1", "InferenceService", "ml", "s") is None
    code, body, warnings = await post(http, ISVC_PATH, isvc("i", foo=1), "?fieldValidation=Ignore")
    assert code == 201 and warnings == [] and "foo" not in body["spec"]["predictor"]
    code, body, _ = await post(http, ISVC_PATH, isvc("x"), "?fieldValidation=Loud")
    assert code == 422 and body["message"] == (
        'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported '
        'value: "Loud": supported values: "", "Ignore", "Strict", "Warn"'
    )

    # patches: the patched object is decoded the same way; Strict names only the field
    async with http.patch(
        ISVC_PATH + "/m?fieldValidation=Strict",
        data=json.dumps([{"op": "add", "path": "/spec/predictor/foo", "value": 1}]),
        headers={"Content-Type": JSONP},
    ) as resp:
        body = await resp.json()
        assert resp.status == 400 and body["message"] == 'strict decoding error: unknown field "spec.predictor.foo"'
    async with http.patch(
        ISVC_PATH + "/m",
        data=json.dumps({"spec": {"predictor": {"foo": 1, "minReplicas": 2}}}),
        headers={"Content-Type": MERGE},
    ) as resp:
        body = await resp.json()
        assert resp.status == 200 and resp.headers.getall("Warning") == [
            '299 - "unknown field \\"spec.predictor.foo\\""'
        ]
    assert body["spec"]["predictor"]["minReplicas"] == 2 and "foo" not in body["spec"]["predictor"]
    # a PUT with Strict
    current = emulator.get("serving.kserve.io/v1beta1", "InferenceService", "ml", "m")
    current["spec"]["predictor"]["foo"] = 1
    async with http.put(ISVC_PATH + "/m?fieldValidation=Strict", json=current) as resp:
        body = await resp.json()
        assert resp.status == 400 and 'strict decoding error: unknown field "spec.predictor.foo"' in body["message"]


async def test_server_side_apply_of_an_undeclared_field_fails_like_the_typed_converter(emulator, http):
    obj = isvc(foo=1)
    async with http.patch(
        ISVC_PATH + "/m?fieldManager=inference-console", data=json.dumps(obj), headers={"Content-Type": APPLY}
    ) as resp:
        body = await resp.json()
        assert resp.status == 500, body
    assert body["message"] == (
        "failed to create typed patch object (ml/m; serving.kserve.io/v1beta1, "
        "Kind=InferenceService): .spec.predictor.foo: field not declared in schema"
    )
    assert "reason" not in body and body["code"] == 500
    bad = isvc(minReplicas=-1)
    bad["spec"]["predictor"]["minReplicas"] = "one"
    async with http.patch(
        ISVC_PATH + "/m?fieldManager=inference-console", data=json.dumps(bad), headers={"Content-Type": APPLY}
    ) as resp:
        body = await resp.json()
        assert resp.status == 422 and body["details"]["causes"][0]["field"] == "spec.predictor.minReplicas"
    async with http.patch(
        ISVC_PATH + "/m?fieldManager=inference-console",
        data=json.dumps(isvc(minReplicas=1)),
        headers={"Content-Type": APPLY},
    ) as resp:
        assert resp.status == 201


async def test_dry_run_validates_and_persists_nothing(emulator, http):
    rv = emulator.resource_version
    code, body, _ = await post(http, ISVC_PATH, isvc(minReplicas="x"), "?dryRun=All")
    assert code == 422 and body["details"]["causes"][0]["field"] == "spec.predictor.minReplicas"
    code, body, warnings = await post(http, ISVC_PATH, isvc(foo=1), "?dryRun=All")
    assert code == 201 and warnings == ['299 - "unknown field \\"spec.predictor.foo\\""']
    emulator.create(isvc())
    rv = emulator.resource_version
    async with http.patch(
        ISVC_PATH + "/m?dryRun=All",
        data=json.dumps({"spec": {"predictor": {"minReplicas": "x"}}}),
        headers={"Content-Type": MERGE},
    ) as resp:
        assert resp.status == 422
    async with http.patch(
        ISVC_PATH + "/m?dryRun=All",
        data=json.dumps({"spec": {"predictor": {"minReplicas": 3}}}),
        headers={"Content-Type": MERGE},
    ) as resp:
        assert resp.status == 200 and (await resp.json())["spec"]["predictor"]["minReplicas"] == 3
    assert emulator.resource_version == rv
    assert (
        "minReplicas"
        not in emulator.get("serving.kserve.io/v1beta1", "InferenceService", "ml", "m")["spec"]["predictor"]
    )


async def test_invalid_patch_and_put_leave_the_object_alone(emulator, http, kube_api):
    emulator.create(isvc())
    rv = emulator.resource_version
    custom = client.CustomObjectsApi(kube_api)
    args = ("serving.kserve.io", "v1beta1", "ml", "inferenceservices", "m")
    with pytest.raises(ApiException) as exc:
        await custom.patch_namespaced_custom_object(
            *args, {"spec": {"predictor": {"canaryTrafficPercent": "ten"}}}, _content_type=MERGE
        )
    assert exc.value.status == 422
    current = await custom.get_namespaced_custom_object(*args)
    current["spec"]["predictor"]["model"]["modelFormat"] = {"version": "1"}
    with pytest.raises(ApiException) as exc:
        await custom.replace_namespaced_custom_object(*args, current)
    assert json.loads(exc.value.body)["details"]["causes"] == [
        {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.predictor.model.modelFormat.name"}
    ]
    assert emulator.resource_version == rv


async def test_status_writes_validate_the_status_only(emulator, http):
    emulator.install_crd(widget_crd(WIDGET_SCHEMA))
    path = "/apis/example.com/v1/namespaces/ml/widgets/w"
    made = emulator.create(widget())
    # the main resource ignores the status it is sent (an invalid one included)
    async with http.put(path, json={**made, "status": {"ready": "yes"}}) as resp:
        assert resp.status == 200, await resp.json()
    async with http.put(path + "/status", json={**made, "status": {"ready": "yes", "count": 2}}) as resp:
        body = await resp.json()
        assert resp.status == 422
    assert body["details"]["causes"] == [
        {
            "reason": "FieldValueTypeInvalid",
            "field": "status.ready",
            "message": 'Invalid value: "string": status.ready in body must be of type boolean: "string"',
        }
    ]
    async with http.patch(
        path + "/status", data=json.dumps({"status": {"ready": True, "extra": 1}}), headers={"Content-Type": MERGE}
    ) as resp:
        body = await resp.json()
        assert resp.status == 200 and body["status"] == {"ready": True}
        assert resp.headers.getall("Warning") == ['299 - "unknown field \\"status.extra\\""']


async def test_ratcheting_keeps_unchanged_invalid_values_writable(emulator, http):
    open_schema = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    emulator.install_crd(widget_crd(open_schema))
    emulator.create({**widget(), "spec": {"size": 50, "name": "x"}})
    crd = emulator.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", None, "widgets.example.com")
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"] = WIDGET_SCHEMA
    emulator.update(crd)
    path = "/apis/example.com/v1/namespaces/ml/widgets/w"
    async with http.patch(
        path, data=json.dumps({"metadata": {"labels": {"a": "b"}}}), headers={"Content-Type": MERGE}
    ) as resp:
        assert resp.status == 200, await resp.json()
    async with http.patch(path, data=json.dumps({"spec": {"size": 60}}), headers={"Content-Type": MERGE}) as resp:
        body = await resp.json()
        assert resp.status == 422
    assert [c["field"] for c in body["details"]["causes"]] == ["spec.size"]


async def test_schemas_compile_once_per_crd_version_and_follow_crd_changes(emulator):
    emulator.create(isvc("a"))
    root = emulator.crud.schema(emulator.crud.type_for("serving.kserve.io/v1beta1", "InferenceService"))
    emulator.create(isvc("b"))
    rt = emulator.crud.type_for("serving.kserve.io/v1beta1", "InferenceService")
    assert emulator.crud.schema(rt) is root
    assert len(root._kids) < len(root.props)  # compiled lazily, only what the writes visited
    emulator.install_crd(widget_crd(WIDGET_SCHEMA))
    wrt = emulator.crud.type_for("example.com/v1", "Widget")
    first = emulator.crud.schema(wrt)
    crd = emulator.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", None, "widgets.example.com")
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["size"]["maximum"] = 99
    emulator.update(crd)
    assert emulator.crud.schema(wrt) is not first
    assert emulator.create(widget(size=50))["spec"]["size"] == 50


async def test_sync_methods_are_strict_by_default(emulator):
    with pytest.raises(EmulatorError) as exc:
        emulator.create(isvc(foo=1))
    assert exc.value.code == 400 and 'unknown field "spec.predictor.foo"' in exc.value.message
    made = emulator.create(isvc(foo=1), field_validation="Ignore")
    assert "foo" not in made["spec"]["predictor"]
    with pytest.raises(EmulatorError) as exc:
        emulator.patch(
            "serving.kserve.io/v1beta1", "InferenceService", "ml", "m", {"spec": {"predictor": {"minReplicas": "x"}}}
        )
    assert exc.value.code == 422 and exc.value.details["causes"][0]["field"] == "spec.predictor.minReplicas"


async def test_metadata_rules_for_every_kind(emulator, http):
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "p",
            "namespace": "ml",
            "labels": {"ok": "fine", "bad": "no spaces!"},
            "annotations": {"big": "x" * (256 * 1024)},
        },
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }
    code, body, _ = await post(http, "/api/v1/namespaces/ml/pods", pod)
    assert code == 422
    assert body["message"].startswith(
        'Pod "p" is invalid: [metadata.labels: Invalid value: "no spaces!": a valid '
        "label must be an empty string or consist of alphanumeric characters"
    )
    assert {c["field"]: c["reason"] for c in body["details"]["causes"]} == {
        "metadata.labels": "FieldValueInvalid",
        "metadata.annotations": "FieldValueTooLong",
    }
    assert body["details"]["causes"][1]["message"] == "Too long: may not be more than 262144 bytes"
    pod["metadata"]["labels"] = {"example.com/ok": "fine", "-bad": "x"}
    pod["metadata"]["annotations"] = {}
    code, body, _ = await post(http, "/api/v1/namespaces/ml/pods", pod)
    assert code == 422 and body["details"]["causes"][0]["message"].startswith(
        'Invalid value: "-bad": name part must consist of alphanumeric characters'
    )


async def test_builtin_replicas_and_containers(emulator, http, kube_api):
    dep = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "ml"},
        "spec": {
            "replicas": -1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "main"}, {"name": "main", "image": "x"}]},
            },
        },
    }
    code, body, _ = await post(http, "/apis/apps/v1/namespaces/ml/deployments", dep)
    assert code == 422
    assert body["message"] == (
        'Deployment.apps "web" is invalid: [spec.replicas: Invalid value: -1: must be greater '
        "than or equal to 0, spec.template.spec.containers[0].image: Required value, "
        'spec.template.spec.containers[1].name: Duplicate value: "main"]'
    )
    dep["spec"]["replicas"] = "3"
    code, body, _ = await post(http, "/apis/apps/v1/namespaces/ml/deployments", dep)
    assert code == 400 and body["message"] == (
        'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct '
        "field DeploymentSpec.spec.replicas of type int32"
    )
    dep["spec"]["replicas"] = 1
    dep["spec"]["template"]["spec"]["containers"] = [{"name": "main", "image": "vllm:1"}]
    code, body, _ = await post(http, "/apis/apps/v1/namespaces/ml/deployments", dep)
    assert code == 201
    apps = client.AppsV1Api(kube_api)
    with pytest.raises(ApiException) as exc:
        await apps.patch_namespaced_deployment_scale("web", "ml", {"spec": {"replicas": -2}})
    assert exc.value.status == 422


async def test_kubectl_is_strict_and_reports_validation_errors(emulator, kubectl):
    manifest = json.dumps(isvc(foo=1))
    out = await kubectl("apply", "-f", "-", input=manifest)
    assert out.returncode != 0
    assert 'strict decoding error: unknown field "spec.predictor.foo"' in out.stderr, out.stderr
    out = await kubectl("apply", "--validate=warn", "-f", "-", input=manifest)
    assert out.returncode == 0, out.stderr
    assert 'Warning: unknown field "spec.predictor.foo"' in out.stderr
    out = await kubectl(
        "patch", "isvc", "m", "-n", "ml", "--type=merge", "-p", '{"spec":{"predictor":{"minReplicas":"two"}}}'
    )
    assert out.returncode != 0
    assert (
        'The InferenceService "m" is invalid: spec.predictor.minReplicas: Invalid value: "string": '
        'spec.predictor.minReplicas in body must be of type integer: "string"'
    ) in out.stderr, out.stderr
