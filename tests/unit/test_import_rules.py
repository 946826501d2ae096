"""The layer rules of ARCHITECTURE.md, held by reading every module's imports (lazy ones too)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PKG = "inference_console"
FOLDERS = {"console": PKG, "widgets": f"{PKG}.widgets", "styles": f"{PKG}.styles"}
IO_LIBS = ("kubernetes_asyncio", "aiohttp", "httpx", "httpx_ws", "asyncpg", "boto3", "botocore")


def modules() -> dict[str, list[str]]:
    """module name -> every module it imports (absolute names)."""
    found: dict[str, list[str]] = {}
    for folder, package in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT / folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            name = ".".join([package, *parts])
            is_pkg = path.name == "__init__.py"
            imports: list[str] = []
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    imports += [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    if node.level:
                        base = name.split(".") if is_pkg else name.split(".")[:-1]
                        base = base[: len(base) - node.level + 1]
                        mod = ".".join(base + ([node.module] if node.module else []))
                    else:
                        mod = node.module or ""
                    imports.append(mod)
                    imports += [f"{mod}.{alias.name}" for alias in node.names]
            found[name] = imports
    return found


MODULES = modules()


def offenders(layer: str, banned) -> list[str]:
    bad = []
    for module, imports in MODULES.items():
        if module == layer or module.startswith(layer + "."):
            for imported in imports:
                if banned(imported):
                    bad.append(f"{module} imports {imported}")
    return sorted(set(bad))


def starts(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_the_scan_sees_the_code():
    assert f"{PKG}.ui.screens.main" in MODULES and f"{PKG}.widgets.virtual_table" in MODULES
    assert any(i.startswith("textual") for i in MODULES[f"{PKG}.ui.screens.main"])


def test_sources_never_import_textual_or_the_ui():
    assert offenders(f"{PKG}.sources", lambda i: starts(i, "textual", "rich", f"{PKG}.ui", f"{PKG}.widgets")) == []


def test_state_knows_no_source_no_kubernetes_no_textual():
    banned = lambda i: (
        starts(i, "textual", "rich", f"{PKG}.ui", f"{PKG}.widgets", *IO_LIBS)  # noqa: E731
        or (starts(i, f"{PKG}.sources") and not starts(i, f"{PKG}.sources.base"))
    )
    assert offenders(f"{PKG}.state", banned) == []


def test_catalog_is_pure():
    banned = lambda i: starts(i, "textual", f"{PKG}.ui", f"{PKG}.widgets", f"{PKG}.sources", f"{PKG}.state", *IO_LIBS)  # noqa: E731
    assert offenders(f"{PKG}.catalog", banned) == []


def test_catalog_imports_the_action_layer_only_inside_quick_action_builders():
    """A kind's quick actions are built with ``actions.quick`` and ``actions.patches``, imported
    inside the builders (``patches`` imports the kinds), so loading the catalog stays as light
    as before: module level, only ``if TYPE_CHECKING:`` imports for the annotations."""
    bad = []
    for path in (ROOT / "console" / "catalog").rglob("*.py"):
        for node in ast.parse(path.read_text(), str(path)).body:  # module level, outside `if` blocks
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            bad += [f"{path.name} imports {n}" for n in names if starts(n, f"{PKG}.actions")]
    assert bad == []


def test_widgets_know_nothing_of_the_application():
    banned = lambda i: (starts(i, PKG) and not starts(i, f"{PKG}.widgets")) or starts(i, *IO_LIBS)  # noqa: E731
    assert offenders(f"{PKG}.widgets", banned) == []


def test_screens_and_flows_never_hold_a_source():
    """The UI reads the workspace; a source's module (its client, its exceptions) is not imported."""
    banned = lambda i: (
        starts(i, *IO_LIBS)
        or (  # noqa: E731
            starts(i, f"{PKG}.sources") and not starts(i, f"{PKG}.sources.base")
        )
    )
    for layer in (
        f"{PKG}.ui.screens",
        f"{PKG}.ui.flows",
        f"{PKG}.ui.quick_actions",
        f"{PKG}.ui.sidebar",
        f"{PKG}.ui.rows",
        f"{PKG}.ui.palette",
        f"{PKG}.ui.header",
        f"{PKG}.ui.commands",
    ):
        assert offenders(layer, banned) == []


def test_actions_and_sandbox_never_import_textual():
    for layer in (f"{PKG}.actions", f"{PKG}.sandbox", f"{PKG}.settings"):
        assert offenders(layer, lambda i: starts(i, "textual", f"{PKG}.ui", f"{PKG}.widgets")) == []


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_every_package_is_installed(folder):
    """A new folder must be listed in pyproject's packages, or a wheel would leave it out."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    for init in (ROOT / folder).rglob("__init__.py"):
        rel = init.parent.relative_to(ROOT / folder).parts
        assert ".".join([FOLDERS[folder], *rel]) in listed, f"{init.parent} is missing from pyproject's packages"


def test_the_rule_catches_a_violation(tmp_path, monkeypatch):
    """The checker itself: a source module importing Textual is reported."""
    MODULES[f"{PKG}.sources.fake"] = ["textual.widgets"]
    try:
        assert offenders(f"{PKG}.sources", lambda i: starts(i, "textual")) == [
            f"{PKG}.sources.fake imports textual.widgets"
        ]
    finally:
        del MODULES[f"{PKG}.sources.fake"]
