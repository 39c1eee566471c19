"""Who a plan may be shared with: an optional allow-list of buyer domains (``--allow-domain``,
``allow_domains`` in config.toml), checked before anything is created or shared.

Matching is exact on the address's domain, ignoring case: ``acme.com`` allows ``dana@acme.com``
but neither ``dana@eu.acme.com`` nor ``dana@acme.com.evil.io`` (list a subdomain to allow it).
An empty list allows every address.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from map_workspace.errors import UsageError

#: A DNS name as people write one: labels of letters, digits and hyphens (any script), dot-separated.
_DOMAIN = re.compile(r"(?!-)[\w-]{1,63}(?<!-)(\.(?!-)[\w-]{1,63}(?<!-))+")


def normalise_domains(values: Iterable[str], *, setting: str = "allow_domains") -> tuple[str, ...]:
    """Domains as compared: lower case, without a leading "@"; anything that is not a domain (an
    address, a wildcard, a URL) is refused, so a typo cannot silently allow nobody or everybody."""
    out: list[str] = []
    for raw in values:
        domain = str(raw).strip().lower().removeprefix("@")
        if not domain:
            continue
        if not _DOMAIN.fullmatch(domain) or "_" in domain:
            raise UsageError(f"'{raw}' in {setting} is not a domain.",
                             "Give domains as they appear after the @ of an address, e.g. acme.com "
                             "(no wildcards; list each subdomain you want to allow).")
        if domain not in out:
            out.append(domain)
    return tuple(out)


def outside_domains(emails: Iterable[str], allowed: Sequence[str]) -> list[str]:
    """The addresses whose domain is not in ``allowed`` (none when ``allowed`` is empty)."""
    if not allowed:
        return []
    wanted = {d.lower() for d in allowed}
    return [e for e in emails if e.strip().rpartition("@")[2].lower() not in wanted]


def check_allowed_recipients(emails: Iterable[str], allowed: Sequence[str]) -> None:
    """Refuse, before anything is created or sent, to share with an address outside ``allowed``."""
    outside = outside_domains(emails, allowed)
    if outside:
        raise UsageError(
            f"Not sharing with {', '.join(outside)}: outside the allowed domains ({', '.join(allowed)}).",
            "Check the address for a typo. To share outside these domains, change --allow-domain or "
            "allow_domains in config.toml; nothing was created or shared.",
        )
