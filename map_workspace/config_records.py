"""Records the config module returns but a command's start-up does not need: where mail goes
(``SmtpAddress``) and what ``mapws init`` did (``ConfigUpdate``). ``config`` re-exports both, so
``from map_workspace.config import SmtpAddress`` keeps working (issue 8: every command loads a
config; each dataclass costs its import a millisecond).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SmtpAddress:
    """Where mail goes: ``smtps://user@host:465`` (TLS from the first byte) or ``smtp://host:587``
    (STARTTLS when the server offers it, required when a user is named)."""

    host: str
    port: int
    tls: bool
    user: str = ""


@dataclass(frozen=True)
class ConfigUpdate:
    """What ``mapws init`` did to the config file: the keys it set, and those it left as they were."""

    path: Path
    created: bool
    #: Keys written with a new value (new keys, and with ``force`` changed ones).
    changed: tuple[str, ...]
    #: Keys already in the file that this run left alone.
    kept: tuple[str, ...]
