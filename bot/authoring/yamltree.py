"""YAML documents with their nodes: line numbers for paths, and the comments around
keys, so an edited flow can be written back with them.

A *path* names a place in a document: mapping keys and sequence indexes, e.g.
``("steps", "hello", "next")``. Sequence items that are mappings with a ``label`` (menu
options) are named ``"@" + label`` instead of their index, so their comments follow
them when options are reordered.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = ["Comments", "Parsed", "YamlSyntaxError", "comments_of", "line_of", "parse"]

Path = tuple[str | int, ...]


class YamlSyntaxError(Exception):
    """A document that is not YAML: the problem and its 1-based line (0: unknown)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Parsed:
    """A document (plain Python data) and its node tree."""

    doc: Any
    node: yaml.Node | None


def parse(text: str) -> Parsed:
    """Parse one YAML document with the safe loader, keeping its nodes."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        doc = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        unclosed = (exc.context or "").startswith(
            ("while parsing a flow", "while scanning a quoted")
        )
        if exc.context_mark is not None and (
            unclosed or mark is None or mark.line >= len(text.rstrip().splitlines())
        ):  # an unclosed bracket or quote, or the end of the text: where it began says more
            mark = exc.context_mark
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or str(exc)
        raise YamlSyntaxError(problem, mark.line + 1 if mark else 0) from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(str(exc), 0) from exc
    finally:
        loader.dispose()
    return Parsed(doc, node)


def _item_name(node: yaml.Node, index: int) -> str | int:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "label" and isinstance(value, yaml.ScalarNode):
                return "@" + str(value.value)
    return index


def _children(node: yaml.Node) -> Iterator[tuple[str | int, yaml.Node, yaml.Node]]:
    """(name, node that starts the entry, value node) of each entry."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield str(key.value), key, value
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield _item_name(item, index), item, item


def line_of(node: yaml.Node | None, path: Sequence[str | int]) -> int:
    """The 1-based line where ``path`` starts (or its nearest existing parent; 0 if
    there is no document). Integer parts also find a named (``@label``) item."""
    if node is None:
        return 0
    line = node.start_mark.line + 1
    current = node
    for part in path:
        for index, (name, start, value) in enumerate(_children(current)):
            if name == part or (isinstance(part, int) and index == part) or name == str(part):
                line = start.start_mark.line + 1
                current = value
                break
        else:
            return line
    return line


@dataclass
class Comments:
    """The comments of a document: above its first key, above a key or item (by path),
    after a value on its line (by path), and after the last entry."""

    header: list[str] = field(default_factory=list)
    before: dict[Path, list[str]] = field(default_factory=dict)
    inline: dict[Path, str] = field(default_factory=dict)
    footer: list[str] = field(default_factory=list)
    #: Collections written in flow style (``{...}``, ``[...]``).
    flow_style: set[Path] = field(default_factory=set)
    #: Top-level scalars as written (value, lines), to write them back the same way.
    verbatim: dict[Path, tuple[Any, list[str]]] = field(default_factory=dict)


def _entries(node: yaml.Node, path: Path) -> Iterator[tuple[Path, yaml.Node, yaml.Node]]:
    for name, start, value in _children(node):
        here = (*path, name)
        yield here, start, value
        if not (isinstance(value, yaml.CollectionNode) and value.flow_style):
            yield from _entries(value, here)


def comments_of(text: str, node: yaml.Node | None) -> Comments:
    """Which comment belongs to which path (comments inside flow collections and inside
    folded text are not kept)."""
    found = Comments()
    lines = text.splitlines()
    if node is None:
        found.header = [line.strip() for line in lines if line.strip().startswith("#")]
        return found
    taken: set[int] = set()
    first = True
    last = 0
    for path, start, value in _entries(node, ()):
        row = start.start_mark.line
        last = max(last, value.end_mark.line if value.end_mark.column else value.end_mark.line - 1)
        above: list[str] = []
        k = row - 1
        while k >= 0 and lines[k].strip().startswith("#") and k not in taken:
            above.insert(0, lines[k].strip())
            taken.add(k)
            k -= 1
        if first:
            found.header = above
            first = False
        elif above:
            found.before[path] = above
        if isinstance(value, yaml.CollectionNode) and value.flow_style:
            found.flow_style.add(path)
        if len(path) == 1 and isinstance(value, yaml.ScalarNode):
            end_line = value.end_mark.line - (0 if value.end_mark.column else 1)
            constructed = yaml.SafeLoader("").construct_object(value)
            found.verbatim[path] = (constructed, lines[row : end_line + 1])
        if isinstance(value, yaml.ScalarNode | yaml.CollectionNode) and (
            isinstance(value, yaml.ScalarNode) or value.flow_style
        ):
            end = value.end_mark
            if end.line < len(lines) and value.start_mark.line == end.line:
                rest = lines[end.line][end.column :]
                if rest.strip().startswith("#"):
                    found.inline[path] = rest.strip()
    found.footer = [
        line.strip()
        for k, line in enumerate(lines)
        if k > last and k not in taken and line.strip().startswith("#")
    ]
    return found
