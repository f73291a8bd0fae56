"""Write a flow document back as YAML, in the shape the shipped files have: top keys,
then the steps in their order, each step's keys in block style, menu options one per
line in flow style, branch cases as blocks. Keys keep their order; comments above a key
or after a value come back where they were (see :mod:`bot.authoring.yamltree`).

Writing a file that was read gives the same text for the files as shipped, so an edit
in the console changes only the lines it should.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Mapping
from typing import Any

import yaml

from bot.authoring.yamltree import Comments, Path, YamlSyntaxError, comments_of, parse

__all__ = ["dump_flow", "rewrite"]

_PLAIN_FLOW = re.compile(r"^[A-Za-z_][A-Za-z0-9_./-]*$")
_WIDTH = 80
#: Step keys written as a block sequence of block mappings (the rest is flow style).
_BLOCK_SEQUENCES = frozenset({"cases"})


def _loads_back(line: str, value: Any) -> bool:
    try:
        return bool(yaml.safe_load(line) == {"k": value})
    except yaml.YAMLError:
        return False


def _scalar(value: Any, *, flow: bool) -> str:
    """One scalar: plain where it reads back the same, else double-quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if flow:
        plain = bool(_PLAIN_FLOW.match(text)) and _loads_back(f"k: {text}", text)
    else:
        plain = (
            text == text.strip()
            and "\n" not in text
            and not text.startswith(("'", '"', "{", "[", "&", "*", "!", "|", ">", "%", "@", "`"))
            and _loads_back(f"k: {text}", text)
        )
    return text if plain else json.dumps(text, ensure_ascii=False)


def _flow(value: Any) -> str:
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_scalar(k, flow=True)}: {_flow(v)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value, flow=True)


class _Writer:
    def __init__(self, comments: Comments) -> None:
        self.comments = comments
        self.lines: list[str] = []

    def above(self, path: Path, indent: int) -> None:
        for comment in self.comments.before.get(path, ()):
            self.lines.append(" " * indent + comment)

    def emit(self, path: Path, indent: int, text: str) -> None:
        after = self.comments.inline.get(path)
        self.lines.append(" " * indent + text + (f"  {after}" if after else ""))

    def value(self, path: Path, key: str, value: Any, indent: int, depth: int) -> None:
        """``key: value`` at ``indent``; ``depth`` 0 is the document, 1 ``steps``, 2 a
        step."""
        self.above(path, indent)
        kept = self.comments.verbatim.get(path)
        if kept is not None and kept[0] == value and type(kept[0]) is type(value):
            self.lines.extend(kept[1])
        elif isinstance(value, Mapping) and depth < 2 and path not in self.comments.flow_style:
            self.emit(path, indent, f"{key}:")
            for name, item in value.items():
                self.value((*path, name), str(name), item, indent + 2, depth + 1)
        elif isinstance(value, list) and (key in _BLOCK_SEQUENCES or key == "options"):
            self.emit(path, indent, f"{key}:")
            for index, item in enumerate(value):
                here = (*path, _item_name(item, index))
                self.above(here, indent + 2)
                if key in _BLOCK_SEQUENCES and isinstance(item, Mapping):
                    first = True
                    for name, part in item.items():
                        lead = "- " if first else "  "
                        self.emit((*here, name), indent + 2, f"{lead}{name}: {_flow(part)}")
                        first = False
                else:
                    self.emit(here, indent + 2, f"- {_flow(item)}")
        elif isinstance(value, Mapping | list):
            self.emit(path, indent, f"{key}: {_flow(value)}")
        elif isinstance(value, str) and depth == 0 and len(value) + indent + len(key) > _WIDTH:
            folded = _folded(value, indent + 2)
            if folded is None:
                self.emit(path, indent, f"{key}: {_scalar(value, flow=False)}")
            else:
                self.emit(path, indent, f"{key}: >-")
                self.lines.extend(folded)
        else:
            self.emit(path, indent, f"{key}: {_scalar(value, flow=False)}")


def _item_name(item: Any, index: int) -> str | int:
    if isinstance(item, Mapping) and isinstance(item.get("label"), str):
        return "@" + str(item["label"])
    return index


def _folded(text: str, indent: int) -> list[str] | None:
    """``text`` as the lines of a folded (``>-``) scalar, when it reads back the same."""
    if text != text.strip() or "\n" in text or "  " in text or not text:
        return None
    lines = textwrap.wrap(text, _WIDTH - indent, break_long_words=False, break_on_hyphens=False)
    body = "\n".join(" " * indent + line for line in lines)
    if not _loads_back(f"k: >-\n{body}\n", text):
        return None
    return [" " * indent + line for line in lines]


def dump_flow(doc: Mapping[str, Any], comments: Comments | None = None) -> str:
    """The YAML text of a flow (or routes) document."""
    writer = _Writer(comments or Comments())
    writer.lines.extend(writer.comments.header)
    for key, value in doc.items():
        writer.value((key,), str(key), value, 0, 0)
    writer.lines.extend(writer.comments.footer)
    return "\n".join(writer.lines) + "\n"


def rewrite(text: str, doc: Mapping[str, Any]) -> str:
    """``doc`` (an edited copy of ``text``'s document) as YAML with ``text``'s comments."""
    try:
        parsed = parse(text)
    except YamlSyntaxError:  # an unreadable file keeps no comments
        return dump_flow(doc)
    return dump_flow(doc, comments_of(text, parsed.node))
