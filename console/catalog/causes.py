"""Root causes: why a serving object is failing, read from the objects behind it (pure).

A serving object's own status is often one level removed from the cause: an
InferenceService says ``MinimumReplicasUnavailable`` while its pod sits in
``ImagePullBackOff``.  These rules turn a pod (with its events) and a Deployment into the
most specific cause in words an on-call engineer acts on ("image not found:
ghcr.io/…:v0.6.3-cu124", "OOMKilled loading the model (limit 12Gi)", "no node with a free
nvidia.com/gpu"), and :func:`rollup` folds them into the owner's health.  No I/O: the
Kubernetes source gathers the pods and events and calls these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from inference_console.catalog.base import (
    as_int,
    as_list,
    as_map,
    as_str,
    condition,
    dig,
    is_terminating,
    meta,
    one_line,
    parse_time,
)
from inference_console.catalog.view import Health, HealthResult, Obj

# A pod waiting (or pending) longer than this makes its owner failed, not progressing.
STUCK_AFTER = 600.0

IMAGE_WAITING = frozenset({"ImagePullBackOff", "ErrImagePull", "ErrImageNeverPull", "InvalidImageName"})
CONFIG_WAITING = frozenset({"CreateContainerConfigError", "CreateContainerError", "RunContainerError"})
NOT_FOUND = re.compile(r"not found|manifest unknown|NotFound|does not exist|404", re.IGNORECASE)
DENIED = re.compile(r"unauthorized|denied|forbidden|401|403", re.IGNORECASE)
INSUFFICIENT = re.compile(r"Insufficient ([\w./-]+)")


@dataclass(frozen=True, slots=True)
class Cause:
    """One finding: how bad, in a few words, and the evidence in full (for the detail view)."""

    state: Health
    reason: str
    evidence: str = ""
    rank: int = 0  # more specific causes rank higher; the highest is the row's REASON
    stuck_since: datetime | None = None
    subject: str = ""  # "pod phi3-mini-predictor-7d9f", filled by the caller that gathered it


def about(cause: Cause | None, subject: str) -> Cause | None:
    """The same cause, naming the object it was found on."""
    if cause is None:
        return None
    from dataclasses import replace

    return replace(cause, subject=subject)


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(timezone.utc)


def _container_spec(pod: Obj, name: str) -> Mapping[str, Any]:
    for c in as_list(dig(pod, "spec", "containers")) + as_list(dig(pod, "spec", "initContainers")):
        if isinstance(c, dict) and as_str(c.get("name")) == name:
            return c
    return {}


def _image(pod: Obj, status: Mapping[str, Any]) -> str:
    return as_str(_container_spec(pod, as_str(status.get("name"))).get("image")) or as_str(status.get("image"))


def _memory_limit(pod: Obj, name: str) -> str:
    return as_str(dig(_container_spec(pod, name), "resources", "limits", "memory"))


def _statuses(pod: Obj) -> list[Mapping[str, Any]]:
    return [
        s
        for key in ("initContainerStatuses", "containerStatuses")
        for s in as_list(dig(pod, "status", key))
        if isinstance(s, dict)
    ]


def _pod_events(events: Iterable[Obj], reasons: tuple[str, ...]) -> list[Obj]:
    found = [e for e in events if as_str(e.get("reason")) in reasons]
    return sorted(
        found,
        key=lambda e: as_str(e.get("lastTimestamp") or e.get("eventTime") or meta(e, "creationTimestamp")),
        reverse=True,
    )


def scheduler_reason(message: str) -> str:
    """'0/4 nodes are available: 4 Insufficient nvidia.com/gpu.' → 'no node with a free nvidia.com/gpu'."""
    resources = INSUFFICIENT.findall(message)
    if resources:
        unique = sorted({r.rstrip(".,") for r in resources})
        return "no node with a free " + " or ".join(unique)
    if "didn't match Pod's node affinity" in message or "node(s) didn't match" in message:
        return "no node matches the pod's node selector or affinity"
    if "untolerated taint" in message or "had taint" in message:
        return "every node has a taint the pod does not tolerate"
    if "persistentvolumeclaim" in message.lower():
        return "waiting for its PersistentVolumeClaim"
    return one_line(message, 160) or "not scheduled"


def _image_cause(pod: Obj, st: Mapping[str, Any], reason: str, message: str) -> Cause:
    image = _image(pod, st)
    if reason == "InvalidImageName":
        text = f"invalid image name: {image}"
    elif NOT_FOUND.search(message):
        text = f"image not found: {image}"
    elif DENIED.search(message):
        text = f"image pull not authorised: {image} (imagePullSecrets?)"
    else:
        text = f"image pull failing: {image}"
    return Cause(Health.FAILED, text, f"{as_str(st.get('name'))}: {reason}: {message}".rstrip(": "), rank=90)


def _termination_cause(pod: Obj, st: Mapping[str, Any], term: Mapping[str, Any], crashloop: bool) -> Cause | None:
    name = as_str(st.get("name"))
    reason = as_str(term.get("reason"))
    code = as_int(term.get("exitCode"), 0) or 0
    never_ready = st.get("ready") is not True and not as_map(as_map(st.get("state")).get("running"))
    if reason == "OOMKilled":
        limit = _memory_limit(pod, name)
        phase = " loading the model" if never_ready or crashloop else ""
        text = f"OOMKilled{phase}" + (f" (limit {limit})" if limit else "")
        return Cause(Health.FAILED, text, f"{name}: terminated OOMKilled, exit code {code or 137}", rank=85)
    if reason in ("Error", "ContainerCannotRun", "DeadlineExceeded", "") and (code or reason):
        message = one_line(term.get("message"), 200)
        text = f"{name} exited with code {code}" if code else f"{name}: {reason}"
        if crashloop:
            text = f"crash loop: {text}"
        return Cause(
            Health.FAILED,
            text,
            f"{name}: {reason or 'terminated'} (exit code {code}){': ' + message if message else ''}",
            rank=70,
        )
    return None


def pod_cause(
    pod: Obj, events: Iterable[Obj] = (), now: datetime | None = None, stuck_after: float = STUCK_AFTER
) -> Cause | None:
    """The most specific reason this pod does not serve, or None when it is fine."""
    if is_terminating(pod):
        return None
    events = list(events)
    phase = as_str(dig(pod, "status", "phase"))
    if phase == "Succeeded":
        return None
    for st in _statuses(pod):
        state = as_map(st.get("state"))
        waiting = as_map(state.get("waiting"))
        reason = as_str(waiting.get("reason"))
        message = as_str(waiting.get("message"))
        last = as_map(as_map(st.get("lastState")).get("terminated"))
        if reason in IMAGE_WAITING:
            # ImagePullBackOff says only "Back-off pulling image"; the Failed event says why.
            pulled = [
                as_str(e.get("message"))
                for e in _pod_events(events, ("Failed",))
                if "pull image" in as_str(e.get("message")).lower()
            ]
            evidence_msg = "; ".join(m for m in (message, pulled[0] if pulled else "") if m)
            return _image_cause(pod, st, reason, evidence_msg)
        if reason in CONFIG_WAITING:
            return Cause(
                Health.FAILED,
                f"container config error: {one_line(message, 160) or reason}",
                f"{as_str(st.get('name'))}: {reason}: {message}",
                rank=80,
            )
        if reason == "CrashLoopBackOff":
            found = _termination_cause(pod, st, last, crashloop=True) if last else None
            if found is not None:
                return found
            return Cause(Health.FAILED, f"crash loop: {as_str(st.get('name'))}", f"{reason}: {message}", rank=60)
        term = as_map(state.get("terminated"))
        if term and as_str(term.get("reason")) == "OOMKilled":
            return _termination_cause(pod, st, term, crashloop=False)
        # Between two crashes the container runs again, not ready: the last crash is the cause
        # (else the row would flip between the crash and whatever else is found meanwhile).
        if last and st.get("ready") is not True and (as_int(st.get("restartCount"), 0) or 0) > 0:
            found = _termination_cause(pod, st, last, crashloop=True)
            if found is not None:
                return found
    if phase == "Failed":
        reason = as_str(dig(pod, "status", "reason")) or "Failed"
        message = one_line(dig(pod, "status", "message"), 200)
        return Cause(Health.FAILED, f"pod {reason}" + (f": {message}" if message else ""), message, rank=50)
    if phase == "Pending":
        scheduled = condition(pod, "PodScheduled")
        if scheduled is not None and as_str(scheduled.get("status")) == "False":
            message = as_str(scheduled.get("message"))
            if not message:
                failed = _pod_events(events, ("FailedScheduling",))
                message = as_str(failed[0].get("message")) if failed else ""
            since = parse_time(scheduled.get("lastTransitionTime")) or parse_time(meta(pod, "creationTimestamp"))
            stuck = since is not None and (_now(now) - since).total_seconds() > stuck_after
            return Cause(
                Health.FAILED if stuck else Health.PROGRESSING,
                scheduler_reason(message),
                f"Unschedulable: {message}" if message else "Unschedulable",
                rank=75,
                stuck_since=since,
            )
    probes = _pod_events(events, ("Unhealthy",))
    ready = condition(pod, "Ready")
    if probes and (ready is None or as_str(ready.get("status")) != "True"):
        message = one_line(probes[0].get("message"), 200)
        kind = (
            "readiness"
            if "Readiness" in message
            else "liveness"
            if "Liveness" in message
            else "startup"
            if "Startup" in message
            else "a"
        )
        return Cause(Health.PROGRESSING, f"{kind} probe failing: {message}", message, rank=40)
    if phase == "Pending":
        since = parse_time(meta(pod, "creationTimestamp"))
        if since is not None and (_now(now) - since).total_seconds() > stuck_after:
            return Cause(Health.FAILED, "pod stuck in Pending", "", rank=30, stuck_since=since)
    return None


def deployment_cause(deployment: Obj) -> Cause | None:
    """A Deployment past its progress deadline, or whose ReplicaSet cannot create pods."""
    progressing = condition(deployment, "Progressing")
    if progressing is not None and as_str(progressing.get("reason")) == "ProgressDeadlineExceeded":
        return Cause(
            Health.FAILED,
            f"rollout stuck: {meta(deployment, 'name')} passed its progress deadline",
            as_str(progressing.get("message")),
            rank=55,
        )
    failure = condition(deployment, "ReplicaFailure")
    if failure is not None and as_str(failure.get("status")) == "True":
        message = one_line(failure.get("message"), 200)
        return Cause(Health.FAILED, f"cannot create pods: {message}", message, rank=65)
    return None


def rollup(own: HealthResult, causes: Iterable[Cause], pods_total: int = 0) -> HealthResult:
    """The owner's health once the causes behind it are known.

    A failing cause makes the owner failed with the most specific reason, unless the owner
    is stopped, terminating or healthy with only some of its pods failing (then it is
    degraded: progressing, naming the cause).  A progressing cause names what the owner
    waits for when the owner itself says little more.
    """
    causes = sorted(causes, key=lambda c: (c.state is Health.FAILED, c.rank), reverse=True)
    if not causes or own.reason in ("Stopped", "Terminating"):
        return own
    top = causes[0]
    failing = sum(1 for c in causes if c.state is Health.FAILED)
    evidence = evidence_text(own, causes)
    if top.state is Health.FAILED:
        if own.state is Health.OK:
            share = f"{failing} of {pods_total} pods" if pods_total else f"{failing} pod{'s' if failing > 1 else ''}"
            return HealthResult(Health.PROGRESSING, f"degraded, {share}: {top.reason}", evidence)
        return HealthResult(Health.FAILED, top.reason, evidence)
    if own.state is Health.PROGRESSING:
        return HealthResult(Health.PROGRESSING, top.reason, evidence)
    return own


def evidence_text(own: HealthResult, causes: list[Cause], limit: int = 6) -> str:
    """The whole story in lines: the object's own status, then each cause on what it was found."""
    lines = [f"status: {own.reason}"] if own.reason else []
    for cause in causes[:limit]:
        where = f"{cause.subject}: " if cause.subject else ""
        lines.append(
            f"{where}{cause.reason}"
            + (f" — {cause.evidence}" if cause.evidence and cause.evidence != cause.reason else "")
        )
    if len(causes) > limit:
        lines.append(f"… and {len(causes) - limit} more")
    return "\n".join(lines)
