"""v1 Pods.

STATUS follows kubectl's ``printPod``: the pod's ``status.reason`` or phase, then
``Init:<reason>``/``Init:i/n`` while init containers run, then the last container's
waiting/terminated reason (``CrashLoopBackOff``, ``ImagePullBackOff``, ``OOMKilled``,
``Completed``, ``Signal:n``, ``ExitCode:n``), ``Running``/``NotReady``, and
``Terminating`` when a deletion timestamp is set (``Unknown`` for a lost node).
``SchedulingGated`` is shown for pods held by scheduling gates.

Health: ``Succeeded`` → OK; ``Failed`` → FAILED; a container waiting with a failure
reason (CrashLoopBackOff, ImagePullBackOff, ErrImagePull, CreateContainerConfigError
...) or terminated ``OOMKilled`` → FAILED (naming the last termination reason);
``Pending`` → PROGRESSING with the scheduler's message (``Unschedulable: 0/3 nodes are
available: 3 Insufficient nvidia.com/gpu.``); ``Running`` with every container ready → OK,
otherwise PROGRESSING.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from inference_console.catalog.base import (
    Health,
    HealthResult,
    KindSpec,
    Obj,
    age_column,
    as_int,
    as_list,
    as_map,
    as_str,
    column,
    cond_text,
    condition,
    containers_gpu,
    dig,
    guard_health,
    guard_list,
    humanize_age,
    is_terminating,
    name_column,
    namespace_column,
    one_line,
    parse_time,
)
from inference_console.catalog.related import REGISTRY_TAGS, registry_rules
from inference_console.catalog.usage import POD_METRICS, pod_columns, pod_metrics_key
from inference_console.catalog.view import OK

FAILED_WAITING = frozenset(
    {
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "ErrImagePull",
        "ErrImageNeverPull",
        "InvalidImageName",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
        "PreStartHookError",
        "PostStartHookError",
    }
)
FAILED_TERMINATED = frozenset({"OOMKilled", "ContainerCannotRun", "DeadlineExceeded"})


class PodFacts:
    """What the columns and the health rule read from a pod's containers, in one walk.

    Computed once per set of container lists (:func:`pod_facts`): the READY, STATUS,
    RESTARTS and LAST TERMINATION cells, the health rule and the search text of a row all
    read it instead of walking the container statuses again each; pods whose container
    lists are shared (stored compacted, see ``sources/kube/compact.py``) share it too.  It
    depends on the four container lists only (``parts`` holds them)."""

    __slots__ = (
        "parts",
        "statuses",
        "inits",
        "sidecars",
        "n_init",
        "ready",
        "total",
        "restarts",
        "last",
        "last_at",
        "failure",
    )

    def __init__(self, obj: Obj) -> None:
        status = obj.get("status")
        spec = obj.get("spec")
        status = status if isinstance(status, dict) else {}
        spec = spec if isinstance(spec, dict) else {}
        self.statuses = statuses = [s for s in as_list(status.get("containerStatuses")) if isinstance(s, dict)]
        self.inits = inits = [s for s in as_list(status.get("initContainerStatuses")) if isinstance(s, dict)]
        init_specs = as_list(spec.get("initContainers"))
        self.n_init = len(init_specs) or len(inits)
        sidecars = (
            {
                as_str(c.get("name"))
                for c in init_specs
                if isinstance(c, dict) and as_str(c.get("restartPolicy")) == "Always"
            }
            if init_specs
            else set()
        )
        self.sidecars = sidecars
        n_spec = sum(1 for c in as_list(spec.get("containers")) if isinstance(c, dict))
        total = n_spec or len(statuses)
        ready = 0
        count = 0
        latest: Mapping[str, Any] = {}
        latest_at: datetime | None = None
        for st in statuses:
            if st.get("ready") is True:
                ready += 1
            count += max(as_int(st.get("restartCount"), 0) or 0, 0)
            last_state = st.get("lastState")
            if last_state:
                term = as_map(as_map(last_state).get("terminated"))
                if term:
                    at = parse_time(term.get("finishedAt"))
                    if not latest or (at is not None and (latest_at is None or at > latest_at)):
                        latest, latest_at = term, at
        for st in inits:
            count += max(as_int(st.get("restartCount"), 0) or 0, 0)
            last_state = st.get("lastState")
            if last_state:
                term = as_map(as_map(last_state).get("terminated"))
                if term:
                    at = parse_time(term.get("finishedAt"))
                    if not latest or (at is not None and (latest_at is None or at > latest_at)):
                        latest, latest_at = term, at
        if sidecars:
            total += len(sidecars)
            ready += sum(1 for s in inits if as_str(s.get("name")) in sidecars and s.get("ready") is True)
        self.ready, self.total, self.restarts = ready, total, count
        self.last, self.last_at = latest, latest_at
        self.parts: tuple[Any, ...] = ()
        self.failure: Any = _UNJUDGED  # the first failing container's verdict (see health)


_UNJUDGED = object()
_FACTS: dict[tuple[int, ...], PodFacts] = {}
_FACTS_MAX = 4096


def pod_facts(obj: Obj) -> PodFacts:
    """The :class:`PodFacts` of ``obj``, kept by the identity of its four container lists: an
    object from the server (it has a resourceVersion; its parts are never changed in place)
    is walked once however many cells and rules read it, and pods sharing their lists share
    the facts; an object without one (built by hand) is walked every time."""
    md = obj.get("metadata")
    if not isinstance(md, dict) or not md.get("resourceVersion"):
        return PodFacts(obj)
    status, spec = obj.get("status"), obj.get("spec")
    if not isinstance(status, dict) or not isinstance(spec, dict):
        return PodFacts(obj)
    parts = (
        status.get("containerStatuses"),
        status.get("initContainerStatuses"),
        spec.get("containers"),
        spec.get("initContainers"),
    )
    key = (id(parts[0]), id(parts[1]), id(parts[2]), id(parts[3]))
    facts = _FACTS.get(key)
    if facts is not None:
        held = facts.parts
        if held[0] is parts[0] and held[1] is parts[1] and held[2] is parts[2] and held[3] is parts[3]:
            return facts
    facts = PodFacts(obj)
    facts.parts = parts  # held, so their ids are not reused while the facts are kept
    if len(_FACTS) >= _FACTS_MAX:
        _FACTS.clear()
    _FACTS[key] = facts
    return facts


def container_statuses(obj: Obj) -> list[Mapping[str, Any]]:
    return pod_facts(obj).statuses


def init_statuses(obj: Obj) -> list[Mapping[str, Any]]:
    return pod_facts(obj).inits


def spec_containers(obj: Obj) -> list[Mapping[str, Any]]:
    return [c for c in as_list(dig(obj, "spec", "containers")) if isinstance(c, dict)]


def _restartable_init_names(obj: Obj) -> set[str]:
    return pod_facts(obj).sidecars


def ready_counts(obj: Obj) -> tuple[int, int]:
    facts = pod_facts(obj)
    return facts.ready, facts.total


def ready_text(obj: Obj) -> str:
    ready, total = ready_counts(obj)
    return f"{ready}/{total}"


def _terminated_text(term: Mapping[str, Any]) -> str:
    reason = as_str(term.get("reason"))
    if reason:
        return reason
    signal = as_int(term.get("signal"))
    if signal:
        return f"Signal:{signal}"
    return f"ExitCode:{as_int(term.get('exitCode'), 0)}"


def status_text(obj: Obj) -> str:
    """kubectl's STATUS column."""
    return _status_text(obj, pod_facts(obj))


def _status_text(obj: Obj, facts: PodFacts) -> str:
    status = as_map(obj.get("status"))
    reason = as_str(status.get("reason")) or as_str(status.get("phase")) or "Unknown"
    scheduled = condition(obj, "PodScheduled")
    if scheduled is not None and as_str(scheduled.get("reason")) == "SchedulingGated":
        reason = "SchedulingGated"

    sidecars = facts.sidecars
    inits = facts.inits
    n_init = facts.n_init
    initializing = False
    for i, st in enumerate(inits):
        state = as_map(st.get("state"))
        term = as_map(state.get("terminated"))
        waiting = as_map(state.get("waiting"))
        if term and as_int(term.get("exitCode"), 0) == 0:
            continue
        if as_str(st.get("name")) in sidecars and st.get("started") is True:
            continue
        if term:
            reason = (
                f"Init:{_terminated_text(term)}"
                if as_str(term.get("reason")) or as_int(term.get("signal"))
                else f"Init:ExitCode:{as_int(term.get('exitCode'), 0)}"
            )
        elif waiting and as_str(waiting.get("reason")) and as_str(waiting.get("reason")) != "PodInitializing":
            reason = f"Init:{as_str(waiting.get('reason'))}"
        else:
            reason = f"Init:{i}/{n_init}"
        initializing = True
        break

    if not initializing:
        has_running = False
        for st in reversed(facts.statuses):
            state = as_map(st.get("state"))
            waiting = as_map(state.get("waiting"))
            term = as_map(state.get("terminated"))
            if as_str(waiting.get("reason")):
                reason = as_str(waiting.get("reason"))
            elif term:
                reason = _terminated_text(term)
            elif state.get("running") is not None and st.get("ready") is True:
                has_running = True
        if reason == "Completed" and has_running:
            ready_cond = condition(obj, "Ready")
            reason = "Running" if ready_cond is not None and as_str(ready_cond.get("status")) == "True" else "NotReady"

    if is_terminating(obj):
        reason = "Unknown" if as_str(status.get("reason")) == "NodeLost" else "Terminating"
    return reason


def restarts(obj: Obj) -> int:
    return pod_facts(obj).restarts


def _last_terminated(obj: Obj) -> tuple[Mapping[str, Any], datetime | None]:
    facts = pod_facts(obj)
    return facts.last, facts.last_at


def restarts_text(obj: Obj) -> str:
    count = restarts(obj)
    _, at = _last_terminated(obj)
    if count and at is not None:
        return f"{count} ({humanize_age(at.isoformat())} ago)"
    return str(count)


def last_termination(obj: Obj) -> str:
    term, _ = _last_terminated(obj)
    if not term:
        return ""
    text = _terminated_text(term)
    code = as_int(term.get("exitCode"))
    if as_str(term.get("reason")) and code:
        text = f"{text} ({code})"
    return text


def gpus(obj: Obj) -> int:
    return containers_gpu(dig(obj, "spec", "containers"))


def _container_failure(facts: PodFacts, last_reason: str) -> HealthResult | None:
    """The verdict of the first container waiting with a failure reason or terminated by one."""
    for st in facts.inits + facts.statuses:
        state = as_map(st.get("state"))
        waiting = state.get("waiting")
        term = state.get("terminated")
        if not waiting and not term:
            continue  # running (the common case): nothing to judge here
        waiting, term = as_map(waiting), as_map(term)
        name = as_str(st.get("name"))
        w_reason = as_str(waiting.get("reason"))
        if w_reason in FAILED_WAITING:
            message = one_line(waiting.get("message"), 160)
            own_last = as_str(as_map(as_map(st.get("lastState")).get("terminated")).get("reason")) or last_reason
            text = f"{name}: {w_reason}"
            if own_last and w_reason == "CrashLoopBackOff":
                text += f" (last termination: {own_last})"
            elif message:
                text += f": {message}"
            return HealthResult(Health.FAILED, text)
        if as_str(term.get("reason")) in FAILED_TERMINATED:
            return HealthResult(Health.FAILED, f"{name}: {as_str(term.get('reason'))}")
    return None


@guard_health
def health(obj: Obj) -> HealthResult:
    status = as_map(obj.get("status"))
    phase = as_str(status.get("phase"))
    if is_terminating(obj):
        return HealthResult(Health.PROGRESSING, "Terminating")
    if phase == "Succeeded":
        return HealthResult(Health.OK, "Completed")
    if phase == "Failed":
        reason = as_str(status.get("reason")) or status_text(obj)
        message = as_str(status.get("message"))
        return HealthResult(Health.FAILED, f"{reason}: {message}" if message else reason)

    facts = pod_facts(obj)
    last_reason = as_str(facts.last.get("reason"))
    failure = facts.failure
    if failure is _UNJUDGED:
        failure = facts.failure = _container_failure(facts, last_reason)
    if failure is not None:
        return failure

    if phase == "Pending":
        scheduled = condition(obj, "PodScheduled")
        if scheduled is not None and as_str(scheduled.get("status")) == "False":
            return HealthResult(Health.PROGRESSING, cond_text(scheduled) or "Unschedulable")
        text = status_text(obj)
        return HealthResult(Health.PROGRESSING, text if text != "Pending" else "Pending")
    if phase == "Running":
        ready, total = facts.ready, facts.total
        if total and ready >= total:
            return HealthResult(Health.OK, f"last termination: {last_reason}") if last_reason == "OOMKilled" else OK
        ready_cond = condition(obj, "Ready")
        why = cond_text(ready_cond) if ready_cond is not None and as_str(ready_cond.get("status")) != "True" else ""
        text = f"{ready}/{total} ready"
        return HealthResult(Health.PROGRESSING, f"{text}: {why}" if why else text)
    return HealthResult(Health.UNKNOWN, phase or "no status")


@guard_list
def summary(obj: Obj) -> list[tuple[str, str]]:
    rows = [
        ("Status", status_text(obj)),
        ("Ready", ready_text(obj)),
        ("Restarts", restarts_text(obj)),
        ("Last termination", last_termination(obj)),
        ("Node", as_str(dig(obj, "spec", "nodeName"))),
        ("IP", as_str(dig(obj, "status", "podIP"))),
        ("QoS", as_str(dig(obj, "status", "qosClass"))),
        ("GPUs", str(gpus(obj))),
    ]
    for c in spec_containers(obj):
        rows.append((f"Container {as_str(c.get('name'))}", as_str(c.get("image"))))
    return [(k, v) for k, v in rows if v]


SPEC = KindSpec(
    key="pods",
    kind="Pod",
    group="",
    version="v1",
    plural="pods",
    namespaced=True,
    section="Workloads",
    aliases=("po", "pod", "pods"),
    columns=(
        name_column(),
        namespace_column(),
        column("READY", ready_text, justify="right", min_width=5, sort=lambda o: ready_counts(o)[0]),
        column("STATUS", status_text, min_width=8),
        column("RESTARTS", restarts_text, justify="right", sort=restarts),
        column("LAST TERMINATION", last_termination, priority=2),
        column("NODE", lambda o: as_str(dig(o, "spec", "nodeName")), priority=3),
        column("GPU", gpus, justify="right", min_width=3, sort=gpus),
        column("IP", lambda o: as_str(dig(o, "status", "podIP")), priority=4),
        *pod_columns(),
        age_column(),
    ),
    joins={POD_METRICS: pod_metrics_key},
    health=health,
    summary=summary,
    related=lambda o: registry_rules("pods", o, REGISTRY_TAGS),
    order=20,
)
