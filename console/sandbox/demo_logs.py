"""The demo's logs: believable lines for the demo cluster's pods, through Loki and the pod log API.

Registered in ``sandbox/services.py``: :func:`start` starts the project's Loki-compatible
server (``loki_server.py``) on the sandbox's loop and a writer task that sends every line
to both that Loki (labelled as Promtail's kubernetes-pods job labels a pod: namespace,
pod, container, job, node_name and the pod's labels) and the emulator's pod log API:

* model servers: model download and load at start (back-dated), then request lines with
  latencies (vLLM/uvicorn text, BentoML JSON, Takeoff logfmt);
* the crash-looping pod (gemma-9b): the load, then a CUDA out-of-memory traceback; it
  "restarts" every 30 s, so ``previous`` holds the traceback;
* the image-pull pod: no logs at all (the pod log API says it is waiting; events explain);
* a noisy pod (xgboost-fraud's first replica): ``NOISY_LINES_PER_SECOND`` lines a second;
* now and then a hostile line (an OSC 52 clipboard write, bidi overrides, binary garbage).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import time
from typing import Any

from inference_console.sandbox.apiserver.podlog import pod_logs
from inference_console.sandbox.loki_server import LokiServer
from inference_console.sources.loki.logql import sanitize_label

log = logging.getLogger(__name__)
NS = 1_000_000_000
NOISY_LINES_PER_SECOND = 200
TICK = 0.5
RESTART_EVERY = 30.0


def stream_labels(pod: dict[str, Any], container: str) -> dict[str, str]:
    md = pod.get("metadata") or {}
    labels = {sanitize_label(k): str(v) for k, v in (md.get("labels") or {}).items() if k != "pod-template-hash"}
    app = (
        (md.get("labels") or {}).get("app.kubernetes.io/name")
        or (md.get("labels") or {}).get("app")
        or md.get("name", "")
    )
    labels.update(
        {
            "namespace": md.get("namespace", ""),
            "pod": md.get("name", ""),
            "container": container,
            "job": f"{md.get('namespace', '')}/{app}",
            "stream": "stdout",
        }
    )
    node = (pod.get("spec") or {}).get("nodeName")
    if node:
        labels["node_name"] = node
    return labels


def _running(pod: dict[str, Any], container: str) -> bool:
    for cs in (pod.get("status") or {}).get("containerStatuses") or []:
        if cs.get("name") == container:
            state = cs.get("state") or {}
            return "running" in state or (state.get("waiting") or {}).get("reason") == "CrashLoopBackOff"
    return False


class DemoLogs:
    def __init__(
        self, emu: Any, loki: LokiServer, crashloop: dict[str, Any] | None = None, rng: random.Random | None = None
    ) -> None:
        self.emu = emu
        self.loki = loki
        self.logs = pod_logs(emu)
        self.rng = rng or random.Random(11)
        self.crashloop = crashloop or {}
        self.started: set[tuple[str, str, str]] = set()
        self.last_restart = time.monotonic()
        self.noisy: tuple[str, str] | None = None
        self.labels: dict[tuple[str, str, str], dict[str, str]] = {}

    def emit(self, pod: dict[str, Any], container: str, lines: list[tuple[int, str]]) -> None:
        md = pod["metadata"]
        key = (md["namespace"], md["name"], container)
        labels = self.labels.get(key)
        if labels is None:
            labels = self.labels[key] = stream_labels(pod, container)
        for ts, line in lines:
            self.logs.write(md["namespace"], md["name"], container, line, ts)
        self.loki.push(labels, lines)

    # ------------------------------------------------------------------ kinds of pods
    @staticmethod
    def flavour(pod: dict[str, Any]) -> str:
        labels = (pod.get("metadata") or {}).get("labels") or {}
        if "yatai.ai/bento-deployment" in labels:
            return "bento"
        if labels.get("app.kubernetes.io/name") == "inference-stack":
            return "takeoff"
        if "serving.kserve.io/inferenceservice" in labels or str(labels.get("app", "")).startswith(
            ("isvc.", "mistral")
        ):
            return "vllm"
        return "generic"

    def startup(self, pod: dict[str, Any], container: str, now: int) -> list[tuple[int, str]]:
        md = pod["metadata"]
        name = md.get("labels", {}).get("serving.kserve.io/inferenceservice") or md["name"].rsplit("-", 2)[0]
        flavour = self.flavour(pod)
        t = now - 20 * 60 * NS
        out: list[tuple[int, str]] = []

        def add(line: str, gap: float = 0.4) -> None:
            nonlocal t
            t += int(gap * NS)
            out.append((t, line.replace("09-14 10:0X:XX", time.strftime("%m-%d %H:%M:%S", time.gmtime(t / NS)))))

        if flavour == "vllm":
            add("INFO 09-14 10:0X:XX api_server.py:528] vLLM API server version 0.6.3")
            add(
                f"INFO 09-14 10:0X:XX api_server.py:529] args: Namespace(model='/mnt/models', served_model_name=['{name}'], tensor_parallel_size=1, gpu_memory_utilization=0.9, max_model_len=8192)"
            )
            for shard in range(1, 5):
                add(
                    f"INFO 09-14 10:0X:XX weight_utils.py:243] Downloading model-0000{shard}-of-00004.safetensors "
                    f"({self.rng.randint(3800, 4900)} MB) from storage: {self.rng.randint(180, 420)} MB/s",
                    6,
                )
            add("INFO 09-14 10:0X:XX model_runner.py:1025] Loading model weights took 14.9888 GB", 12)
            add("INFO 09-14 10:0X:XX gpu_executor.py:122] # GPU blocks: 2261, # CPU blocks: 2048")
            add(
                "INFO 09-14 10:0X:XX model_runner.py:1329] Capturing the model for CUDA graphs. This may lead to unexpected consequences if the model is not static.",
                2,
            )
            add("INFO 09-14 10:0X:XX model_runner.py:1456] Graph capturing finished in 13 secs.", 13)
            add("INFO:     Started server process [1]")
            add("INFO:     Application startup complete.")
            add("INFO:     Uvicorn running on http://0.0.0.0:8080 (Press CTRL+C to quit)")
        elif flavour == "bento":
            for msg in (
                'Starting production HTTP BentoServer from "/home/bentoml/bento"',
                "Loading runner models",
                "Runner started",
                "Application startup complete.",
            ):
                add(
                    json.dumps(
                        {
                            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t / NS)),
                            "level": "INFO",
                            "logger": "bentoml.serve",
                            "message": msg,
                        }
                    )
                )
        elif flavour == "takeoff":
            add(
                f'ts={time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t / NS))} level=info component=takeoff msg="reader starting" pod={md["name"]}'
            )
            add('level=info msg="downloading model" files=4', 5)  # the model is in the reader's ConfigMap, not the pod
            add('level=info msg="model loaded" device=cuda:0 load_seconds=41.2', 40)
            add('level=info msg="consumer group registered" group=primary')
        else:
            add("starting")
            add("ready to serve")
        return out

    def traffic(self, pod: dict[str, Any], container: str, now: int) -> list[tuple[int, str]]:
        rng = self.rng
        flavour = self.flavour(pod)
        out: list[tuple[int, str]] = []
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            ts = now - rng.randint(0, int(TICK * NS) - 1)
            latency = rng.lognormvariate(5.2, 0.7)
            status = rng.choices((200, 200, 200, 200, 429, 500), k=1)[0]
            stamp = time.strftime("%m-%d %H:%M:%S", time.gmtime(ts / NS))
            client = f"10.0.{rng.randint(0, 9)}.{rng.randint(2, 250)}:{rng.randint(30000, 60000)}"
            if flavour == "vllm":
                if status == 500:
                    out.append(
                        (
                            ts,
                            f"ERROR {stamp} serving_chat.py:201] Error in chat completion: "
                            f"request {rng.getrandbits(32):08x} exceeded max_model_len (8192 tokens)",
                        )
                    )
                out.append(
                    (
                        ts,
                        f'INFO:     {client} - "POST /v1/chat/completions HTTP/1.1" {status} '
                        f"{'OK' if status == 200 else 'Too Many Requests' if status == 429 else 'Internal Server Error'} "
                        f"latency_ms={latency:.0f} prompt_tokens={rng.randint(20, 900)} "
                        f"completion_tokens={rng.randint(10, 500)}",
                    )
                )
                if rng.random() < 0.1:
                    out.append(
                        (
                            ts,
                            f"INFO {stamp} metrics.py:351] Avg prompt throughput: {rng.uniform(50, 900):.1f} tokens/s, "
                            f"Avg generation throughput: {rng.uniform(20, 300):.1f} tokens/s, Running: {rng.randint(0, 12)} reqs, "
                            f"GPU KV cache usage: {rng.uniform(5, 95):.1f}%",
                        )
                    )
            elif flavour == "bento":
                out.append(
                    (
                        ts,
                        json.dumps(
                            {
                                "level": "ERROR" if status == 500 else "WARNING" if status == 429 else "INFO",
                                "logger": "bentoml.access",
                                "method": "POST",
                                "path": "/classify",
                                "status": status,
                                "latency_ms": round(latency, 1),
                                "client": client,
                            }
                        ),
                    )
                )
            elif flavour == "takeoff":
                level = "error" if status == 500 else "warn" if status == 429 else "info"
                out.append(
                    (
                        ts,
                        f'level={level} msg="generate" status={status} latency_ms={latency:.0f} '
                        f"tokens={rng.randint(5, 400)} consumer_group=primary",
                    )
                )
            else:
                out.append((ts, f"GET /healthz {status} {latency:.0f}ms"))
        if rng.random() < 0.01:
            out.append(
                (
                    now,
                    rng.choice(
                        (
                            'level=warn msg="suspicious user agent" ua="\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J pwned"',
                            "upload name=\u202eexe.txt\u202c size=1024",
                            "binary payload: \ufffd\ufffdPNG\x00\x00\x1a\n".replace("\n", "") + "\x00\x7f\x1b[31m",
                        )
                    ),
                )
            )
        return out

    def crash(self, pod: dict[str, Any], container: str, now: int) -> list[tuple[int, str]]:
        md = pod["metadata"]
        t = now - 15 * NS
        lines = [line for _, line in self.startup(pod, container, now)[:7]]
        lines += [
            f"ERROR {time.strftime('%m-%d %H:%M:%S', time.gmtime(now / NS))} engine.py:158] Error while loading the model",
            "Traceback (most recent call last):",
            '  File "/usr/local/lib/python3.11/site-packages/vllm/worker/model_runner.py", line 1017, in load_model',
            "    self.model = get_model(model_config=self.model_config,",
            '  File "/usr/local/lib/python3.11/site-packages/torch/nn/modules/module.py", line 1159, in to',
            "    return self._apply(convert)",
            f"torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.96 GiB. GPU 0 has a total capacity "
            f"of 39.39 GiB of which 1.02 GiB is free. Process 48213 has 38.36 GiB memory in use. Of the allocated "
            f"memory 37.80 GiB is allocated by PyTorch. (pod {md['name']}, limit {self.crashloop.get('memory', '?')})",
        ]
        return [(t + i * 50_000_000, line) for i, line in enumerate(lines)]

    # ------------------------------------------------------------------ the loop
    def tick(self) -> None:
        now = time.time_ns()
        crash_pod = self.crashloop.get("pod")
        restart = time.monotonic() - self.last_restart > RESTART_EVERY
        if restart:
            self.last_restart = time.monotonic()
        for pod in self.emu.peek("v1", "Pod"):  # read-only: the stored pods, no copies
            md = pod.get("metadata") or {}
            for c in (pod.get("spec") or {}).get("containers") or []:
                container = c.get("name", "")
                key = (md.get("namespace", ""), md.get("name", ""), container)
                if md.get("name") == crash_pod:
                    if key not in self.started or restart:
                        if key in self.started:
                            self.logs.restart(*key)
                        self.started.add(key)
                        self.emit(pod, container, self.crash(pod, container, now))
                    continue
                if not _running(pod, container):
                    continue
                if key not in self.started:
                    self.started.add(key)
                    self.emit(pod, container, self.startup(pod, container, now))
                    if self.noisy is None and re.match(r"xgboost-fraud", md.get("name", "")):
                        self.noisy = (key[0], key[1])
                if self.noisy == (key[0], key[1]):
                    count = int(NOISY_LINES_PER_SECOND * TICK)
                    self.emit(
                        pod,
                        container,
                        [
                            (
                                now - (count - i) * 1000,
                                f'level=debug msg="feature vector" '
                                f"txn={self.rng.getrandbits(48):012x} score={self.rng.random():.4f}",
                            )
                            for i in range(count)
                        ],
                    )
                lines = self.traffic(pod, container, now)
                if lines:
                    lines.sort()
                    self.emit(pod, container, lines)

    async def run(self) -> None:
        while True:
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - the demo's logs must not stop
                log.exception("demo log writer failed")
            await asyncio.sleep(TICK)


async def start(sandbox: Any) -> Any:
    """DEMO_SERVICES entry: the demo's Loki and its log writer; returns the ``loki`` settings."""
    from inference_console.settings.endpoints import LokiSettings

    loki = LokiServer(max_entries_per_stream=20_000)
    url = await loki.start("127.0.0.1", 0)
    roles = getattr(getattr(sandbox, "seed_result", None), "roles", {}) or {}
    writer = DemoLogs(sandbox.emulator, loki, roles.get("crashloop"))
    task = asyncio.get_running_loop().create_task(writer.run(), name="demo-logs")

    async def stop() -> None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await loki.stop()

    return {"loki": LokiSettings(url=url)}, stop
