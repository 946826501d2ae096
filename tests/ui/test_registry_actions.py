"""Registry quick actions with Textual's pilot against the emulator, the project's Model Registry
server (every request and response checked against the real OpenAPI spec) and pgserver:
archive/restore, deploy a version (InferenceService, BentoDeployment), read-only refusal,
copy with OSC 52, and the Model Registry found through the service proxy."""

from __future__ import annotations

import json

import pytest

from inference_console.sandbox.model_registry_server import ModelRegistryServer
from inference_console.sandbox.registries import _mr_content
from inference_console.settings.config_file import ConfigFile, ContextSettings
from inference_console.settings.endpoints import ModelRegistrySettings, YataiSettings
from inference_console.ui.screens.review import ReviewScreen
from inference_console.widgets.dialogs import FormScreen
from tests import registry_servers as servers
from tests.integration.test_registry_model_registry import spec_validator
from tests.ui.harness import demo_app, screen_text, screen_words, wait_for

ISVC_API = "serving.kserve.io/v1beta1"
BD_API = "serving.yatai.ai/v2alpha1"
MUTATING = ("POST", "PUT", "PATCH", "DELETE")
PASSWORD_ENV = "IC_TEST_UI_PG_PASSWORD"
TOKEN = "mr-ui-token-7c1e"


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "inference-console"


@pytest.fixture
async def registry():
    srv = ModelRegistryServer(token=TOKEN, validator=spec_validator())
    _mr_content(srv)
    await srv.start()
    yield srv
    await srv.stop()
    assert srv.violations == [], "requests or responses outside the spec:\n" + "\n".join(srv.violations)


def config(tmp_path, **tables) -> ConfigFile:
    return ConfigFile(path=tmp_path / "config.toml", exists=False, defaults=ContextSettings(**tables))


def audited(state_dir):
    path = state_dir / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def emu_writes(emu):
    # The access reviews the app asks (SelfSubjectRulesReview, whoami) are POSTs that write nothing.
    return [r for r in emu.requests if r.method in MUTATING and "/selfsubject" not in r.path]


def mr_writes(srv):
    return [r for r in srv.requests if r[0] in MUTATING]


async def show(app, pilot, command, kind_key, rows=1):
    await pilot.press("colon", *command, "enter")
    await wait_for(
        pilot,
        lambda: app.screen.kind_key == kind_key and app.screen.table.row_count >= rows,
        timeout=20,
        what=f"{command} rows",
    )


def row(app, *cells):
    return next((r for r in app.screen.table.visible_rows if tuple(r.cells[: len(cells)]) == cells), None)


async def select(app, pilot, *cells):
    await wait_for(pilot, lambda: row(app, *cells) is not None, timeout=20, what=f"row {cells}")
    app.screen.table.move_cursor_to_key(row(app, *cells).key)
    await pilot.pause()


async def submit_form(app, pilot, *values):
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what="the form")
    for value in values:
        if value is not None:
            await pilot.press("ctrl+u", *value)
        await pilot.press("enter")


async def reviewed(app, pilot, accepted=True) -> ReviewScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), what="the review screen")
    screen = app.screen
    await wait_for(pilot, lambda: screen.dry_result is not None, what="the dry run")
    assert screen.dry_result.ok is accepted, screen.dry_result.message()
    return screen


async def apply(app, pilot, screen) -> None:
    await pilot.press("y")
    await wait_for(pilot, lambda: app.screen is not screen, what="the review to close")


async def said(app, pilot, words):
    await wait_for(
        pilot, lambda: words in app.screen.message, timeout=15, what=f"{words!r} (message: {app.screen.message!r})"
    )
    return app.screen.message


def column(app, name, cells):
    names = [str(c.label) for c in app.screen.table.columns]
    return row(app, *cells).cells[names.index(name)]


# ----------------------------------------------------------------------------- archive / restore
async def test_archive_and_restore_a_version(tmp_path, registry, state_dir):
    cfg = config(tmp_path, model_registry=ModelRegistrySettings(url=registry.url, token=TOKEN))
    async with demo_app(tmp_path, config=cfg) as (app, pilot, emu):
        await show(app, pilot, "mv", "mr.versions", rows=8)
        version = ("llama-3.1-8b-instruct", "v2")
        await select(app, pilot, *version)
        vid = next(v["id"] for v in registry.data["model_versions"].values() if v["name"] == "v2")
        await pilot.press("A")
        screen = await reviewed(app, pilot)
        text = screen_words(app)
        assert f"PATCH {registry.url}/api/model_registry/v1alpha3/model_versions/{vid}" in text
        assert "state: LIVE" in text and "state: ARCHIVED" in text  # the diff
        assert registry.data["model_versions"][vid]["state"] == "LIVE" and not mr_writes(registry)  # dry run: a read
        await apply(app, pilot, screen)
        message = await said(app, pilot, "seen in the table after")
        assert message.startswith("done: archive ModelVersion llama-3.1-8b-instruct/v2")
        assert column(app, "STATE", version) == "ARCHIVED"
        assert registry.data["model_versions"][vid]["state"] == "ARCHIVED"
        await pilot.press("A")
        await apply(app, pilot, await reviewed(app, pilot))
        await said(app, pilot, "done: restore ModelVersion")
        await said(app, pilot, "seen in the table after")
        assert column(app, "STATE", version) == "LIVE" and registry.data["model_versions"][vid]["state"] == "LIVE"
        assert [r[0] for r in mr_writes(registry)] == ["PATCH", "PATCH"] and not emu_writes(emu)
        entries = audited(state_dir)
        assert [(e["result"], e["patch"]) for e in entries] == [
            ("ok", {"state": "ARCHIVED"}),
            ("ok", {"state": "LIVE"}),
        ]


# ----------------------------------------------------------------------------- deploy
async def test_deploy_a_model_registry_version_and_see_it_served(tmp_path, registry, state_dir):
    cfg = config(tmp_path, model_registry=ModelRegistrySettings(url=registry.url, token=TOKEN))
    async with demo_app(tmp_path, config=cfg) as (app, pilot, emu):
        await show(app, pilot, "mv", "mr.versions", rows=8)
        version = ("resnet50", "1")
        await select(app, pilot, *version)
        await wait_for(pilot, lambda: column(app, "FORMAT", version) == "onnx", what="the artifact")
        assert column(app, "SERVED BY", version) == ""
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what="the form")
        assert "modelregistry-public" in screen_words(app)  # the registry the labels name
        await submit_form(app, pilot, None, None, None, None, None)
        screen = await reviewed(app, pilot)
        body = screen.mutation.body
        assert body["metadata"]["name"] == "resnet50-1" and body["metadata"]["namespace"] == "llm-prod"
        assert body["metadata"]["annotations"] == {
            "modelregistry.kubeflow.org/url": "http://modelregistry-public.model-registry.svc.cluster.local:8080"
        }
        ids = body["metadata"]["labels"]
        model = next(m for m in registry.data["registered_models"].values() if m["name"] == "resnet50")
        mv = next(v for v in registry.data["model_versions"].values() if v["registeredModelId"] == model["id"])
        assert ids == {
            "modelregistry.kubeflow.org/registered-model-id": model["id"],
            "modelregistry.kubeflow.org/model-version-id": mv["id"],
            "modelregistry.kubeflow.org/name": "modelregistry-public",
            "modelregistry.kubeflow.org/namespace": "model-registry",
        }
        assert body["spec"] == {
            "predictor": {
                "model": {
                    "modelFormat": {"name": "onnx", "version": "1"},
                    "storageUri": "s3://vision-models/resnet50/onnx/1",
                }
            }
        }
        await apply(app, pilot, screen)
        message = await said(app, pilot, "seen in InferenceServices after")
        assert message.startswith("done: create InferenceService llm-prod/resnet50-1 serving resnet50/1")
        created = emu.get(ISVC_API, "InferenceService", "llm-prod", "resnet50-1")
        assert created["metadata"]["labels"] == ids
        # The version now shows who serves it, and the InferenceService lists it.
        await wait_for(pilot, lambda: column(app, "SERVED BY", version) == "llm-prod/resnet50-1", what="the link")
        await show(app, pilot, "isvc", "inferenceservices.serving.kserve.io")
        await wait_for(pilot, lambda: row(app, "resnet50-1") is not None, what="the new InferenceService")
        assert [e["result"] for e in audited(state_dir)] == ["ok"] and not mr_writes(registry)


async def test_deploy_a_bento_version(tmp_path, monkeypatch, state_dir):
    monkeypatch.setenv(PASSWORD_ENV, servers.PG_PASSWORD)
    dsn = servers.database("ui_deploy")
    cfg = config(tmp_path, yatai=YataiSettings(dsn=dsn, password_env=PASSWORD_ENV, statement_timeout=5.0))
    tag = ("iris_classifier", "nxapohu4codzplg6")
    async with demo_app(tmp_path, config=cfg, options={"namespace": "bentoml"}, wait=False) as (app, pilot, emu):
        await show(app, pilot, "yb", "yatai.bentos", rows=5)
        await select(app, pilot, *tag)
        await wait_for(pilot, lambda: column(app, "DEPLOYED BY", tag) == "bentoml/iris-classifier", what="the link")
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what="the form")
        assert "iris-classifier-nxapoh" in screen_text(app)  # the Bento with this tag in bentoml
        await submit_form(app, pilot, "iris-canary", None, None, None, "2")
        screen = await reviewed(app, pilot)
        assert screen.mutation.body == {
            "apiVersion": BD_API,
            "kind": "BentoDeployment",
            "metadata": {"name": "iris-canary", "namespace": "bentoml"},
            "spec": {"bento": "iris-classifier-nxapoh", "autoscaling": {"minReplicas": 1, "maxReplicas": 2}},
        }
        await apply(app, pilot, screen)
        await said(app, pilot, "seen in BentoDeployments after")
        assert emu.get(BD_API, "BentoDeployment", "bentoml", "iris-canary")["spec"]["bento"] == "iris-classifier-nxapoh"
        await wait_for(
            pilot,
            lambda: column(app, "DEPLOYED BY", tag) == "bentoml/iris-canary, bentoml/iris-classifier",
            what="the new link",
        )
        # Deploying the same version to the BentoDeployment that runs it: said in the form, nothing sent.
        await pilot.press("D")
        await submit_form(app, pilot, "iris-classifier", None, None, None, None)
        await said(app, pilot, "already runs iris-classifier-nxapoh")
        await show(app, pilot, "bd", "bentodeployments.serving.yatai.ai")
        await wait_for(pilot, lambda: row(app, "iris-canary") is not None, what="the new BentoDeployment")
        assert [r.method for r in emu_writes(emu)] == ["POST", "POST"]  # dry run, then the create


async def test_readonly_refuses_registry_actions_with_nothing_sent(tmp_path, registry, state_dir):
    cfg = config(tmp_path, model_registry=ModelRegistrySettings(url=registry.url, token=TOKEN))
    async with demo_app(tmp_path, config=cfg, options={"readonly": True}) as (app, pilot, emu):
        await show(app, pilot, "mv", "mr.versions", rows=8)
        await select(app, pilot, "resnet50", "1")
        requests_before = len(registry.requests)
        await pilot.press("A")
        await reviewed(app, pilot, accepted=False)
        assert "read-only mode: refusing to patch ModelVersion resnet50/1" in screen_words(app)
        await pilot.press("y", "escape")
        await pilot.press("D")
        await submit_form(app, pilot, None, None, None, None, None)
        await reviewed(app, pilot, accepted=False)
        assert "read-only mode: refusing to create InferenceService" in screen_words(app)
        await pilot.press("y", "escape")
        await pilot.pause(0.2)
        assert not emu_writes(emu) and not mr_writes(registry)
        assert not [r for r in registry.requests[requests_before:] if "/model_versions/" in r[1] and r[0] != "GET"]
        assert not [
            r
            for r in registry.requests[requests_before:]
            if r[1].startswith("/api/model_registry/v1alpha3/model_versions/") and "artifacts" not in r[1]
        ], "not even the dry run's read"
        assert [e["result"] for e in audited(state_dir)] == ["refused: read-only", "refused: read-only"]


# ----------------------------------------------------------------------------- copy (OSC 52)
async def test_copy_a_presigned_url_and_an_image_reference(tmp_path, monkeypatch):
    import boto3
    import httpx

    from inference_console.sandbox.oci_server import OciServer
    from inference_console.settings.endpoints import ImageRegistrySettings, S3Settings

    monkeypatch.setenv(PASSWORD_ENV, servers.PG_PASSWORD)
    endpoint = servers.moto_s3()
    s3 = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
    s3.create_bucket(Bucket="ui-copy")
    s3.put_object(Bucket="ui-copy", Key="bentos/default/iris_classifier/nxapohu4codzplg6.tar.gz", Body=b"b" * 512)
    oci = OciServer()
    oci.add_image("yatai-bentos/iris_classifier", "nxapohu4codzplg6")
    await oci.start()
    cfg = config(
        tmp_path,
        yatai=YataiSettings(dsn=servers.database("ui_copy"), password_env=PASSWORD_ENV),
        s3=S3Settings(
            endpoint_url=endpoint,
            region="us-east-1",
            bucket="ui-copy",
            path_style=True,
            access_key_id="test",
            secret_access_key="test",
        ),
        image_registry=ImageRegistrySettings(url=oci.url),
    )
    copied: list[str] = []
    try:
        async with demo_app(tmp_path, config=cfg) as (app, pilot, emu):
            monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
            await show(app, pilot, "yb", "yatai.bentos", rows=5)
            await select(app, pilot, "iris_classifier", "nxapohu4codzplg6")
            await pilot.press("C")  # the URL is made from S3 first (a worker), then copied
            await wait_for(pilot, lambda: copied, what="the copy")
            assert copied[0].startswith(endpoint) and "X-Amz-Signature" in copied[0]
            async with httpx.AsyncClient() as http:
                assert (await http.get(copied[0])).content == b"b" * 512
            assert copied[0] not in screen_text(app)  # said, not echoed
            await show(app, pilot, "tags", "oci.tags")
            await select(app, pilot, "yatai-bentos/iris_classifier", "nxapohu4codzplg6")
            await pilot.press("C")
            await wait_for(pilot, lambda: len(copied) == 2, what="the second copy")
            host = oci.url.removeprefix("http://")
            assert copied[1].startswith(f"{host}/yatai-bentos/iris_classifier:nxapohu4codzplg6@sha256:")
            # Kinds with nothing to copy do not take the key.
            await show(app, pilot, "isvc", "inferenceservices.serving.kserve.io")
            await pilot.press("C")
            await pilot.pause(0.2)
            assert len(copied) == 2
    finally:
        await oci.stop()


# ----------------------------------------------------------------------------- found through the cluster
async def test_no_url_the_model_registry_is_found_through_the_service_proxy(tmp_path, state_dir):
    """No [model_registry] url: the demo cluster's ModelRegistry modelregistry-public gives its Service,
    read through the API server's service proxy with the kubeconfig's credentials (the API server
    does not pass a bearer token on, so this server asks for none and no spec check of security)."""
    from inference_console.sandbox.apiserver.svcproxy import service_backends

    srv = ModelRegistryServer()
    _mr_content(srv)
    await srv.start()

    def before(emu) -> None:
        service_backends(emu)[("model-registry", "modelregistry-public")] = srv.url

    try:
        async with demo_app(tmp_path, before=before) as (app, pilot, emu):
            await wait_for(pilot, lambda: "mr.versions" in app.workspace.views, timeout=15, what="the registry views")
            source = app.workspace.sources["model_registry"]
            assert source.found_by == (
                "discovered: ModelRegistry model-registry/modelregistry-public, via the API server's service proxy"
            )
            assert "/services/modelregistry-public:http-api/proxy" in source.client.where
            await show(app, pilot, "mv", "mr.versions", rows=8)
            assert any(
                "/services/modelregistry-public:http-api/proxy/api/model_registry/v1alpha3/model_versions" in r.path
                for r in emu.requests
            )
            # Archive through the proxy too (a PATCH relayed by the API server).
            await select(app, pilot, "xgboost-fraud", "v11")
            await pilot.press("A")
            await apply(app, pilot, await reviewed(app, pilot))
            await said(app, pilot, "seen in the table after")
            assert column(app, "STATE", ("xgboost-fraud", "v11")) == "ARCHIVED"
            assert [r[0] for r in srv.requests if r[0] == "PATCH"] == ["PATCH"]
            assert source.registry()["name"] == "modelregistry-public"
    finally:
        await srv.stop()


async def test_no_url_and_no_answer_adds_nothing(tmp_path):
    """The demo cluster's ModelRegistry has no backend here (503): no registry views, nothing failing."""
    async with demo_app(tmp_path) as (app, pilot, emu):
        await wait_for(
            pilot,
            lambda: any("/services/modelregistry-public:http-api/proxy" in r.path for r in emu.requests),
            what="the probe",
        )
        await pilot.pause(0.2)
        assert "mr.versions" not in app.workspace.views and "registries" not in app.workspace.stores
