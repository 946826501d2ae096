"""The YAML tab shows invisible characters as escapes and still means the same value (issue 8 §3)."""

import pytest
import yaml

from inference_console import yaml_io
from inference_console.safe_text import has_hidden
from inference_console.ui.yaml_text import object_yaml

from .test_safe_text_invisible import HIDDEN


def shown_and_back(obj):
    text = object_yaml(obj)
    assert not has_hidden(text, newlines=True), text  # no raw control, bidi or invisible character
    return text, yaml.safe_load(text)


def cm(**annotations):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "annotations": annotations}}


def test_the_reported_value_is_quoted_and_reads_back_exactly():
    obj = cm(file="abc\u202edcba.exe")
    text, back = shown_and_back(obj)
    assert 'file: "abc\\u202edcba.exe"' in text
    assert back == obj and back["metadata"]["annotations"]["file"] == "abc\u202edcba.exe"


@pytest.mark.parametrize("ch", HIDDEN, ids=[f"U+{ord(c):04X}" for c in HIDDEN])
def test_every_hidden_character_in_values_keys_and_lists(ch):
    obj = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": f"n{ch}", "labels": {f"key{ch}": f"value{ch}"}},
        "data": {"multi": f"line one\nline{ch}two\n", "plain": "ordinary"},
        "spec": {"args": [f"--flag={ch}", ch, f"{ch} leading and trailing {ch}"]},
    }
    text, back = shown_and_back(obj)
    assert back == obj
    if not "\ud800" <= ch <= "\udfff":  # a lone surrogate is no Unicode character: libyaml refuses its escape
        assert yaml_io.load(text) == obj  # the app's own loader reads it the same way
    assert "plain: ordinary" in text  # ordinary strings keep their plain style


def test_lookalikes_differ_on_screen():
    a, _ = shown_and_back(cm(v="zero\u200bwidth"))
    b, _ = shown_and_back(cm(v="zerowidth"))
    assert a != b


def test_a_literal_backslash_escape_is_not_confused_with_the_character():
    literal, back_literal = shown_and_back(cm(v="abc\\u202edcba.exe"))
    real, back_real = shown_and_back(cm(v="abc\u202edcba.exe"))
    assert literal != real
    assert back_literal["metadata"]["annotations"]["v"] == "abc\\u202edcba.exe"
    assert back_real["metadata"]["annotations"]["v"] == "abc\u202edcba.exe"


def test_lone_surrogates_do_not_break_the_tab():
    """No YAML can hold one (nor can a real API server, whose JSON decoder replaces it), but an
    odd server could send one: the tab shows it as an escape instead of failing to encode it."""
    obj = cm(v="bad\ud800half", w="\u200b")
    text, back = shown_and_back(obj)
    text.encode("utf-8")
    assert back == obj


def test_control_characters_and_ordinary_unicode():
    obj = cm(
        esc="\x1b[2J\x1b]0;pwned\x07",
        cr="a\rb",
        nel="a\x85b",
        ls="a\u2028b",
        tab="a\tb",
        text="modèle 推理 Привет",
        emoji="\U0001f468\u200d\U0001f469 \U0001f680",
    )
    text, back = shown_and_back(obj)
    assert back == obj
    assert "text: modèle 推理 Привет" in text  # readable, unquoted
    # (libyaml writes every character beyond the BMP as \U........, emoji included, as it did before)


def test_secret_masking_and_folding_still_apply():
    obj = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "t\u200b", "managedFields": [{}]},
        "data": {"token\u200b": "c2VjcmV0"},
    }
    text = object_yaml(obj)
    assert "c2VjcmV0" not in text and "managedFields: 1 entry folded" in text
    assert yaml.safe_load(text)["data"] == {"token\u200b": "********"}
