"""The Textual application: owns the workspace and its sources, fans changes out to screens.

The first frame paints with nothing but Textual loaded; the Kubernetes client, the
catalog discovery and (for ``demo``) the sandbox start afterwards, in a worker.  Screens
read ``app.workspace`` (stores, views, status); the sources fill it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import gc
import os
import tempfile
import threading
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import App
from textual.binding import Binding

from inference_console import __version__
from inference_console.settings.config_file import ConfigFile, ContextSettings, load_config
from inference_console.settings.launch import LaunchOptions
from inference_console.state.store import KindState
from inference_console.state.workspace import Workspace
from inference_console.styles import STYLES_DIR
from inference_console.ui.messages import SessionChanged, StoresChanged
from inference_console.ui.palette import ConsoleCommands

if TYPE_CHECKING:
    from textual.screen import Screen

    from inference_console.sources.kube.source import KubeSource

MAIN_MODE = "console"  # the mode whose base screen is the main screen
FIRST_LIST_WAIT = 3.0  # seconds the other sources wait for the cluster's first rows at most
SERVICES_WAIT = 60.0  # seconds the demo's other sources wait for its servers at most


def _import_kube_client() -> None:
    # The kubeconfig loader and ApiClient, not the client's 800 typed models (see light_import).
    from inference_console.sources.kube.light_import import import_light

    import_light()
    import kubernetes_asyncio.config  # noqa: F401


def _in_daemon_thread(fn: Any, name: str) -> "asyncio.Future[Any]":
    """``fn()`` in a daemon thread (not the loop's executor, whose threads quitting waits for:
    an import still running under a loaded machine held the exit for seconds)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def settle(result: Any, error: BaseException | None) -> None:
        if not future.done():
            future.set_exception(error) if error is not None else future.set_result(result)

    def run() -> None:
        result, error = None, None
        try:
            result = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to whoever awaits the future
            error = exc
        try:
            loop.call_soon_threadsafe(settle, result, error)
        except RuntimeError:  # the loop closed meanwhile (the app quit)
            pass

    threading.Thread(target=run, name=name, daemon=True).start()
    return future


FREEZE_AT = 1000  # records a store gains (or a page brings) before the GC is told to leave them be


def _import_after_first_rows() -> None:
    # The action layer and the other sources' modules (their HTTP clients among them: httpx
    # alone is ~0.1 s): the factories import their source modules when called, on the loop.
    import importlib

    from inference_console.actions import audit, layer, recovery  # noqa: F401
    from inference_console.sources import SOURCES, factories

    try:
        factories()
    except Exception:  # noqa: BLE001 - said again where the sources start
        pass
    for entry in SOURCES:
        try:
            importlib.import_module(entry.partition(":")[0] + ".source")
        except Exception:  # noqa: BLE001 - a package without one, or one that fails: as before
            pass


class ConsoleApp(App[int]):
    TITLE = "Inference Console"
    CSS_PATH = [STYLES_DIR / "app.tcss"]
    COMMANDS = App.COMMANDS | {ConsoleCommands}
    BINDINGS = [
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        options: LaunchOptions | None = None,
        config: ConfigFile | None = None,
        *,
        sandbox: Any = None,
        hub_interval: float = 1 / 30,
        informer_options: dict[str, Any] | None = None,
        retry_delay: float = 5.0,
        start_screen: bool | None = None,
    ) -> None:
        super().__init__()
        self.start_screen = start_screen  # first frame on the light start screen (None: unless headless)
        self._early_keys: list[events.Key] | None = None  # keys pressed while the start screen shows
        self._replaying = 0  # of them, how many are on their way to the main screen
        self.options = options or LaunchOptions()
        self.config = config if config is not None else load_config()
        self.sandbox = sandbox
        self._owns_sandbox = False
        self.workspace = Workspace(hub_interval)
        self.workspace.listen(self._deliver)
        self._frozen_at: dict[str, int] = {}  # store key -> its size when the GC last froze (_deliver)
        self._frozen_once = False  # what start-up built is frozen at the first delivery (_deliver)
        self.kube: KubeSource | None = None
        self.cluster_info: Any = None  # sources.kube.connect.ClusterInfo of the last kubeconfig read
        self._actions: Any = None  # console.actions.layer.ActionLayer once connected
        self._recovery: Any = None  # console.actions.recovery.RecoveryStore once connected
        self.informer_options = informer_options
        self.retry_delay = retry_delay
        self.connection_state = "connecting"
        self.connection_message = ""
        self.known_namespaces: list[str] = []
        self.context_settings = ContextSettings()
        self._tmpdir: str | None = None
        self._client_import: asyncio.Future[None] | None = None

    # ------------------------------------------------------------------ start-up
    def get_default_screen(self):
        if self.start_screen if self.start_screen is not None else not self.is_headless:
            # The first frame in a terminal: the header and "Connecting…"; the main screen
            # follows it at once.  (Headless, nobody sees a first frame.)
            from inference_console.ui.screens.start import StartScreen

            self._early_keys = []
            return StartScreen()
        from inference_console.ui.screens.main import MainScreen

        return MainScreen()

    @property
    def actions(self) -> Any:
        """The action layer of the connected cluster (None while not connected).

        Wired once the first rows painted; a mutation asked for before then wires it now."""
        if self._actions is None and self.kube is not None:
            self._wire_actions(self.kube)
        return self._actions

    @actions.setter
    def actions(self, layer: Any) -> None:
        self._actions = layer

    @property
    def recovery(self) -> Any:
        """Where edits that could not be applied are kept (None while not connected)."""
        if self._recovery is None and self.kube is not None:
            self._wire_actions(self.kube)
        return self._recovery

    @property
    def readonly(self) -> bool:
        return self.options.readonly or self.context_settings.readonly

    def on_mount(self) -> None:
        self.title = f"Inference Console {__version__}"
        # Let the first frame paint; then import the heavy parts and connect (in the app's own
        # message loop: in order with the keys that arrive meanwhile).
        self.call_after_refresh(self.call_later, self._after_first_frame)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and event.key != "ctrl+c":
            if getattr(event, "_ic_replayed", False):
                self._replaying -= 1
                if not self._replaying:
                    self.call_later(self._replay_early_keys)  # those that came meanwhile, if any
            elif self._early_keys is not None:
                self._early_keys.append(event)  # for the main screen, once it is there
                return
        await super().on_event(event)

    def _replay_early_keys(self) -> None:
        """Hand the keys pressed before the main screen was there to it, in order: each one as
        a message of its own, as they came; keys arriving meanwhile wait their turn."""
        keys = self._early_keys or []
        self._early_keys = [] if keys else None
        self._replaying = len(keys)
        for key in keys:
            again = events.Key(key.key, key.character)
            again._ic_replayed = True  # type: ignore[attr-defined]
            self.post_message(again)

    async def _after_first_frame(self) -> None:
        self._kube_client()  # its import starts now, in a thread, beside the main screen's
        from inference_console.ui.screens.main import MainScreen
        from inference_console.ui.screens.start import StartScreen

        if isinstance(self.screen, StartScreen) and MAIN_MODE not in self._modes:
            # The main screen is the base of a mode of its own (the start screen, the default
            # mode's base, cannot be switched away).  It is the current stack before the
            # connection can say "ready": that is told to the current stack's screens.
            self.add_mode(MAIN_MODE, lambda: self._styled_already(MainScreen()))
            mounted = self.switch_mode(MAIN_MODE)
            self.connect(self.options.context)
            await mounted  # keys arriving meanwhile are kept too, after the earlier ones
        else:
            self.connect(self.options.context)
        self._replay_early_keys()

    def _styled_already(self, screen: "Screen[Any]") -> "Screen[Any]":
        """``screen``, marked as styled by the app's current stylesheet: switching to a new mode
        re-parses every stylesheet of the app twice otherwise (Textual 8 refreshes the CSS for
        a screen that has not seen the current theme), 30-40 ms of the first rows' path.  Its
        own widgets' CSS is parsed as they register, as for any pushed screen."""
        if hasattr(screen, "_css_update_count") and hasattr(self, "_css_update_count"):
            screen._css_update_count = self._css_update_count  # noqa: SLF001 - see above
        return screen

    def _kube_client(self) -> "asyncio.Future[None]":
        """The Kubernetes client's import, started in a thread on the first call."""
        done = self._client_import
        if done is None or done.cancelled() or (done.done() and done.exception() is not None):
            self._client_import = _in_daemon_thread(_import_kube_client, "ic-kube-import")
        return self._client_import

    def connect(self, context: str | None = None) -> None:
        self.run_worker(functools.partial(self._connect, context), group="connect", exclusive=True, exit_on_error=False)

    def _set_state(self, state: str, message: str = "") -> None:
        self.connection_state = state
        self.connection_message = message
        for screen in self.screen_stack:
            screen.post_message(SessionChanged(state, message))

    async def _kubeconfig(self) -> str | None:
        if not self.options.demo:
            return self.options.kubeconfig
        if self.sandbox is None:
            self._set_state("connecting", "starting the demo sandbox…")
            from inference_console.sandbox.runner import Sandbox

            self.sandbox = Sandbox(scale=self.options.scale, controller=self.options.demo_controller)
            self._owns_sandbox = True

        loop = asyncio.get_running_loop()

        def progress(what: str, done: int, total: int) -> None:  # from the waiting thread
            text = f"demo sandbox: {what} {done:,} of {total:,}…" if total else f"demo sandbox: {what}…"
            # Not call_from_thread: it would hold the waiting thread until this loop, busy with
            # the main screen's start, got to it (the ready line was seen ~0.25 s late).
            loop.call_soon_threadsafe(self._set_state, "connecting", text)

        await asyncio.to_thread(self.sandbox.start, None, progress)
        self._tmpdir = self._tmpdir or tempfile.mkdtemp(prefix="inference-console-")
        return str(self.sandbox.write_kubeconfig(os.path.join(self._tmpdir, "kubeconfig")))

    async def _connect(self, context: str | None) -> None:
        from inference_console.sources import start_extra_sources
        from inference_console.sources.base import Scope
        from inference_console.sources.kube.backoff import Backoff
        from inference_console.sources.kube.connect import connect
        from inference_console.sources.kube.errors import ConnectError, KubeError
        from inference_console.sources.kube.source import KubeSource

        self._actions = None  # no mutation may reach a connection that is being replaced
        self.workers.cancel_group(self, "sources")  # the other sources of the old context
        if self.kube is not None:
            self.kube = None
            for name in list(self.workspace.sources):
                await self.workspace.remove_source(name)
        self._set_state("connecting", "connecting…")
        # Import the Kubernetes client in a thread while the demo sandbox starts.
        client_import = self._kube_client()
        try:
            kubeconfig = await self._kubeconfig()
            await asyncio.shield(client_import)  # (shared: a cancelled connection leaves it running)
        except Exception as exc:  # noqa: BLE001
            self._set_state("failed", f"demo sandbox failed to start: {exc}")
            return
        backoff = Backoff(base=self.retry_delay, cap=60.0)
        while True:
            try:
                transport, info = await connect(kubeconfig, context, self._namespace_flag(context))
            except ConnectError as exc:
                self._set_state("failed", str(exc))
                return
            self.cluster_info = info  # the header names the context even while the server is unreachable
            self.context_settings = self.config.for_context(info.context)
            if not self.options.namespace and self.context_settings.namespace:
                info.namespace = self.context_settings.namespace
            source = KubeSource(
                transport, info, all_namespaces=self.options.all_namespaces, informer_options=self.informer_options
            )
            try:
                await source.discover()
            except KubeError as exc:
                await transport.close()
                delay = backoff.next_delay()
                self._set_state("failed", f"{info.server}: {exc.summary()} — retrying in {delay:.0f}s")
                await asyncio.sleep(delay)
                continue
            except BaseException:  # cancelled (another :ctx, the app quitting): do not leak the connection
                await source.close()
                raise
            self.workspace.scope = Scope(info.context, source.namespace)
            landed = self._first_list()
            try:
                await self.workspace.start_source(source)
            except BaseException:
                landed.cancel()
                raise
            self.kube = source
            self._set_state("ready")  # the screens show the cluster's kinds now
            # The first rows come first: the action layer's import (~0.2 s) and the other
            # sources' start (metrics, logs, registries: ~0.3-0.7 s of imports, clients and
            # requests on this loop) wait until the shown kind's list has landed and painted.
            await self._painted(landed)
            await asyncio.to_thread(_import_after_first_rows)  # off the loop: the rows scroll meanwhile
            if self._actions is None:
                self._wire_actions(source)
            # Their views appear as each registers.
            self.run_worker(  # a partial: a worker cancelled before it ran leaves no coroutine unawaited
                functools.partial(self._start_sources, start_extra_sources, info),
                group="sources",
                exit_on_error=False,
            )
            self.known_namespaces = await source.list_namespaces()
            return

    async def _start_sources(self, start: Any, info: Any) -> None:
        """The sources beside the cluster (metrics, logs, registries), in the "sources" worker
        group (cancelled when the context changes)."""
        await self._demo_endpoints()
        await start(self.workspace, self.options, self.context_settings, info)

    async def _demo_endpoints(self) -> None:
        """The demo's own servers (metrics, logs, registries), where the config file names none
        for this context.  The sandbox serves the cluster first and starts them meanwhile: wait
        for them here, once the first rows are on screen."""
        sandbox = self.sandbox if self.options.demo else None
        if sandbox is None:
            return
        waiting = getattr(sandbox, "wait_services", None)
        # (a daemon thread: quitting meanwhile must not wait for it)
        if waiting is not None and not await _in_daemon_thread(lambda: waiting(SERVICES_WAIT), "ic-demo-services"):
            tail = [line for line in getattr(sandbox, "output", [])[-3:] if line.strip()]
            self.notify(
                "the demo's metrics, logs and registries did not start" + (f": {tail[-1]}" if tail else ""),
                title="demo sandbox",
                severity="warning",
                timeout=10,
            )
        endpoints = getattr(sandbox, "endpoints", None) or {}
        mine = {k: v for k, v in endpoints.items() if getattr(self.context_settings, k, None) is None}
        if mine:
            self.context_settings = dataclasses.replace(self.context_settings, **mine)

    def _first_list(self) -> "asyncio.Future[None]":
        """A future done when a store's first list has landed (or failed) and was delivered.

        Taken before the source starts, so that its first delivery is not missed."""
        landed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        stores = self.workspace.stores
        waiting = (KindState.IDLE, KindState.LOADING)

        def seen(changes: dict[str, Any]) -> None:
            if not landed.done() and any(k in stores and stores[k].status.state not in waiting for k in changes):
                landed.set_result(None)

        stop = self.workspace.listen(seen)  # after _deliver: the screens are posted the rows first
        landed.add_done_callback(lambda _: stop())
        return landed

    async def _painted(self, landed: "asyncio.Future[None]", timeout: float = FIRST_LIST_WAIT) -> None:
        """Until ``landed`` and the screen painted what it was posted then (or ``timeout``)."""
        try:
            await asyncio.wait_for(asyncio.shield(landed), timeout)
            painted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            if self.screen.call_after_refresh(lambda: painted.done() or painted.set_result(None)):
                await asyncio.wait_for(painted, timeout)
        except asyncio.TimeoutError:
            pass  # a slow list: the rest starts anyway
        finally:
            landed.cancel()  # (stops listening)

    def _wire_actions(self, cluster: "KubeSource") -> None:
        from inference_console.actions.audit import AuditLog
        from inference_console.actions.layer import ActionLayer
        from inference_console.actions.recovery import RecoveryStore
        from inference_console.settings.config_file import state_dir

        root = state_dir()
        info = cluster.info
        self._actions = ActionLayer(
            cluster.transport,
            readonly=self.readonly,
            audit=AuditLog(root / "audit.jsonl", context=info.context, user=info.user),
        )
        self._recovery = RecoveryStore(root, info.context)

    def context_names(self) -> list[str]:
        """The kubeconfig's contexts (for `:ctx` completion and checks)."""
        cluster = self.kube
        return list(cluster.info.contexts) if cluster is not None else []

    def _namespace_flag(self, context: str | None) -> str | None:
        return self.options.namespace

    # ------------------------------------------------------------------ data fan-out
    def _deliver(self, changes: dict[str, Any]) -> None:
        stores = self.workspace.stores
        # What start-up built (modules, widgets, catalog) lives as long as the app: out of the
        # GC's way at the first delivery, else the first full collection scans it all while
        # data arrives (measured: 85-160 ms, once, at the first page of a list).
        freeze, self._frozen_once = not self._frozen_once, True
        for k, c in changes.items():
            size = len(stores[k]) if k in stores else 0
            if size > FREEZE_AT and (
                c.reset or len(c.upserted) > FREEZE_AT or size - self._frozen_at.get(k, 0) >= FREEZE_AT
            ):
                self._frozen_at[k] = size
                freeze = True
        if freeze:
            # A big list landed, a big page of it, or a list arriving in small pages grew by as
            # much: move it out of the cyclic GC's way, so that full collections while the rest
            # arrives and during a watch storm do not stall key presses (measured: 80-150 ms
            # each, three or four while 10,000 registry versions arrive in pages of 500).
            gc.freeze()
        for screen in self.screen_stack:
            screen.post_message(StoresChanged(changes))

    # ------------------------------------------------------------------ commands
    def run_console_command(self, text: str) -> None:
        """Run a `:` command from anywhere (the command palette): back to the main screen first."""
        from inference_console.ui.screens.main import MainScreen

        def run() -> None:
            while len(self.screen_stack) > 1 and not isinstance(self.screen, MainScreen):
                self.pop_screen()
            if isinstance(self.screen, MainScreen):
                self.screen.run_command(text)

        self.call_later(run)

    async def switch_namespace(self, namespace: str | None) -> None:
        from inference_console.sources.base import Scope

        await self.workspace.set_scope(Scope(self.workspace.scope.context, namespace))

    async def on_unmount(self) -> None:
        sandbox = self.sandbox
        if sandbox is not None and not getattr(sandbox, "running", True):
            # Quitting while the demo sandbox still starts: stop it now, or the thread waiting
            # for it would keep the app from exiting until it had started.
            await asyncio.to_thread(sandbox.stop)
        await self.workspace.close()
        if sandbox is not None and self._owns_sandbox:
            await asyncio.to_thread(sandbox.stop)
