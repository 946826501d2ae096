"""Where the app's own log goes while the terminal belongs to the UI.

Python's last-resort handler prints warnings and tracebacks to stderr, which lands in the
middle of the screen (and, with stderr redirected, nowhere useful).  While the UI runs,
every record goes to ``$XDG_STATE_HOME/inference-console/console.log`` instead (rotated,
owner-only); the README says where to look.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from inference_console.settings.config_file import state_dir

MAX_BYTES = 2_000_000


def log_to_file(path: Path | None = None, level: int = logging.INFO) -> Path:
    path = path or state_dir() / "console.log"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)  # owner-only from creation
    os.close(fd)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=2, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in [
        h for h in root.handlers if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)
    ]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)
    return path
