"""The demo's Yatai DDL (``sandbox/yatai_schema.py``) against Yatai's real migrations, and the demo
without ``../shared``.

Two databases on one real PostgreSQL (pgserver): one from Yatai's migrations in
``../shared/fixtures/yatai-db``, one from the project's DDL.  Every table and column of the
project's DDL must exist in the real schema with the same type, nullability and default; its
enum values, unique keys and foreign keys must exist there too; the console's schema check must
accept both; the seed must run on both and the Yatai source must list the same records from both.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import shutil
import subprocess
import sys
import textwrap
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import asyncpg

from inference_console.sandbox.yatai_schema import TABLES
from inference_console.sandbox.yatai_seed import demo_rows
from inference_console.settings.endpoints import YataiSettings
from inference_console.sources.yatai.db import REQUIRED, YataiDB
from inference_console.sources.yatai.source import YataiSource
from inference_console.sources.yatai.view import BENTO_REPOS, BENTOS, MODEL_REPOS, MODELS
from inference_console.state.store import KindState
from inference_console.state.workspace import Workspace
from tests import registry_servers as servers
from tests.shared import shared_dir

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parents[2]

COLUMNS = """
SELECT table_name, column_name, data_type, udt_name, character_maximum_length, is_nullable, column_default
FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ANY($1::text[])
"""
ENUMS = """
SELECT t.typname, e.enumlabel FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public'
"""
# Unique indexes and foreign keys as (table, (columns…)[, referenced table]).
UNIQUES = """
SELECT c.relname AS tbl, array(SELECT a.attname FROM unnest(i.indkey) k JOIN pg_attribute a
       ON a.attrelid = c.oid AND a.attnum = k ORDER BY a.attname) AS cols
FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND i.indisunique
"""
FOREIGN_KEYS = """
SELECT c.conrelid::regclass::text AS tbl, c.confrelid::regclass::text AS ref,
       array(SELECT a.attname FROM unnest(c.conkey) k JOIN pg_attribute a
             ON a.attrelid = c.conrelid AND a.attnum = k ORDER BY a.attname) AS cols
FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
WHERE n.nspname = 'public' AND c.contype = 'f'
"""


async def _catalog(dsn: str) -> dict[str, Any]:
    conn = await asyncpg.connect(dsn, password=servers.PG_PASSWORD)
    try:
        columns = {
            (r["table_name"], r["column_name"]): (
                r["data_type"],
                r["udt_name"],
                r["character_maximum_length"],
                r["is_nullable"],
                r["column_default"],
            )
            for r in await conn.fetch(COLUMNS, list(TABLES))
        }
        enums: dict[str, set[str]] = {}
        for r in await conn.fetch(ENUMS):
            enums.setdefault(r["typname"], set()).add(r["enumlabel"])
        uniques = {(r["tbl"].strip('"'), tuple(r["cols"])) for r in await conn.fetch(UNIQUES)}
        fks = {(r["tbl"].strip('"'), tuple(r["cols"]), r["ref"].strip('"')) for r in await conn.fetch(FOREIGN_KEYS)}
        tables = {
            r["table_name"]
            for r in await conn.fetch("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        }
    finally:
        await conn.close()
    return {"columns": columns, "enums": enums, "uniques": uniques, "fks": fks, "tables": tables}


def _databases() -> tuple[str, str]:
    real = servers.database("contract_yatai", schema="yatai", now=NOW)
    own = servers.database("contract_project", schema="project", now=NOW)
    return real, own


async def test_project_ddl_is_a_subset_of_yatais_real_schema():
    real_dsn, own_dsn = await asyncio.to_thread(_databases)
    real, own = await _catalog(real_dsn), await _catalog(own_dsn)
    assert own["tables"] == set(TABLES)  # nothing more than it says
    assert set(TABLES) <= real["tables"]
    assert own["columns"], "the project's DDL created no columns"
    for (table, column), shape in sorted(own["columns"].items()):
        assert (table, column) in real["columns"], f"{table}.{column} is not in Yatai's schema"
        assert real["columns"][(table, column)] == shape, (
            f"{table}.{column}: project {shape} != Yatai {real['columns'][(table, column)]}"
        )
    for typname, labels in own["enums"].items():
        assert labels <= real["enums"].get(typname, set()), f"enum {typname}: {labels - real['enums'][typname]}"
    # The seed's ON CONFLICT (name) and the unique (repository, version) keys hold in both.
    assert own["uniques"] <= real["uniques"], own["uniques"] - real["uniques"]
    assert own["fks"] <= real["fks"], own["fks"] - real["fks"]
    # Every column the console reads is in the project's DDL (and so, by the above, in Yatai's).
    for table, columns in REQUIRED.items():
        for column in columns:
            assert (table, column) in own["columns"], f"the console reads {table}.{column}; the DDL lacks it"


async def _listed(dsn: str) -> tuple[list[str], dict[str, dict[str, Any]]]:
    settings = YataiSettings(dsn=dsn, password=servers.PG_PASSWORD, sslmode="disable", statement_timeout=5.0)
    db = YataiDB(settings)
    await db.connect()
    try:
        problems = await db.schema_problems()
    finally:
        await db.close()
    ws = Workspace(interval=0.01)
    source = YataiSource(settings, poll=60)
    await ws.start_source(source)
    try:
        deadline = asyncio.get_running_loop().time() + 15
        while (ws.stores["registries"].get("yatai") or {}).get("state") != "ready":
            assert asyncio.get_running_loop().time() < deadline, "the Yatai source did not get ready"
            await asyncio.sleep(0.02)
        records = {key: dict(ws.stores[key].items()) for key in STORES}
        assert all(ws.stores[key].status.state is KindState.LIVE for key in STORES)
    finally:
        await ws.close()
    return problems, records


STORES = (BENTOS, MODELS, BENTO_REPOS, MODEL_REPOS)


async def test_schema_check_seed_and_source_agree_on_both_schemas():
    real_dsn, own_dsn = await asyncio.to_thread(_databases)
    real_problems, real_rows = await _listed(real_dsn)
    own_problems, own_rows = await _listed(own_dsn)
    assert real_problems == [] and own_problems == []
    bentos, models = demo_rows()
    assert set(real_rows[BENTOS]) == {f"{r.repo}:{r.version}" for r in bentos}
    assert set(real_rows[MODELS]) == {f"{r.repo}:{r.version}" for r in models}
    assert real_rows[BENTOS]["iris_classifier:nxapohu4codzplg6"]["models"] == ["iris_clf:nxapohu4"]
    assert own_rows == real_rows


def test_no_code_of_the_package_points_at_shared_fixtures():
    """No string in console/ (docstrings aside) names ../shared or its fixtures: nothing reads them."""
    hits = []
    for path in sorted((ROOT / "console").rglob("*.py")):
        tree = ast.parse(path.read_text())
        docs = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
                text = node.value
                if text in ("shared", "fixtures") or any(s in text for s in ("shared/", "fixtures/", "yatai-db")):
                    hits.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text[:60]!r}")
    assert hits == []


DEMO_WITHOUT_SHARED = """
import asyncio, json, sys, types

shared = sys.argv[1]
touched = []

def audit(event, args):
    if event in ("open", "os.listdir", "os.scandir") and args and shared in str(args[0]):
        touched.append(str(args[0]))

sys.addaudithook(audit)

import inference_console
from inference_console.sandbox import registries
from inference_console.sources.yatai.source import YataiSource
from inference_console.sources.yatai.view import BENTOS
from inference_console.state.workspace import Workspace


async def main():
    settings, stop = await registries.start(types.SimpleNamespace())
    ws = Workspace(interval=0.01)
    try:
        await ws.start_source(YataiSource(settings["yatai"], settings["s3"], retry=(0.2, 0.5), poll=60))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 90
        while (ws.stores["registries"].get("yatai") or {}).get("state") != "ready" and loop.time() < deadline:
            await asyncio.sleep(0.05)
        store = ws.stores[BENTOS]
        return {
            "package": inference_console.__file__,
            "overview": (ws.stores["registries"].get("yatai") or {}).get("state"),
            "reason": store.status.reason,
            "bentos": sorted(k for k, _ in store.items()),
        }
    finally:
        await ws.close()
        await stop()

result = asyncio.run(main())
result["touched"] = touched
print("RESULT " + json.dumps(result))
"""


def test_demo_yatai_pane_works_where_shared_is_absent(tmp_path):
    """The package copied where no ``shared`` folder is near (as on a user's machine), the demo's
    registries started from it: the Yatai source lists the demo's bentos, and no file under the
    real ``../shared`` was opened or listed on the way."""
    shared = shared_dir().resolve()
    assert not any((parent / "shared").exists() for parent in tmp_path.parents)
    site = tmp_path / "site"
    shutil.copytree(ROOT / "console", site / "inference_console", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(
        ROOT / "widgets", site / "inference_console" / "widgets", ignore=shutil.ignore_patterns("__pycache__")
    )
    env = {k: v for k, v in os.environ.items() if k not in ("IC_SHARED_DIR", "PYTHONPATH")}
    env["PYTHONPATH"] = str(site)
    script = tmp_path / "demo_registries.py"
    script.write_text(textwrap.dedent(DEMO_WITHOUT_SHARED))
    proc = subprocess.run(
        [sys.executable, str(script), str(shared)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=150,
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
    assert line, f"exit {proc.returncode}: {proc.stderr[-2000:]}"
    result = json.loads(line.removeprefix("RESULT "))
    assert result["package"].startswith(str(site)), result["package"]  # the copy, not the checkout
    assert result["touched"] == []
    assert result["overview"] == "ready", result["reason"]
    assert result["bentos"] == sorted(f"{r.repo}:{r.version}" for r in demo_rows()[0])
