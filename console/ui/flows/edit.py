"""`e`: edit a whole object as YAML, safely, without ever losing the edit.

editor ($VISUAL/$EDITOR, else the built-in one) → parse (line/column) → identity,
top-level field and schema checks → diff → review (exact request + server dry run; the
screen only asks) → a JSON patch of what you changed, each change guarded by a ``test`` of
the value you changed (``actions.edit.edit_patch``), sent by this flow → watch the change
arrive.  A controller writing the object's status meanwhile is no conflict; a change of a
field you changed is: the server refuses the patch and a three-way view can re-apply your
changes on the server's version as it is when you press ``r``.  Whatever cannot be
applied — invalid, forbidden, conflict, lost connection, cancelled, app quit — is kept in
a recovery file and offered again the next time the same object is edited.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from rich.text import Text

from inference_console.actions.edit import (
    ParseError,
    dump_yaml,
    edit_patch,
    editable,
    editable_text,
    identity_problems,
    parse_edit,
    patch_test_failed,
    rebase,
    same,
    text_diff,
    top_level_fields,
    unified_diff,
    unknown_top_level,
)
from inference_console.actions.schema import crd_from_files, crd_version_schema, validator_for
from inference_console.actions.types import (
    ActionError,
    ActionResult,
    Cause,
    ErrorKind,
    Mutation,
    ObjectRef,
    PatchType,
    Verb,
)
from inference_console.safe_text import safe
from inference_console.sources.base import SourceError
from inference_console.state.watch import ChangeWatch
from inference_console.widgets.dialogs import Choice, ChoiceScreen

SEEN_TIMEOUT = 10.0


class EditorFailed(Exception):
    pass


def editor_command(environ: dict[str, str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    return (env.get("VISUAL") or env.get("EDITOR") or "").strip() or None


class EditFlow:
    def __init__(self, app: Any, kind_key: str, namespace: str | None, name: str) -> None:
        self.app = app
        self.workspace = app.workspace
        self.source = self.workspace.source_of(kind_key)  # reads: get(), crd()
        self.spec = self.workspace.views[kind_key]
        self.kind_key = kind_key
        self.ref = ObjectRef.from_spec(self.spec, namespace, name)
        self.original_text = ""
        self.text = ""
        self._editor_screen: Any = None
        self.kept_path: Path | None = None
        self.rebased_on: str | None = None  # the resourceVersion a re-apply was made on (read when `r` was pressed)

    # ------------------------------------------------------------------ helpers
    def _notify(self, message: str, severity: str = "information", timeout: float = 6) -> None:
        self.app.notify(safe(message, 2000), severity=severity, timeout=timeout)

    def keep(self, reason: str, text: str | None = None) -> Path | None:
        text = self.text if text is None else text
        if not text.strip() or (text == self.original_text and reason.startswith("cancelled")):
            return None
        self.kept_path = self.app.recovery.save(self.ref, text, reason)
        return self.kept_path

    async def _choose(self, title: str, body: str | Text, choices: list[Choice]) -> str | None:
        return await self.app.push_screen_wait(ChoiceScreen(title, body, choices))

    # ------------------------------------------------------------------ the flow
    async def run(self) -> None:
        try:
            await self._run()
        except asyncio.CancelledError:
            # The app is quitting (or the flow was replaced): keep what was typed.
            current = self.text
            if current and current != self.original_text:
                self.app.recovery.save(self.ref, current, "the app quit before the edit was applied")
            raise

    async def _run(self) -> None:
        if self.app.actions is None:
            self._notify("not connected", "error")
            return
        try:
            base = await self.source.get(self.kind_key, self.ref.namespace, self.ref.name)
        except SourceError as err:
            self._notify(f"cannot read {self.ref.describe()}: {err.summary()}", "error")
            return
        base.setdefault("kind", self.spec.kind)
        base.setdefault("apiVersion", self.spec.api_version)
        self.original_text = self.text = editable_text(base)

        kept = self.app.recovery.load(self.ref)
        if kept is not None:
            choice = await self._choose(
                "A kept edit exists",
                f"An edit of {self.ref.describe()} saved {kept.saved_at} could not be applied"
                f"{' (' + kept.reason + ')' if kept.reason else ''}.\nIt is kept at {kept.path}.",
                [Choice("u", "use the kept edit"), Choice("d", "discard it, edit the live object")],
            )
            if choice is None:
                return
            if choice == "u":
                self.text = kept.text
            else:
                self.app.recovery.discard(self.ref)

        error: ParseError | None = None
        while True:
            try:
                edited_text = await self._open_editor(self.text, error)
            except EditorFailed as exc:
                path = self.keep(f"editor failed: {exc}")
                self._notify(
                    f"{exc}. Your edit is kept" + (f" at {path}" if path else " (nothing was changed)"), "error", 15
                )
                return
            if edited_text is None:
                path = self.keep("cancelled in the editor")
                self._notify("edit cancelled" + (f"; your changes are kept at {path}" if path else ""), "warning", 10)
                return
            self.text = edited_text
            error = None
            try:
                edited = parse_edit(edited_text)
            except ParseError as exc:
                error = exc
                if await self._again_or_keep(f"YAML error at {exc}") is False:
                    return
                continue
            if edited is None:
                self._notify("edit cancelled: the file was empty", "warning")
                return
            problems = identity_problems(base, edited) + await self._schema_problems(base, edited)
            if problems:
                body = "\n".join(f"• {c.field}: {c.message}" for c in problems)
                if await self._again_or_keep(f"{len(problems)} problem(s) before sending:\n{body}") is False:
                    return
                continue
            if same(editable(base), editable(edited)):
                diff = ""
            else:
                diff = text_diff(self._base_text(base), edited_text) or unified_diff(
                    base, edited, before_text=self._base_text(base)
                )
            if not diff:
                self.app.recovery.discard(self.ref)
                self._notify(f"no changes to {self.ref.describe()}")
                return
            outcome = await self._review_and_send(base, edited, diff)
            if outcome == "done":
                return
            if outcome == "edit":
                continue
            if isinstance(outcome, tuple):  # ("rebase", new_base, merged)
                _, base, merged = outcome
                self.text = _with_header(base, merged)
                continue
            return

    def _base_text(self, base: dict[str, Any]) -> str:
        rv = (base.get("metadata") or {}).get("resourceVersion")
        if getattr(self, "_base_dump", (None, ""))[0] != rv:
            self._base_dump = (rv, dump_yaml(_strip(base)))
        return self._base_dump[1]

    async def _again_or_keep(self, message: str) -> bool:
        choice = await self._choose(
            "Cannot send this edit", message, [Choice("e", "edit again"), Choice("k", "keep it for later")]
        )
        if choice == "e":
            return True
        path = self.keep(message.splitlines()[0])
        self._notify(f"edit kept at {path}", "warning", 15)
        return False

    async def _schema_problems(self, base: dict[str, Any], edited: dict[str, Any]) -> list[Cause]:
        """Unknown top-level fields, then (custom kinds) the CRD schema's errors by field."""
        spec = self.spec
        if not self.source.is_custom(self.kind_key):
            # Built-in kinds: the rest is checked by the server's dry run.
            return unknown_top_level(base, edited, top_level_fields(spec.kind))
        crd = await self.source.crd(self.kind_key)
        if crd is None:
            crd = await asyncio.to_thread(crd_from_files, spec.plural, spec.group)
        root = (crd_version_schema(crd, spec.version) or {}) if crd is not None else {}
        problems = unknown_top_level(base, edited, top_level_fields(spec.kind, (root.get("properties") or {}).keys()))
        if crd is None:
            return problems
        validator = await asyncio.to_thread(validator_for, crd, spec.version)
        found = validator.errors(edited) if validator is not None else []
        return problems + [c for c in found if c.field not in {p.field for p in problems}]

    async def _review_and_send(self, base: dict[str, Any], edited: dict[str, Any], diff: str):
        from inference_console.ui.flows.send import review, send
        from inference_console.ui.screens.review import Decision

        # Only what you changed, each change guarded by a test of the value you changed it from:
        # no resourceVersion precondition, so a status write meanwhile is not a conflict.
        mutation = Mutation(
            Verb.PATCH,
            self.ref,
            body=edit_patch(base, edited),
            patch_type=PatchType.JSON,
            summary=f"edit {self.ref.describe()}",
        )
        while True:
            uid = (base.get("metadata") or {}).get("uid") or ""
            with self.workspace.watches.open(self.kind_key, lambda key, obj: key == uid) as watch:
                decision, dry = await review(
                    self.app,
                    mutation,
                    title=f"Apply your edit of {self.ref.describe()}?",
                    diff=diff,
                    interpret=changed_meanwhile,
                )
                if decision is Decision.APPLY:
                    result = changed_meanwhile(await send(self.app, mutation, self._notify))
                    if result.ok:
                        self.app.recovery.discard(self.ref)
                        await self._wait_seen(result.object, watch)
                        return "done"
                elif decision is Decision.STALE and dry is not None:
                    result = dry  # the dry run met a newer version: nothing was sent
                else:
                    path = self.keep("cancelled at review")
                    self._notify(f"not applied; your edit is kept at {path}", "warning", 10)
                    return "stop"
            err = result.error
            if err.kind is ErrorKind.CONFLICT:
                return await self._conflict(base, edited)
            if err.kind is ErrorKind.INVALID:
                if await self._again_or_keep(err.render()):
                    return "edit"
                return "stop"
            if err.retryable:
                choice = await self._choose(
                    "The change may not have been applied",
                    err.render(),
                    [Choice("r", "retry"), Choice("k", "keep it for later")],
                )
                if choice == "r":
                    continue
            path = self.keep(err.message)
            self._notify(f"{err.message}\nYour edit is kept at {path}", "error", 20)
            return "stop"

    async def _read_theirs(self, what: str) -> dict[str, Any] | None:
        try:
            theirs = await self.source.get(self.kind_key, self.ref.namespace, self.ref.name)
        except SourceError as err:
            path = self.keep(f"conflict, then cannot re-read the object: {err.summary()}")
            self._notify(
                f"{self.ref.describe()} changed and cannot be re-read {what} ({err.summary()}); edit kept at {path}",
                "error",
                20,
            )
            return None
        theirs.setdefault("kind", self.spec.kind)
        theirs.setdefault("apiVersion", self.spec.api_version)
        return theirs

    async def _conflict(self, base: dict[str, Any], edited: dict[str, Any]):
        from inference_console.ui.screens.conflict import ConflictScreen

        theirs = await self._read_theirs("")
        if theirs is None:
            return "stop"
        result = rebase(base, edited, theirs)
        choice = await self.app.push_screen_wait(
            ConflictScreen(
                self.ref.describe(),
                dump_yaml(_strip(base)),
                dump_yaml(_strip(edited)),
                dump_yaml(_strip(theirs)),
                result.conflicts,
                unified_diff(base, edited, "base", "yours"),
                unified_diff(base, theirs, "base", "server"),
            )
        )
        if choice == "rebase":
            # Re-apply on the object as the server has it now, not as it was when the view
            # opened: its status (and maybe more) has moved on meanwhile.
            fresh = await self._read_theirs("to re-apply your changes")
            if fresh is None:
                return "stop"
            self.rebased_on = (fresh.get("metadata") or {}).get("resourceVersion")
            return ("rebase", fresh, rebase(base, edited, fresh).merged)
        path = self.keep("conflict: the object changed on the server")
        self._notify(f"edit kept at {path}", "warning", 15)
        return "stop"

    async def _wait_seen(self, obj: dict[str, Any] | None, watch: ChangeWatch) -> None:
        """Say when the change has come back through the watch (the same wait as the quick actions)."""
        rv = ((obj or {}).get("metadata") or {}).get("resourceVersion")
        if not rv:
            self._notify(f"applied {self.ref.describe()}")
            return
        started = asyncio.get_running_loop().time()

        def arrived(current: dict[str, Any] | None) -> bool:
            return current is not None and (current.get("metadata") or {}).get("resourceVersion") == rv

        hit = await watch.until(
            arrived, SEEN_TIMEOUT, store=lambda: self.workspace.stores.get(self.kind_key), shown=lambda: False
        )
        if hit is None:
            self._notify(f"applied {self.ref.describe()}; not seen through the watch after {SEEN_TIMEOUT:.0f} s")
            return
        self._notify(f"applied {self.ref.describe()}; seen through the watch after {(hit - started) * 1000:.0f} ms")

    # ------------------------------------------------------------------ editors
    async def _open_editor(self, text: str, error: ParseError | None) -> str | None:
        command = editor_command()
        if command:
            return await self._external(command, text)
        from inference_console.ui.screens.editor import EditorScreen

        screen = EditorScreen(
            self.ref.describe(),
            text,
            str(error) if error else "",
            error.line if error else None,
            error.column if error else None,
        )
        self._editor_screen = screen
        try:
            result = await self.app.push_screen_wait(screen)
        except asyncio.CancelledError:
            self.text = screen.latest  # the app is quitting mid-edit: run() keeps this
            raise
        self._editor_screen = None
        if result is None:
            self.text = screen.latest  # cancelled: keep() saves what was typed, not the text it opened with
        return result

    async def _external(self, command: str, text: str) -> str | None:
        from textual.app import SuspendNotSupported

        folder = Path(tempfile.mkdtemp(prefix="inference-console-edit-"))
        path = folder / f"{self.ref.name}.{self.ref.kind.lower()}.yaml"
        path.write_text(text)
        argv = [*shlex.split(command), str(path)]
        try:
            try:
                try:
                    with self.app.suspend():
                        code = subprocess.call(argv)
                except SuspendNotSupported:  # headless (tests): no terminal to hand over
                    code = await asyncio.to_thread(
                        subprocess.call,
                        argv,
                        stdin=subprocess.DEVNULL,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
            except FileNotFoundError as exc:
                raise EditorFailed(f"editor {argv[0]!r} not found (from $VISUAL/$EDITOR)") from exc
            except OSError as exc:
                raise EditorFailed(f"cannot run editor {argv[0]!r}: {exc}") from exc
            new = path.read_text() if path.exists() else text
        finally:
            # The text (a Secret's values, for a Secret) must not stay behind in the temp dir;
            # what was typed lives on in self.text and, if it cannot be applied, the recovery file.
            shutil.rmtree(folder, ignore_errors=True)
        if code != 0:
            self.text = new if new.strip() else text  # an emptied file must not lose the edit
            raise EditorFailed(f"editor {argv[0]!r} exited with status {code}")
        if new == text:
            return None if text == self.original_text else new
        return new


def changed_meanwhile(result: ActionResult) -> ActionResult:
    """A guarded patch the server refused because a ``test`` failed is a conflict, not an invalid edit:
    a field you changed was changed on the server since you read it (nothing was written)."""
    err = result.error
    if err is None or err.kind is not ErrorKind.INVALID or result.mutation.patch_type is not PatchType.JSON:
        return result
    said = " ".join([err.message, *(c.message for c in err.causes)])
    path = patch_test_failed(said)
    if path is None:
        return result
    where = f" ({path.lstrip('/').replace('/', '.')})" if path else ""
    return ActionResult(
        result.mutation,
        error=ActionError(
            ErrorKind.CONFLICT,
            f"conflict: a field you changed{where} was changed on the server since you read it; "
            f"nothing was written. Server said: {err.message}",
            err.causes,
            code=err.code,
        ),
        warnings=result.warnings,
    )


def _strip(obj: dict[str, Any]) -> dict[str, Any]:
    return editable(obj)


def _with_header(base: dict[str, Any], merged: dict[str, Any]) -> str:
    header = editable_text(base).split("\n")
    comments = [line for line in header[:3] if line.startswith("#")]
    return "\n".join(comments) + "\n" + dump_yaml(merged)
