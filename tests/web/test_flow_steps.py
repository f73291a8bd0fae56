"""The step-by-step flow editor over HTTP: texts in every language side by side, menu
buttons added, moved, removed and sent elsewhere, steps added — into the draft, checked,
tried in the simulator and published, with roles and CSRF; the diagram in a language;
the simulator in the staff member's language with the flow, step, intent and confidence
of each bot turn; flow errors root cause first with their line."""

from __future__ import annotations

import html
import re

from bot.app import Orienta
from bot.authoring.yamltree import parse
from bot.engine.diagram import mermaid_text
from bot.engine.model import MenuStep, MessageStep
from bot.store.releases import ReleaseBook
from bot.store.staff import StaffBook
from tests.web.staff import account, signed_in, web_client

STEP = "/console/flows/help.yaml/steps/choose"
LABELS = {
    "en": "Talk about my rights",
    "ar": "تحدّث عن حقوقي",
    "fr": "Parler de mes droits",
    "it": "Parlare dei miei diritti",
    "fi": "Puhu oikeuksistani",
    "uk": "Поговорити про мої права",
}


def menu_labels(orienta: Orienta) -> list[str]:
    step = orienta.runner.flows.flows["help"].steps["choose"]
    assert isinstance(step, MenuStep)
    return [o.label for o in step.options]


async def test_a_button_in_six_languages_is_added_tried_and_published(orienta: Orienta) -> None:
    account(orienta, "ada", "admin", language="en")
    book = ReleaseBook(orienta.store)
    async with signed_in(orienta, "ada") as ada:
        page = await ada.get(STEP)
        assert page.status_code == 200
        assert 'name="label-ar"' in page.text and 'lang="ar" dir="rtl"' in page.text
        fields = {f"label-{lang}": text for lang, text in LABELS.items()}
        saved = await ada.post(STEP + "/options", {**fields, "icon": "⚖️", "target": "step:explain"})
        assert saved.status_code == 303, saved.text
        drafts = {(d.kind, d.lang, d.key) for d in book.drafts()}
        assert ("flow", "", "help.yaml") in drafts
        assert {("message", lang, "help.choose_option") for lang in LABELS} <= drafts
        (flow_draft,) = [d for d in book.drafts() if d.kind == "flow"]
        assert parse(flow_draft.text).doc["steps"]["choose"]["options"][-1] == {
            "label": "help.choose_option",
            "icon": "⚖️",
            "next": "explain",
        }
        assert "help.choose_option" not in menu_labels(orienta)  # a draft reaches nobody

        # In the simulator (Italian here), the draft shows the new button.
        await ada.post("/console/simulator", {"lang": "it", "text": "/help"})
        preview = await ada.get("/console/simulator?lang=it")
        assert "⚖️ Parlare dei miei diritti" in html.unescape(preview.text)

        published = await ada.post("/console/releases/publish", {"note": "rights button"})
        assert published.status_code == 303
    assert menu_labels(orienta)[-1] == "help.choose_option"
    assert orienta.catalogs.translator("ar").gettext("help.choose_option") == LABELS["ar"]
    actions = [e.action for e in StaffBook(orienta.store).audit_entries()]
    assert "flow.draft" in actions and "release.publish" in actions


async def test_options_moved_removed_retargeted_texts_and_a_step_added(orienta: Orienta) -> None:
    account(orienta, "ada", "admin")
    book = ReleaseBook(orienta.store)

    def draft_doc() -> dict:  # type: ignore[type-arg]
        (flow,) = [d for d in book.drafts() if d.kind == "flow"]
        return parse(flow.text).doc  # type: ignore[no-any-return]

    async with signed_in(orienta, "ada") as ada:
        assert (await ada.post(STEP + "/option", {"index": "1", "op": "up"})).status_code == 303
        labels = [o["label"] for o in draft_doc()["steps"]["choose"]["options"]]
        assert labels[:2] == ["menu.language", "button.menu"]
        assert (await ada.post(STEP + "/option", {"index": "2", "op": "remove"})).status_code == 303
        assert len(draft_doc()["steps"]["choose"]["options"]) == 3
        moved = await ada.post(
            STEP + "/option", {"index": "0", "op": "target", "target": "step:how"}
        )
        assert moved.status_code == 303
        assert draft_doc()["steps"]["choose"]["options"][0]["next"] == "how"
        # A target that does not exist is refused by the checks, with its line.
        wrong = await ada.post(
            STEP + "/option", {"index": "0", "op": "target", "target": "step:gone"}
        )
        assert wrong.status_code == 400
        assert (
            "help.yaml:13: flow &#39;help&#39;, step &#39;choose&#39;: unknown step &#39;gone&#39;"
            in wrong.text
        )

        # The step's own text, side by side; placeholders are kept.
        texts = await ada.post(
            STEP + "/texts", {"m0": "help.commands", "t0-fi": "Valitse alta.", "t0-en": ""}
        )
        assert texts.status_code == 303
        assert any(d.key == "help.commands" and d.lang == "fi" for d in book.drafts())
        bad = await ada.post(
            "/console/flows/rights.yaml/steps/missing/texts",
            {"m0": "rights.missing", "t0-fr": "Rien trouvé {oops}"},
        )
        assert bad.status_code == 400 and "Rien trouvé {oops}" in bad.text

        # A message step added after 'explain', with its text in every language.
        added = await ada.post(
            "/console/flows/help.yaml/steps/explain/after",
            {"id": "tip", "kind": "message", **{f"text-{k}": v for k, v in LABELS.items()}},
        )
        assert added.status_code == 303 and "/steps/tip" in added.headers["location"]
        steps = draft_doc()["steps"]
        assert list(steps)[:3] == ["explain", "tip", "how"]
        assert steps["explain"]["next"] == "tip" and steps["tip"]["next"] == "how"
        refused = await ada.post(
            "/console/flows/help.yaml/steps/explain/after",
            {"id": "how", "kind": "message", "text-en": "Again"},
        )
        assert refused.status_code == 400 and 'value="how"' in refused.text  # typed, kept
        published = await ada.post("/console/releases/publish", {"note": "help reworked"})
        assert published.status_code == 303
    flow = orienta.runner.flows.flows["help"]
    assert isinstance(flow.steps["tip"], MessageStep)
    assert orienta.catalogs.translator("uk").gettext(flow.steps["tip"].text) == LABELS["uk"]


async def test_roles_and_csrf(orienta: Orienta) -> None:
    account(orienta, "ada", "admin")
    account(orienta, "max", "mediator", mediator_id=None)
    async with signed_in(orienta, "max") as mediator:
        assert (await mediator.get(STEP)).status_code == 403
        posted = await mediator.post(STEP + "/options", {"label-en": "x", "target": "step:how"})
        assert posted.status_code == 403
    async with signed_in(orienta, "ada") as ada:
        forged = await ada.http.post(
            STEP + "/options", data={"label-en": "x", "target": "step:how", "csrf": "wrong"}
        )
        assert forged.status_code == 403
        assert (await ada.get("/console/flows/help.yaml/steps/nosuch")).status_code == 404
        assert (await ada.get("/console/flows/../x.yaml/steps/a")).status_code == 404
    async with web_client(orienta) as anonymous:
        assert (await anonymous.post(STEP + "/option", data={"op": "up"})).status_code == 401
    assert ReleaseBook(orienta.store).drafts() == []


async def test_the_diagram_shows_texts_in_the_readers_language(orienta: Orienta) -> None:
    account(orienta, "ada", "admin", language="fr")
    async with signed_in(orienta, "ada") as ada:
        page = await ada.get("/console/flows/help.yaml")
        french = orienta.catalogs.translator("fr")
        assert html.escape(mermaid_text(french.gettext("help.commands"))) in page.text
        assert "help.commands<br/>" not in page.text
        assert 'dir="ltr" lang="fr"' in page.text
        arabic = await ada.get("/console/flows/help.yaml?lang=ar")
        shown = orienta.catalogs.translator("ar").gettext("button.menu")
        assert html.escape(mermaid_text(shown, 40)) in arabic.text
        assert '<pre class="mermaid" dir="rtl" lang="ar"' in arabic.text
        # The steps are listed with their lines, each opening its editor.
        assert re.search(r'/console/flows/help.yaml/steps/choose".*?ligne 13', arabic.text, re.S)


async def test_the_simulator_opens_in_the_staff_language_and_shows_each_turn(
    orienta: Orienta,
) -> None:
    account(orienta, "olena", "admin", language="uk")
    async with signed_in(orienta, "olena") as olena:
        page = await olena.get("/console/simulator")
        assert '<option value="uk" selected>' in page.text
        sent = await olena.post("/console/simulator", {"text": "Мені потрібна допомога з житлом"})
        assert sent.headers["location"].startswith("/console/simulator?lang=uk")
        page = await olena.get("/console/simulator")
        meta = re.findall(r'<p class="sim-meta".*?</p>', page.text, re.S)
        assert meta, page.text
        text = " ".join(re.sub(r"<[^>]+>", " ", meta[0]).split())
        assert "Сценарій: welcome" in text and "Крок: choose_language" in text
        found = re.search(r"Намір: (\w+) · Впевненість: ([0-9.]+)", text)
        assert found is not None and found.group(1) == "rights_housing"
        assert 0.0 < float(found.group(2)) <= 1.0
        await olena.post("/console/simulator", {"text": "/help"})
        page = await olena.get("/console/simulator")
        last = re.findall(r'<p class="sim-meta".*?</p>', page.text, re.S)[-1]
        last = " ".join(re.sub(r"<[^>]+>", " ", last).split())
        assert "Сценарій: help · Крок: choose · Намір: — · Впевненість: —" in last


async def test_a_kind_typo_is_the_first_error_with_its_line(orienta: Orienta) -> None:
    account(orienta, "ada", "admin")
    text = (
        (orienta.settings.flows_dir / "help.yaml")
        .read_text()
        .replace("  how:\n    kind: message", "  how:\n    kind: mesage")
    )
    async with signed_in(orienta, "ada") as ada:
        refused = await ada.post("/console/flows/help.yaml", {"text": text})
    assert refused.status_code == 400
    errors = re.findall(r'<li><code dir="ltr">(.*?)</code></li>', refused.text)
    assert html.unescape(errors[0]).startswith(
        "help.yaml:10: flow 'help', step 'how': unknown step kind 'mesage'"
    )
    assert len(errors) == 1, errors  # nothing it causes is listed again
