"""The employer-engagement self-assessment through the running assistant (trained model, action server,
channels), end to end: a whole assessment in Spanish on Telegram (typed question recognised, 24 taps, the
result with the chart as a photo, the plan, the PDF as a document, the reminder) and one in German on WhatsApp
answered with the numbers of the numbered menus (the chart as media fetched from its link, the PDF behind its
link, a re-assessment compared with the first, an encounter logged in a few taps)."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from typing import Any

import pytest
import requests
from babel.dates import format_date
from PIL import Image
from pypdf import PdfReader

from actions.employer import ee
from lmi4vet.employer.assessment import content, questions
from lmi4vet.i18n import t
from tests.integration import test_telegram as telegram
from tests.integration import test_whatsapp as whatsapp
from tests.integration.conftest import TWILIO_PUBLIC_URL
from tests.integration.test_telegram import TelegramUser, buttons_of, callback_data
from tests.integration.test_whatsapp import number_of

pytestmark = pytest.mark.integration
QUESTIONS = [q for _, q in questions()]


def say(lang: str, key: str, **params: Any) -> str:
    return t(lang, f"employer.chat.{key}", **params)


def scores(levels: dict[str, int], default: int = 1) -> list[int]:
    """A score per question, in order: ``levels[area]`` (else ``default``)."""
    return [levels.get(area, default) for area, _ in questions()]


def heading(lang: str, index: int) -> str:
    """The first line of question ``index`` (0-based)."""
    area = QUESTIONS[index].rsplit("_", 1)[0]
    order = list(content(lang)["areas"])
    return say(lang, "question_heading", area=content(lang)["areas"][area]["name"],
               area_number=str(order.index(area) + 1), areas="6", number=str(index + 1), total="24")


def test_a_whole_assessment_in_spanish_on_telegram(assistant, telegram_api) -> None:
    person = TelegramUser(assistant, telegram_api, "es")
    user, send, data = person.chat_id, person.send, buttons_of

    intro = send(say("es", "intro", areas="6", questions="24"),
                 "¿cómo consigo que las empresas acojan alumnos en prácticas?")
    assert data(intro[-1])[0] == callback_data(ee("start"))
    first = send(say("es", "start", date="", total="24"), tap=ee("start"))
    later = data(first[-1])[-1]  # "continue later", short enough to travel as itself
    ident = json.loads(later[later.index("{"):])["ee_id"]
    assert later == ee("later", id=ident)
    answers = scores({"strategy": 3, "partnerships": 2})
    for number, (question, value) in enumerate(zip(QUESTIONS, answers, strict=True)):
        last = number == len(QUESTIONS) - 1
        expect = say("es", "result_heading", date="").split("(")[0] if last else heading("es", number + 1)
        turn = send(expect, tap=ee("answer", id=ident, q=question, v=str(value)))
    summary = turn[-1].params["text"]
    [photo] = telegram_api.wait_for("sendPhoto", 1, chat_id=user)
    assert photo.params["caption"] == say("es", "chart_caption")
    image = Image.open(io.BytesIO(photo.params["photo"]["content"]))
    assert image.format == "PNG" and image.size == (720, 720)
    names = content("es")["areas"]
    assert say("es", "result_line", area=names["strategy"]["name"], level="Nivel 2",
               why=names["strategy"]["why"][2]) in summary
    assert say("es", "result_line", area=names["curriculum"]["name"], level="Nivel 1",
               why=names["curriculum"]["why"][1]) in summary
    assert say("es", "result_summary", strong="2", areas="6") in summary

    plan = send(say("es", "plan_end"), tap=ee("plan", id=ident))
    assert [c.params["text"].split("\n", 1)[0] for c in plan] == [
        say("es", "plan_intro_weak", areas="4").split("\n", 1)[0],
        *[say("es", "plan_area", area=names[a]["name"], level="Nivel 1")
          for a in ("curriculum", "placements", "recognition", "quality")],
        say("es", "plan_end")]

    assert telegram.post(assistant, telegram.callback(user, callback_data(ee("pdf", id=ident)), "es")).ok
    [document] = telegram_api.wait_for("sendDocument", 1, chat_id=user)
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(
        document.params["document"]["content"])).pages).split())
    assert names["recognition"]["name"] in text and t("es", "employer.pdf.plan_heading") in text
    reminded = send(say("es", "remind_on", date="").split("{")[0][:12], tap=ee("remind", id=ident))
    assert callback_data(ee("remind", id=ident, v="0")) in data(reminded[-1])


def test_a_whole_assessment_in_german_on_whatsapp_with_numbers_then_a_reassessment(assistant, twilio_api) -> None:
    person = whatsapp.WhatsAppUser(assistant, twilio_api, "+49")
    send = person.send

    def local(url: str) -> str:
        """A public link of the assistant's, on the server under test."""
        return f"{assistant.url}/webhooks/{url.split('/webhooks/', 1)[1]}"

    def assess(levels: dict[str, int], overview: str, lead: str) -> list[dict[str, Any]]:
        """From the overview: start, then answer every question by its number; the result's turn."""
        first = send(number_of(overview, say("de", "again_button" if "again" in lead else "start_button")),
                     say("de", lead, date="", total="24").split("{")[0][:25])
        assert heading("de", 0) in first[-1]["Body"]
        turn: list[dict[str, Any]] = []
        for number, value in enumerate(scores(levels)):
            last = number == len(QUESTIONS) - 1
            turn = send(str(value + 1), say("de", "result_heading", date="").split("(")[0] if last
                        else heading("de", number + 1))
        return turn

    intro = send("Kooperation mit Betrieben aufbauen", say("de", "intro", areas="6", questions="24"))
    result = assess({"strategy": 3, "partnerships": 2}, intro[-1]["Body"], "start")
    media = [c for c in result if c.get("MediaUrl")]
    assert len(media) == 1
    url = media[0]["MediaUrl"] if isinstance(media[0]["MediaUrl"], str) else media[0]["MediaUrl"][0]
    public = TWILIO_PUBLIC_URL.split("/webhooks/")[0]  # what Twilio fetches: the server's public address
    assert url.startswith(f"{public}/webhooks/whatsapp/employer/")
    chart = requests.get(local(url), timeout=30)
    assert chart.status_code == 200 and chart.headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(chart.content)).size == (720, 720)
    summary = result[-1]["Body"]
    names = content("de")["areas"]
    assert say("de", "result_line", area=names["partnerships"]["name"], level="Stufe 2",
               why=names["partnerships"]["why"][2]) in summary
    assert say("de", "result_summary", strong="2", areas="6") in summary
    link = send(number_of(summary, say("de", "pdf_button")), say("de", "pdf_link", url="", days="7")[:20])
    pdf = requests.get(local(link[-1]["Body"].split("\n")[1]), timeout=30)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    flat = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages).split())
    assert names["partnerships"]["name"] in flat and "Stufe 2" in flat

    overview = send("die selbsteinschaetzung nochmal machen", say("de", "intro", areas="6", questions="24"))
    again = assess({"strategy": 3, "partnerships": 2, "placements": 3}, overview[-1]["Body"], "start_again")
    summary = again[-1]["Body"]
    assert say("de", "change_line", area=names["placements"]["short"], before="Stufe 1", now="Stufe 2") in summary

    overview = send("logbuch arbeitgeberkontakte", say("de", "intro", areas="6", questions="24"))
    log = send(number_of(overview[-1]["Body"], say("de", "log_button")), say("de", "log_kind"))[-1]["Body"]
    words = content("de")["encounters"]
    send(number_of(log, words["types"]["visit"]), say("de", "log_size"))
    send("2", say("de", "log_learners"))  # small
    send("6", say("de", "log_two_way"))  # 12 learners
    send("1", say("de", "log_reflection"))  # yes
    logged = send("1", say("de", "logged", kind=words["types"]["visit"], size=words["sizes"]["small"],
                           learners="12", date=format_date(datetime.now(timezone.utc).date(), "long", locale="de")))
    logged = logged[-1]["Body"]
    assert say("de", "logged_meaningful") in logged and say("de", "cohort_question") in logged
    term = send(number_of(logged, "20"), say("de", "term_count", start="", end="", encounters="", meaningful="",
                                             learner_encounters="", cohort="", per_learner="")[:12])[-1]["Body"]
    assert say("de", "term_missing", missing="8") in term
