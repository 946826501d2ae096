"""The `:` command line: parsing and completion (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from inference_console.catalog.view import KindView as KindSpec


@dataclass(frozen=True)
class Command:
    action: str  # "kind" | "namespace" | "context" | "screen" | "quit" | "help" | "error"
    arg: str = ""
    message: str = ""


def _plural(spec: KindSpec) -> str:
    return spec.key.partition(".")[0]


def kind_words(specs: Iterable[KindSpec]) -> list[str]:
    words: list[str] = []
    for spec in specs:
        for word in (*spec.aliases, _plural(spec), spec.kind.lower()):
            if word and word not in words:
                words.append(word)
    return words


def parse_command(text: str, specs: Iterable[KindSpec]) -> Command:
    text = text.strip().lstrip(":").strip()
    if not text:
        return Command("error", message="empty command")
    head, _, rest = text.partition(" ")
    head_l = head.lower()
    rest = rest.strip()
    if head_l in ("q", "q!", "quit", "exit"):
        return Command("quit")
    if head_l in ("help", "?"):
        return Command("help")
    if head_l in ("ns", "namespace", "namespaces") and rest:
        return Command("namespace", "" if rest in ("all", "-A", "*") else rest)
    if head_l in ("ctx", "context", "contexts") and rest:
        return Command("context", rest)
    from inference_console.ui.extensions import SCREEN_COMMANDS

    if head_l in SCREEN_COMMANDS:
        return Command("screen", head_l, message=rest)
    specs = list(specs)
    for spec in specs:
        names = {spec.key.lower(), spec.kind.lower(), _plural(spec).lower(), *(a.lower() for a in spec.aliases)}
        if head_l in names:
            return Command("kind", spec.key, message=rest)
    if head_l in ("ns", "namespace", "namespaces", "ctx", "context", "contexts"):
        # Bare ":ns" lists namespaces and bare ":ctx" the contexts (as kinds), where they are listed.
        wanted = "namespaces" if head_l.startswith("n") else "contexts"
        for spec in specs:
            if spec.key == wanted:
                return Command("kind", spec.key)
        return Command("error", message=f":{head_l} needs a name")
    return Command("error", message=f"unknown command or kind: {head!r} (try :isvc, :pods, :ns NAME, :ctx NAME)")


def complete(
    text: str, specs: Iterable[KindSpec], namespaces: Iterable[str] = (), contexts: Iterable[str] = ()
) -> str | None:
    """Complete the command line; return the whole completed text or None."""
    raw = text.lstrip(":")
    head, sep, rest = raw.partition(" ")
    if sep:
        pool = namespaces if head in ("ns", "namespace") else contexts if head in ("ctx", "context") else ()
        for word in pool:
            if word.startswith(rest) and word != rest:
                return f"{head} {word}"
        return None
    if not head:
        return None
    from inference_console.ui.extensions import SCREEN_COMMANDS

    for word in ["ns", "ctx", "quit", *SCREEN_COMMANDS, *kind_words(specs)]:
        if word.startswith(head.lower()) and word != head.lower():
            return word
    return None
