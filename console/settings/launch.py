"""What the command line asked for: the options the app is launched with.

Kept here with the other settings (not in ``cli.py``) so that the app can import it
without importing the command line, which imports the app.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LaunchOptions:
    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None
    all_namespaces: bool = False
    readonly: bool = False
    demo: bool = False
    scale: int = 0
    demo_controller: bool = True
    command: str | None = None  # start on this kind (":pods"), like k9s -c
