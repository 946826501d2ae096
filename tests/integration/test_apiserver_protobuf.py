"""kubectl's typed clients send built-in objects as protobuf: the emulator decodes the kinds
``kubectl create namespace|configmap|secret|serviceaccount`` sends, and refuses the others
with a 415 that says what to do (issue 8 §6)."""

from __future__ import annotations

import base64

import pytest

from inference_console.sandbox.apiserver import protobuf
from inference_console.sandbox.apiserver.status import EmulatorError


def ok(result) -> str:
    assert result.returncode == 0, f"kubectl failed ({result.returncode}): {result.stderr}"
    return result.stdout


async def test_kubectl_create_generators_work(emulator, kubectl):
    assert "namespace/ml created" in ok(await kubectl("create", "namespace", "ml"))
    ok(
        await kubectl(
            "create", "configmap", "model-config", "-n", "ml", "--from-literal=preset=llama", "--from-literal=empty="
        )
    )
    ok(await kubectl("create", "secret", "generic", "hf-token", "-n", "ml", "--from-literal=token=abc\u00e9"))
    ok(await kubectl("create", "serviceaccount", "runner", "-n", "ml"))
    ok(await kubectl("label", "namespace", "ml", "team=serving"))
    ns = emulator.get("v1", "Namespace", None, "ml")
    assert ns["metadata"]["labels"] == {"team": "serving"} and ns["status"] == {"phase": "Active"}
    cm = emulator.get("v1", "ConfigMap", "ml", "model-config")
    assert cm["data"] == {"preset": "llama", "empty": ""}
    secret = emulator.get("v1", "Secret", "ml", "hf-token")
    assert secret["type"] == "Opaque"
    assert base64.b64decode(secret["data"]["token"]).decode() == "abc\u00e9"
    assert emulator.get("v1", "ServiceAccount", "ml", "runner")["metadata"]["name"] == "runner"
    assert [e["manager"] for e in cm["metadata"]["managedFields"]] == ["kubectl-create"]


async def test_kinds_not_decoded_are_refused_with_a_clear_415(emulator, kubectl):
    ok(await kubectl("create", "namespace", "ml"))
    result = await kubectl("create", "deployment", "web", "--image=nginx", "-n", "ml")
    assert result.returncode == 1
    assert "protobuf" in result.stderr and "kind Deployment" in result.stderr and "JSON" in result.stderr
    assert emulator.list("apps/v1", "Deployment") == []


def test_unknown_fields_are_refused_not_dropped():
    def field(num: int, payload: bytes) -> bytes:
        return bytes([num << 3 | 2, len(payload)]) + payload

    cm = field(1, field(1, b"x")) + field(9, b"?")  # ConfigMap with an unknown field 9
    envelope = protobuf.MAGIC + field(1, field(1, b"v1") + field(2, b"ConfigMap")) + field(2, cm)
    with pytest.raises(EmulatorError) as exc:
        protobuf.decode(envelope)
    assert exc.value.code == 415 and "field 9" in exc.value.message
    good = protobuf.MAGIC + field(1, field(1, b"v1") + field(2, b"ConfigMap")) + field(2, field(1, field(1, b"x")))
    assert protobuf.decode(good) == {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}
