"""What the console edits, checked and put in force without a restart.

An :class:`Edition` is a set of edits on top of the shipped files: flow files (YAML
text by file name) and catalog messages (language -> message id -> text, with the
hash of the English text a translation was made from). A release is an edition; the
draft is the release in force plus the draft rows. :func:`check_edition` runs every
check of ``orienta flows check`` on the result, plus placeholder checks of the edited
messages. :class:`LiveRelease` puts the newest release in force in a running process
(at start-up, right after publishing, and when another worker published).
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.authoring.flowfiles import check_flow_texts, flow_texts
from bot.catalogs import PoEntry, po_entries, source_hash
from bot.engine.model import FlowSet
from bot.i18n import FALLBACK, Catalogs, placeholders
from bot.runner import Runner
from bot.settings import SERVED_LANGUAGES
from bot.store.releases import DraftView, ReleaseBook, ReleaseView, StalePublish

__all__ = [
    "LANGUAGES",
    "Checked",
    "DiffLine",
    "Edition",
    "LiveRelease",
    "Published",
    "Workbench",
    "check_edition",
    "diff_lines",
    "edition_of",
    "flow_files",
    "message_status",
    "message_text",
    "with_drafts",
]

log = logging.getLogger(__name__)

#: The authoring language first, then the served ones.
LANGUAGES = (FALLBACK, *SERVED_LANGUAGES)


@dataclass(frozen=True)
class Edition:
    """Edits on top of the shipped flow files and catalogs."""

    flows: Mapping[str, str] = field(default_factory=dict)
    messages: Mapping[str, Mapping[str, Mapping[str, str]]] = field(default_factory=dict)

    def overrides(self) -> dict[str, dict[str, str]]:
        """The edited messages' texts, for :meth:`Catalogs.set_overrides`."""
        return {
            lang: {msgid: entry["text"] for msgid, entry in texts.items()}
            for lang, texts in self.messages.items()
        }

    def text(self, lang: str, msgid: str) -> str | None:
        entry = self.messages.get(lang, {}).get(msgid)
        return entry["text"] if entry else None

    @property
    def empty(self) -> bool:
        return not self.flows and not any(self.messages.values())


def edition_of(release: ReleaseView | None) -> Edition:
    if release is None:
        return Edition()
    return Edition(
        dict(release.flows),
        {lang: {k: dict(v) for k, v in texts.items()} for lang, texts in release.messages.items()},
    )


def with_drafts(edition: Edition, drafts: Iterable[DraftView]) -> Edition:
    """The edition with the draft's edits applied."""
    flows = dict(edition.flows)
    messages = {
        lang: {k: dict(v) for k, v in texts.items()} for lang, texts in edition.messages.items()
    }
    for draft in drafts:
        if draft.kind == "flow":
            flows[draft.key] = draft.text
        else:
            entry = {"text": draft.text}
            if draft.source:
                entry["source"] = draft.source
            messages.setdefault(draft.lang, {})[draft.key] = entry
    return Edition(flows, messages)


def flow_files(flows_dir: Path, edition: Edition) -> dict[str, str]:
    """The flow files in force under an edition: the shipped ones, edited."""
    return {**flow_texts(flows_dir), **edition.flows}


@dataclass(frozen=True)
class Checked:
    """An edition after the checks: its flows when they passed, the errors, the
    catalogs with its messages (for a preview), and the flows as built despite graph or
    translation errors (for a diagram and the texts a draft uses)."""

    flowset: FlowSet | None
    errors: tuple[str, ...]
    catalogs: Catalogs
    built: FlowSet | None = None

    @property
    def ok(self) -> bool:
        return self.flowset is not None and not self.errors


def check_edition(flows_dir: Path, catalogs: Catalogs, edition: Edition) -> Checked:
    """Every check of ``orienta flows check`` on the edited flows and catalogs, and the
    edited messages' placeholders against English."""
    overlaid = catalogs.overlaid(edition.overrides())
    flowset, errors = check_flow_texts(
        flows_dir,
        flow_files(flows_dir, edition),
        {lang: overlaid.msgids(lang) for lang in LANGUAGES},
    )
    problems = [str(error) for error in errors]
    english = overlaid.translator(FALLBACK)
    for lang, texts in sorted(edition.messages.items()):
        for msgid, entry in sorted(texts.items()):
            if lang == FALLBACK or not english.has(msgid):
                continue
            want, got = placeholders(english.gettext(msgid)), placeholders(entry["text"])
            if want != got:
                problems.append(
                    f"{lang}: {msgid}: placeholders {sorted(got)} differ from "
                    f"English {sorted(want)}"
                )
    return Checked(flowset if not problems else None, tuple(problems), overlaid, flowset)


def message_text(
    lang: str, msgid: str, po: Mapping[str, Mapping[str, PoEntry]], edition: Edition
) -> str:
    """A message's text under an edition: the edited one, else the shipped one (as the
    catalogs serve it)."""
    entry = po.get(lang, {}).get(msgid)
    return edition.text(lang, msgid) or (entry.text if entry else "")


def message_status(
    lang: str, msgid: str, po: Mapping[str, Mapping[str, PoEntry]], edition: Edition
) -> str:
    """``missing``, ``fuzzy`` (made from an older English text) or ``done``."""
    english = message_text(FALLBACK, msgid, po, edition)
    if lang == FALLBACK:
        return "done" if english else "missing"
    edited = edition.messages.get(lang, {}).get(msgid)
    if edited and edited.get("text"):
        recorded = edited.get("source")
        return "fuzzy" if recorded and english and recorded != source_hash(english) else "done"
    entry = po.get(lang, {}).get(msgid)
    if entry is None or not entry.text:
        return "missing"
    if entry.fuzzy:
        return "fuzzy"
    if edition.text(FALLBACK, msgid) and entry.source and entry.source != source_hash(english):
        return "fuzzy"
    return "done"


@dataclass(frozen=True)
class DiffLine:
    kind: str  # same | add | del | hunk
    text: str


def diff_lines(before: str, after: str, name: str) -> list[DiffLine]:
    """A unified diff as lines to show."""
    lines = []
    for line in difflib.unified_diff(
        before.splitlines(),
        after.splitlines(),
        f"{name} (published)",
        f"{name} (draft)",
        lineterm="",
    ):
        if line.startswith(("---", "+++")):
            continue
        kind = {"@": "hunk", "+": "add", "-": "del"}.get(line[:1], "same")
        lines.append(DiffLine(kind, line))
    return lines


class LiveRelease:
    """Keeps a process on the newest release: flows into the runner, messages into the
    shared catalogs. A release that no longer passes the checks (the shipped files
    changed under it) is refused and logged; what is in force stays."""

    def __init__(
        self, flows_dir: Path, catalogs: Catalogs, runner: Runner, book: ReleaseBook
    ) -> None:
        self.flows_dir = flows_dir
        self.catalogs = catalogs
        self.runner = runner
        self.book = book
        #: The release in force (None: the shipped files).
        self.in_force: int | None = None
        #: The newest release, when it was refused (not tried again).
        self.refused: int | None = None

    def apply(self, release: ReleaseView | None) -> Checked:
        edition = edition_of(release)
        checked = check_edition(self.flows_dir, self.catalogs, edition)
        if not checked.ok or checked.flowset is None:
            self.refused = release.id if release else None
            log.error(
                "release %s not put in force: %s",
                release.id if release else "-",
                "; ".join(checked.errors[:5]),
            )
            return checked
        self.runner.publish(checked.flowset)
        self.catalogs.set_overrides(edition.overrides())
        self.in_force = release.id if release else None
        if release is not None:
            log.info("release %d in force", release.id)
        return checked

    def refresh(self) -> bool:
        """Put the newest release in force if it is not; whether it changed."""
        latest = self.book.latest_id()
        if latest == self.in_force or (latest is not None and latest == self.refused):
            return False
        release = self.book.release(latest) if latest is not None else None
        before = self.in_force
        self.apply(release)
        return self.in_force != before


@dataclass(frozen=True)
class Published:
    """The outcome of publishing or rolling back: the new release, or why not."""

    release: ReleaseView | None
    checked: Checked | None = None
    stale: bool = False


class Workbench:
    """The console's view of releases: the one in force, the draft on top of it, the
    checks, publishing and rolling back (each put in force in this process at once)."""

    def __init__(
        self,
        flows_dir: Path,
        locales_dir: Path,
        catalogs: Catalogs,
        live: LiveRelease,
    ) -> None:
        self.flows_dir = flows_dir
        self.locales_dir = locales_dir
        self.catalogs = catalogs
        self.book = live.book  # the releases the process puts in force
        self.live = live

    def published(self) -> tuple[ReleaseView | None, Edition]:
        release = self.book.latest()
        return release, edition_of(release)

    def draft(self) -> tuple[ReleaseView | None, list[DraftView], Edition]:
        release, edition = self.published()
        drafts = self.book.drafts()
        return release, drafts, with_drafts(edition, drafts)

    def check(self, edition: Edition) -> Checked:
        return check_edition(self.flows_dir, self.catalogs, edition)

    def po(self) -> dict[str, dict[str, PoEntry]]:
        return {lang: po_entries(self.locales_dir, lang) for lang in LANGUAGES}

    def publish(self, author: str, note: str, now: datetime) -> Published:
        release, drafts, edition = self.draft()
        if not drafts:
            return Published(None)
        checked = self.check(edition)
        if not checked.ok:
            return Published(None, checked)
        try:
            new = self.book.publish(
                author,
                note,
                edition.flows,
                edition.messages,
                now,
                expected=release.id if release else None,
                published=drafts,
            )
        except StalePublish:
            return Published(None, checked, stale=True)
        self.live.apply(new)
        return Published(new, checked)

    def restore(self, release_id: int, author: str, now: datetime) -> Published:
        """Roll back: publish a copy of an earlier release, or with ``0`` an empty one
        (the shipped files). The draft stays."""
        target = self.book.release(release_id) if release_id else None
        if release_id and target is None:
            return Published(None)
        edition = edition_of(target)
        checked = self.check(edition)
        if not checked.ok:
            return Published(None, checked)
        try:
            new = self.book.publish(
                author,
                f"rollback to {release_id or 'shipped files'}",
                edition.flows,
                edition.messages,
                now,
                expected=self.book.latest_id(),
                restored_from=release_id or None,
            )
        except StalePublish:
            return Published(None, checked, stale=True)
        self.live.apply(new)
        return Published(new, checked)
