"""The knowledge base through the REST channel with the real model, in all five languages: figures with source
and year, follow-ups, jobs in demand and the skills of a job."""

from __future__ import annotations

import uuid

import pytest

from lmi4vet.i18n import t

pytestmark = pytest.mark.integration
NBSP = "\xa0"

UNEMPLOYMENT_ROMANIA = {
    "en": ("unemployment in Romania", "Unemployment rate (ages 15-74), Romania, 2025: 6.1%"),
    "es": ("paro en Rumanía", f"Tasa de paro (15-74 años), Rumanía, 2025: 6,1{NBSP}%"),
    "ro": ("care e somajul in romania", f"Rata șomajului (15-74 de ani), România, 2025: 6,1{NBSP}%"),
    "fr": ("le chômage en Roumanie", f"Taux de chômage (15-74 ans), Roumanie, 2025 : 6,1{NBSP}%"),
    "de": ("wie hoch ist die Arbeitslosigkeit in Rumänien",
           f"Arbeitslosenquote (15-74 Jahre), Rumänien, 2025: 6,1{NBSP}%"),
}
YOUTH_SPAIN_2024 = {
    "en": ("youth unemployment Spain 2024", "Youth unemployment rate (ages 15-24), Spain, 2024: 26.5%"),
    "es": ("paro juvenil en España 2024", f"Tasa de paro juvenil (15-24 años), España, 2024: 26,5{NBSP}%"),
    "ro": ("somajul tinerilor in spania in 2024",
           f"Rata șomajului în rândul tinerilor (15-24 de ani), Spania, 2024: 26,5{NBSP}%"),
    "fr": ("chômage des jeunes en Espagne en 2024",
           f"Taux de chômage des jeunes (15-24 ans), Espagne, 2024 : 26,5{NBSP}%"),
    "de": ("Jugendarbeitslosigkeit Spanien 2024", f"Jugendarbeitslosenquote (15-24 Jahre), Spanien, 2024: 26,5{NBSP}%"),
}
WELDER = {
    "en": ("what skills does a welder need", "welder"),
    "es": ("qué competencias necesita un soldador", "soldador/soldadora"),
    "ro": ("ce competente trebuie sa aiba un sudor", "sudor/sudoriță"),
    "fr": ("quelles compétences faut-il pour être soudeur", "soudeur/soudeuse"),
    "de": ("Welche Skills braucht ein Schweißer", "Schweißer/Schweißerin"),
}
IN_DEMAND = {"en": "which jobs are in demand", "es": "qué trabajos tienen más demanda",
             "ro": "ce meserii se cauta", "fr": "quels métiers recrutent", "de": "welche berufe werden gesucht"}


def sender() -> str:
    return f"kb-{uuid.uuid4().hex[:10]}"


@pytest.mark.parametrize("lang", sorted(UNEMPLOYMENT_ROMANIA))
def test_unemployment_in_romania(assistant, lang: str) -> None:
    question, first_line = UNEMPLOYMENT_ROMANIA[lang]
    [reply] = assistant.say(sender(), question)
    assert reply["text"].split("\n")[0] == first_line
    assert "une_rt_a" in reply["text"] and "Eurostat" in reply["text"]


@pytest.mark.parametrize("lang", sorted(YOUTH_SPAIN_2024))
def test_youth_unemployment_spain_2024(assistant, lang: str) -> None:
    question, first_line = YOUTH_SPAIN_2024[lang]
    [reply] = assistant.say(sender(), question)
    assert reply["text"].split("\n")[0] == first_line


@pytest.mark.parametrize("lang", sorted(WELDER))
def test_skills_of_a_welder(assistant, lang: str) -> None:
    question, label = WELDER[lang]
    user = sender()
    [reply] = assistant.say(user, question)
    assert reply["text"].startswith(t(lang, "skills.header", occupation=label))
    assert t(lang, "skills.attribution") in reply["text"]
    more = reply["buttons"][0]
    page_two = assistant.say(user, more["payload"])[0]["text"]  # the same conversation: the same language
    assert t(lang, "skills.page", page="2", pages="4", total="36") in page_two
    assert sum(line.startswith("• ") for line in page_two.split("\n")) == 10


@pytest.mark.parametrize("lang", sorted(IN_DEMAND))
def test_jobs_in_demand(assistant, lang: str) -> None:
    [reply] = assistant.say(sender(), IN_DEMAND[lang])
    assert "EURES" in reply["text"] and "2023" in reply["text"]
    assert reply["text"].count("• ") == 6


def test_follow_ups_keep_the_context(assistant) -> None:
    user = sender()
    assistant.say(user, "unemployment in Romania")
    germany = assistant.say(user, "and in Germany?")[0]["text"]
    assert germany.startswith("Unemployment rate (ages 15-74), Germany, 2025: 3.8%")
    young = assistant.say(user, "and for young people?")[0]["text"]
    assert young.startswith("Youth unemployment rate (ages 15-24), Germany, 2025:")
    year = assistant.say(user, "what about 2020?")[0]["text"]
    assert year.startswith("Youth unemployment rate (ages 15-24), Germany, 2020:")
