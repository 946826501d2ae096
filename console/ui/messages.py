"""Messages from the data layer to screens."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from inference_console.state.store import Changes


@dataclass
class StoresChanged(Message):
    """One batch per frame: store key -> what changed since the last batch."""

    changes: dict[str, Changes]

    def can_replace(self, message: Message) -> bool:
        """A batch still queued behind this one takes this one's changes in and is handled alone.

        Textual asks this of a message about the one right behind it in the queue: a screen
        that fell behind (a busy frame) handles one batch of everything that arrived, not one
        after another.  Each screen has its own message, but the batch is shared: merged anew."""
        if not isinstance(message, StoresChanged):
            return False
        merged = dict(self.changes)
        for key, later in message.changes.items():
            earlier = merged.get(key)
            merged[key] = later if earlier is None else merge_changes(earlier, later)
        message.changes = merged
        return True


def merge_changes(earlier: Changes, later: Changes) -> Changes:
    """What ``earlier`` then ``later`` changed, as one (neither is modified)."""
    upserted = {k: v for k, v in earlier.upserted.items() if k not in later.deleted}
    upserted.update(later.upserted)
    return Changes(
        upserted=upserted,
        deleted=(earlier.deleted - later.upserted.keys()) | later.deleted,
        reset=earlier.reset or later.reset,
        status_changed=earlier.status_changed or later.status_changed,
    )


@dataclass
class SessionChanged(Message):
    """Connected, disconnected, switched context or namespace."""

    state: str  # "connecting" | "ready" | "failed"
    message: str = ""
