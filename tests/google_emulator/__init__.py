"""A loopback emulator of the Google Sheets v4, Drive v3 and Docs v1 APIs for tests.

See docs/emulator.md. Start it with `Emulator()` (a context manager) or
`python -m tests.google_emulator --port 0`.
"""

from .discovery import validate_request
from .emulator import Emulator

__all__ = ["Emulator", "validate_request"]
