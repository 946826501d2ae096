"""Editing benchmarks (issue: live editing).

1. Edit applied → change visible in the table through the watch, on loopback, over 100
   edits (target p95 ≤ 300 ms).  The API server runs in its own process
   (``inference-console demo --serve``); the app runs headless in this one.  Each edit
   goes through the action layer (a JSON merge patch of an InferenceService's model
   format); the clock stops when the table row shows the new value.  Floor: the same
   patch's bare HTTP round trip.
2. Validation plus diff of a 5,000-line object (target ≤ 100 ms): parse the edited
   YAML, check identity, validate against the real InferenceService CRD schema from
   ../shared/fixtures, compare with the base and diff the text against what the editor
   opened with (as the edit flow does).  Floor: parsing alone.

    python tests/bench/bench_edit.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench._util import SandboxServer, median, ms, pct, summary, verdict  # noqa: E402


async def edits_to_table(kubeconfig: str, count: int) -> None:
    from inference_console.actions.types import Mutation, ObjectRef, PatchType, Verb
    from inference_console.settings.config_file import ConfigFile
    from inference_console.settings.launch import LaunchOptions
    from inference_console.ui.app import ConsoleApp

    app = ConsoleApp(
        LaunchOptions(kubeconfig=kubeconfig, namespace="llm-prod"), ConfigFile(Path("/nonexistent/config.toml"), False)
    )
    async with app.run_test(size=(160, 50)) as pilot:
        for _ in range(400):
            if app.kube is not None and app.screen.table.row_count > 0:
                break
            await pilot.pause(0.02)
        table = app.screen.table
        row = next(r for r in table.visible_rows if r.cells[0] == "qwen-chat")
        key = row.key
        ref = ObjectRef(
            "serving.kserve.io", "v1beta1", "inferenceservices", "InferenceService", True, "llm-prod", "qwen-chat"
        )
        formats = ["onnx", "sklearn", "xgboost", "pytorch"]
        applied, visible, bare = [], [], []
        for i in range(count):
            fmt = formats[i % len(formats)] + (str(i) if i >= len(formats) else "")
            patch = {"spec": {"predictor": {"model": {"modelFormat": {"name": fmt}}}}}
            mutation = Mutation(Verb.PATCH, ref, body=patch, patch_type=PatchType.MERGE)
            start = time.perf_counter()
            result = await app.actions.run(mutation)
            sent = time.perf_counter()
            assert result.ok, result.message()
            while fmt not in table.get_row(key).cells:
                await asyncio.sleep(0.001)
            seen = time.perf_counter()
            applied.append(sent - start)
            visible.append(seen - start)
        # Floor: the same request on the bare transport, nothing else.
        transport = app.kube.transport
        path = "/apis/serving.kserve.io/v1beta1/namespaces/llm-prod/inferenceservices/qwen-chat"
        for i in range(count):
            start = time.perf_counter()
            await transport.send(
                "PATCH", path, [], {"metadata": {"annotations": {"bench": str(i)}}}, "application/merge-patch+json"
            )
            bare.append(time.perf_counter() - start)
    print(f"edit request (action layer, incl. audit):  {summary(applied, 95)}")
    print(f"edit -> visible in the table via watch:     {summary(visible, 95)}")
    print(f"bare PATCH round trip (floor):              {summary(bare, 95)}")
    p95 = pct(visible, 95)
    print(
        f"p95 edit -> visible {ms(p95)} (target <= 300 ms: {verdict(p95, 0.300)}); "
        f"ratio to the bare round trip p95: {p95 / pct(bare, 95):.2f}x"
    )


def validation_and_diff(repeats: int) -> None:
    import yaml

    from inference_console.actions.edit import dump_yaml, editable, identity_problems, parse_edit, text_diff
    from inference_console.actions.schema import validator_for
    from tests.shared import shared_dir

    crd_path = shared_dir() / "fixtures/crds/kserve/serving.kserve.io_inferenceservices.yaml"
    crd = next(d for d in yaml.safe_load_all(crd_path.read_text()) if d)
    base = yaml.safe_load((shared_dir() / "fixtures/examples/kserve_hf_isvc.yaml").read_text())
    base["metadata"]["namespace"] = "llm-prod"
    env = [{"name": f"SETTING_{i}", "value": f"value-{i}"} for i in range(2400)]
    base["spec"]["predictor"]["model"]["env"] = env
    text = dump_yaml(editable(base))
    lines = text.count("\n")
    edited_text = text.replace("value-1200\n", "value-changed\n").replace("value-7\n", "value-seven\n")
    base_text = text  # what the editor was opened with: the flow keeps it for the diff
    t0 = time.perf_counter()
    validator = validator_for(crd, "v1beta1")
    compile_time = time.perf_counter() - t0
    parse_only, full = [], []
    import gc

    for _ in range(repeats):
        gc.collect()  # each timing starts without the previous iteration's garbage
        start = time.perf_counter()
        parse_edit(edited_text)
        parse_only.append(time.perf_counter() - start)
        gc.collect()
        start = time.perf_counter()
        edited = parse_edit(edited_text)
        problems = identity_problems(base, edited) + validator.errors(edited)
        assert editable(base) != edited
        diff = text_diff(base_text, edited_text)
        full.append(time.perf_counter() - start)
        assert not problems, problems
        assert "value-changed" in diff
    print(f"object: {lines} lines of YAML; schema compile (once per CRD, cached): {ms(compile_time)}")
    print(f"parse alone (floor):                 {summary(parse_only)}")
    print(f"parse + checks + schema + diff:      {summary(full)}")
    m = median(full)
    print(
        f"validation plus diff of a {lines}-line object: median {ms(m)} "
        f"(target <= 100 ms: {verdict(m, 0.100)}); ratio to parsing alone {m / median(parse_only):.2f}x"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    count = 10 if args.quick else 100
    validation_and_diff(2 if args.quick else 7)
    with SandboxServer(scale=0) as server:
        asyncio.run(edits_to_table(server.kubeconfig, count))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
