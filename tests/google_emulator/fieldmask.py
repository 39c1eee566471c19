"""Field masks as Google reads them: `a.b,c(d,e/f)`, `*`, nested parentheses; applied to JSON."""

from __future__ import annotations

from typing import Any

Mask = dict[str, "Mask"]  # an empty dict means "the whole field"


def parse_mask(text: str | None) -> Mask | None:
    """Parse a field mask into a tree; None when there is no mask (everything is returned)."""
    if text is None:
        return None
    text = text.strip()
    if not text:
        return None
    tree: Mask = {}
    pos = _parse_list(text, 0, tree)
    if pos != len(text):
        raise ValueError(f"Invalid field selection {text}")
    return tree


def _parse_list(text: str, pos: int, into: Mask) -> int:
    while pos < len(text):
        pos = _parse_path(text, pos, into)
        if pos < len(text) and text[pos] == ",":
            pos += 1
            continue
        break
    return pos


def _parse_path(text: str, pos: int, into: Mask) -> int:
    start = pos
    while pos < len(text) and text[pos] not in ",()":
        pos += 1
    path = text[start:pos].strip()
    if not path:
        raise ValueError(f"Invalid field selection {text}")
    parts = [p for p in path.replace("/", ".").split(".")]
    if any(not p.strip() for p in parts):
        raise ValueError(f"Invalid field selection {text}")
    node = into
    for index, part in enumerate(parts):
        part = part.strip()
        child = node.get(part)
        last = index == len(parts) - 1
        if child is None:
            child = {}
            node[part] = child
        if last and not (pos < len(text) and text[pos] == "("):
            child["__all__"] = {}
        node = child
    if pos < len(text) and text[pos] == "(":
        pos = _parse_list(text, pos + 1, node)
        if pos >= len(text) or text[pos] != ")":
            raise ValueError(f"Invalid field selection {text}")
        pos += 1
    return pos


def _is_whole(node: Mask) -> bool:
    return "__all__" in node or "*" in node


def apply_mask(value: Any, mask: Mask | None) -> Any:
    """Keep only the masked fields of `value`; lists are masked element by element."""
    if mask is None or _is_whole(mask):
        return value
    if isinstance(value, list):
        return [apply_mask(item, mask) for item in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, sub in mask.items():
        if key == "__all__" or key not in value:
            continue
        out[key] = apply_mask(value[key], sub)
    return out


def mask_paths(mask: Mask, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The leaf paths of a mask, e.g. userEnteredFormat(numberFormat,textFormat.bold) gives two."""
    paths: list[tuple[str, ...]] = []
    for key, sub in mask.items():
        if key == "__all__":
            continue
        if key == "*":
            paths.append(prefix + ("*",))
            continue
        if _is_whole(sub) or not sub:
            paths.append(prefix + (key,))
        else:
            paths.extend(mask_paths(sub, prefix + (key,)))
    return paths


def mask_selects(mask: Mask | None, *path: str) -> bool:
    """Whether the mask asks for anything at or below `path` (used to skip building grid data)."""
    if mask is None:
        return True
    node = mask
    for part in path:
        if _is_whole(node):
            return True
        if part not in node:
            return False
        node = node[part]
    return True


def update_by_mask(target: dict, source: dict, paths: list[tuple[str, ...]]) -> None:
    """Copy each masked path from source to target; a path absent in source is cleared in target."""
    for path in paths:
        if path == ("*",):
            target.clear()
            target.update(_deep_copy(source))
            continue
        src: Any = source
        found = True
        for part in path[:-1]:
            if isinstance(src, dict) and part in src and src[part] is not None:
                src = src[part]
            else:
                found = False
                break
        leaf = path[-1]
        if leaf == "*":
            node = _descend(target, path[:-1], create=True)
            node.clear()
            if found and isinstance(src, dict):
                node.update(_deep_copy(src))
            continue
        if found and isinstance(src, dict) and src.get(leaf) is not None:
            node = _descend(target, path[:-1], create=True)
            node[leaf] = _deep_copy(src[leaf])
        else:
            node = _descend(target, path[:-1], create=False)
            if node is not None:
                node.pop(leaf, None)
                _prune_empty(target, path[:-1])


def _descend(node: dict, path: tuple[str, ...], create: bool) -> dict | None:
    for part in path:
        child = node.get(part)
        if not isinstance(child, dict):
            if not create:
                return None
            child = {}
            node[part] = child
        node = child
    return node


def _prune_empty(root: dict, path: tuple[str, ...]) -> None:
    """Drop parents left empty after a clear, deepest first."""
    for depth in range(len(path), 0, -1):
        parent = _descend(root, path[: depth - 1], create=False)
        if parent is None:
            return
        child = parent.get(path[depth - 1])
        if isinstance(child, dict) and not child:
            parent.pop(path[depth - 1])
        else:
            return


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value
