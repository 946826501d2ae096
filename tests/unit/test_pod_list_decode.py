"""A pod list page decoded straight into compact records equals the plain decode followed by
the store's compaction, shares the same parts, and falls back to the plain path on odd shapes."""

from __future__ import annotations

import copy
import json

from inference_console.sources.kube.compact import Compactor
from inference_console.sources.kube.pod_list import pod_list_decoder
from inference_console.sources.kube.store import ObjectStore
from tests.integration.test_informer_compact import bulky_pod


def listed(pods: list[dict]) -> bytes:
    body = {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "9"}, "items": pods}
    return json.dumps(body, separators=(",", ":")).encode()


def fleet() -> list[dict]:
    pods = []
    for i in range(40):
        pod = bulky_pod(f"p{i:02d}", waiting="CrashLoopBackOff" if i % 7 == 0 else "")
        pod["metadata"].update(uid=f"uid-{i}", resourceVersion=str(100 + i), generation=1)
        pod["metadata"]["managedFields"] = [{"manager": "kubelet", "fieldsV1": {"f:status": {}}}]
        del pod["kind"], pod["apiVersion"]  # list items of built-in kinds come without them
        if i % 5 == 0:  # a started-at and a container ID of its own, as in a real cluster
            pod["status"]["conditions"][0]["lastTransitionTime"] = f"2026-01-01T00:{i:02d}:00Z"
        pods.append(pod)
    odd = bulky_pod("odd")
    odd["metadata"].update(uid="uid-odd", resourceVersion="7", labels=None)
    odd["spec"]["containers"] = {"not": "a list"}
    odd["status"]["containerStatuses"] = []
    odd["status"]["conditions"] = None
    handmade = bulky_pod("handmade")  # no resourceVersion: kept whole, as the store keeps it
    handmade["metadata"].update(uid="uid-handmade", generation=3, clusterName="")
    return pods + [odd, handmade]


def plain_path(raw: bytes) -> list[dict]:
    store = ObjectStore("pods", kind="Pod", api_version="v1")
    return [store.prepare(item) for item in json.loads(raw)["items"]]


def test_records_equal_the_plain_decode_and_compaction():
    raw = listed(fleet())
    items, prepared = pod_list_decoder(Compactor(), "Pod", "v1")(raw)
    assert prepared
    expected = plain_path(raw)
    assert items == expected
    for got, want in zip(items, expected):  # the same fields, in the same order
        assert list(got) == list(want) and list(got["spec"]) == list(want["spec"])
        assert list(got["metadata"]) == list(want["metadata"])
    first = items[0]
    assert "managedFields" not in first["metadata"] and "generation" not in first["metadata"]
    assert "env" not in first["spec"]["containers"][0] and "volumes" not in first["spec"]
    assert first["kind"] == "Pod" and first["apiVersion"] == "v1"


def test_repeated_parts_are_shared_as_the_compaction_shares_them():
    raw = listed(fleet())
    items, _ = pod_list_decoder(Compactor(), "Pod", "v1")(raw)
    expected = plain_path(raw)

    def distinct(records, part, key):
        return len({id(r[part].get(key)) for r in records})

    for part, key in [
        ("metadata", "labels"),
        ("metadata", "ownerReferences"),
        ("spec", "containers"),
        ("spec", "initContainers"),
        ("status", "conditions"),
        ("status", "initContainerStatuses"),
    ]:
        assert distinct(items, part, key) == distinct(expected, part, key), (part, key)
    assert items[1]["spec"]["containers"] is items[2]["spec"]["containers"]


def test_a_part_already_in_the_table_is_not_built_again():
    compactor = Compactor()
    decode = pod_list_decoder(compactor, "Pod", "v1")
    first, _ = decode(listed(fleet()[:3]))
    again, _ = decode(listed(fleet()[3:6]))  # the next page, same templates
    assert again[0]["spec"]["containers"] is first[0]["spec"]["containers"]
    assert again[0]["metadata"]["labels"] is first[0]["metadata"]["labels"]


def test_a_page_of_an_odd_shape_takes_the_plain_path():
    pods = fleet()[:3]
    broken = copy.deepcopy(pods[1])
    broken["spec"] = None  # not an object
    raw = listed([pods[0], broken, pods[2]])
    items, prepared = pod_list_decoder(Compactor(), "Pod", "v1")(raw)
    assert not prepared
    assert items == json.loads(raw)["items"]  # undecorated: the store prepares them as before
    store = ObjectStore("pods", kind="Pod", api_version="v1")
    store.begin_list()
    store.add_page(items)
    store.end_list()
    assert len(store) == 3 and all("managedFields" not in r["metadata"] for r in store.values())


def test_a_body_without_items_is_an_empty_page():
    items, prepared = pod_list_decoder(Compactor(), "Pod", "v1")(b'{"kind":"PodList","metadata":{}}')
    assert items == [] and prepared


def test_per_pod_statuses_do_not_fill_the_shared_table():
    """Statuses differ per pod by their container IDs: after pruning they repeat, and the table
    holds as few entries as the plain path's compaction makes (not one key per pod)."""
    pods = []
    for i in range(300):
        pod = bulky_pod(f"p{i:03d}")
        pod["metadata"].update(uid=f"uid-{i}", resourceVersion=str(i + 1))
        for st in pod["status"]["initContainerStatuses"]:
            st["containerID"] = f"containerd://{i}-{st['name']}"
        pods.append(pod)
    raw = listed(pods)
    compactor = Compactor()
    items, _ = pod_list_decoder(compactor, "Pod", "v1")(raw)
    store = ObjectStore("pods", kind="Pod", api_version="v1")
    plain = [store.prepare(item) for item in json.loads(raw)["items"]]
    assert items == plain
    assert len(compactor._shared) <= len(store._compact.__self__._shared) + 5  # noqa: SLF001
    assert len({id(i["status"]["initContainerStatuses"]) for i in items}) == 1
