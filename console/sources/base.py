"""What every source is to the workspace: one protocol and one error type.

A source (``console/sources/<name>/``) fills stores in the
:class:`~inference_console.state.workspace.Workspace`: it registers a
:class:`~inference_console.catalog.view.KindView` and a store for each kind it serves,
writes records into them, and keeps each store's status (loading, live, reconnecting,
forbidden, error with a reason).  Sources never import Textual.  Their failures reach the
UI as store status and as :class:`SourceError`, never as a library's own exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from inference_console.state.workspace import Workspace


class SourceError(Exception):
    """A failure of a source, in words for the UI: ``summary()`` is one clear line."""

    def summary(self) -> str:
        return str(self) or type(self).__name__

    @property
    def not_found(self) -> bool:
        """The thing asked for does not exist (an HTTP 404 where the source speaks HTTP)."""
        return getattr(self, "code", 0) == 404


@dataclass(frozen=True)
class Scope:
    """Where the sources look: the Kubernetes context and namespace (None: all)."""

    context: str | None = None
    namespace: str | None = None


@dataclass(frozen=True)
class SourceInfo:
    """What the header and ``:sources`` say of a source (no secrets)."""

    name: str
    state: str = "starting"  # starting | ready | failed | stopped
    detail: str = ""
    facts: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class Source(Protocol):
    name: str

    async def start(self, workspace: "Workspace") -> None:
        """Register views and stores in the workspace and begin filling them."""

    async def stop(self) -> None:
        """Stop all I/O; the stores stay registered (the workspace drops them)."""

    async def set_scope(self, scope: Scope) -> None:
        """Follow a namespace switch (a context switch replaces the sources)."""

    def ensure(self, key: str, pinned: bool = False) -> None:
        """Keep store ``key`` filled (it is on screen or counted in the sidebar)."""

    def serves(self, key: str) -> bool:
        """Whether the source can fill store ``key`` (installed, configured)."""

    def describe(self) -> SourceInfo:
        """State and facts for the header and ``:sources`` (no secrets)."""

    async def fetch(self, key: str, record: dict[str, Any]) -> dict[str, Any]:
        """A fresh, complete copy of one record (the YAML tab); may raise SourceError."""
