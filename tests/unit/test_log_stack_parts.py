"""`l` on an InferenceStack: its parts (every pod, the gateway, each reader) and the narrowed log
target of each, built from the shared fixtures (the operator's sample CR and the chart's test
values) with the labels titanml/helm-charts' inference-stack chart puts on the pods."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from inference_console.catalog import builtin_kinds
from inference_console.sources.loki import logql
from inference_console.ui.logtarget import log_target, stack_parts

SHARED = Path(os.environ.get("IC_SHARED_DIR") or Path(__file__).resolve().parents[3] / "shared")
EXAMPLES = SHARED / "fixtures" / "examples"


def _stack() -> dict:
    sample = yaml.safe_load((EXAMPLES / "takeoff_charts_v1alpha1_inference_stack.yaml").read_text())
    values = yaml.safe_load((EXAMPLES / "takeoff_inference-stack_tests_values_v1.yaml").read_text())
    sample["metadata"]["namespace"] = "takeoff"
    sample["spec"]["applications"] = values["applications"]
    return sample


def _pod(name: str, component: str) -> dict:
    labels = {
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/name": "inference-stack",
        "app.kubernetes.io/instance": "inference-stack-sample",
        "helm.sh/chart": "inference-stack-0.5.0",
    }
    return {"metadata": {"name": name, "namespace": "takeoff", "labels": labels}}


def test_parts_of_the_sample_stack_and_their_targets():
    stack = _stack()
    view = next(k for k in builtin_kinds() if k.key == "inferencestacks.doublewordai.co")
    parts = stack_parts(stack)
    assert [p.key for p in parts[:3]] == ["a", "g", "1"]
    by_label = {p.label.split(" (")[0]: p for p in parts}
    assert set(by_label) >= {"all pods", "the gateway", "reader hello-world-1", "reader hello-world-2"}
    assert by_label["reader hello-world-2"].label == "reader hello-world-2 (custom/model, group secondary)"
    pods = [
        _pod("inference-stack-sample-gateway-5d9c-abcde", "gateway"),
        _pod("inference-stack-sample-hello-world-2-7f8d-xyz12", "application-hello-world-2"),
        _pod("inference-stack-sample-hello-world-1-6c7b-qwe34", "application-hello-world-1"),
    ]
    whole = log_target(view, stack, pods, parts[0])
    assert whole.selector == {
        "app.kubernetes.io/instance": "inference-stack-sample",
        "app.kubernetes.io/name": "inference-stack",
    }
    assert len(whole.pods) == 3 and whole.containers == ()
    reader = log_target(view, stack, pods, by_label["reader hello-world-2"])
    assert reader.selector == {**whole.selector, "app.kubernetes.io/component": "application-hello-world-2"}
    assert reader.pods == ("inference-stack-sample-hello-world-2-7f8d-xyz12",)
    # The chart names the reader's container <fullname>-<application>; the release contains the chart name.
    assert reader.containers == ("inference-stack-sample-hello-world-2",)
    assert reader.title == "InferenceStack takeoff/inference-stack-sample reader hello-world-2"
    gateway = log_target(view, stack, pods, by_label["the gateway"])
    assert gateway.selector["app.kubernetes.io/component"] == "gateway"
    assert gateway.containers == ("inference-stack-sample-gateway",)
    # Loki: the component label narrows the stream selector; a Loki without that label gets the pods' names.
    assert logql.selector_for("takeoff", reader.selector, reader.pods) == (
        '{namespace="takeoff", app_kubernetes_io_component="application-hello-world-2", '
        'app_kubernetes_io_instance="inference-stack-sample", app_kubernetes_io_name="inference-stack"}'
    )
    assert logql.selector_for(
        "takeoff", reader.selector, reader.pods, known_labels={"namespace", "app_kubernetes_io_instance"}
    ) == (
        '{namespace="takeoff", app_kubernetes_io_instance="inference-stack-sample", '
        'pod="inference-stack-sample-hello-world-2-7f8d-xyz12"}'
    )
    # Promtail's Helm chart keeps these labels under short names (component, instance, app).
    promtail = {"namespace", "pod", "container", "app", "instance", "component", "node_name"}
    assert logql.selector_for("takeoff", reader.selector, reader.pods, known_labels=promtail) == (
        '{namespace="takeoff", component="application-hello-world-2", instance="inference-stack-sample", '
        'app="inference-stack"}'
    )
