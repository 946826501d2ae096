import asyncio

from inference_console.sources.kube.store import ObjectStore
from inference_console.state.hub import ChangeHub
from inference_console.state.store import KindState


def pod(uid, name, rv, failing=False, labels=None):
    return {
        "metadata": {
            "uid": uid,
            "name": name,
            "namespace": "ns",
            "resourceVersion": str(rv),
            "labels": labels or {},
            "managedFields": [{"manager": "x"}],
        },
        "status": {"phase": "Failed" if failing else "Running"},
    }


def failing(obj):
    return obj["status"]["phase"] == "Failed"


def test_replace_reconciles_additions_modifications_and_deletions():
    store = ObjectStore("pods", kind="Pod", api_version="v1", is_failing=failing)
    store.replace([pod("a", "a", 1), pod("b", "b", 1, failing=True)], "10")
    first = store.take_changes()
    assert first.reset and set(first.upserted) == {"a", "b"}
    assert store.failing_count == 1
    # a changes, b vanishes, c appears
    added, modified, deleted = store.replace([pod("a", "a", 2), pod("c", "c", 3)], "20")
    assert (added, modified, deleted) == (1, 1, 1)
    changes = store.take_changes()
    assert not changes.reset
    assert set(changes.upserted) == {"a", "c"}
    assert changes.deleted == {"b"}
    assert store.failing_count == 0
    assert store.resource_version == "20"


def test_ingest_fills_kind_and_drops_managed_fields():
    store = ObjectStore("pods", kind="Pod", api_version="v1")
    store.replace([pod("a", "a", 1)], "1")
    obj = store.get("a")
    assert obj["kind"] == "Pod" and obj["apiVersion"] == "v1"
    assert "managedFields" not in obj["metadata"]


def test_events_coalesce_until_taken():
    calls = []
    store = ObjectStore("pods", on_change=calls.append, is_failing=failing)
    store.replace([], "1")
    store.take_changes()
    calls.clear()
    for rv in range(2, 50):
        store.apply_event("MODIFIED", pod("a", "a", rv, failing=rv % 2 == 0))
    store.apply_event("ADDED", pod("b", "b", 60))
    store.apply_event("DELETED", pod("b", "b", 61))
    assert len(calls) == 1  # notified once for the whole burst
    changes = store.take_changes()
    assert set(changes.upserted) == {"a"} and changes.deleted == {"b"}
    assert store.resource_version == "61"
    assert store.failing_count == 0  # last MODIFIED (rv 49) is not failing


def test_bookmark_moves_resource_version_only():
    store = ObjectStore("pods")
    store.replace([pod("a", "a", 1)], "1")
    store.take_changes()
    store.apply_event("BOOKMARK", {"metadata": {"resourceVersion": "99"}})
    assert store.resource_version == "99"
    assert not store.take_changes()
    assert len(store) == 1


def test_status_changes_are_reported():
    store = ObjectStore("pods")
    store.set_status(KindState.FORBIDDEN, "pods is forbidden")
    changes = store.take_changes()
    assert changes.status_changed
    assert store.status.state is KindState.FORBIDDEN and not store.status.usable


async def test_hub_delivers_one_batch_per_interval():
    delivered = []
    hub = ChangeHub(delivered.append, interval=0.02)
    stores = [ObjectStore(f"k{i}", on_change=hub.mark) for i in range(3)]
    for _ in range(100):
        for store in stores:
            store.apply_event("ADDED", pod(f"{store.key}-x", "x", 1))
    await asyncio.sleep(0.06)
    # One delivery carrying the changes themselves: the screen is pushed what changed.
    assert len(delivered) == 1 and set(delivered[0]) == {"k0", "k1", "k2"}
    assert all(set(change.upserted) == {f"{key}-x"} for key, change in delivered[0].items())
    hub.close()


def test_a_quiet_listing_merges_in_steps_without_progress_and_delivers_only_changes():
    calls = []
    store = ObjectStore("pods", on_change=calls.append, is_failing=failing)
    store.replace([pod("a", "a", 1), pod("b", "b", 1), pod("c", "c", 1)], "1")
    store.take_changes()
    calls.clear()
    store.begin_list(quiet=True)
    assert store.progress is None and not calls  # nothing to show yet
    store.add_page([pod("a", "a", 1)])  # unchanged: nothing to deliver
    assert store.progress is None and not calls and not store.take_changes()
    store.add_page([pod("b", "b", 2, failing=True), pod("d", "d", 1)])
    assert store.progress is None and len(calls) == 1
    assert len(store) == 4  # c is deleted only when the listing ends
    store.end_list()
    changes = store.take_changes()
    assert set(changes.upserted) == {"b", "d"} and changes.deleted == {"c"}
    assert not changes.status_changed and not changes.reset
    assert sorted(store.objects) == ["a", "b", "d"] and store.failing_count == 1
    # an unchanged quiet listing delivers nothing at all
    calls.clear()
    store.begin_list(quiet=True)
    store.add_page([pod("a", "a", 1), pod("b", "b", 2, failing=True), pod("d", "d", 1)])
    store.end_list()
    assert not calls and not store.take_changes()


def test_a_shown_listing_reports_its_progress():
    store = ObjectStore("pods")
    store.begin_list(5)
    assert store.progress == (0, 5)
    store.add_page([pod("a", "a", 1), pod("b", "b", 1)], 5)
    assert store.progress == (2, 5)
    store.add_page([pod("a", "a", 1)], 5)  # nothing changed, the count still moves
    assert store.progress == (3, 5) and store.take_changes().status_changed
    store.end_list()
    assert store.progress is None and store.loaded and store.take_changes().status_changed
