"""The labour-market indicators the assistant knows, and where each comes from in Eurostat's data.

An indicator is one series of a Eurostat dataset, selected by dimension values (``age=Y15-24`` ...). The
importers keep only the series listed here; the actions name indicators by ``code``; the locale files hold
their names (``indicators.<code>.name``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Indicator:
    """One series: its dataset, the dimension values that select it, and how to show its values."""

    code: str
    dataset: str
    filters: Mapping[str, str] = field(default_factory=dict)
    unit: str = "percent"  # percent | eur_month
    frequency: str = "A"  # A annual, S half-yearly, Q quarterly
    decimals: int = 1

    def matches(self, dataset: str, dimensions: Mapping[str, str]) -> bool:
        """Whether an observation of ``dataset`` with these dimension values belongs to this indicator."""
        if dataset.lower() != self.dataset:
            return False
        return all(dimensions.get(key, "").upper() == value.upper() for key, value in self.filters.items())


INDICATORS: tuple[Indicator, ...] = (
    Indicator("unemployment_rate", "une_rt_a", {"age": "Y15-74", "unit": "PC_ACT", "sex": "T"}),
    Indicator("youth_unemployment_rate", "une_rt_a", {"age": "Y15-24", "unit": "PC_ACT", "sex": "T"}),
    Indicator("employment_rate", "lfsi_emp_a", {"age": "Y20-64", "unit": "PC_POP", "sex": "T"}),
    Indicator("neet_rate", "edat_lfse_20", {"age": "Y15-29", "sex": "T"}),
    Indicator("job_vacancy_rate", "jvs_q_nace2", {"indic_em": "JOBRATE", "nace_r2": "B-S"}, frequency="Q"),
    Indicator("minimum_wage", "earn_mw_cur", {"currency": "EUR"}, unit="eur_month", frequency="S", decimals=2),
)

BY_CODE: dict[str, Indicator] = {indicator.code: indicator for indicator in INDICATORS}


def indicators_for(dataset: str) -> list[Indicator]:
    """The indicators drawn from ``dataset`` (case-insensitive Eurostat code)."""
    return [indicator for indicator in INDICATORS if indicator.dataset == dataset.lower()]


def match(dataset: str, dimensions: Mapping[str, str]) -> Indicator | None:
    """The indicator an observation belongs to, if any."""
    return next((i for i in indicators_for(dataset) if i.matches(dataset, dimensions)), None)


# How people name the indicators, in the five languages (folded: lower case, no diacritics). Longer names win,
# so "youth unemployment" beats "unemployment".
ALIASES: dict[str, tuple[str, ...]] = {
    "youth_unemployment_rate": (
        "youth unemployment", "youth jobless", "young people unemployment", "unemployment of young people",
        "young people", "for young people", "youth", "young unemployed", "under 25",
        "paro juvenil", "desempleo juvenil", "paro de los jovenes", "desempleo de los jovenes", "jovenes",
        "somajul tinerilor", "somaj tineri", "somajul in randul tinerilor", "somaj in randul tinerilor", "tineri",
        "tinerii", "la tineri", "chomage des jeunes", "chomage jeunes", "jeunes", "les jeunes",
        "jugendarbeitslosigkeit", "jugendarbeitslosenquote", "arbeitslosigkeit junger", "junge leute",
        "jugendliche", "jugendlichen", "junge menschen",
    ),
    "unemployment_rate": (
        "unemployment", "unemployment rate", "jobless rate", "joblessness", "unemployed", "out of work",
        "paro", "tasa de paro", "desempleo", "tasa de desempleo", "desocupacion", "parados",
        "somaj", "somajul", "rata somajului", "rata de somaj", "someri", "chomage", "taux de chomage",
        "chomeurs", "arbeitslosigkeit", "arbeitslosenquote", "arbeitslose", "erwerbslosenquote",
        "erwerbslosigkeit",
    ),
    "employment_rate": (
        "employment rate", "employment", "people in work", "tasa de empleo", "tasa de ocupacion", "empleo",
        "ocupacion", "rata de ocupare", "ocuparea", "ocupare", "rata ocuparii", "taux d'emploi", "taux demploi",
        "emploi", "erwerbstatigenquote", "beschaftigungsquote", "beschaftigung", "erwerbstatigkeit",
    ),
    "neet_rate": (
        "neet", "neets", "neet rate", "ninis", "nini", "ni estudian ni trabajan", "tineri neet",
        "ni en emploi ni en formation", "taux de neet", "neet quote", "neet-quote", "weder arbeit noch ausbildung",
    ),
    "job_vacancy_rate": (
        "job vacancy rate", "job vacancies", "vacancy rate", "vacancies", "open jobs", "open positions",
        "vacantes", "tasa de vacantes", "puestos vacantes", "locuri de munca vacante", "locuri vacante",
        "rata locurilor de munca vacante", "posturi vacante", "emplois vacants", "postes vacants",
        "taux d'emplois vacants", "taux de vacance", "offene stellen", "offene-stellen-quote",
        "stellenquote", "vakanzquote", "freie stellen",
    ),
    "minimum_wage": (
        "minimum wage", "minimum salary", "min wage", "minimum pay", "salario minimo", "smi",
        "salario minimo interprofesional", "salariul minim", "salariu minim", "salariul minim pe economie",
        "salaire minimum", "smic", "salaire minimal", "mindestlohn", "mindestlohne", "mindestgehalt",
    ),
}


def resolve_indicator(text: str | None) -> str | None:
    """The indicator named in ``text`` ("paro juvenil" -> "youth_unemployment_rate"), or ``None``."""
    import re

    from lmi4vet.text import fold

    if not text:
        return None
    folded = " " + " ".join(re.findall(r"[\w'-]+", fold(text))) + " "
    best: tuple[int, str] | None = None
    for code, names in ALIASES.items():
        for name in names:
            if f" {name} " in folded and (best is None or len(name) > best[0]):
                best = (len(name), code)
    return best[1] if best else None
