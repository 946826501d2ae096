"""Exponential backoff with full jitter (as client-go's wait.Backoff with jitter)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    base: float = 0.5
    cap: float = 30.0
    factor: float = 2.0
    rng: random.Random = field(default_factory=random.Random)
    attempt: int = 0

    def next_delay(self, cap: float | None = None) -> float:
        """The next delay; ``cap`` (optional) lowers the ceiling for this one call."""
        limit = self.cap if cap is None else min(self.cap, cap)
        ceiling = min(limit, self.base * (self.factor ** min(self.attempt, 64)))
        self.attempt += 1
        # Full jitter, but never below a tenth of the ceiling so we do not spin.
        return ceiling * (0.1 + 0.9 * self.rng.random())

    def reset(self) -> None:
        self.attempt = 0
