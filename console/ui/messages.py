"""Messages from the data layer to screens."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from inference_console.state.store import Changes


@dataclass
class StoresChanged(Message):
    """One batch per frame: store key -> what changed since the last batch."""

    changes: dict[str, Changes]


@dataclass
class SessionChanged(Message):
    """Connected, disconnected, switched context or namespace."""

    state: str  # "connecting" | "ready" | "failed"
    message: str = ""
