"""Where mail goes (``SmtpAddress``): a record the config module returns but a command's start-up
does not need. ``config`` re-exports it, so ``from map_workspace.config import SmtpAddress`` keeps
working (issue 8: every command loads a config; each dataclass costs its import a millisecond).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SmtpAddress:
    """Where mail goes: ``smtps://user@host:465`` (TLS from the first byte) or ``smtp://host:587``
    (STARTTLS when the server offers it, required when a user is named)."""

    host: str
    port: int
    tls: bool
    user: str = ""

