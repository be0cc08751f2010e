"""The labour-market indicators the assistant knows, and where each comes from in Eurostat's data.

An indicator is one series of a Eurostat dataset, selected by dimension values (``age=Y15-24`` ...). The
importers keep only the series listed here; the actions name indicators by ``code``; the locale files hold
their names (``indicators.<code>``).

Some indicators are broken down by a dimension (occupation ``isco08``, education level ``isced11``, enterprise
size ``sizeclas``): each value of those dimensions is a separate fact whose ``breakdown`` key says which
(``"isco08=OC7"``, ``"isco08=OC7;isced11=ED5-8"``). A ``TOTAL`` value is left out of the key, so the total of
all occupations has the breakdown ``""`` (no breakdown).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

TOTAL = "TOTAL"


@dataclass(frozen=True)
class Indicator:
    """One series: its dataset, the dimension values that select it, and how to show its values."""

    code: str
    dataset: str
    filters: Mapping[str, str] = field(default_factory=dict)
    unit: str = "percent"  # percent | eur_month | thousand_persons
    frequency: str = "A"  # A annual, S half-yearly, Q quarterly, M monthly, 4Y every four years (SES)
    decimals: int = 1
    breakdown: tuple[str, ...] = ()  # dimensions whose values are stored as separate facts (Fact.breakdown)
    geo_level: str = "country"  # country | nuts2 (regions: geo holds a NUTS 2 code, e.g. "ES30")
    api: bool = True  # False: not refreshed from Eurostat's API by default (a historical file of other codes)

    def matches(self, dataset: str, dimensions: Mapping[str, str]) -> bool:
        """Whether an observation of ``dataset`` with these dimension values belongs to this indicator."""
        if dataset.lower() != self.dataset:
            return False
        return all(dimensions.get(key, "").upper() == value.upper() for key, value in self.filters.items())

    def breakdown_key(self, dimensions: Mapping[str, str]) -> str:
        """The fact's breakdown for an observation: ``"isco08=OC7"``; ``""`` for the total or no breakdown."""
        return breakdown_key({name: dimensions.get(name, "") for name in self.breakdown})


def breakdown_key(values: Mapping[str, str]) -> str:
    """``{"isco08": "OC7", "isced11": "TOTAL"}`` -> ``"isco08=OC7"`` (in the given order; totals left out)."""
    return ";".join(f"{name}={value.upper()}" for name, value in values.items()
                    if value and value.upper() != TOTAL)


def is_nuts2(geo: str) -> bool:
    """``"ES30"`` (a NUTS 2 region: country code + two characters), not ``"ES"``, ``"ES3"``, ``"EU27"``, ``"EA17"``."""
    return len(geo) == 4 and geo[:2].isalpha() and geo[:2].upper() not in ("EU", "EA")


def parse_breakdown(key: str) -> dict[str, str]:
    """``"isco08=OC7;isced11=ED5-8"`` -> ``{"isco08": "OC7", "isced11": "ED5-8"}``; ``""`` -> ``{}``."""
    return dict(part.split("=", 1) for part in key.split(";") if part)


INDICATORS: tuple[Indicator, ...] = (
    Indicator("unemployment_rate", "une_rt_a", {"age": "Y15-74", "unit": "PC_ACT", "sex": "T"}),
    Indicator("youth_unemployment_rate", "une_rt_a", {"age": "Y15-24", "unit": "PC_ACT", "sex": "T"}),
    Indicator("employment_rate", "lfsi_emp_a", {"age": "Y20-64", "unit": "PC_POP", "sex": "T"}),
    Indicator("neet_rate", "edat_lfse_20", {"age": "Y15-29", "sex": "T"}),
    Indicator("job_vacancy_rate", "jvs_q_nace2", {"indic_em": "JOBRATE", "nace_r2": "B-S", "sizeclas": "TOTAL",
                                                  "s_adj": "NSA"}, frequency="Q"),
    Indicator("minimum_wage", "earn_mw_cur", {"currency": "EUR"}, unit="eur_month", frequency="S", decimals=2),
    # une_rt_m: monthly, seasonally adjusted; the file in the defaults has the 27 member states, no EU aggregate
    Indicator("youth_unemployment_monthly", "une_rt_m",
              {"s_adj": "SA", "age": "Y_LT25", "unit": "PC_ACT", "sex": "T"}, frequency="M"),
    Indicator("unemployment_25_74_monthly", "une_rt_m",
              {"s_adj": "SA", "age": "Y25-74", "unit": "PC_ACT", "sex": "T"}, frequency="M"),
    # France only (JSON-stat extracts): employed persons aged 15 or over, in thousands
    Indicator("employment_by_occupation", "lfsa_egai2d", {"age": "Y_GE15", "unit": "THS_PER", "sex": "T"},
              unit="thousand_persons", breakdown=("isco08",)),
    Indicator("employment_by_occupation_education", "lfsa_egised",
              {"age": "Y_GE15", "unit": "THS_PER", "sex": "T"}, unit="thousand_persons",
              breakdown=("isco08", "isced11")),
    # Structure of Earnings Survey 2022: mean monthly gross earnings; there is no all-sizes class, so every value
    # belongs to one enterprise size class (sizeclas is always in the breakdown)
    Indicator("mean_earnings_by_occupation", "earn_ses22_25", {"indic_se": "ERN", "unit": "EUR", "sex": "T"},
              unit="eur_month", frequency="4Y", decimals=0, breakdown=("isco08", "sizeclas")),
    # lfst_r_lfu3rt, historical bulk file (NUTS 2010, data 1999-2013); geo is a NUTS 2 region (or EU27_2007)
    # (api=False: today's lfst_r_lfu3rt uses a later NUTS version; refreshing would mix region codes)
    Indicator("regional_unemployment_rate", "lfst_r_lfu3rt", {"age": "Y_GE15", "sex": "T"}, geo_level="nuts2",
              api=False),
    Indicator("regional_youth_unemployment_rate", "lfst_r_lfu3rt", {"age": "Y15-24", "sex": "T"},
              geo_level="nuts2", api=False),
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
        "unemployment under 25", "jobless under 25", "unemployed under 25", "menores de 25", "menores de 25 anos",
        "paro menores de 25", "desempleo menores de 25", "sub 25", "sub 25 de ani", "somaj sub 25",
        "somajul sub 25", "moins de 25 ans", "moins de 25", "chomage des moins de 25 ans",
        "chomage moins de 25 ans", "unter 25", "unter 25 jahren", "arbeitslosigkeit unter 25",
        "arbeitslosenquote unter 25", "arbeitslose unter 25",
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
        "beschaftigte", "erwerbstatige",
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
    "youth_unemployment_monthly": (
        "monthly youth unemployment", "youth unemployment monthly", "youth unemployment last month",
        "youth unemployment this month", "latest youth unemployment", "monthly unemployment of young people",
        "paro juvenil mensual", "desempleo juvenil mensual", "paro juvenil este mes", "paro juvenil del ultimo mes",
        "somajul tinerilor lunar", "somaj lunar tineri", "somajul lunar al tinerilor",
        "rata lunara a somajului in randul tinerilor", "chomage des jeunes mensuel", "chomage mensuel des jeunes",
        "chomage des jeunes ce mois", "chomage des moins de 25 ans le mois dernier",
        "monatliche jugendarbeitslosigkeit", "jugendarbeitslosigkeit monatlich",
        "jugendarbeitslosenquote monatlich", "monatliche jugendarbeitslosenquote",
    ),
    "unemployment_25_74_monthly": (
        "monthly unemployment", "unemployment monthly", "unemployment last month", "unemployment this month",
        "adult unemployment", "unemployment of adults", "unemployment 25-74", "paro mensual", "desempleo mensual",
        "paro del ultimo mes", "paro de los adultos", "desempleo de los adultos", "somaj lunar", "somajul lunar",
        "rata lunara a somajului", "somajul adultilor", "chomage mensuel", "chomage du mois",
        "chomage des adultes", "chomage des 25-74 ans", "monatliche arbeitslosigkeit", "arbeitslosenquote monatlich",
        "monatliche arbeitslosenquote", "arbeitslosigkeit erwachsener", "arbeitslosigkeit der erwachsenen",
    ),
    "employment_by_occupation": (
        "employment by occupation", "jobs by occupation", "workers by occupation", "employed by occupation",
        "people employed by occupation", "employment per occupation", "empleo por ocupacion",
        "ocupados por ocupacion", "empleo por profesion", "ocupados por profesion", "empleo por ocupaciones",
        "ocuparea pe ocupatii", "ocupare pe ocupatii", "populatia ocupata pe ocupatii", "angajati pe ocupatii",
        "emploi par profession", "emploi par metier", "emplois par metier", "actifs occupes par profession",
        "erwerbstatige nach beruf", "erwerbstatige nach berufen", "beschaftigte nach beruf",
        "beschaftigte nach berufen", "beschaftigung nach beruf", "erwerbstatige nach berufsgruppen",
        "how many people work as", "how many work as", "people working as", "how many people are employed as",
        "number of workers", "cuantas personas trabajan como", "cuantos trabajan como", "personas que trabajan como",
        "cati oameni lucreaza ca", "cate persoane lucreaza ca", "cati lucreaza ca",
        "combien de personnes travaillent comme",
        "combien travaillent comme", "nombre de personnes travaillant comme", "wie viele menschen arbeiten als",
        "wie viele arbeiten als", "wie viele personen arbeiten als", "wie viele beschaftigte",
    ),
    "employment_by_occupation_education": (
        "employment by education", "employment by education level", "employment by level of education",
        "employed by education", "workers by education level", "employed with vocational education",
        "employment by qualification", "empleo por nivel educativo", "empleo por nivel de estudios",
        "ocupados por nivel de estudios", "ocupados por nivel educativo", "ocupados con formacion profesional",
        "ocuparea dupa nivelul de educatie", "ocupare dupa nivelul de educatie",
        "populatia ocupata dupa nivelul de educatie", "angajati dupa nivelul de studii",
        "emploi par niveau d'education", "emploi par niveau de diplome", "emploi par niveau d'etudes",
        "actifs occupes par niveau de diplome", "erwerbstatige nach bildungsstand",
        "erwerbstatige nach bildungsabschluss", "beschaftigte nach bildungsabschluss",
        "beschaftigte nach bildungsniveau", "erwerbstatige mit berufsausbildung",
        "by education", "by education level", "by level of education", "education level", "por nivel educativo",
        "por nivel de estudios", "nivel de estudios", "dupa nivelul de educatie", "nivelul de educatie",
        "dupa studii", "par niveau d'etudes", "par niveau de diplome", "niveau d'etudes", "nach bildungsstand",
        "nach bildungsniveau", "nach bildungsabschluss", "bildungsniveau",
    ),
    "mean_earnings_by_occupation": (
        "earnings", "average earnings", "mean earnings", "gross earnings", "monthly earnings", "average salary",
        "average wage", "average pay", "earnings by occupation", "pay by occupation", "salary by occupation",
        "salario medio", "sueldo medio", "ganancia media", "ganancias medias", "salario por ocupacion",
        "salarios por profesion", "cuanto se gana", "castigul salarial mediu", "castig salarial mediu",
        "castigul salarial", "salariul mediu", "salariul mediu brut", "salarii pe ocupatii", "cat se castiga",
        "salaire moyen", "salaire moyen brut", "remuneration moyenne", "gains mensuels", "salaire par profession",
        "salaires par metier", "combien on gagne", "durchschnittsverdienst", "bruttoverdienst",
        "bruttomonatsverdienst", "verdienst", "durchschnittsgehalt", "durchschnittslohn", "gehalt nach beruf",
        "verdienst nach beruf", "wie viel verdient man",
        "earn", "earns", "how much does", "how much do", "salary", "salaries", "wage of", "pay of", "gana", "ganan",
        "cuanto gana", "sueldo", "castiga", "cat castiga", "salariul", "gagne", "gagnent", "combien gagne",
        "salaire", "verdient", "verdienen", "wie viel verdient", "gehalt",
        "salariu", "salariu mediu", "cat ia", "cat ia un", "cat ia o", "cat iau", "make in", "makes in",
        "make a month", "makes a month", "make per month", "makes per month",
    ),
    "regional_unemployment_rate": (
        "regional unemployment", "unemployment by region", "unemployment in the regions", "unemployment per region",
        "regional unemployment rate", "paro regional", "paro por regiones", "desempleo regional",
        "desempleo por regiones", "paro por comunidades autonomas", "paro por comunidad autonoma",
        "somaj regional", "somajul regional", "somajul pe regiuni", "somaj pe regiuni",
        "rata somajului pe regiuni", "chomage regional", "chomage par region", "chomage par regions",
        "taux de chomage regional", "chomage dans les regions", "regionale arbeitslosigkeit",
        "arbeitslosigkeit nach regionen", "arbeitslosenquote nach regionen", "arbeitslosigkeit nach bundesland",
        "arbeitslosigkeit nach bundeslandern", "regionale arbeitslosenquote",
    ),
    "regional_youth_unemployment_rate": (
        "regional youth unemployment", "youth unemployment by region", "youth unemployment in the regions",
        "paro juvenil regional", "paro juvenil por regiones", "desempleo juvenil por regiones",
        "somajul tinerilor pe regiuni", "somaj tineri pe regiuni", "somajul regional al tinerilor",
        "chomage des jeunes par region", "chomage des jeunes regional", "chomage regional des jeunes",
        "regionale jugendarbeitslosigkeit", "jugendarbeitslosigkeit nach regionen",
        "jugendarbeitslosigkeit nach bundeslandern",
    ),
}


# words saying the question is about a month: the annual unemployment series becomes the monthly one
MONTH_WORDS: tuple[str, ...] = (
    "monthly", "last month", "this month", "past month", "latest month", "mes pasado", "ultimo mes", "este mes",
    "mensual", "luna trecuta", "ultima luna", "luna aceasta", "lunar", "lunara", "mois dernier", "ce mois",
    "dernier mois", "mensuel", "letzten monat", "letzter monat", "diesen monat", "vormonat", "monatlich",
    "monatliche",
)
# a yearly unemployment series -> its monthly series of the same age group (the monthly file has 25-74 and
# under 25: the total 15-74 becomes 25-74, whose name says its ages)
TO_MONTHLY: dict[str, str] = {"unemployment_rate": "unemployment_25_74_monthly",
                              "youth_unemployment_rate": "youth_unemployment_monthly",
                              "unemployment_25_74_monthly": "unemployment_25_74_monthly",
                              "youth_unemployment_monthly": "youth_unemployment_monthly"}
# "how many welders are there": a count of people, employment by occupation when a job is named
COUNT_WORDS: tuple[str, ...] = (
    "how many", "cuantos", "cuantas", "cati", "cate", "combien", "wie viele",
)


def _words(text: str) -> str:
    import re

    from lmi4vet.text import fold

    return " " + " ".join(re.findall(r"[\w'-]+", fold(text))) + " "


def _umlaut_variant(folded: str) -> str:
    """German typed without umlauts: "beschaeftigte" -> "beschaftigte" (fold() already turns "ä" into "a")."""
    return folded.replace("ae", "a").replace("oe", "o").replace("ue", "u")


def _exact(folded: str) -> tuple[int, str] | None:
    best: tuple[int, str] | None = None
    for code, names in ALIASES.items():
        for name in names:
            if f" {name} " in folded and (best is None or len(name) > best[0]):
                best = (len(name), code)
    return best


def _tolerant(folded: str) -> tuple[int, str] | None:
    """A misspelt alias ("unemployement", "monthly unemplyment", "somajull"): the message's words against an
    alias's words one by one; each word is the same, or both have six letters or more, the same first letter and
    a similarity of 88 % or more (at least one such word). The longest alias, then the closest, wins."""
    try:
        from rapidfuzz.fuzz import ratio
    except ImportError:  # pragma: no cover
        from difflib import SequenceMatcher

        def ratio(a: str, b: str) -> float:
            return 100 * SequenceMatcher(None, a, b).ratio()
    words = folded.split()
    best: tuple[int, float, str] | None = None
    for code, names in ALIASES.items():
        for name in names:
            parts = name.split(" ")
            if len(parts) > 3 or all(len(part) < 6 for part in parts):
                continue
            for at in range(len(words) - len(parts) + 1):
                scores = []
                for word, part in zip(words[at:at + len(parts)], parts, strict=True):
                    if word == part:
                        continue
                    if len(word) < 6 or len(part) < 6 or word[0] != part[0] or ratio(word, part) < 88:
                        break
                    scores.append(ratio(word, part))
                else:
                    if scores and (best is None or (len(name), min(scores)) > best[:2]):
                        best = (len(name), min(scores), code)
    return (best[0], best[2]) if best else None


def mentions(text: str | None, phrases: tuple[str, ...]) -> bool:
    """Whether one of ``phrases`` (folded) is in ``text``, as whole words."""
    if not text:
        return False
    folded = _words(text)
    return any(f" {phrase} " in folded for phrase in phrases)


def resolve_indicator(text: str | None) -> str | None:
    """The indicator named in ``text`` ("paro juvenil" -> "youth_unemployment_rate"), or ``None``. Second
    chances when nothing is named: German written with ae/oe/ue for the umlauts, then a misspelt name. A yearly
    unemployment series asked with a month ("jobless under 25 monthly") is the monthly series."""
    if not text:
        return None
    folded = _words(text)
    exact = _exact(folded) or _exact(_umlaut_variant(folded))
    tolerant = _tolerant(folded)  # a longer name misspelt beats a shorter one written right ("paro juvenill")
    found = tolerant if tolerant and (exact is None or tolerant[0] > exact[0]) else exact
    code = found[1] if found else None
    if code in TO_MONTHLY and mentions(text, MONTH_WORDS):
        return TO_MONTHLY[code]
    return code
