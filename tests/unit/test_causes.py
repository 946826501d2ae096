"""Root-cause rules on the shapes kubelet and the scheduler really write (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from inference_console.catalog.causes import Cause, deployment_cause, pod_cause, rollup, scheduler_reason
from inference_console.catalog.view import Health, HealthResult

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


def ts(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def pod(name="p", *, phase="Running", statuses=(), conditions=(), containers=None, created=30):
    containers = containers or [
        {
            "name": "kserve-container",
            "image": "ghcr.io/acme-ml/vllm-openai-custom:v0.6.3-cu124",
            "resources": {"limits": {"memory": "12Gi", "nvidia.com/gpu": "1"}},
        }
    ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "llm-prod", "uid": f"uid-{name}", "creationTimestamp": ts(created)},
        "spec": {"containers": containers},
        "status": {"phase": phase, "conditions": list(conditions), "containerStatuses": list(statuses)},
    }


def waiting(reason, message="", restarts=0, last=None):
    st = {
        "name": "kserve-container",
        "ready": False,
        "restartCount": restarts,
        "image": "ghcr.io/acme-ml/vllm-openai-custom:v0.6.3-cu124",
        "state": {"waiting": {"reason": reason, "message": message}},
    }
    if last:
        st["lastState"] = {"terminated": last}
    return st


PULL_NOT_FOUND = (
    "rpc error: code = NotFound desc = failed to pull and unpack image "
    '"ghcr.io/acme-ml/vllm-openai-custom:v0.6.3-cu124": failed to resolve reference '
    '"ghcr.io/acme-ml/vllm-openai-custom:v0.6.3-cu124": ghcr.io/acme-ml/vllm-openai-custom:v0.6.3-cu124: not found'
)


def test_image_not_found_names_the_image():
    cause = pod_cause(pod(statuses=[waiting("ErrImagePull", PULL_NOT_FOUND)]), now=NOW)
    assert cause.state is Health.FAILED
    assert cause.reason == "image not found: ghcr.io/acme-ml/vllm-openai-custom:v0.6.3-cu124"
    assert "NotFound" in cause.evidence


def test_image_pull_backoff_takes_the_message_from_the_failed_event():
    event = {
        "reason": "Failed",
        "type": "Warning",
        "message": "Failed to pull image: " + PULL_NOT_FOUND,
        "lastTimestamp": ts(1),
    }
    cause = pod_cause(pod(statuses=[waiting("ImagePullBackOff", 'Back-off pulling image "x"')]), [event], now=NOW)
    assert cause.reason.startswith("image pull failing") or cause.reason.startswith("image not found")
    denied = pod_cause(
        pod(
            statuses=[
                waiting(
                    "ErrImagePull",
                    "pull access denied, repository does not exist or may "
                    "require authorization: server message: insufficient_scope: "
                    "authorization failed",
                )
            ]
        ),
        now=NOW,
    )
    assert denied.reason.startswith("image not found") or "not authorised" in denied.reason


def test_crash_loop_after_oom_says_oom_loading_the_model_with_the_limit():
    last = {"reason": "OOMKilled", "exitCode": 137, "finishedAt": ts(1)}
    cause = pod_cause(
        pod(statuses=[waiting("CrashLoopBackOff", "back-off 5m0s restarting failed container", 7, last)]), now=NOW
    )
    assert cause.reason == "OOMKilled loading the model (limit 12Gi)"
    assert cause.state is Health.FAILED and "137" in cause.evidence


def test_crash_loop_with_exit_code():
    last = {"reason": "Error", "exitCode": 1, "finishedAt": ts(1), "message": "ValueError: bad model config"}
    cause = pod_cause(pod(statuses=[waiting("CrashLoopBackOff", "back-off", 3, last)]), now=NOW)
    assert cause.reason == "crash loop: kserve-container exited with code 1"
    assert "ValueError" in cause.evidence


def test_config_error_names_the_missing_secret():
    cause = pod_cause(pod(statuses=[waiting("CreateContainerConfigError", 'secret "hf-token" not found')]), now=NOW)
    assert cause.reason == 'container config error: secret "hf-token" not found'


def test_pending_for_gpus_reads_the_scheduler_and_fails_after_the_grace_period():
    cond = {
        "type": "PodScheduled",
        "status": "False",
        "reason": "Unschedulable",
        "lastTransitionTime": ts(3),
        "message": "0/4 nodes are available: 4 Insufficient nvidia.com/gpu. preemption: 0/4 nodes are available: "
        "4 No preemption victims found for incoming pod.",
    }
    fresh = pod_cause(pod(phase="Pending", conditions=[cond], created=3), now=NOW)
    assert fresh.state is Health.PROGRESSING and fresh.reason == "no node with a free nvidia.com/gpu"
    old = pod_cause(pod(phase="Pending", conditions=[{**cond, "lastTransitionTime": ts(180)}], created=180), now=NOW)
    assert old.state is Health.FAILED and "Insufficient nvidia.com/gpu" in old.evidence
    # No message on the condition: the FailedScheduling event says it.
    event = {
        "reason": "FailedScheduling",
        "message": "0/3 nodes are available: 3 Insufficient memory.",
        "lastTimestamp": ts(1),
    }
    bare = pod_cause(pod(phase="Pending", conditions=[{**cond, "message": ""}], created=3), [event], now=NOW)
    assert bare.reason == "no node with a free memory"


def test_failing_readiness_probe_from_events():
    event = {
        "reason": "Unhealthy",
        "type": "Warning",
        "lastTimestamp": ts(1),
        "message": 'Readiness probe failed: Get "http://10.0.0.5:8080/v2/health/ready": dial tcp: connection refused',
    }
    ready = {"type": "Ready", "status": "False"}
    st = {"name": "kserve-container", "ready": False, "state": {"running": {"startedAt": ts(5)}}}
    cause = pod_cause(pod(statuses=[st], conditions=[ready]), [event], now=NOW)
    assert cause.state is Health.PROGRESSING and cause.reason.startswith("readiness probe failing")


def test_healthy_and_finished_pods_have_no_cause():
    st = {"name": "kserve-container", "ready": True, "state": {"running": {"startedAt": ts(5)}}}
    assert pod_cause(pod(statuses=[st], conditions=[{"type": "Ready", "status": "True"}]), now=NOW) is None
    assert pod_cause(pod(phase="Succeeded"), now=NOW) is None


def test_scheduler_reasons():
    assert (
        scheduler_reason("0/5 nodes are available: 2 Insufficient nvidia.com/gpu, 3 Insufficient cpu.")
        == "no node with a free cpu or nvidia.com/gpu"
    )
    assert "taint" in scheduler_reason("0/2 nodes are available: 2 node(s) had untolerated taint {gpu: true}.")


def test_deployment_past_its_progress_deadline():
    dep = {
        "metadata": {"name": "phi3-mini-predictor"},
        "status": {
            "conditions": [
                {
                    "type": "Progressing",
                    "status": "False",
                    "reason": "ProgressDeadlineExceeded",
                    "message": 'ReplicaSet "phi3-mini-predictor-5d8" has timed out progressing.',
                }
            ]
        },
    }
    assert deployment_cause(dep).reason.startswith("rollout stuck")
    assert deployment_cause({"status": {"conditions": [{"type": "Available", "status": "True"}]}}) is None


def test_rollup_prefers_the_most_specific_failure_and_keeps_the_evidence():
    own = HealthResult(Health.PROGRESSING, "MinimumReplicasUnavailable: Deployment does not have minimum availability.")
    causes = [
        Cause(Health.PROGRESSING, "readiness probe failing", rank=40, subject="pod a"),
        Cause(Health.FAILED, "image not found: x:1", "ErrImagePull: not found", rank=90, subject="pod b"),
    ]
    result = rollup(own, causes, 2)
    assert result.state is Health.FAILED and result.reason == "image not found: x:1"
    assert "MinimumReplicasUnavailable" in result.evidence and "pod b: image not found" in result.evidence
    # Ready, with one of three pods failing: degraded, not failed.
    degraded = rollup(HealthResult(Health.OK), [causes[1]], 3)
    assert degraded.state is Health.PROGRESSING and degraded.reason == "degraded, 1 of 3 pods: image not found: x:1"
    # Stopped stays stopped; no causes changes nothing.
    stopped = HealthResult(Health.UNKNOWN, "Stopped")
    assert rollup(stopped, causes, 2) is stopped and rollup(own, [], 0) is own


def test_image_pull_backoff_reads_the_pull_failure_not_the_backoff_event():
    backoff = {"reason": "Failed", "message": "Error: ImagePullBackOff", "lastTimestamp": ts(0.2)}
    failed = {
        "reason": "Failed",
        "lastTimestamp": ts(5),
        "message": 'Failed to pull image "ghcr.io/acme-ml/vllm-openai-custom:v0.6.3-cu124": ' + PULL_NOT_FOUND,
    }
    st = waiting("ImagePullBackOff", 'Back-off pulling image "ghcr.io/acme-ml/vllm-openai-custom:v0.6.3-cu124"')
    cause = pod_cause(pod(statuses=[st]), [backoff, failed], now=NOW)
    assert cause.reason == "image not found: ghcr.io/acme-ml/vllm-openai-custom:v0.6.3-cu124"


def test_between_two_crashes_the_last_crash_is_still_the_cause():
    last = {"reason": "OOMKilled", "exitCode": 137, "finishedAt": ts(0.5)}
    st = {
        "name": "kserve-container",
        "ready": False,
        "restartCount": 24,
        "lastState": {"terminated": last},
        "state": {"running": {"startedAt": ts(0.4)}},
    }
    cause = pod_cause(pod(statuses=[st]), now=NOW)
    assert cause is not None and cause.reason == "OOMKilled loading the model (limit 12Gi)"
    ready = {**st, "ready": True}
    assert pod_cause(pod(statuses=[ready], conditions=[{"type": "Ready", "status": "True"}]), now=NOW) is None
