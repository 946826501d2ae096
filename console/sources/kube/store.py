"""The store of one Kubernetes kind in one scope, keyed by uid (a :class:`RecordStore`).

The informer writes lists (:meth:`ObjectStore.replace`) and watch events
(:meth:`ObjectStore.apply_event`); list items get their ``kind``/``apiVersion`` back and
lose ``managedFields`` on the way in (the YAML tab re-reads the whole object); pods are
also compacted (:mod:`~inference_console.sources.kube.compact`: unread fields dropped,
repeated parts shared).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from inference_console.catalog.base import uid_of
from inference_console.sources.kube.compact import compactor_for
from inference_console.state.store import Classify, RecordStore

Obj = dict[str, Any]


def resource_version_of(obj: Mapping[str, Any]) -> str:
    return (obj.get("metadata") or {}).get("resourceVersion", "")


def strip_noise(obj: Obj) -> Obj:
    """Drop managedFields on ingest: they are large and the YAML view re-reads the object."""
    md = obj.get("metadata")
    if isinstance(md, dict) and "managedFields" in md:
        md.pop("managedFields", None)
    return obj


class ObjectStore(RecordStore):
    def __init__(
        self,
        key: str,
        *,
        kind: str = "",
        api_version: str = "",
        is_failing: Callable[[Obj], bool] | None = None,
        classify: Classify | None = None,
        on_change: Callable[[RecordStore], None] | None = None,
    ) -> None:
        if classify is None and is_failing is not None:
            classify = lambda obj: (None, is_failing(obj))  # noqa: E731
        super().__init__(key, key_of=uid_of, version_of=resource_version_of, classify=classify, on_change=on_change)
        self.kind = kind
        self.api_version = api_version
        self.resource_version = ""
        compactor = compactor_for(kind, api_version)
        self._compact = compactor.pod if compactor is not None else None
        # decode(body) -> (items, prepared) for list pages: pods decode straight into compact
        # records (sources.kube.pod_list); None: the plain decode, prepared on the way in
        self.page_decoder: Callable[[bytes], tuple[list[Any], bool]] | None = None
        if compactor is not None:
            from inference_console.sources.kube.pod_list import pod_list_decoder

            self.page_decoder = pod_list_decoder(compactor, kind, api_version)

    def prepare(self, obj: Obj) -> Obj:
        # List items of built-in kinds come without kind/apiVersion.
        if self.kind and "kind" not in obj:
            obj["kind"] = self.kind
        if self.api_version and "apiVersion" not in obj:
            obj["apiVersion"] = self.api_version
        strip_noise(obj)
        return self._compact(obj) if self._compact is not None else obj

    def replace(self, items: Iterable[Obj], resource_version: str = "") -> tuple[int, int, int]:  # type: ignore[override]
        """Reconcile with a fresh list: returns (added, modified, deleted)."""
        result = super().replace(items)
        self.resource_version = resource_version
        return result

    def end_list(self, resource_version: str = "") -> tuple[int, int]:  # type: ignore[override]
        """The paged list is complete at ``resource_version`` (the watch starts from it)."""
        result = super().end_list()
        self.resource_version = resource_version
        return result

    def apply_event(self, event_type: str, obj: Obj) -> None:
        rv = (obj.get("metadata") or {}).get("resourceVersion")
        if rv:
            self.resource_version = rv
        if event_type == "BOOKMARK":
            return
        if event_type == "DELETED":
            self.delete(uid_of(obj))
            return
        self.upsert(obj)

    def clear(self) -> None:
        self.resource_version = ""
        super().clear()
