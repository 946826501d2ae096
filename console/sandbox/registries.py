"""The demo's registries, consistent with the demo cluster (a ``DEMO_SERVICES`` entry).

* Yatai: a real PostgreSQL (``pgserver``'s binaries, loopback TCP, a random password) with
  the project's Yatai DDL (:mod:`.yatai_schema`, nothing read from outside the package) and
  :mod:`.yatai_seed`'s rows (the bentos the BentoDeployments run,
  older versions, a failed build, a failed upload); its archives in S3 served by moto.
* The Kubeflow Model Registry: the project's server with the models the InferenceServices
  serve (``llama-8b-registry`` -> ``llama-3.1-8b-instruct/v3``) and one ARCHIVED version still
  served (``llama-3.1-8b-instruct/v1``, whose artifact ``llama3-8b`` in llm-prod serves).
* An OCI registry: the project's server with the bento images the pods run, the granite
  modelcar, and one missing tag (``sentiment_analysis:k3x7r2vqagmhwlg5`` was deleted).

Settings are returned at once; PostgreSQL (about a second) and moto start as tasks, and the
Yatai source retries until the database answers.  Nothing needs to be installed.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
MISSING_TAG = ("yatai-bentos/sentiment_analysis", "k3x7r2vqagmhwlg5")
BUCKET = "yatai"


def _mr_content(server: Any) -> None:
    day = 86_400_000
    import time

    now = int(time.time() * 1000)
    for env in ("llm-prod", "llm-staging", "tabular", "vision"):
        server.add("serving_environments", {"name": env, "description": f"KServe in namespace {env}"})
    hf = "hf://meta-llama/Llama-3.1-8B-Instruct"
    llama = server.add_model(
        "llama-3.1-8b-instruct",
        [
            {
                "name": "v1",
                "author": "ana",
                "state": "ARCHIVED",
                "description": "first fine-tune; superseded",
                "artifact": {"uri": hf, "modelFormatName": "huggingface", "modelFormatVersion": "1"},
            },
            {
                "name": "v2",
                "author": "ana",
                "description": "instruction-tuned on support tickets",
                "artifact": {"uri": "s3://models-staging/llama-3.1-8b/v2", "modelFormatName": "huggingface"},
            },
            {
                "name": "v3",
                "author": "ana",
                "description": "v2 + safety tuning",
                "customProperties": {
                    "eval_accuracy": {"metadataType": "MetadataDoubleValue", "double_value": 0.912},
                    "ticket": {"metadataType": "MetadataStringValue", "string_value": "MLP-1423"},
                },
                "artifact": {"uri": "s3://models-staging/llama-3.1-8b/v3", "modelFormatName": "huggingface"},
            },
        ],
        owner="ana",
        description="Llama 3.1 8B Instruct fine-tunes",
        created_ms=now - 60 * day,
    )
    qwen = server.add_model(
        "qwen2.5-7b-instruct",
        [
            {
                "name": "1",
                "author": "li",
                "artifact": {"uri": "hf://Qwen/Qwen2.5-7B-Instruct", "modelFormatName": "huggingface"},
            },
        ],
        owner="li",
        created_ms=now - 30 * day,
    )
    server.add_model(
        "sklearn-iris",
        [
            {
                "name": "1.0",
                "author": "bob",
                "artifact": {
                    "uri": "gs://kfserving-examples/models/sklearn/1.0/model",
                    "modelFormatName": "sklearn",
                    "modelFormatVersion": "1",
                },
            },
        ],
        owner="bob",
        created_ms=now - 90 * day,
    )
    server.add_model(
        "xgboost-fraud",
        [
            {
                "name": "v11",
                "author": "bob",
                "artifact": {"uri": "s3://fraud-models/xgboost/v11", "modelFormatName": "xgboost"},
            },
            {
                "name": "v12",
                "author": "bob",
                "artifact": {"uri": "s3://fraud-models/xgboost/v12", "modelFormatName": "xgboost"},
            },
        ],
        owner="bob",
        created_ms=now - 45 * day,
    )
    server.add_model(
        "resnet50",
        [
            {
                "name": "1",
                "author": "vision-team",
                "artifact": {
                    "uri": "s3://vision-models/resnet50/onnx/1",
                    "modelFormatName": "onnx",
                    "modelFormatVersion": "1",
                },
            },
        ],
        owner="vision-team",
        created_ms=now - 120 * day,
    )
    envs = {e["name"]: e["id"] for e in server.data["serving_environments"].values()}
    versions = {(v["registeredModelId"], v["name"]): v["id"] for v in server.data["model_versions"].values()}
    server.add(
        "inference_services",
        {
            "name": "llama-8b-registry",
            "registeredModelId": llama["id"],
            "servingEnvironmentId": envs["llm-staging"],
            "modelVersionId": versions[(llama["id"], "v3")],
            "runtime": "kserve-huggingfaceserver",
        },
    )
    server.add(
        "inference_services",
        {
            "name": "llama3-8b",
            "registeredModelId": llama["id"],
            "servingEnvironmentId": envs["llm-prod"],
            "modelVersionId": versions[(llama["id"], "v1")],
            "runtime": "kserve-huggingfaceserver",
        },
    )
    server.add(
        "inference_services",
        {
            "name": "qwen-chat",
            "registeredModelId": qwen["id"],
            "servingEnvironmentId": envs["llm-prod"],
            "runtime": "kserve-huggingfaceserver",
        },
    )


def _oci_content(server: Any, objects: list[dict[str, Any]]) -> None:
    """Tags for the images the demo's pods run (with the digests they run), minus one deleted tag."""
    running: dict[str, str] = {}
    for obj in objects:
        if obj.get("kind") != "Pod":
            continue
        for cs in (obj.get("status") or {}).get("containerStatuses") or []:
            image = str(cs.get("image", ""))
            if image.startswith("registry.internal/") and image not in running:
                running[image] = str(cs.get("imageID", "")).rpartition("@")[2]
    from inference_console.sandbox.yatai_seed import OLDER

    for image, digest in sorted(running.items()):
        ref = image.removeprefix("registry.internal/")
        repo, _, tag = ref.rpartition(":")
        if (repo, tag) == MISSING_TAG:
            server.repos.setdefault(repo, {})
            continue
        server.add_image(repo, tag, created="2026-01-10T09:00:00Z", digest=digest or None)
        for old in OLDER.get(repo.rsplit("/", 1)[-1], []):
            server.add_image(repo, old, created="2025-11-02T09:00:00Z", layer_sizes=(29_000_000, 1_900_000))
    server.add_image(
        "yatai-bentos/fraud_detector", "q2tmz5fkwkp4mlg7-build-failed-partial", created="2026-01-20T00:00:00Z"
    )
    server.add_image(
        "models/granite-3.0-3b-a800m-instruct",
        "1.0",
        created="2025-10-21T00:00:00Z",
        layer_sizes=(6_100_000_000,),
        platforms=("amd64", "arm64"),
    )


SEEDING = "yatai_seeding"  # the demo's Yatai database while it is built


async def start(sandbox: Any) -> tuple[dict[str, Any], Any]:
    from inference_console.sandbox.model_registry_server import ModelRegistryServer
    from inference_console.sandbox.oci_server import OciServer
    from inference_console.sandbox.postgres import Postgres, free_port
    from inference_console.settings.endpoints import (
        ImageRegistrySettings,
        ModelRegistrySettings,
        S3Settings,
        YataiSettings,
    )

    root = Path(tempfile.mkdtemp(prefix="ic-demo-registries-"))
    mr = ModelRegistryServer()
    _mr_content(mr)
    await mr.start()
    oci = OciServer()
    objects = list(getattr(getattr(sandbox, "seed_result", None), "objects", None) or [])
    _oci_content(oci, objects)
    await oci.start()
    password = secrets.token_urlsafe(12)
    pg = Postgres(root / "pg", free_port(), password)
    s3_port = free_port()
    moto: dict[str, Any] = {}

    async def start_postgres() -> None:
        try:
            await asyncio.to_thread(pg.start)
            from inference_console.sandbox.postgres import load_yatai_schema, wait_ready
            from inference_console.sandbox.yatai_seed import demo_rows, seed

            await wait_ready(pg)
            # Built under another name and renamed once seeded: a source connecting meanwhile
            # finds no "yatai" database (and retries) instead of empty tables it would show as
            # an empty registry until its next poll.
            await load_yatai_schema(pg, SEEDING)  # the project's DDL
            import asyncpg

            conn = await asyncpg.connect(pg.dsn(SEEDING), password=password)
            try:
                await seed(conn, *demo_rows())
            finally:
                await conn.close()
            admin = await asyncpg.connect(pg.dsn(), password=password)
            try:
                await admin.execute(f'ALTER DATABASE "{SEEDING}" RENAME TO "yatai"')
            finally:
                await admin.close()
        except Exception:  # noqa: BLE001 - the Yatai pane says the database cannot be reached
            log.exception("demo PostgreSQL failed to start")

    async def start_moto() -> None:
        try:

            def run() -> None:
                from moto.server import ThreadedMotoServer

                logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request lines over the TUI

                server = ThreadedMotoServer(ip_address="127.0.0.1", port=s3_port, verbose=False)
                server.start()
                moto["server"] = server
                import boto3

                from inference_console.sandbox.yatai_seed import demo_rows

                client = boto3.client(
                    "s3",
                    endpoint_url=f"http://127.0.0.1:{s3_port}",
                    region_name="us-east-1",
                    aws_access_key_id="demo",
                    aws_secret_access_key="demo",
                )
                client.create_bucket(Bucket=BUCKET)
                bentos, models = demo_rows()
                for kind, rows in (("bentos", bentos), ("models", models)):
                    for row in rows:
                        if row.upload != "success" or row.build == "building":
                            continue  # never uploaded / still being built: no archive
                        client.put_object(
                            Bucket=BUCKET,
                            Key=f"{kind}/default/{row.repo}/{row.version}.tar.gz",
                            Body=b"\x1f\x8b" + row.version.encode() * 64,
                        )

            await asyncio.to_thread(run)
        except Exception:  # noqa: BLE001
            log.exception("demo S3 (moto) failed to start")

    tasks = [
        asyncio.get_running_loop().create_task(start_postgres(), name="demo-postgres"),
        asyncio.get_running_loop().create_task(start_moto(), name="demo-moto"),
    ]
    settings = {
        "yatai": YataiSettings(
            host="127.0.0.1",
            port=pg.port,
            user="postgres",
            password=password,
            database="yatai",
            sslmode="disable",
            statement_timeout=10.0,
            pool_size=2,
        ),
        "s3": S3Settings(
            endpoint_url=f"http://127.0.0.1:{s3_port}",
            region="us-east-1",
            bucket=BUCKET,
            path_style=True,
            access_key_id="demo",
            secret_access_key="demo",
        ),
        "model_registry": ModelRegistrySettings(url=mr.url),
        "image_registry": ImageRegistrySettings(url=oci.url),
    }

    async def stop() -> None:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await mr.stop()
        await oci.stop()
        await asyncio.to_thread(pg.stop)
        if "server" in moto:
            await asyncio.to_thread(moto["server"].stop)
        shutil.rmtree(root, ignore_errors=True)

    return settings, stop
