"""The OCI source's basic auth against Debian's docker-registry (Distribution 2.8) configured with
htpasswd (a bcrypt entry) and served over TLS with a test CA's certificate, passed to the source
as ``ca_file`` the way the config file does: the right password lists the pushed images, a wrong
one is a clear state, an untrusted certificate says what to set; no password in any message or log.
"""

from __future__ import annotations

import logging
import ssl

import httpx
import pytest

from inference_console.settings.endpoints import ImageRegistrySettings
from inference_console.sources.oci.source import REPOS, TAGS, OciSource
from inference_console.state.store import KindState
from inference_console.state.workspace import Workspace
from tests import registry_servers as servers
from tests.integration.test_registry_oci import push, until

PASSWORD_ENV = "IC_TEST_REGISTRY_PASSWORD"
WRONG = "htpw-Wrong-0e9d"


@pytest.fixture
def registry(caplog):
    caplog.set_level(logging.DEBUG)  # everything logged on the way is checked for the secrets
    return servers.docker_registry_htpasswd()


def settings(url: str, **kw) -> ImageRegistrySettings:
    return ImageRegistrySettings(url=url, username=servers.REGISTRY_USER, password_env=PASSWORD_ENV, timeout=5.0, **kw)


def no_secret(*texts: object) -> None:
    for text in texts:
        assert servers.REGISTRY_PASSWORD not in str(text) and WRONG not in str(text)


async def test_right_password_lists_what_was_pushed(registry, monkeypatch, caplog):
    url, ca = registry
    auth = (servers.REGISTRY_USER, servers.REGISTRY_PASSWORD)
    async with httpx.AsyncClient(base_url=url, auth=auth, verify=ssl.create_default_context(cafile=ca)) as http:
        assert (await http.get("/v2/", auth=None)).status_code == 401  # the registry does ask
        digest = await push(http, "auth-test/app", "v1", created="2026-01-02T03:04:05Z", layer=b"a" * 500)
        await push(http, "auth-test/app", "v2", created="2026-02-02T03:04:05Z", layer=b"b" * 700)
    monkeypatch.setenv(PASSWORD_ENV, servers.REGISTRY_PASSWORD)
    ws = Workspace(interval=0.01)
    source = OciSource(settings(url, ca_file=str(ca)), poll=60)
    await ws.start_source(source)
    try:
        await until(lambda: source.loads >= 1, timeout=15, what="the listing with basic auth")
        tags = ws.stores[TAGS]
        assert tags.status.state is KindState.LIVE
        v1 = tags.get("auth-test/app:v1")
        assert v1["digest"] == digest and v1["created"] == "2026-01-02T03:04:05Z" and v1["size"] > 500
        assert tags.get("auth-test/app:v2") is not None
        assert ws.stores[REPOS].get("auth-test/app")["tags"] == 2
        overview = ws.stores["registries"].get("images")
        assert overview["state"] == "ready" and overview["endpoint"] == url
        no_secret(overview, source.describe(), caplog.text)
    finally:
        await ws.close()


async def test_wrong_password_is_a_clear_state_without_the_secret(registry, monkeypatch, caplog):
    url, ca = registry
    monkeypatch.setenv(PASSWORD_ENV, WRONG)
    ws = Workspace(interval=0.01)
    source = OciSource(settings(url, ca_file=str(ca)), retry=(0.2, 0.5))
    await ws.start_source(source)
    try:
        store = ws.stores[TAGS]
        await until(lambda: store.status.state is KindState.FORBIDDEN, timeout=15, what="the 401 state")
        reason = store.status.reason
        assert reason.startswith(f"unauthorized: the image registry at {url} refused GET /v2/_catalog (401)")
        assert "image_registry.username/password" in reason and "retrying" in reason
        assert ws.stores[REPOS].status.state is KindState.FORBIDDEN
        overview = ws.stores["registries"].get("images")
        assert overview["state"] == "failed" and "unauthorized" in overview["detail"]
        no_secret(reason, overview, source.describe(), caplog.text)
    finally:
        await ws.close()


async def test_a_certificate_not_trusted_says_to_set_ca_file(registry, monkeypatch, caplog):
    url, _ = registry
    monkeypatch.setenv(PASSWORD_ENV, servers.REGISTRY_PASSWORD)
    ws = Workspace(interval=0.01)
    source = OciSource(settings(url), retry=(0.2, 0.5))  # no ca_file: the system's CAs do not know it
    await ws.start_source(source)
    try:
        store = ws.stores[TAGS]
        await until(lambda: store.status.state is KindState.ERROR, timeout=15, what="the TLS error")
        assert "TLS certificate is not trusted" in store.status.reason
        assert "set image_registry.ca_file" in store.status.reason
        no_secret(store.status.reason, source.describe(), caplog.text)
    finally:
        await ws.close()
