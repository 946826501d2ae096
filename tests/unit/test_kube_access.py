"""RBAC rules from a SelfSubjectRulesReview (issue 8 §5): what the keys are marked by."""

from inference_console.sources.kube.access import Rules, review_body, username


def review(*rules, incomplete=False):
    return {"status": {"resourceRules": list(rules), "incomplete": incomplete}}


def test_a_rule_grants_by_verb_group_and_resource_with_wildcards():
    rules = Rules.from_review(
        review(
            {"verbs": ["get", "list", "patch"], "apiGroups": ["serving.kserve.io"], "resources": ["inferenceservices"]},
            {"verbs": ["*"], "apiGroups": ["apps"], "resources": ["*"]},
        )
    )
    assert rules.allows("serving.kserve.io", "inferenceservices", "patch") is True
    assert rules.allows("serving.kserve.io", "inferenceservices", "delete") is False
    assert rules.allows("apps", "deployments", "delete") is True
    assert rules.allows("", "pods", "get") is False
    assert (
        Rules.from_review(review({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]})).allows(
            "x.io", "things", "create"
        )
        is True
    )


def test_subresources_are_their_own_resource():
    rules = Rules.from_review(
        review(
            {"verbs": ["patch"], "apiGroups": ["apps"], "resources": ["deployments/scale"]},
            {"verbs": ["get"], "apiGroups": [""], "resources": ["*/status"]},
        )
    )
    assert rules.allows("apps", "deployments", "patch") is False
    assert rules.allows("apps", "deployments", "patch", "scale") is True
    assert rules.allows("", "pods", "get", "status") is True


def test_unsure_answers_are_none_never_forbidden():
    named = Rules.from_review(
        review({"verbs": ["patch"], "apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["only-this"]})
    )
    assert named.allows("", "configmaps", "patch") is None  # granted for some objects
    partial = Rules.from_review(review({"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}, incomplete=True))
    assert partial.allows("", "pods", "delete") is None  # another authorizer may allow it
    assert partial.allows("", "pods", "get") is True
    assert Rules.from_review({}).allows("", "pods", "get") is False
    assert Rules.from_review(None).allows("", "pods", "get") is False


def test_request_and_whoami_bodies():
    assert review_body("llm-prod") == {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectRulesReview",
        "spec": {"namespace": "llm-prod"},
    }
    assert review_body(None)["spec"]["namespace"] == ""
    assert username({"status": {"userInfo": {"username": "alice", "groups": ["dev"]}}}) == "alice"
    assert username({"status": {}}) is None and username(None) is None
