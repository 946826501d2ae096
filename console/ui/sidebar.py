"""What the sidebar shows: kinds grouped by section with live and failing counts (pure).

Later issues add sections (the Registries section) by registering a provider with
:func:`register_section`.
"""

from __future__ import annotations

from typing import Any, Callable

from inference_console.catalog import SECTIONS
from inference_console.state.store import KindState
from inference_console.widgets.nav_list import NavItem, NavSection

SectionProvider = Callable[[Any], NavSection | None]
_EXTRA_SECTIONS: list[SectionProvider] = []


def register_section(provider: SectionProvider) -> None:
    _EXTRA_SECTIONS.append(provider)


def plural_title(kind: str) -> str:
    if kind.endswith("s"):
        return kind + "es"
    if kind.endswith("y") and not kind.endswith(("ay", "ey", "oy")):
        return kind[:-1] + "ies"
    return kind + "s"


def nav_item(workspace: Any, key: str) -> NavItem:
    spec = workspace.views[key]
    store = workspace.stores.get(key)
    label = plural_title(spec.kind)
    if not workspace.serves(key):
        return NavItem(key, label, dim=True, note="n/a")
    if store is None or store.status.state is KindState.IDLE:
        return NavItem(key, label)
    state = store.status.state
    if state is KindState.FORBIDDEN:
        return NavItem(key, label, dim=True, note="403")
    if state is KindState.NOT_INSTALLED:
        return NavItem(key, label, dim=True, note="n/a")
    if not store.loaded:
        return NavItem(key, label, note="…" if state is KindState.LOADING else "!")
    failing = store.failing_count
    return NavItem(key, label, count=str(len(store)), badge=f"{failing}!" if failing else "")


def sidebar_sections(workspace: Any) -> list[NavSection]:
    """Every kind of the workspace, whatever its source, grouped by its view's section."""
    by_section: dict[str, list[NavItem]] = {s: [] for s in SECTIONS}
    # A view without a section is reached by `:` only (stores that feed joined columns).
    views = sorted((v for v in workspace.views.values() if v.section), key=lambda v: (v.order, v.kind))
    for spec in views:
        by_section.setdefault(spec.section, []).append(nav_item(workspace, spec.key))
    for title, items in by_section.items():
        if title not in SECTIONS and len(items) > 1 and all(item.note == "n/a" for item in items):
            del items[1:]  # a source with nothing to show (not configured, not found): one line, not four
    sections = [NavSection(title, items) for title, items in by_section.items() if items]
    for provider in _EXTRA_SECTIONS:
        extra = provider(workspace)
        if extra is not None:
            sections.append(extra)
    return sections
