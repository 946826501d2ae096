"""Run the demo sandbox: the API emulator, seeded, with its controller, in a background thread.

The emulator, the seed load and the simulated controller all live on one dedicated
thread with its own asyncio event loop, so the demo never competes with the UI's loop.
The app talks to it over HTTP through a generated kubeconfig, exactly as to a real
cluster::

    sandbox = Sandbox()
    url = sandbox.start()
    sandbox.write_kubeconfig(path)      # context "sandbox", namespace "llm-prod"
    ...
    sandbox.call(sandbox.emulator.delete, "v1", "Pod", "llm-prod", name)  # from any thread
    sandbox.stop()
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from . import crds as sandbox_crds
from . import scenario
from .controller import SimulatedController

log = logging.getLogger(__name__)

KUBECONFIG_CONTEXT = "sandbox"
KUBECONFIG_NAMESPACE = "llm-prod"


def load_objects(emu: Any, objs: Iterable[dict[str, Any]], progress: Callable[[int], None] | None = None) -> int:
    """Put seed objects into the emulator, keeping their uids and creationTimestamps.

    A real API server (and ``emu.create``) assigns uid and creationTimestamp itself, which
    would make every demo object zero seconds old.  The seed is a snapshot of a cluster
    that has been running for weeks, so it is restored (``KubeEmulator.restore``, like an
    etcd restore): same uids, so ownerReferences and Events line up, and natural ages.
    Restored objects are validated like any write (a seed that drifts from the CRD schemas
    fails here).  The dicts given are handed over to the emulator (not copied).  An emulator without ``restore`` gets the objects created through its
    public API instead, with their uid references remapped.
    """
    restore = getattr(emu, "restore", None)
    if restore is None:
        return _create_remapped(emu, objs)
    n = 0
    for obj in objs:
        restore(obj, take=True)  # the seed objects are the emulator's from now on
        n += 1
        if progress is not None and not n % 2000:
            progress(n)
    return n


def _create_remapped(emu: Any, objs: Iterable[dict[str, Any]]) -> int:
    uids: dict[str, str] = {}
    n = 0
    for obj in objs:
        md = obj["metadata"]
        for ref in md.get("ownerReferences") or []:
            ref["uid"] = uids.get(ref["uid"], ref["uid"])
        io = obj.get("involvedObject")
        if isinstance(io, dict) and io.get("uid"):
            io["uid"] = uids.get(io["uid"], io["uid"])
        created = emu.create(obj)
        if md.get("uid"):
            uids[md["uid"]] = created["metadata"]["uid"]
        n += 1
    return n


class Sandbox:
    """The demo cluster in a background thread. Not reusable after ``stop()``."""

    def __init__(
        self,
        scale: int = 0,
        controller: bool = True,
        port: int = 0,
        tick: float = 2.0,
        *,
        host: str = "127.0.0.1",
        rng_seed: int = 7,
        bookmark_interval: float = 1.0,
        token: str | None = None,
        services: bool = True,
    ) -> None:
        self.scale = int(scale)
        self.run_services = bool(services)  # the demo's metrics, logs and registries servers
        self.run_controller = bool(controller)
        self.port = int(port)
        self.tick = float(tick)
        self.host = host
        self.rng_seed = rng_seed
        self.bookmark_interval = bookmark_interval
        self.token = token
        self.url: str | None = None
        self.emulator: Any = None
        self.controller: SimulatedController | None = None
        # the seed as loaded: its objects are the very dicts the emulator stores (read them only)
        self.seed_result: scenario.SeedResult | None = None
        self.seed_seconds: float = 0.0
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()  # everything is up, the demo's services too
        self._kube_ready = threading.Event()  # the API server listens and the cluster is seeded
        self._error: BaseException | None = None
        self._stop_async: asyncio.Event | None = None
        self._controller_task: asyncio.Task[None] | None = None
        # Endpoint settings of the demo's other servers (see sandbox/services.py), by table name.
        self.endpoints: dict[str, Any] = {}
        # Where start-up is, for whoever waits: (what, done, total); read from any thread.
        self.progress: tuple[str, int, int] = ("starting", 0, 0)
        # When each start-up step ended (time.monotonic(): one clock for every process here).
        self.timeline: dict[str, float] = {}

    # ------------------------------------------------------------------------------
    # lifecycle
    # ------------------------------------------------------------------------------

    def start(
        self,
        timeout: float | None = None,
        progress: Callable[[str, int, int], None] | None = None,
        services: bool = True,
    ) -> str:
        """Start the thread; block until the server listens and the cluster is seeded, and
        (unless ``services`` is false: then see :meth:`wait_services`) the demo's other
        servers are up.

        No fixed time limit by default (seeding 100,000 pods takes a while): ``progress``
        is called (from this thread, about every 0.2 s) with ``(what, done, total)`` while
        it waits; ``timeout`` (seconds) still bounds the wait when given."""
        if self._thread is not None:
            raise RuntimeError("Sandbox already started")
        self._thread = threading.Thread(target=self._thread_main, name="ic-sandbox", daemon=True)
        self._thread.start()
        ready = self._ready if services else self._kube_ready
        deadline = None if timeout is None else time.monotonic() + timeout
        last = None
        while not ready.wait(0.2):
            if not self._thread.is_alive():
                break
            if deadline is not None and time.monotonic() > deadline:
                self.stop(timeout=2.0)
                raise TimeoutError(f"sandbox did not start within {timeout}s (at {self.progress})")
            if progress is not None and self.progress != last:
                last = self.progress
                progress(*last)
        if self._error is not None or not ready.is_set():
            self._thread.join(timeout=2.0)
            raise RuntimeError(f"sandbox failed to start: {self._error}") from self._error
        assert self.url is not None
        return self.url

    @property
    def error(self) -> BaseException | None:
        """What ended the sandbox's start-up, if anything did."""
        return self._error

    def wait_services(self, timeout: float | None = None) -> bool:
        """Block until the demo's other servers are up and :attr:`endpoints` is filled (True),
        the sandbox ended, or ``timeout`` passed (False)."""
        return self._ready.wait(timeout) and self._error is None

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the controller and the server and end the thread (idempotent)."""
        loop, thread = self.loop, self._thread
        if loop is not None and not loop.is_closed() and self._stop_async is not None:
            try:
                loop.call_soon_threadsafe(self._stop_async.set)
            except RuntimeError:  # loop already closed
                pass
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and self._ready.is_set() and self._error is None

    @property
    def thread(self) -> threading.Thread | None:
        return self._thread

    def __enter__(self) -> "Sandbox":
        if self._thread is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _thread_main(self) -> None:
        loop = asyncio.new_event_loop()
        self.loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._main())
        except BaseException as exc:  # surfaced by start()
            if not self._ready.is_set():
                self._error = exc
            else:
                log.exception("sandbox loop failed")
        finally:
            self._ready.set()
            self._kube_ready.set()
            try:
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for t in pending:
                    t.cancel()
                if pending:
                    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                asyncio.set_event_loop(None)
                loop.close()

    async def _main(self) -> None:
        from .apiserver import KubeEmulator

        self._stop_async = asyncio.Event()
        emu = KubeEmulator(bookmark_interval=self.bookmark_interval)
        self.emulator = emu
        if self.token:
            emu.require_token(self.token)
        self.url = await emu.start(host=self.host, port=self.port)
        self.timeline["listening"] = time.monotonic()
        try:
            t0 = time.perf_counter()
            for crd in sandbox_crds.all_crds():
                emu.install_crd(crd)
            self.progress = ("building the demo cluster", 0, self.scale)
            result = scenario.build(self.scale, self.rng_seed)
            total = len(result.objects)
            self.progress = ("seeding", 0, total)

            def seeded(n: int) -> None:
                self.progress = ("seeding", n, total)

            load_objects(emu, result.objects, seeded)
            # The seed lives as long as the emulator: keep it out of the cyclic GC's full
            # collections (at 50,000 pods a full collection stalled the API server for seconds).
            if total > 5000:
                import gc

                gc.freeze()
            self.seed_result = result
            self.seed_seconds = time.perf_counter() - t0
            self.timeline["seeded"] = time.monotonic()
            self._kube_ready.set()  # kubectl and the console can list it now
            self.controller = SimulatedController(emu, rng_seed=self.rng_seed, tick=self.tick, roles=result.roles)
            if self.run_controller:
                self._controller_task = asyncio.get_running_loop().create_task(
                    self.controller.run(), name="sandbox-controller"
                )
            from .services import start_services

            self.progress = ("starting the demo's services", total, total)
            self.endpoints, stops = await start_services(self) if self.run_services else ({}, [])
            self.timeline["services"] = time.monotonic()
            self._ready.set()
            await self._stop_async.wait()
        finally:
            for stop in locals().get("stops", []):
                try:
                    await stop()
                except Exception:  # noqa: BLE001
                    log.exception("demo service failed to stop")
            task = self._controller_task
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            await emu.stop()

    # ------------------------------------------------------------------------------
    # use
    # ------------------------------------------------------------------------------

    def call(self, fn: Callable[..., Any], *args: Any, timeout: float | None = 30.0, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` on the sandbox loop and return its result.

        Safe from any thread (the emulator's sync methods must run on its loop).  If ``fn``
        returns an awaitable it is awaited there.  Exceptions propagate to the caller.
        """
        loop = self.loop
        if loop is None or loop.is_closed() or not self._ready.is_set() or self._error:
            raise RuntimeError("sandbox is not running")
        if threading.current_thread() is self._thread:
            return fn(*args, **kwargs)

        async def invoke() -> Any:
            res = fn(*args, **kwargs)
            if inspect.isawaitable(res):
                res = await res
            return res

        fut: concurrent.futures.Future[Any] = asyncio.run_coroutine_threadsafe(invoke(), loop)
        try:
            return fut.result(timeout)
        except concurrent.futures.TimeoutError:
            fut.cancel()
            raise

    def write_kubeconfig(self, path: str | os.PathLike[str]) -> Path:
        """A kubeconfig for this sandbox (context "sandbox", namespace "llm-prod")."""
        if self.url is None:
            raise RuntimeError("sandbox is not started")
        from .apiserver import write_kubeconfig

        return write_kubeconfig(
            path, self.url, context=KUBECONFIG_CONTEXT, namespace=KUBECONFIG_NAMESPACE, token=self.token
        )
