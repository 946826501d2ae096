"""Giving memory back after a bulk decode (no Textual, no I/O)."""

from __future__ import annotations

from typing import Any

BULK = 2_000  # objects decoded in one answer: past this, a source trims the heap after storing them


_libc: Any = None


def trim_heap() -> bool:
    """Give the C heap's free pages back to the system (glibc ``malloc_trim``), once a big list
    has been decoded: the pages of JSON that were decoded, copied into compact records and
    dropped leave ~10 MB per 10,000 pods freed but held by the process.  A no-op elsewhere."""
    global _libc
    if _libc is None:
        try:
            import ctypes

            _libc = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _libc = False
    if not _libc:
        return False
    _libc(0)
    return True
