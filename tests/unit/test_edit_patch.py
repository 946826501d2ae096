"""`e` sends a JSON patch of what changed, guarded by `test` ops (issue 8 §2): the pure builder."""

import copy

import pytest

from inference_console.actions.edit import (
    edit_patch,
    patch_test_failed,
    pointer,
    top_level_fields,
    unknown_top_level,
)
from inference_console.sandbox.apiserver.patch import json_patch
from inference_console.sandbox.apiserver.status import EmulatorError


def obj(**spec):
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {
            "name": "gemma-9b",
            "namespace": "llm-prod",
            "resourceVersion": "41",
            "uid": "u-1",
            "generation": 3,
            "managedFields": [{"manager": "x"}],
            "labels": {"team": "a"},
        },
        "spec": spec
        or {
            "predictor": {
                "minReplicas": 1,
                "maxReplicas": 3,
                "model": {"modelFormat": {"name": "huggingface"}, "storageUri": "hf://g/9b"},
            }
        },
        "status": {"url": "http://x", "conditions": [{"type": "Ready", "status": "False"}]},
    }


def edited_from(base, change):
    edited = copy.deepcopy({k: v for k, v in base.items() if k != "status"})
    change(edited)
    return edited


def applies(base, edited):
    """The patch applied by the emulator's RFC 6902 code gives the edit (status and hidden fields kept)."""
    ops = edit_patch(base, edited)
    result = json_patch(base, ops)
    assert result["status"] == base["status"]
    assert result["metadata"]["resourceVersion"] == base["metadata"]["resourceVersion"]
    assert {k: v for k, v in result.items() if k != "status"} == {
        **edited,
        "metadata": {
            **edited["metadata"],
            **{k: base["metadata"][k] for k in ("resourceVersion", "uid", "generation", "managedFields")},
        },
    }
    return ops


def guards(ops):
    return [(op["path"], op["value"]) for op in ops if op["op"] == "test"]


def test_a_changed_scalar_is_tested_then_replaced():
    base = obj()
    edited = edited_from(base, lambda e: e["spec"]["predictor"].update(minReplicas=2))
    ops = applies(base, edited)
    assert ops == [
        {"op": "test", "path": "/spec/predictor/minReplicas", "value": 1},
        {"op": "replace", "path": "/spec/predictor/minReplicas", "value": 2},
    ]


def test_nothing_of_status_or_hidden_metadata_is_sent():
    base = obj()
    edited = edited_from(base, lambda e: e["spec"]["predictor"].update(maxReplicas=5))
    edited["status"] = {"url": "changed by hand"}  # the editor hides status: it is not part of an edit
    ops = edit_patch(base, edited)
    assert all(
        not op["path"].startswith(("/status", "/metadata/resourceVersion", "/metadata/managedFields")) for op in ops
    )
    assert assert_no_change(base, base)


def assert_no_change(base, edited):
    return edit_patch(base, edited) == []


def test_json_pointer_escaping_of_slash_and_tilde():
    assert pointer("metadata", "annotations", "a/b~c") == "/metadata/annotations/a~1b~0c"
    base = obj()
    base["metadata"]["annotations"] = {"example.com/owner": "a", "x~y": "1"}
    base["spec"]["predictor"]["model"]["resources"] = {"limits": {"nvidia.com/gpu": "1"}}

    def change(e):
        e["metadata"]["annotations"]["example.com/owner"] = "b"
        del e["metadata"]["annotations"]["x~y"]
        e["spec"]["predictor"]["model"]["resources"]["limits"]["nvidia.com/gpu"] = "2"

    ops = applies(base, edited_from(base, change))
    paths = {op["path"] for op in ops}
    assert "/metadata/annotations/example.com~1owner" in paths
    assert "/metadata/annotations/x~0y" in paths
    assert "/spec/predictor/model/resources/limits/nvidia.com~1gpu" in paths


def test_removed_key_is_tested_then_removed():
    base = obj()
    ops = applies(base, edited_from(base, lambda e: e["spec"]["predictor"].pop("maxReplicas")))
    assert ops == [
        {"op": "test", "path": "/spec/predictor/maxReplicas", "value": 3},
        {"op": "remove", "path": "/spec/predictor/maxReplicas"},
    ]


def test_added_key_is_guarded_by_its_map_except_under_the_root_and_metadata():
    base = obj()
    ops = applies(base, edited_from(base, lambda e: e["metadata"]["labels"].update(owner="me")))
    assert guards(ops) == [("/metadata/labels", {"team": "a"})]
    assert ops[-1] == {"op": "add", "path": "/metadata/labels/owner", "value": "me"}
    # metadata.annotations did not exist: metadata itself moves on every write, so no test
    ops = applies(base, edited_from(base, lambda e: e["metadata"].update(annotations={"a": "b"})))
    assert ops == [{"op": "add", "path": "/metadata/annotations", "value": {"a": "b"}}]
    # a new key in the spec: the map it joins is tested (a key added meanwhile is not overwritten)
    ops = applies(base, edited_from(base, lambda e: e["spec"]["predictor"].update(timeout=30)))
    assert guards(ops) == [("/spec/predictor", base["spec"]["predictor"])]


def test_tests_inside_a_tested_path_are_left_out_and_tests_come_first():
    base = obj()

    def change(e):
        e["spec"]["predictor"]["minReplicas"] = 0
        e["spec"]["predictor"]["scaleTarget"] = 5

    ops = applies(base, edited_from(base, change))
    assert guards(ops) == [("/spec/predictor", base["spec"]["predictor"])]
    kinds = [op["op"] for op in ops]
    assert kinds.index("test") == 0 and "test" not in kinds[1:]


def test_lists_of_the_same_length_change_element_by_element_with_the_name_tested():
    base = obj(containers=[{"name": "a", "image": "img:1"}, {"name": "b", "image": "img:1"}])
    ops = applies(base, edited_from(base, lambda e: e["spec"]["containers"][1].update(image="img:2")))
    assert ops == [
        {"op": "test", "path": "/spec/containers/1/name", "value": "b"},
        {"op": "test", "path": "/spec/containers/1/image", "value": "img:1"},
        {"op": "replace", "path": "/spec/containers/1/image", "value": "img:2"},
    ]
    scalars = obj(args=["--a", "--b"])
    ops = applies(scalars, edited_from(scalars, lambda e: e["spec"]["args"].__setitem__(0, "--c")))
    assert ops == [
        {"op": "test", "path": "/spec/args/0", "value": "--a"},
        {"op": "replace", "path": "/spec/args/0", "value": "--c"},
    ]


def test_a_list_that_grows_or_shrinks_is_tested_and_replaced_whole():
    base = obj(args=["--a", "--b"])
    ops = applies(base, edited_from(base, lambda e: e["spec"]["args"].append("--c")))
    assert ops == [
        {"op": "test", "path": "/spec/args", "value": ["--a", "--b"]},
        {"op": "replace", "path": "/spec/args", "value": ["--a", "--b", "--c"]},
    ]
    ops = applies(base, edited_from(base, lambda e: e["spec"]["args"].pop()))
    assert ops[-1] == {"op": "replace", "path": "/spec/args", "value": ["--a"]}


@pytest.mark.parametrize(
    "old,new",
    [
        (1, "1"),
        (1, 1.5),
        (1, True),
        ("x", {"a": 1}),
        ({"a": 1}, ["a"]),
        ([1], None),
        (None, 0),
    ],
)
def test_type_changes_replace_the_value_after_testing_the_old_one(old, new):
    base = obj(value=old)
    ops = applies(base, edited_from(base, lambda e: e["spec"].update(value=new)))
    assert ops == [
        {"op": "test", "path": "/spec/value", "value": old},
        {"op": "replace", "path": "/spec/value", "value": new},
    ]


def test_a_nested_type_change_inside_an_equal_looking_value_is_seen():
    base = obj(flags={"on": 1})
    ops = edit_patch(base, edited_from(base, lambda e: e["spec"]["flags"].update(on=True)))
    assert ops[-1] == {"op": "replace", "path": "/spec/flags/on", "value": True}


def test_a_status_write_meanwhile_does_not_fail_the_patch_a_change_of_the_same_field_does():
    base = obj()
    ops = edit_patch(base, edited_from(base, lambda e: e["spec"]["predictor"].update(minReplicas=2)))
    server = copy.deepcopy(base)
    server["status"]["conditions"][0]["status"] = "True"
    server["metadata"]["resourceVersion"] = "99"
    assert json_patch(server, ops)["spec"]["predictor"]["minReplicas"] == 2
    server["spec"]["predictor"]["minReplicas"] = 4  # someone else changed the same field
    with pytest.raises(EmulatorError) as err:
        json_patch(server, ops)
    assert err.value.code == 422
    assert patch_test_failed(str(err.value)) == "/spec/predictor/minReplicas"


def test_patch_test_failed_recognises_the_servers_words():
    assert patch_test_failed("testing value /spec/a failed: test failed") == "/spec/a"
    assert patch_test_failed("the server rejected our request due to an error in our request") == ""
    assert patch_test_failed("test operation does not apply: is missing path: /spec/b") == "/spec/b"
    assert patch_test_failed('spec.predictor.minReplicas: Invalid value: "x"') is None


def test_unknown_top_level_fields_are_refused():
    base = obj()
    edited = edited_from(base, lambda e: e.update({"probe/builtin": "yes"}))
    causes = unknown_top_level(base, edited, top_level_fields("InferenceService"))
    assert [c.field for c in causes] == ["probe/builtin"] and "unknown field" in causes[0].message
    assert unknown_top_level(base, edited_from(base, lambda e: None), top_level_fields("InferenceService")) == []
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
    assert unknown_top_level(cm, {**cm, "data": {"a": "b"}}, top_level_fields("ConfigMap")) == []
    assert [c.field for c in unknown_top_level(cm, {**cm, "sepc": {}}, top_level_fields("ConfigMap"))] == ["sepc"]
    # a field the object already had is known whatever the table says
    odd = {**cm, "extra": 1}
    assert unknown_top_level(odd, odd, top_level_fields("ConfigMap")) == []
    # a CRD that declares its top-level fields
    assert top_level_fields("X", ["spec", "status", "data"]) >= {"apiVersion", "kind", "metadata", "data"}
