"""What the step-by-step flow editor shares: the names of the step kinds and of the
reasons an edit is refused, a flow file's draft as a document, the texts typed per
language, and the message ids already taken."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData

from bot.authoring.yamltree import YamlSyntaxError, parse
from bot.i18n import N_
from bot.publishing import LANGUAGES, Edition, Workbench, flow_files

__all__ = [
    "EDIT_ERRORS",
    "STEP_KIND_NAMES",
    "Draft",
    "draft_of_file",
    "taken_msgids",
    "typed_texts",
]

#: What each step kind does, for people who do not read YAML.
STEP_KIND_NAMES = {
    "message": N_("console.flows.kind.message"),
    "menu": N_("console.flows.kind.menu"),
    "ask": N_("console.flows.kind.ask"),
    "answer": N_("console.flows.kind.answer"),
    "book": N_("console.flows.kind.book"),
    "escalate": N_("console.flows.kind.escalate"),
    "branch": N_("console.flows.kind.branch"),
    "call": N_("console.flows.kind.call"),
    "action": N_("console.flows.kind.action"),
    "end": N_("console.flows.kind.end"),
}
#: Why an edit cannot be made (see :class:`bot.authoring.flowedit.EditError`).
EDIT_ERRORS = (
    N_("console.flows.edit.no_steps"),
    N_("console.flows.edit.not_a_menu"),
    N_("console.flows.edit.bad_target"),
    N_("console.flows.edit.no_option"),
    N_("console.flows.edit.last_option"),
    N_("console.flows.edit.bad_id"),
    N_("console.flows.edit.taken_id"),
    N_("console.flows.edit.bad_after"),
    N_("console.flows.edit.bad_kind"),
    N_("console.flows.edit.missing"),
    N_("console.flows.edit.need_english"),
)
_MAX_TEXT = 4000


@dataclass(frozen=True)
class Draft:
    edition: Edition
    text: str
    doc: dict[str, Any]


def typed_texts(form: FormData, prefix: str) -> dict[str, str]:
    """The texts typed per language under ``prefix-<lang>`` (empty ones left out)."""
    found = {}
    for lang in LANGUAGES:
        text = str(form.get(f"{prefix}-{lang}", "")).replace("\r\n", "\n").strip()[:_MAX_TEXT]
        if text:
            found[lang] = text
    return found


def draft_of_file(bench: Workbench, file: str) -> Draft | None:
    """The draft of a flow file as a document (None: no such file, or not one the step
    editor can read; its YAML must be fixed first)."""
    _, _, edition = bench.draft()
    text = flow_files(bench.flows_dir, edition).get(file)
    if text is None:
        return None
    try:
        doc = parse(text).doc
    except YamlSyntaxError:
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("steps"), dict):
        return None
    return Draft(edition, text, doc)


def taken_msgids(bench: Workbench, edition: Edition) -> list[str]:
    """Every message id in use or in a catalog (a new one must differ from them)."""
    po = bench.po()
    taken: set[str] = set()
    for entries in po.values():
        taken.update(entries)
    for texts in edition.messages.values():
        taken.update(texts)
    return sorted(taken)
