from inference_console.catalog.base import RelatedRule
from inference_console.catalog.related import events_for, related_tree


def obj(kind, name, uid, ns="ml", owners=(), labels=None):
    return {
        "kind": kind,
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": uid,
            "labels": labels or {},
            "ownerReferences": [{"uid": o} for o in owners],
        },
    }


ISVC = obj("InferenceService", "qwen", "isvc-1")
DEP = obj("Deployment", "qwen-predictor", "dep-1", owners=["isvc-1"])
RS = obj("ReplicaSet", "qwen-predictor-abc", "rs-1", owners=["dep-1"])
POD = obj("Pod", "qwen-predictor-abc-x", "pod-1", owners=["rs-1"])
LABELLED_POD = obj("Pod", "qwen-canary", "pod-2", labels={"serving.kserve.io/inferenceservice": "qwen"})
OTHER_NS_POD = obj("Pod", "qwen-elsewhere", "pod-3", ns="other", labels={"serving.kserve.io/inferenceservice": "qwen"})
STRANGER = obj("Pod", "llama", "pod-4", owners=["rs-9"])


def test_owner_chain_and_labels_build_a_tree():
    rules = [
        RelatedRule("deployments"),
        RelatedRule("replicasets"),
        RelatedRule("pods", labels={"serving.kserve.io/inferenceservice": "qwen"}),
    ]
    stores = {"deployments": [DEP], "replicasets": [RS], "pods": [POD, LABELLED_POD, OTHER_NS_POD, STRANGER]}
    tree = related_tree(ISVC, rules, stores)
    top = [(n.key, n.obj["metadata"]["name"]) for n in tree]
    assert top == [("deployments", "qwen-predictor"), ("pods", "qwen-canary")]
    dep = tree[0]
    assert [c.obj["metadata"]["name"] for c in dep.children] == ["qwen-predictor-abc"]
    assert [c.obj["metadata"]["name"] for c in dep.children[0].children] == ["qwen-predictor-abc-x"]


def test_rule_by_name_in_same_namespace():
    bd = obj("BentoDeployment", "fraud", "bd-1")
    bento = obj("Bento", "fraud--v2", "bento-1")
    other = obj("Bento", "fraud--v2", "bento-2", ns="elsewhere")
    tree = related_tree(bd, [RelatedRule("bentoes", name="fraud--v2")], {"bentoes": [bento, other]})
    assert [n.obj["metadata"]["uid"] for n in tree] == ["bento-1"]


def test_events_for_matches_uid_then_kind_and_name():
    evs = [
        {"metadata": {"name": "e1"}, "involvedObject": {"uid": "pod-1"}, "lastTimestamp": "2026-01-01T00:00:01Z"},
        {
            "metadata": {"name": "e2"},
            "involvedObject": {"kind": "Pod", "name": "qwen-predictor-abc-x", "namespace": "ml"},
            "lastTimestamp": "2026-01-01T00:00:05Z",
        },
        {"metadata": {"name": "e3"}, "involvedObject": {"uid": "pod-9"}},
    ]
    got = [e["metadata"]["name"] for e in events_for(POD, evs)]
    assert got == ["e2", "e1"]
