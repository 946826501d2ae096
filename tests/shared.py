"""Where the reference fixtures live: ../shared beside the checkout (IC_SHARED_DIR overrides)."""

from __future__ import annotations

import os
from pathlib import Path


def shared_dir() -> Path:
    path = Path(os.environ.get("IC_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared")
    if not (path / "fixtures" / "crds").is_dir():
        raise RuntimeError(
            f"reference fixtures not found at {path}/fixtures: the tests need ../shared beside the "
            "checkout (or IC_SHARED_DIR pointing at it)"
        )
    return path
