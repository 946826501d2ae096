"""Pod facts (container statuses walked once) and the compacted store they are shared through."""

from __future__ import annotations

import copy

from inference_console.catalog.base import Health
from inference_console.catalog.kinds import pod as pod_mod
from inference_console.sources.kube.store import ObjectStore


def pod(name: str, rv: str | None = "1", *, waiting: str = "", restarts: int = 0) -> dict:
    state = {"waiting": {"reason": waiting}} if waiting else {"running": {"startedAt": "2026-01-01T00:00:00Z"}}
    md = {"name": name, "namespace": "ns", "uid": f"uid-{name}", "labels": {"app": "x"}}
    if rv is not None:
        md["resourceVersion"] = rv
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": md,
        "spec": {"containers": [{"name": "c", "image": "img:1", "env": [{"name": "A", "value": "1"}]}]},
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {"name": "c", "image": "img:1", "ready": not waiting, "restartCount": restarts, "state": state}
            ],
        },
    }


def test_pods_of_one_template_share_their_parts_and_facts_in_a_store():
    store = ObjectStore("pods", kind="Pod", api_version="v1")
    store.begin_list()
    store.add_page([pod(f"p{i}", str(i + 1)) for i in range(50)])
    store.end_list("60")
    objs = list(store.values())
    assert len({id(o["spec"]["containers"]) for o in objs}) == 1
    assert len({id(o["status"]["containerStatuses"]) for o in objs}) == 1
    assert all("env" not in c for o in objs for c in o["spec"]["containers"])  # nothing reads it
    assert len({id(pod_mod.pod_facts(o)) for o in objs}) == 1
    assert {pod_mod.status_text(o) for o in objs} == {"Running"}
    assert {pod_mod.health(o).state for o in objs} == {Health.OK}


def test_a_changed_pod_gets_its_own_facts():
    store = ObjectStore("pods", kind="Pod", api_version="v1")
    store.upsert(pod("a", "1"))
    store.upsert(pod("b", "2"))
    store.upsert(pod("b", "3", waiting="CrashLoopBackOff", restarts=4))
    a, b = store.get("uid-a"), store.get("uid-b")
    assert pod_mod.health(a).state is Health.OK
    verdict = pod_mod.health(b)
    assert verdict.state is Health.FAILED and "CrashLoopBackOff" in verdict.reason
    assert pod_mod.restarts(b) == 4 and pod_mod.status_text(b) == "CrashLoopBackOff"
    assert pod_mod.restarts(a) == 0


def test_objects_without_a_resource_version_are_read_afresh_each_time():
    obj = pod("hand-made", rv=None)
    assert pod_mod.health(obj).state is Health.OK
    obj["status"]["containerStatuses"][0]["state"] = {"waiting": {"reason": "ImagePullBackOff"}}
    obj["status"]["containerStatuses"][0]["ready"] = False
    assert pod_mod.health(obj).state is Health.FAILED
    assert pod_mod.ready_text(obj) == "0/1"
    # and they are not compacted either (a hand-made object may be changed in place)
    store = ObjectStore("pods", kind="Pod", api_version="v1")
    store.upsert(copy.deepcopy(obj))
    assert "env" in store.get("uid-hand-made")["spec"]["containers"][0]


def test_trim_heap_gives_freed_pages_back():
    """After a big list the decoded pages' freed heap goes back to the system (glibc here)."""
    import json

    import psutil

    from inference_console.sources.heap import trim_heap

    blobs = [json.loads(json.dumps({"i": i, "text": "x" * 200})) for i in range(200_000)]
    del blobs
    before = psutil.Process().memory_info().rss
    assert trim_heap() is True  # this machine's C library is glibc
    assert psutil.Process().memory_info().rss <= before
