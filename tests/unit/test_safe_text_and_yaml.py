from inference_console.safe_text import safe, safe_multiline
from inference_console.ui.yaml_text import object_yaml


def test_escape_sequences_are_made_visible():
    text = safe("evil\x1b]52;c;ZXZpbA==\x07\x1b[31mred\x1b[0m\r\n\u202e")
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text and "\u202e" not in text
    assert "\\x1b]52" in text and "\\u202e" in text


def test_huge_values_are_clipped():
    assert len(safe("x" * 100_000, limit=100)) < 130


def test_multiline_keeps_newlines_only():
    assert safe_multiline("a\nb\x1bc") == "a\nb\\x1bc"


def test_yaml_masks_secret_data_and_folds_managed_fields():
    obj = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "hf-token", "managedFields": [{}, {}, {}]},
        "data": {"token": "aGZfc2VjcmV0"},
        "stringData": {"raw": "plain"},
    }
    text = object_yaml(obj)
    assert "aGZfc2VjcmV0" not in text and "plain" not in text
    assert "managedFields: 3 entries folded" in text
    assert text.index("apiVersion") < text.index("kind") < text.index("metadata")
    assert "aGZfc2VjcmV0" in object_yaml(obj, reveal_secrets=True)


def test_yaml_neutralises_control_characters():
    obj = {"kind": "ConfigMap", "metadata": {"name": "x", "annotations": {"a": "\x1b[2J\x1b]0;pwned\x07"}}}
    text = object_yaml(obj)
    assert "\x1b" not in text and "\x07" not in text
