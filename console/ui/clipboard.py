"""Copy to the terminal's clipboard with OSC 52 (Textual's ``copy_to_clipboard``): works over SSH,
no X11 or pbcopy needed.  Shared by the log screen (``c``: a line) and the registry views (``C``: a
presigned S3 URL, an artifact URI, an image reference).

:data:`COPY` is the object key (``ui/extensions.OBJECT_ACTIONS["copy"]``): what it copies depends
on the kind shown, and a value that needs a read (a presigned URL is made by the Yatai source
from S3) is fetched first, in a worker, so the UI never blocks.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from inference_console.ui.extensions import ObjectAction


def copy_text(screen: Any, text: str, what: str = "") -> None:
    """Put ``text`` on the clipboard (OSC 52) and say so without echoing it (a URL may be a credential)."""
    screen.app.copy_to_clipboard(text)
    screen.notify(f"copied {what + ': ' if what else ''}{len(text):,} characters (OSC 52)", timeout=3)


def _presigned(record: Mapping[str, Any]) -> tuple[str, str]:
    obj = record.get("object") or {}
    if obj.get("presignedUrl"):
        return obj["presignedUrl"], "presigned download URL"
    return "", str(obj.get("error") or "")


def _image(record: Mapping[str, Any]) -> tuple[str, str]:
    image, digest = str(record.get("image", "")), str(record.get("digest", ""))
    if record.get("missing") or not image:
        return "", "the tag no longer exists"
    return (f"{image}@{digest}" if digest and "@" not in image else image), "image reference (pinned to its digest)"


def _artifact(record: Mapping[str, Any]) -> tuple[str, str]:
    return str(record.get("artifactUri", "")), "artifact URI"


# view key -> (what the key copies, how it is read from a record, whether a fetch may supply it)
COPIES: dict[str, tuple[str, Callable[[Mapping[str, Any]], tuple[str, str]], bool]] = {
    "yatai.bentos": ("presigned URL", _presigned, True),
    "yatai.models": ("presigned URL", _presigned, True),
    "oci.tags": ("image reference", _image, False),
    "mr.versions": ("artifact URI", _artifact, True),
}


def copy_selected(screen: Any, view: Any, key: str, record: dict[str, Any]) -> None:
    what, read, fetch = COPIES[view.key]
    text, said = read(record)
    if text:
        copy_text(screen, text, said)
        return
    if not fetch:
        screen.notify(f"nothing to copy: {said or 'no ' + what}", severity="warning")
        return

    async def fetched() -> None:
        from inference_console.sources.base import SourceError

        try:
            fresh = await screen.workspace.fetch(view.key, record)
        except SourceError as exc:
            screen.notify(f"cannot read the {what}: {exc.summary()}", severity="error")
            return
        text, said = read(fresh)
        if text:
            copy_text(screen, text, said)
        else:
            screen.notify(f"no {what}: {said or 'the registry has none for it'}", severity="warning")

    screen.notify(f"reading the {what}…", timeout=2)
    screen.app.run_worker(fetched, group="copy", exclusive=True, exit_on_error=False)


COPY = ObjectAction("C", "Copy URL / image reference (OSC 52)", lambda view: view.key in COPIES, copy_selected)
