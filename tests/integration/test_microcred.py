"""The micro-credential designer through the running assistant (trained model, action server, channels): a
whole worksheet in French through the REST channel ending with the three files behind their links, and one in
Romanian through the Telegram stand-in ending with three documents. The PDF is read back (title and outcomes
with their diacritics), the JSON-LD and Open Badges documents validate, and bad input (workload "abc", EQF 9,
an empty outcome) is asked again in the draft's language."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import requests
from pypdf import PdfReader

from actions.microcred import mc
from lmi4vet.i18n import t
from lmi4vet.microcred.exports.validate import validate
from lmi4vet.microcred.wording import step_heading
from tests.integration.test_telegram import TelegramUser, buttons_of, callback, callback_data, post

pytestmark = pytest.mark.integration

TITLE_FR = "Pose de panneaux photovoltaïques en toiture"
OUTCOMES_FR = ["L'apprenant est capable d'installer des panneaux photovoltaïques sur une toiture inclinée",
               "L'apprenant est capable de vérifier la conformité électrique d'une installation"]
TITLE_RO = "Sudarea țevilor din oțel în poziție verticală"
OUTCOMES_RO = ["Cursantul poate suda țevi din oțel în poziție verticală",
               "Cursantul poate verifica îmbinările sudate conform standardului ISO 5817"]


def say(lang: str, key: str, **params: Any) -> str:
    return t(lang, f"microcred.chat.{key}", **params)


def starts(messages: list[dict[str, Any]], lang: str, step: str) -> bool:
    """Whether the last message asks for ``step``."""
    return bool(messages) and messages[-1].get("text", "").startswith(step_heading(lang, step))


def test_a_whole_worksheet_in_french_through_the_rest_channel(assistant) -> None:
    user = "mc-rest-fr"

    def send(message: str) -> list[dict[str, Any]]:
        return assistant.say(user, message)

    intro = send("je voudrais concevoir une microcertification")
    assert intro[0]["text"] == say("fr", "intro")
    started = send(mc("new"))
    assert started[0]["text"] == say("fr", "started") and starts(started, "fr", "title")
    assert starts(send(TITLE_FR), "fr", "countries")
    assert starts(send("France"), "fr", "awarding_body")
    assert starts(send("Lycée des métiers de l'énergie, Grenoble"), "fr", "outcomes")
    empty = send("-")
    assert empty[0]["text"] == say("fr", "errors.outcome_empty", index=1) and starts(empty, "fr", "outcomes")
    added = send("\n".join(OUTCOMES_FR))
    assert added[0]["text"].startswith(say("fr", "outcome_saved", number="1"))
    assert starts(added, "fr", "outcomes")
    assert starts(send(mc("done")), "fr", "workload")
    bad = send("abc")
    assert bad[0]["text"] == say("fr", "errors.not_a_number", value="abc") and starts(bad, "fr", "workload")
    assert starts(send("2 ECTS"), "fr", "eqf_level")
    nine = send("niveau 9")
    assert nine[0]["text"] == say("fr", "errors.eqf_out_of_range", value=9, min=1, max=8)
    assert starts(send(mc("answer", value="4")), "fr", "assessment")
    assert starts(send(mc("answer", value="practical_demonstration")), "fr", "participation")
    assert starts(send("en présentiel"), "fr", "quality_assurance")
    assert starts(send("Démarche qualité de l'établissement, certifiée Qualiopi"), "fr", "prerequisites")
    assert starts(send("Être titulaire d'un CAP d'électricien"), "fr", "supervision")
    assert starts(send(mc("answer", value="supervised_with_id")), "fr", "grading")
    assert starts(send("Réussite ou échec"), "fr", "stackability")
    assert send(mc("answer", value="standalone"))[-1]["text"].startswith(step_heading("fr", "further_information"))
    review = send(mc("skip"))
    assert review[-1]["text"].startswith(say("fr", "review_heading", title=TITLE_FR, score="96"))
    links = send(mc("export", draft=_draft_of(review[-1]), fmt="all"))[0]["text"].splitlines()
    assert links[0] == say("fr", "links", title=TITLE_FR, days="7")
    urls = [line.rsplit(" ", 1)[-1] for line in links[1:]]
    assert [u.split("/webhooks/")[1].split("/")[:2] for u in urls] == [["rest", "microcred"]] * 3
    files = [requests.get(f"{assistant.url}/webhooks/rest/microcred/{u.rsplit('/', 1)[-1]}", timeout=30)
             for u in urls]
    assert [f.status_code for f in files] == [200, 200, 200]
    assert [f.headers["Content-Type"].split(";")[0] for f in files] == [
        "application/pdf", "application/ld+json", "application/json"]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(files[0].content)).pages)
    flat = " ".join(text.split())
    assert TITLE_FR in flat and all(outcome in flat for outcome in OUTCOMES_FR)
    elm, badge = files[1].json(), files[2].json()
    assert validate(elm, "elm") == [] and validate(badge, "ob3") == []
    assert elm["title"] == {"fr": [TITLE_FR]}
    assert [o["title"]["fr"][0] for o in elm["learningOutcome"]] == OUTCOMES_FR


def _draft_of(message: dict[str, Any]) -> str:
    """The draft id in the review's export buttons."""
    payload = next(b["payload"] for b in message["buttons"] if '"mc":"export"' in b["payload"])
    return json.loads(payload[payload.index("{"):])["mc_draft"]


def test_a_whole_worksheet_in_romanian_through_telegram_ends_with_three_documents(assistant, telegram_api) -> None:
    person = TelegramUser(assistant, telegram_api, "ro")
    user, send, buttons = person.chat_id, person.send, buttons_of

    heading = lambda step: step_heading("ro", step)  # noqa: E731
    intro = send(say("ro", "intro"), "vreau să creez un microcertificat")
    assert callback_data(mc("new")) in buttons(intro[-1])
    send(heading("title"), tap=mc("new"))
    send(heading("countries"), TITLE_RO)
    send(heading("awarding_body"), "România")
    send(heading("outcomes"), "Colegiul Tehnic „Gheorghe Asachi” din Iași")
    added = send(heading("outcomes"), "\n".join(OUTCOMES_RO))
    assert added[0].params["text"].startswith(say("ro", "outcome_saved", number="1"))
    assert callback_data(mc("done")) in buttons(added[-1])
    send(heading("workload"), tap=mc("done"))
    bad = send(heading("workload"), "abc")
    assert bad[0].params["text"] == say("ro", "errors.not_a_number", value="abc")
    send(heading("eqf_level"), "60 de ore")
    nine = send(heading("eqf_level"), "9")
    assert nine[0].params["text"] == say("ro", "errors.eqf_out_of_range", value=9, min=1, max=8)
    assert callback_data(mc("answer", value="3")) in buttons(nine[-1])
    send(heading("assessment"), tap=mc("answer", value="3"))
    send(heading("participation"), tap=mc("answer", value="practical_demonstration"))
    send(heading("quality_assurance"), tap=mc("answer", value="onsite"))
    send(heading("prerequisites"), "Asigurarea internă a calității, conform standardelor ARACIP")
    left = send(say("ro", "left", title=TITLE_RO, score="80"), tap=mc("leave"))  # save and leave, come back
    draft = _draft_in(left[-1])
    send(heading("prerequisites"), tap=mc("resume", draft=draft))
    send(say("ro", "left", title=TITLE_RO, score="80"), tap=mc("leave"))
    listing = send(say("ro", "drafts_heading"), "microcertificatele mele")
    assert callback_data(mc("open", draft=draft)) in buttons(listing[-1])
    review = send(say("ro", "review_heading", title=TITLE_RO, score="80"), tap=mc("review", draft=draft))
    assert callback_data(mc("export", draft=draft, fmt="all")) in buttons(review[-1])
    post(assistant, callback(user, callback_data(mc("export", draft=draft, fmt="all")), "ro"))
    documents = telegram_api.wait_for("sendDocument", 3, chat_id=user)
    names = [d.params["document"]["filename"] for d in documents]
    assert names == ["sudarea-tevilor-din-otel-in-pozitie-verticala.pdf",
                     "sudarea-tevilor-din-otel-in-pozitie-verticala-elm.jsonld",
                     "sudarea-tevilor-din-otel-in-pozitie-verticala-openbadge.json"]
    pdf = PdfReader(io.BytesIO(documents[0].params["document"]["content"]))
    flat = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    assert TITLE_RO in flat and all(outcome in flat for outcome in OUTCOMES_RO)
    assert "„Gheorghe Asachi”" in flat
    assert validate(json.loads(documents[1].params["document"]["content"]), "elm") == []
    assert validate(json.loads(documents[2].params["document"]["content"]), "ob3") == []
    assert documents[0].params["caption"] == say("ro", "caption_pdf", title=TITLE_RO)


def _draft_in(call: Any) -> str:
    """The draft id of the "continue" button under "your draft is saved" (its payload is short: no key)."""
    for row in call.params["reply_markup"]["inline_keyboard"]:
        data = row[0]["callback_data"]
        if '"mc":"resume"' in data:
            return json.loads(data[data.index("{"):])["mc_draft"]
    raise AssertionError("no draft button in " + call.params["text"])
