"""A folder the file system really refuses to write to, for the write-failure tests.

``chmod a-w`` is enough for an ordinary user, but root (as in CI containers) bypasses permissions:
then the folder is made immutable with ``chattr +i`` (root is refused too: EPERM), which needs
CAP_LINUX_IMMUTABLE and a file system with attributes (ext4, xfs, btrfs). Each way is probed by
trying to create a file; when neither holds, the test is skipped with the reason (never silently
passed). ``read_only_mount`` runs a command with a folder mounted read-only in a private mount
namespace (``unshare``: nothing else on the machine sees the mount), for the real EROFS.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest


def _writable(folder: Path) -> bool:
    probe = folder / ".mapws-probe"
    try:
        probe.write_bytes(b"")
    except OSError:
        return False
    probe.unlink()
    return True


@contextlib.contextmanager
def unwritable(folder: Path) -> Iterator[str]:
    """Make ``folder`` refuse new files and renames (its files stay readable); yields how."""
    folder.chmod(0o555)
    how = "chmod a-w"
    immutable = False
    try:
        if _writable(folder) and shutil.which("chattr"):
            immutable = subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0
            how = "chattr +i"
        if _writable(folder):
            pytest.skip(f"cannot make {folder} unwritable here (root without chattr +i support)")
        yield how
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)


def can_mount_read_only() -> bool:
    """True when ``unshare`` can give this user a private mount namespace (root, or user namespaces)."""
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "true"], capture_output=True)
    return probe.returncode == 0


def run_with_read_only(folder: Path, command: Sequence[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run ``command`` with ``folder`` bind-mounted read-only over itself, in a private namespace."""
    script = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && shift && exec "$@"'
    return subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh", str(folder), *command],
        capture_output=True, text=True, env={**os.environ, **env}, timeout=120,
    )
