"""Invisible, format and direction-changing characters are shown as escapes (issue 8 §3)."""

import ast
import sys
import unicodedata

import pytest
import yaml

from inference_console import safe_text
from inference_console.safe_text import has_hidden, is_hidden, safe, safe_multiline

HIDDEN = {
    "\u200b": "ZERO WIDTH SPACE",
    "\u200c": "ZERO WIDTH NON-JOINER",
    "\u200d": "ZERO WIDTH JOINER",
    "\u200e": "LEFT-TO-RIGHT MARK",
    "\u200f": "RIGHT-TO-LEFT MARK",
    "\u2060": "WORD JOINER",
    "\u2065": "reserved default ignorable (unassigned)",
    "\ufeff": "ZERO WIDTH NO-BREAK SPACE / BOM",
    "\u00ad": "SOFT HYPHEN",
    "\u034f": "COMBINING GRAPHEME JOINER (Mn)",
    "\u061c": "ARABIC LETTER MARK",
    "\u115f": "HANGUL CHOSEONG FILLER (Lo)",
    "\u180e": "MONGOLIAN VOWEL SEPARATOR",
    "\u2028": "LINE SEPARATOR",
    "\u2029": "PARAGRAPH SEPARATOR",
    "\u202e": "RIGHT-TO-LEFT OVERRIDE",
    "\u2067": "RIGHT-TO-LEFT ISOLATE",
    "\u3164": "HANGUL FILLER (Lo)",
    "\ufe00": "VARIATION SELECTOR-1 (Mn)",
    "\ufe0f": "VARIATION SELECTOR-16 (Mn)",
    "\ufff9": "INTERLINEAR ANNOTATION ANCHOR",
    "\ud800": "lone surrogate",
    "\U0001d173": "MUSICAL SYMBOL BEGIN BEAM",
    "\U000e0001": "LANGUAGE TAG",
    "\U000e0041": "TAG LATIN CAPITAL LETTER A",
    "\U000e0100": "VARIATION SELECTOR-17 (Mn)",
    "\U000e0fff": "reserved default ignorable (unassigned)",
    "\x85": "NEXT LINE (C1)",
    "\x1b": "ESCAPE",
}


@pytest.mark.parametrize("ch", HIDDEN, ids=[f"U+{ord(c):04X}" for c in HIDDEN])
def test_every_invisible_or_format_character_becomes_a_visible_escape(ch):
    for shown in (safe(f"a{ch}b"), safe_multiline(f"x\na{ch}b")):
        assert ch not in shown
        assert ("\\x" if ord(ch) <= 0xFF else "\\u" if ord(ch) <= 0xFFFF else "\\U") in shown
        shown.encode("utf-8")  # a lone surrogate must not reach the terminal (it cannot even be encoded)
        assert not has_hidden(shown, newlines=True)
    assert is_hidden(ch) and has_hidden(f"a{ch}b")


def test_lookalikes_no_longer_look_alike():
    assert safe("zero\u200bwidth") == "zero\\u200bwidth" != safe("zerowidth")
    assert safe("abc\u202edcba.exe") == "abc\\u202edcba.exe"
    assert safe("tag\U000e0041") == "tag\\U000e0041"


@pytest.mark.parametrize(
    "text",
    [
        "qwen-2-7b-instruct",
        "modèle été naïve café",
        "推理服务-部署",
        "モデル",
        "Привет мир",
        "🚀 ready",
        "a\tb",
        "CJK\u3000space",
        "no\u00a0break",
        "private\ue000use",
        "ελληνικά",
        "עברית",
        "العربية",
        "한국어",
        "e\u0301",
    ],
)
def test_ordinary_text_is_untouched(text):
    assert safe(text) == text and safe_multiline(text) == text and not has_hidden(text)


def test_emoji_joiners_and_variation_selectors_are_escaped_too():
    """The chosen rule: no exception for emoji sequences (a terminal that does not join them shows
    exactly what the unjoined value shows)."""
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert safe(family) == "\U0001f468\\u200d\U0001f469\\u200d\U0001f467"
    assert safe("\u2764\ufe0f") == "\u2764\\ufe0f"


def test_multiline_keeps_newlines_and_tabs_only():
    assert safe_multiline("a\u200b\n\tb\r\n") == "a\\u200b\n\tb\\x0d\n"
    assert safe("a\nb") == "a\\x0ab"
    assert has_hidden("a\nb") and not has_hidden("a\nb", newlines=True) and has_hidden("a\n\u200b", newlines=True)


def test_escapes_read_back_as_the_original_in_a_double_quoted_string():
    value = "zero\u200bwidth \u202eevil\U000e0041 \x1b[31m \u2028 \ufeff \u00ad ok é 推"
    assert yaml.safe_load('"' + safe(value) + '"') == value
    assert ast.literal_eval('"' + safe(value) + '"') == value


def test_clipping_still_applies():
    assert safe("\u200b" * 10_000, limit=10) == "\\u200b" * 10 + "… (+9990 chars)"


def test_the_pattern_agrees_with_unicodedata_on_every_code_point():
    """The lazily built pattern scans only some planes: hold it against all of them."""
    pattern = safe_text._hidden_pattern()
    match, hidden = pattern.fullmatch, is_hidden
    wrong = [code for code in range(sys.maxunicode + 1) if (match(chr(code)) is not None) != hidden(chr(code))]
    assert not wrong, [hex(c) for c in wrong[:20]]
    # and is_hidden is what the docstring says: the categories plus the default ignorables
    for code in (0x200B, 0xFE0F, 0xE0100, 0x3164):
        ch = chr(code)
        assert is_hidden(ch) and (
            unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Zl", "Zp"} or safe_text._IGNORABLE.match(ch)
        )
