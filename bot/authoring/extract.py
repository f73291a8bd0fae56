"""Babel extractor for flow YAML: yields every message id a flow shows.

Registered as the ``orienta_flows`` extraction method (see ``pyproject.toml``
and ``babel.cfg``), so ``pybabel extract`` and ``orienta i18n update`` find the
message ids of ``flows/*.yaml`` with their line numbers.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

import yaml

__all__ = ["MSGID_KEYS", "extract_flow_messages", "flow_msgids"]

#: Keys of flow steps and options whose values are message ids.
MSGID_KEYS = frozenset({"text", "label", "error"})
_MSGID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


def flow_msgids(node: yaml.Node) -> Iterator[tuple[int, str]]:
    """(line, msgid) for each message id under a composed YAML node."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if (
                isinstance(key, yaml.ScalarNode)
                and key.value in MSGID_KEYS
                and isinstance(value, yaml.ScalarNode)
                and _MSGID.match(value.value)
            ):
                yield value.start_mark.line + 1, value.value
            else:
                yield from flow_msgids(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from flow_msgids(item)


def extract_flow_messages(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel extraction method: ``(lineno, funcname, message, comments)`` tuples."""
    node = yaml.compose(fileobj.read().decode(options.get("encoding", "utf-8")))
    if node is None:
        return
    for line, msgid in flow_msgids(node):
        yield line, None, msgid, []
