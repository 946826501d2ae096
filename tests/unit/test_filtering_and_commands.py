import pytest

from inference_console.catalog.base import KindSpec
from inference_console.ui.commands import complete, parse_command
from inference_console.ui.filtering import FilterError, compile_filter, parse_label_selector

SPECS = [
    KindSpec(
        key="inferenceservices.serving.kserve.io",
        kind="InferenceService",
        group="serving.kserve.io",
        version="v1beta1",
        plural="inferenceservices",
        aliases=("isvc",),
    ),
    KindSpec(key="pods", kind="Pod", group="", version="v1", plural="pods", aliases=("po",)),
    KindSpec(
        key="namespaces",
        kind="Namespace",
        group="",
        version="v1",
        plural="namespaces",
        namespaced=False,
        aliases=("ns",),
    ),
    KindSpec(
        key="bentodeployments.serving.yatai.ai",
        kind="BentoDeployment",
        group="serving.yatai.ai",
        version="v2alpha1",
        plural="bentodeployments",
        aliases=("bd",),
    ),
]


def test_substring_filter_is_case_insensitive():
    f = compile_filter("Qwen")
    assert f.match("qwen-small llm-prod", {})
    assert not f.match("llama", {})


def test_regex_filter_and_negation():
    f = compile_filter("^llama-(8b|70b)")
    assert f.match("llama-8b ready", {}) and not f.match("my-llama-8b", {})
    neg = compile_filter("!oom")
    assert neg.match("ready", {}) and not neg.match("oomkilled", {})


def test_bad_regex_is_a_clear_error():
    with pytest.raises(FilterError, match="bad regular expression"):
        compile_filter("llama[")


def test_label_selector_filter():
    f = compile_filter("-l app=qwen,tier!=canary,env in (prod,staging),gpu,!debug")
    assert f.match("", {"app": "qwen", "tier": "stable", "env": "prod", "gpu": "1"})
    assert not f.match("", {"app": "qwen", "tier": "canary", "env": "prod", "gpu": "1"})
    assert not f.match("", {"app": "qwen", "env": "dev", "gpu": "1"})
    assert not f.match("", {"app": "qwen", "env": "prod"})
    assert not f.match("", {"app": "qwen", "env": "prod", "gpu": "1", "debug": "y"})


def test_label_selector_errors():
    with pytest.raises(FilterError):
        parse_label_selector("")
    with pytest.raises(FilterError):
        parse_label_selector("a=b,$$")


def test_empty_filter_is_none():
    assert compile_filter("   ") is None


@pytest.mark.parametrize(
    "text,action,arg",
    [
        (":isvc", "kind", "inferenceservices.serving.kserve.io"),
        ("isvc", "kind", "inferenceservices.serving.kserve.io"),
        (":bd", "kind", "bentodeployments.serving.yatai.ai"),
        (":pods", "kind", "pods"),
        (":Pod", "kind", "pods"),
        (":ns llm-prod", "namespace", "llm-prod"),
        (":ns all", "namespace", ""),
        (":ns", "kind", "namespaces"),
        (":ctx staging", "context", "staging"),
        (":q", "quit", ""),
    ],
)
def test_parse_command(text, action, arg):
    cmd = parse_command(text, SPECS)
    assert (cmd.action, cmd.arg) == (action, arg)


def test_unknown_command_explains():
    cmd = parse_command(":frobnicate", SPECS)
    assert cmd.action == "error" and "frobnicate" in cmd.message


def test_completion():
    assert complete("is", SPECS) == "isvc"
    assert complete("ns llm-p", SPECS, namespaces=["llm-prod", "llm-staging"]) == "ns llm-prod"
    assert complete("ctx st", SPECS, contexts=["prod", "staging"]) == "ctx staging"
    assert complete("zzz", SPECS) is None
