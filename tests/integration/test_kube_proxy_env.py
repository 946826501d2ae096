"""The API server is reached through the proxy the environment or the kubeconfig names, as
kubectl does; the environment is read once when connecting (aiohttp read it, and ~/.netrc,
in a worker thread before every request)."""

from __future__ import annotations

import asyncio

import pytest
import yaml

from inference_console.sources.kube.connect import connect

PROXY_VARS = (
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
)


class Relay:
    """A forward proxy for plain-HTTP requests: records each connection's first request line
    (absolute-form, as clients send to a proxy) and relays the bytes to the API server."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.lines: list[str] = []  # the first request line of each connection
        self.heads: list[str] = []  # and its whole head (request line and headers)
        self.server: asyncio.base_events.Server | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        text = head.decode("latin-1")
        self.lines.append(text.split("\r\n", 1)[0])
        self.heads.append(text)
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        up_writer.write(head)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while chunk := await src.read(65536):
                    dst.write(chunk)
                    await dst.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()


@pytest.fixture
async def relay(emulator):
    port = int(emulator.url.rsplit(":", 1)[1].split("/")[0])
    r = Relay(port)
    r.url = await r.start()
    yield r
    await r.stop()


@pytest.fixture
def clean_env(monkeypatch):
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


async def _kinds(kubeconfig) -> list[str]:
    transport, _info = await connect(str(kubeconfig))
    try:
        body = await transport.get("/api/v1")
        return [r["kind"] for r in body["resources"]]
    finally:
        await transport.close()


async def test_the_environment_proxy_carries_the_requests(emulator, kubeconfig_path, relay, clean_env):
    clean_env.setenv("HTTP_PROXY", relay.url)
    assert "Pod" in await _kinds(kubeconfig_path)
    assert relay.lines and relay.lines[0].startswith(f"GET {emulator.url}/api/v1 "), relay.lines


async def test_the_environment_proxy_credentials_are_sent(emulator, kubeconfig_path, relay, clean_env):
    clean_env.setenv("HTTP_PROXY", relay.url.replace("http://", "http://user:s%40cret@"))
    assert "Pod" in await _kinds(kubeconfig_path)
    assert relay.heads, "the proxy was not used"
    # base64("user:s@cret")
    assert "proxy-authorization: basic dxnlcjpzqgnyzxq=" in relay.heads[0].lower(), relay.heads[0]


async def test_no_proxy_reaches_the_server_directly(emulator, kubeconfig_path, relay, clean_env):
    clean_env.setenv("HTTP_PROXY", relay.url)
    clean_env.setenv("NO_PROXY", "127.0.0.1")
    assert "Pod" in await _kinds(kubeconfig_path)
    assert relay.lines == []


async def test_the_kubeconfig_proxy_url_wins(emulator, kubeconfig_path, relay, clean_env):
    config = yaml.safe_load(kubeconfig_path.read_text())
    config["clusters"][0]["cluster"]["proxy-url"] = relay.url
    kubeconfig_path.write_text(yaml.safe_dump(config))
    clean_env.setenv("NO_PROXY", "127.0.0.1")  # the environment says direct; the kubeconfig says proxy
    assert "Pod" in await _kinds(kubeconfig_path)
    assert relay.lines and relay.lines[0].startswith(f"GET {emulator.url}/api/v1 "), relay.lines


async def test_the_environment_is_not_read_per_request(emulator, kubeconfig_path, relay, clean_env):
    transport, _info = await connect(str(kubeconfig_path))
    try:
        await transport.get("/api/v1/namespaces")
        clean_env.setenv("HTTP_PROXY", relay.url)  # set after connecting: read once, as kubectl does
        await transport.get("/api/v1/namespaces")
        assert relay.lines == []
    finally:
        await transport.close()
