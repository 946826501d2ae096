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


def nav_item(session: Any, key: str) -> NavItem:
    spec = session.specs[key]
    store = session.stores.get(key)
    label = plural_title(spec.kind)
    if not session.installed(key):
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


def sidebar_sections(session: Any) -> list[NavSection]:
    by_section: dict[str, list[NavItem]] = {s: [] for s in SECTIONS}
    for key, spec in session.specs.items():
        section = spec.section if spec.section in by_section else "Other CRDs"
        by_section[section].append(nav_item(session, key))
    sections = [NavSection(title, items) for title, items in by_section.items() if items]
    for provider in _EXTRA_SECTIONS:
        extra = provider(session)
        if extra is not None:
            sections.append(extra)
    return sections
