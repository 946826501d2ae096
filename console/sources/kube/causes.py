"""Joins the pods, events and Deployments behind each serving object into its health.

A serving kind is any kind whose related rules name its pods by labels (InferenceService,
BentoDeployment, InferenceStack…).  Its store's verdict is :func:`catalog.causes.rollup` of
its own health rule and the causes found on those pods (with their events) and
Deployments.  The join keeps small indexes fed by store observers (pods by label value for
the label keys serving rules use, events by the object they are about) and re-judges the
serving objects of a namespace once per burst of changes there, so a watch storm costs
one pass per frame, not one per event.  No Textual here.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import TYPE_CHECKING, Any, Callable

from inference_console.catalog.base import Health, HealthResult, KindSpec, labels_match, meta
from inference_console.catalog.causes import Cause, about, deployment_cause, pod_cause, rollup

if TYPE_CHECKING:
    from inference_console.sources.kube.store import ObjectStore

Obj = dict[str, Any]
FLUSH_AFTER = 0.1  # seconds: changes in one namespace within this are judged together
RECHECK_EVERY = 60.0  # causes that become failures by time alone (a pod stuck too long)


def _pod_selector(spec: KindSpec, obj: Obj) -> tuple[dict[str, str] | None, dict[str, str] | None]:
    """The label selectors of the pods and Deployments behind ``obj``, from its related rules."""
    pods = deployments = None
    try:
        rules = spec.related(obj)
    except Exception:  # noqa: BLE001 - a rule must never break health
        return None, None
    for rule in rules:
        if rule.kind == "pods" and rule.labels:
            pods = dict(rule.labels)
        elif rule.kind == "deployments" and rule.labels:
            deployments = dict(rule.labels)
    return pods, deployments


def is_serving(spec: KindSpec) -> bool:
    return spec.section == "Serving"


class CauseJoin:
    def __init__(self, stores: Callable[[str], "ObjectStore | None"], specs: Callable[[], dict[str, KindSpec]]) -> None:
        self._store = stores
        self._specs = specs
        self._keys: set[str] = set()  # label keys serving rules select pods by
        self._by_label: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        self._pod_labels: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {}  # uid -> (namespace, indexed labels)
        self._entries: dict[Any, tuple[str, tuple[tuple[str, str], ...]]] = {}
        # id(labels) -> (labels, its indexed pairs): pods of one template share one labels dict
        # (the store's compaction), so a list of 10,000 pods builds a few hundred tuples
        self._mine: dict[int, tuple[Any, tuple[tuple[str, str], ...]]] = {}
        self._events: dict[str, dict[str, Obj]] = defaultdict(dict)  # involved uid or ns/name -> events
        self._event_about: dict[str, str] = {}
        self._dirty: set[str] = set()
        self._handle: asyncio.TimerHandle | None = None
        self._recheck: asyncio.TimerHandle | None = None

    # ------------------------------------------------------------------ the verdict
    def classify(self, spec: KindSpec) -> Callable[[Obj], tuple[HealthResult, bool]]:
        def judge(obj: Obj) -> tuple[HealthResult, bool]:
            try:
                own = spec.health(obj)
            except Exception as exc:  # noqa: BLE001
                own = HealthResult(Health.UNKNOWN, f"health rule failed: {type(exc).__name__}")
            try:
                causes, total = self.causes_for(spec, obj)
                result = rollup(own, causes, total)
            except Exception:  # noqa: BLE001 - a join must never break ingestion
                result = own
            return result, result.state is Health.FAILED

        return judge

    def causes_for(self, spec: KindSpec, obj: Obj) -> tuple[list[Cause], int]:
        namespace = meta(obj, "namespace")
        pod_labels, deploy_labels = _pod_selector(spec, obj)
        causes: list[Cause] = []
        pods = self.pods_for(namespace, pod_labels) if pod_labels else []
        for pod in pods:
            name = meta(pod, "name")
            found = about(pod_cause(pod, self.events_for(pod)), f"pod {name}")
            if found is not None:
                causes.append(found)
        deployments = self._store("deployments")
        if deploy_labels and deployments is not None:
            for dep in deployments.values():
                if meta(dep, "namespace") == namespace and labels_match(meta(dep, "labels", None), deploy_labels):
                    found = about(deployment_cause(dep), f"deployment {meta(dep, 'name')}")
                    if found is not None:
                        causes.append(found)
        return causes, len(pods)

    def pods_for(self, namespace: str, selector: dict[str, str]) -> list[Obj]:
        store = self._store("pods")
        if store is None or not selector:
            return []
        new = set(selector) - self._keys
        if new:
            self._keys |= new
            self._mine.clear()
            for uid, pod in store.items():  # index the new keys once
                self._index_pod(uid, pod)
        sets = [self._by_label.get((namespace, k, v), set()) for k, v in selector.items()]
        uids = set.intersection(*sets) if sets else set()
        return [pod for uid in uids if (pod := store.get(uid)) is not None]

    def events_for(self, obj: Obj) -> list[Obj]:
        uid = meta(obj, "uid")
        found = dict(self._events.get(uid, {})) if uid else {}
        found.update(self._events.get(f"{meta(obj, 'namespace')}/{meta(obj, 'name')}", {}))
        return list(found.values())

    # ------------------------------------------------------------------ observers
    def attach(
        self, pods: "ObjectStore | None", events: "ObjectStore | None", deployments: "ObjectStore | None"
    ) -> None:
        if pods is not None and self._on_pod not in pods.observers:
            pods.observers.append(self._on_pod)
        if events is not None and self._on_event not in events.observers:
            events.observers.append(self._on_event)
        if deployments is not None and self._on_deployment not in deployments.observers:
            deployments.observers.append(self._on_deployment)

    def _index_pod(self, uid: str, pod: Obj, namespace: str | None = None) -> None:
        if namespace is None:
            namespace = meta(pod, "namespace")
        # (namespace, ((key, value), ...)) of the indexed labels: one shared tuple per distinct
        # set (pods of one template have the same), not a dict per pod.
        mine: tuple[tuple[str, str], ...] = ()
        keys = self._keys
        if keys:
            labels = meta(pod, "labels", None) or {}
            # only an object from the server (with a resourceVersion) is never changed in place
            shared = bool(labels) and bool(meta(pod, "resourceVersion"))
            cached = self._mine.get(id(labels)) if shared else None
            if cached is not None and cached[0] is labels:
                mine = cached[1]
            else:
                mine = tuple((k, str(labels[k])) for k in keys if k in labels)
                if shared:
                    if len(self._mine) >= 4096:
                        self._mine.clear()
                    self._mine[id(labels)] = (labels, mine)  # held: its id is not reused meanwhile
        entry = self._entries.setdefault((namespace, mine), (namespace, mine))
        previous = self._pod_labels.get(uid)
        if previous is entry:
            return
        if previous is not None:
            for k, v in previous[1]:
                self._by_label[(previous[0], k, v)].discard(uid)
        self._pod_labels[uid] = entry
        for k, v in mine:
            self._by_label[(namespace, k, v)].add(uid)

    def _on_pod(self, uid: str, pod: Obj | None) -> None:
        if not uid:  # the store was cleared
            self._by_label.clear()
            self._pod_labels.clear()
            self._entries.clear()
            self._mine.clear()
            self._dirty.add("*")
        elif pod is None:
            previous = self._pod_labels.pop(uid, None)
            if previous is not None:
                for k, v in previous[1]:
                    self._by_label[(previous[0], k, v)].discard(uid)
                self._dirty.add(previous[0])
        else:
            namespace = meta(pod, "namespace")
            self._index_pod(uid, pod, namespace)
            self._dirty.add(namespace)
        if self._handle is None:
            self._schedule()

    def _on_event(self, uid: str, event: Obj | None) -> None:
        if not uid:
            self._events.clear()
            self._event_about.clear()
            return
        old = self._event_about.pop(uid, None)
        if old is not None:
            self._events[old].pop(uid, None)
        if event is None:
            return
        involved = event.get("involvedObject") or event.get("regarding") or {}
        if not isinstance(involved, dict) or involved.get("kind") not in ("Pod", "Deployment", "ReplicaSet"):
            return
        key = involved.get("uid") or f"{involved.get('namespace', '')}/{involved.get('name', '')}"
        self._events[key][uid] = event
        self._event_about[uid] = key
        self._dirty.add(str(involved.get("namespace") or meta(event, "namespace")))
        self._schedule()

    def _on_deployment(self, uid: str, dep: Obj | None) -> None:
        self._dirty.add(meta(dep, "namespace") if dep is not None else "*")
        self._schedule()

    # ------------------------------------------------------------------ re-judging
    def _schedule(self) -> None:
        if self._handle is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no loop (a unit test feeding stores directly): judge now
                self.flush()
                return
            self._handle = loop.call_later(FLUSH_AFTER, self.flush)

    def flush(self) -> None:
        self._handle = None
        dirty, self._dirty = self._dirty, set()
        if dirty:
            self.rejudge(None if "*" in dirty else dirty)

    def rejudge(self, namespaces: set[str] | None = None) -> int:
        """Judge again the serving objects in ``namespaces`` (all when None); how many changed."""
        changed = 0
        for key, spec in self._specs().items():
            if not is_serving(spec):
                continue
            store = self._store(key)
            if store is None:
                continue
            for uid, obj in list(store.items()):
                if namespaces is None or meta(obj, "namespace") in namespaces:
                    changed += store.rejudge(uid)
        return changed

    def start_rechecks(self) -> None:
        loop = asyncio.get_running_loop()

        def tick() -> None:
            self.rejudge(None)
            self._recheck = loop.call_later(RECHECK_EVERY, tick)

        self._recheck = loop.call_later(RECHECK_EVERY, tick)

    def close(self) -> None:
        for handle in (self._handle, self._recheck):
            if handle is not None:
                handle.cancel()
        self._handle = self._recheck = None
