"""The ports say what a backend can do: callers outside map_workspace/backends never probe a store
with hasattr/getattr or compare its backend name (STYLE.md, "Seams that keep the house easy to
change"). A new capability goes into ports.py as a Protocol and a trait instead."""

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "map_workspace"

PROBES = {
    "hasattr": re.compile(r"\bhasattr\("),
    "getattr on a store": re.compile(r"\bgetattr\(\s*\w*(store|listing)\w*\s*,"),
    "backend name compared": re.compile(
        r"\.name\s*[!=]=\s*[\"'](local|google)[\"']|[\"'](local|google)[\"']\s*[!=]=\s*\w+(\.\w+)*\.name\b"),
}


def _callers() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if "backends" not in p.relative_to(PACKAGE).parts]


def _offences(text: str) -> list[str]:
    found = []
    for n, line in enumerate(text.splitlines(), 1):
        code = line.split("#", 1)[0]
        for what, pattern in PROBES.items():
            if pattern.search(code) and not code.lstrip().startswith(("\"", "'", "``")):
                found.append(f"{n}: {what}: {line.strip()}")
    return found


def test_no_caller_probes_a_store_for_what_it_can_do():
    offences = {str(p.relative_to(PACKAGE)): o for p in _callers() if (o := _offences(p.read_text(encoding="utf-8")))}
    assert offences == {}, "declare the capability in ports.py (a Protocol + a StoreTraits flag) instead"


def test_the_probe_finds_what_it_looks_for():
    """The scan above would catch each kind of probe (so its silence means something)."""
    assert _offences('    if hasattr(store, "publish_template"):')
    assert _offences('    publish = getattr(store, "publish_template", None)')
    assert _offences('    if listing.name != "google":')
    assert _offences('    limiter = Unlimited() if store.name == "local" else RateLimiter(60)')
    assert _offences('    if "google" == self.store.name:')
    assert not _offences("    if store.traits.shares:")
    assert not _offences("            value = _cell(getattr(plan.overview, field.key, None))")
    assert not _offences('            if spec.name == PLAN:')
    assert len(_callers()) > 10
