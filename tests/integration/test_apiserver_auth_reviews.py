"""SelfSubjectAccessReview, SelfSubjectRulesReview and SelfSubjectReview, answered from the
emulator's deny rules (issue 8 §5), through the real ``kubectl auth can-i`` and ``kubectl auth
whoami`` (which send them as protobuf)."""

from __future__ import annotations

import json


def namespace(emulator, name: str) -> None:
    emulator.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


def rules_table(text: str) -> dict[str, list[str]]:
    """``kubectl auth can-i --list`` as {resource: verbs}."""
    out: dict[str, list[str]] = {}
    for line in text.splitlines()[1:]:
        parts = line.split()
        if not parts or parts[0].startswith("["):
            continue
        verbs = line[line.rindex("[") + 1 : line.rindex("]")].split()
        out[parts[0]] = verbs
    return out


async def test_can_i_follows_the_deny_rules(emulator, kubectl):
    namespace(emulator, "prod")
    emulator.deny("secrets")
    emulator.deny("pods", verb="delete", namespace="prod")
    emulator.deny("inferenceservices", group="serving.kserve.io", verb="patch")
    cases = [
        (["get", "pods"], "yes"),
        (["delete", "pods", "-n", "default"], "yes"),
        (["delete", "pods", "-n", "prod"], "no"),
        (["list", "secrets", "-A"], "no"),
        (["patch", "inferenceservices.serving.kserve.io", "-n", "prod"], "no"),
        (["patch", "isvc", "-n", "prod"], "no"),  # short names resolve through discovery
        (["get", "isvc", "-n", "prod"], "yes"),
        (["get", "/healthz"], "yes"),
        (["create", "selfsubjectaccessreviews.authorization.k8s.io"], "yes"),
    ]
    for args, want in cases:
        result = await kubectl("auth", "can-i", *args)
        assert result.stdout.strip() == want, (args, result.stdout, result.stderr)
        assert result.returncode == (0 if want == "yes" else 1), (args, result.stderr)
    # the answer matches what the server does with the request itself
    forbidden = await kubectl("delete", "pod", "x", "-n", "prod")
    assert "Forbidden" in forbidden.stderr or "forbidden" in forbidden.stderr


async def test_can_i_list_gives_the_rules_of_the_namespace(emulator, kubectl):
    namespace(emulator, "prod")
    everything = rules_table((await kubectl("auth", "can-i", "--list", "-n", "prod")).stdout)
    assert everything == {"*.*": ["*"]}, everything
    emulator.deny("secrets")
    emulator.deny("pods", verb="delete", namespace="prod")
    emulator.deny("pods/status")
    prod = rules_table((await kubectl("auth", "can-i", "--list", "-n", "prod")).stdout)
    default = rules_table((await kubectl("auth", "can-i", "--list", "-n", "default")).stdout)
    assert "secrets" not in prod and "secrets" not in default
    assert "delete" not in prod["pods"] and "get" in prod["pods"]
    assert "delete" in default["pods"]
    assert "pods/status" not in prod
    assert prod["deployments.apps/scale"] == ["get", "patch", "update"]
    assert prod["inferenceservices.serving.kserve.io"] == default["inferenceservices.serving.kserve.io"]
    assert prod["selfsubjectaccessreviews.authorization.k8s.io"] == ["create"]


async def test_whoami_names_the_user_the_server_sees(emulator, kubectl, http):
    out = await kubectl("auth", "whoami", "-o", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["kind"] == "SelfSubjectReview" and doc["apiVersion"] == "authentication.k8s.io/v1"
    assert doc["status"]["userInfo"] == {"username": "system:anonymous", "groups": ["system:unauthenticated"]}
    # kubectl sends no bearer token over plain http: a token-holding client, raw
    emulator.require_token("s3cret")
    body = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    async with http.post(
        "/apis/authentication.k8s.io/v1/selfsubjectreviews", json=body, headers={"Authorization": "Bearer s3cret"}
    ) as resp:
        assert resp.status == 201
        info = (await resp.json())["status"]["userInfo"]
    assert info == {"username": "sandbox", "groups": ["system:masters", "system:authenticated"]}


async def test_reviews_are_create_only_and_checked(emulator, http):
    async with http.get("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews") as resp:
        assert resp.status == 405
    body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "spec": {}}
    async with http.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", json=body) as resp:
        assert resp.status == 422
        assert "exactly one of nonResourceAttributes or resourceAttributes" in (await resp.json())["message"]
    emulator.deny("*")  # a user with no rights may still review itself (system:basic-user)
    body["spec"] = {"resourceAttributes": {"verb": "get", "resource": "pods", "namespace": "default"}}
    async with http.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", json=body) as resp:
        assert resp.status == 201
        assert (await resp.json())["status"] == {"allowed": False}
    assert emulator.list("v1", "Namespace") == []  # nothing was stored
    async with http.get("/apis/authorization.k8s.io/v1") as resp:
        names = {r["name"]: r["verbs"] for r in (await resp.json())["resources"]}
    assert names == {"selfsubjectaccessreviews": ["create"], "selfsubjectrulesreviews": ["create"]}
