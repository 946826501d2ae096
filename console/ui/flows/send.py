"""Review, then send: what every flow that writes does between building a Mutation and watching it.

:func:`review` shows the review screen with a server-side dry run (run through
``app.actions``, shown by the screen) and returns the person's decision; :func:`send` sends
the real request through ``app.actions``.  The screen never sends anything itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from typing import Any, Callable

from inference_console.actions.types import ActionError, ActionResult, ErrorKind, Mutation
from inference_console.ui.screens.review import Decision, ReviewScreen


def _not_connected(mutation: Mutation) -> ActionResult:
    return ActionResult(mutation, error=ActionError(ErrorKind.CONNECTION, "not connected: nothing was sent"))


async def review(
    app: Any,
    mutation: Mutation,
    *,
    title: str = "",
    diff: str = "",
    interpret: Callable[[ActionResult], ActionResult] | None = None,
) -> tuple[Decision, ActionResult | None]:
    """The person's decision on ``mutation`` and the dry run's result (None if it did not finish).

    ``interpret`` may re-read the dry run's answer the way the flow understands it (the edit
    flow: a failed ``test`` of its guarded patch is a conflict, not an invalid edit)."""
    dry: list[ActionResult] = []

    async def dry_run() -> ActionResult:
        actions = app.actions
        result = (
            await actions.run(dataclasses.replace(mutation, dry_run=True))
            if actions is not None
            else _not_connected(dataclasses.replace(mutation, dry_run=True))
        )
        if interpret is not None:
            result = interpret(result)
        dry.append(result)
        _learn_refusal(app, result)
        return result

    decision = await app.push_screen_wait(ReviewScreen(mutation, title=title, diff=diff, dry_run=dry_run))
    return decision, (dry[-1] if dry else None)


async def send(app: Any, mutation: Mutation, say: Callable[[str], None]) -> ActionResult:
    """Send ``mutation`` for real; ``say`` tells the person it is on its way.

    The request is shielded: if the flow is cancelled meanwhile (another quick action
    replaced it, a reconnect), the request still completes, is audited, and its outcome is
    still said, instead of being cut off half-way with nobody knowing whether it landed.
    """
    actions = app.actions
    if actions is None:
        return _not_connected(mutation)
    say(f"sending: {mutation.summary or mutation.ref.describe()}…")
    task = asyncio.ensure_future(actions.run(dataclasses.replace(mutation, dry_run=False)))
    try:
        result = await asyncio.shield(task)
        _learn_refusal(app, result)
        return result
    except asyncio.CancelledError:
        task.add_done_callback(lambda done: _say_late(done, say))
        raise


def _learn_refusal(app: Any, result: ActionResult) -> None:
    """A 403 means the permissions the app knew are out of date: forget them, so the keys show the new ones."""
    if result.error is None or result.error.kind is not ErrorKind.FORBIDDEN:
        return
    ref = result.mutation.ref
    for source in getattr(app.workspace, "sources", {}).values():
        forget = getattr(source, "forget_access", None)
        if forget is not None:
            forget(ref.namespace)


def _say_late(task: asyncio.Future[ActionResult], say: Callable[[str], None]) -> None:
    if task.cancelled() or task.exception() is not None:
        return
    with contextlib.suppress(Exception):  # the app may be closing; the audit log has the outcome
        say(task.result().message())
