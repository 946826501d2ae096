"""Big polls and list pages leave the event loop free: the metrics-server poll merges in steps,
a list page's metadata is read before its items are decoded."""

from __future__ import annotations

import asyncio
import json

import pytest

from inference_console.sources.kube.transport import ListPage
from inference_console.sources.metricsserver.source import MERGE_CHUNK, MetricsServerSource, _usage_version, pod_key
from inference_console.state.store import RecordStore


def usage(i: int, cpu: str) -> dict:
    return {
        "metadata": {"name": f"p{i:05d}", "namespace": "ns"},
        "containers": [{"name": "c", "usage": {"cpu": cpu, "memory": "1Mi"}}],
    }


async def test_a_big_poll_is_merged_in_steps_and_delivers_only_what_changed():
    n = MERGE_CHUNK * 3 + 7
    store = RecordStore("podmetrics", key_of=pod_key, version_of=_usage_version)
    store.replace([usage(i, "1m") for i in range(n)])
    store.take_changes()
    seen: list[int] = []  # how much of the new poll the store held each time another task ran
    running = True

    async def meanwhile():
        while running:
            seen.append(sum(1 for r in store.objects.values() if r["containers"][0]["usage"]["cpu"] == "2m"))
            await asyncio.sleep(0)

    other = asyncio.ensure_future(meanwhile())
    await asyncio.sleep(0)
    # every record's figures change but the first chunk's; the last one is gone; a new one comes
    fresh = [usage(i, "1m" if i < MERGE_CHUNK else "2m") for i in range(n - 1)] + [usage(n, "2m")]
    await MetricsServerSource._merge(store, fresh)  # noqa: SLF001
    running = False
    await other
    assert any(0 < k < n - MERGE_CHUNK for k in seen), seen  # it ran between two steps
    assert store.progress is None  # a refresh, not a listing: no "listing..." shown
    changes = store.take_changes()
    assert len(changes.upserted) == n - MERGE_CHUNK and changes.deleted == {f"ns/p{n - 1:05d}"}
    assert not changes.reset and not changes.status_changed
    assert len(store) == n and store.get(f"ns/p{n:05d}") is not None


async def test_a_small_poll_is_replaced_at_once():
    store = RecordStore("podmetrics", key_of=pod_key, version_of=_usage_version)
    await MetricsServerSource._merge(store, [usage(1, "1m")])  # noqa: SLF001
    assert store.loaded and len(store) == 1 and store.take_changes().reset


async def test_a_cancelled_merge_leaves_no_listing_open():
    store = RecordStore("podmetrics", key_of=pod_key, version_of=_usage_version)
    task = asyncio.ensure_future(MetricsServerSource._merge(store, [usage(i, "1m") for i in range(MERGE_CHUNK * 3)]))  # noqa: SLF001
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert store._seen is None and store.progress is None  # noqa: SLF001


def test_a_list_page_reads_its_metadata_first_and_its_items_later():
    body = {
        "kind": "PodList",
        "metadata": {"resourceVersion": "7", "continue": "abc", "remainingItemCount": 3},
        "items": [{"metadata": {"name": "a"}}, {"metadata": {"name": "b"}}],
    }
    page = ListPage.of(json.dumps(body).encode())
    assert page.metadata == body["metadata"] and page.raw  # the items are not decoded yet
    assert asyncio.run(page.items()) == body["items"]
    assert page.raw == b""  # the body is let go once decoded


@pytest.mark.parametrize(
    "raw, metadata, items",
    [
        (b'{"items": [1]}', {}, [1]),  # no metadata
        (b'{"metadata": "x", "items": [1]}', {}, [1]),  # metadata of the wrong type
        (b'{"metadata": {"continue": "t"}, "items": "x"}', {"continue": "t"}, []),  # items not a list
        (b"[1, 2]", {}, []),  # not an object
        (b"", {}, []),  # no body
    ],
)
def test_a_list_page_of_an_odd_shape_has_empty_parts(raw, metadata, items):
    page = ListPage.of(raw)
    assert page.metadata == metadata
    assert asyncio.run(page.items()) == items


def test_a_list_page_that_is_not_json_is_an_error():
    with pytest.raises(ValueError):
        ListPage.of(b'{"metadata": {"continue": "t"}, "items": [')
