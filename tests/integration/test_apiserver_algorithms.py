"""The emulator's pure algorithms: selectors, patches, JSONPath and ages (no server needed)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from inference_console.sandbox.apiserver import EmulatorError
from inference_console.sandbox.apiserver.jsonpath import find
from inference_console.sandbox.apiserver.meta import human_age
from inference_console.sandbox.apiserver.patch import json_patch, merge_patch, strategic_merge
from inference_console.sandbox.apiserver.selectors import make_filter, parse_field_selector, parse_label_selector


def labelled(**labels) -> dict:
    return {"metadata": {"labels": labels}}


@pytest.mark.parametrize(
    "selector,labels,expected",
    [
        ("", {}, True),
        ("a=1", {"a": "1"}, True),
        ("a==1", {"a": "2"}, False),
        ("a!=1", {}, True),
        ("a in (1, 2)", {"a": "2"}, True),
        ("a notin (1,2)", {"a": "3"}, True),
        ("a notin (1,2)", {}, True),
        ("a", {"a": ""}, True),
        ("!a", {"a": "x"}, False),
        ("a,b=2", {"a": "1", "b": "2"}, True),
        ("app.kubernetes.io/name=web", {"app.kubernetes.io/name": "web"}, True),
        ("n>3", {"n": "5"}, True),
        ("n<3", {"n": "5"}, False),
        ("a=", {"a": ""}, True),
    ],
)
def test_label_selectors(selector, labels, expected):
    pred = make_filter(selector, None, "Pod")
    assert (pred is None) if not selector else (pred(labelled(**labels)) is expected)


@pytest.mark.parametrize("bad", ["a in (", "a in ()", "a=b=c", "=x", "a,", "a notin x", "Bad Key=1", "a=b c"])
def test_bad_label_selectors(bad):
    with pytest.raises(EmulatorError) as exc:
        parse_label_selector(bad)
    assert exc.value.code == 400


def test_field_selectors():
    reqs = parse_field_selector(r"metadata.name=a\,b,status.phase!=Running", "Pod")
    assert [(r.field, r.op, r.value) for r in reqs] == [
        ("metadata.name", "=", "a,b"),
        ("status.phase", "!=", "Running"),
    ]
    pred = make_filter(None, "spec.nodeName=n1", "Pod")
    assert pred({"spec": {"nodeName": "n1"}}) and not pred({"spec": {}})
    assert make_filter(None, "spec.unschedulable=true", "Node")({"spec": {"unschedulable": True}})
    for bad, kind in (("spec.nodeName=n1", "InferenceService"), ("nonsense", "Pod")):
        with pytest.raises(EmulatorError):
            parse_field_selector(bad, kind)


@pytest.mark.parametrize(
    "target,patch,expected",
    [  # RFC 7386 appendix A
        ({"a": "b"}, {"a": "c"}, {"a": "c"}),
        ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
        ({"a": "b"}, {"a": None}, {}),
        ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
        ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
        ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
        ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
        ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
        ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
        ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    ],
)
def test_merge_patch_rfc7386(target, patch, expected):
    assert merge_patch(target, patch) == expected


def test_json_patch_rfc6902():
    doc = {"foo": ["bar", "baz"], "a/b": 1, "m~n": 2}
    out = json_patch(
        doc,
        [
            {"op": "add", "path": "/foo/1", "value": "qux"},
            {"op": "replace", "path": "/a~1b", "value": 3},
            {"op": "test", "path": "/m~0n", "value": 2},
            {"op": "move", "from": "/foo/0", "path": "/first"},
            {"op": "copy", "from": "/first", "path": "/foo/-"},
            {"op": "remove", "path": "/m~0n"},
        ],
    )
    assert out == {"foo": ["qux", "baz", "bar"], "a/b": 3, "first": "bar"}
    assert doc == {"foo": ["bar", "baz"], "a/b": 1, "m~n": 2}, "input untouched"
    for ops, code in (
        ([{"op": "remove", "path": "/nope"}], 422),
        ([{"op": "add", "path": "/foo/9", "value": 1}], 422),
        ([{"op": "test", "path": "/a~1b", "value": 2}], 422),
        ([{"op": "frob", "path": "/"}], 400),
        ({"op": "add"}, 400),
    ):
        with pytest.raises(EmulatorError) as exc:
            json_patch(doc, ops)
        assert exc.value.code == code


def test_strategic_merge_directives():
    svc = {
        "spec": {"ports": [{"port": 80, "name": "http"}, {"port": 443, "name": "https"}], "selector": {"a": "b"}},
        "metadata": {"finalizers": ["x"]},
    }
    out = strategic_merge(
        svc,
        {
            "spec": {"ports": [{"port": 443, "targetPort": 8443}, {"port": 9000}]},
            "metadata": {"finalizers": ["y", "x"]},
        },
        "Service",
    )
    assert out["spec"]["ports"] == [
        {"port": 80, "name": "http"},
        {"port": 443, "name": "https", "targetPort": 8443},
        {"port": 9000},
    ]
    assert out["metadata"]["finalizers"] == ["x", "y"]
    out = strategic_merge(
        svc,
        {
            "spec": {"selector": {"$patch": "replace", "c": "d"}},
            "metadata": {"$deleteFromPrimitiveList/finalizers": ["x"]},
        },
        "Service",
    )
    assert out["spec"]["selector"] == {"c": "d"} and out["metadata"]["finalizers"] == []
    pod = {"spec": {"containers": [{"name": "a", "image": "1"}], "tolerations": [{"key": "k"}]}}
    out = strategic_merge(
        pod,
        {
            "spec": {
                "$setElementOrder/containers": [{"name": "a"}],
                "containers": [{"$patch": "replace"}, {"name": "b", "image": "2"}],
                "tolerations": [{"key": "z"}],
            }
        },
        "Pod",
    )
    assert out["spec"] == {"containers": [{"name": "b", "image": "2"}], "tolerations": [{"key": "z"}]}
    out = strategic_merge(
        {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}},
        {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}},
        "Deployment",
    )
    assert out == {"spec": {"strategy": {"type": "Recreate"}}}
    assert strategic_merge({"spec": {"a": {"b": 1}}}, {"spec": {"a": {"$patch": "delete"}}}, "Pod") == {"spec": {}}


def test_jsonpath_subset():
    obj = {
        "status": {
            "conditions": [{"type": "Ready", "status": "True"}, {"type": "Other", "status": "False"}],
            "traffic": [{"tag": "prev", "percent": 10}, {"percent": 90, "latestRevision": True}],
        },
        "metadata": {"name": "x"},
    }
    assert find(obj, ".status.conditions[?(@.type=='Ready')].status") == ["True"]
    assert find(obj, '.status.conditions[?(@.type=="Other")].status') == ["False"]
    assert find(obj, "{.status.conditions[1].type}") == ["Other"]
    assert find(obj, ".status.conditions[-1].type") == ["Other"]
    assert find(obj, ".status.conditions[*].type") == ["Ready", "Other"]
    assert find(obj, ".status.traffic[?(@.latestRevision==true)].percent") == [90]
    assert find(obj, ".status.traffic[?(@.tag!='prev')].percent") == [90]
    assert find(obj, ".status.missing.deeper") == []
    assert find(obj, "$.metadata.name") == ["x"]


def test_human_age():
    now = datetime.now(timezone.utc)

    def ago(**kw) -> str:
        return human_age((now - timedelta(**kw)).strftime("%Y-%m-%dT%H:%M:%SZ"))

    assert ago(seconds=5) in ("5s", "6s")
    assert ago(minutes=5, seconds=30).startswith("5m")
    assert ago(hours=3) == "3h"
    assert ago(days=3) == "3d"
    assert ago(days=30) == "30d"
    assert human_age(None) == "<unknown>"
