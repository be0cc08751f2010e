"""NUTS 2 regions named in a message: "paro en Andalucía" -> ES61, "Arbeitslosigkeit Oberbayern" -> DE21.

Forms are the folded names of the locales' ``nuts2:`` mapping in every language, plus common short forms and
exonyms (:data:`SHORT_FORMS`). The longest form wins ("Sud-Vest Oltenia" beats "Vest"); a form that is also a
country's name never counts as a region, so "France" stays the country even though "Île de France" is a
region. A few names are everyday words ("centre", "vest", "réunion"): they count only when written with a
capital letter.
"""

from __future__ import annotations

import re
from functools import cache

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.countries import _fold_with_positions, _forms
from lmi4vet.i18n import catalog
from lmi4vet.text import fold

SHORT_FORMS: dict[str, tuple[str, ...]] = {
    "ES11": ("galice", "galizien"),
    "ES12": ("asturias", "asturies", "asturien"),
    "ES21": ("bilbao", "bilbo", "basque country", "euskadi", "pays basque", "baskenland", "tara bascilor"),
    "ES22": ("navarra", "navarre", "navarro"),
    "ES24": ("aragon", "aragonien"),
    "ES30": ("madrid", "region of madrid", "madrider"),
    "ES41": ("castile and leon", "castilla leon", "castille et leon", "kastilien und leon"),
    "ES42": ("castilla la mancha", "castile la mancha", "castille la manche", "kastilien la mancha"),
    "ES51": ("barcelona", "barcelone",
             "catalonia", "catalunya", "catalogne", "katalonien", "catalonia spain", "catalonia region"),
    "ES52": ("valencia", "valencian community", "region of valencia", "valence", "comunitat valenciana"),
    "ES53": ("balearic islands", "baleares", "baleare", "iles baleares", "balearen", "insulele baleare"),
    "ES61": ("andalucia", "andalusia", "andalousie", "andalusien", "andaluzia", "sevilla", "seville", "sevilla spain"),
    "ES62": ("murcia", "murcie"),
    "ES63": ("ceuta",),
    "ES64": ("melilla",),
    "ES70": ("canary islands", "canaries", "iles canaries", "kanaren", "kanarische inseln", "insulele canare"),
    "FR10": ("ile de france", "paris region", "region parisienne", "paris", "idf"),
    "FR30": ("nord pas de calais", "lille"),
    "FR71": ("rhone alpes", "lyon"),
    "FR62": ("toulouse",),
    "FR61": ("bordeaux",),
    "FR52": ("brittany", "bretana", "bretagne", "bretania"),
    "FR82": ("provence", "marseille", "marsella", "paca", "provence alpes cote d'azur", "cote d'azur"),
    "FR83": ("corsica", "corcega", "korsika"),
    "FR42": ("elsass",),
    "FR41": ("lothringen",),
    "FR26": ("burgund", "burgundy", "borgona"),
    "DE21": ("munich", "munchen", "muenchen", "upper bavaria", "alta baviera", "haute baviere", "bavaria superioara"),
    "DE22": ("lower bavaria", "basse baviere"),
    "DE30": ("berlin",),
    "DE60": ("hamburg", "hamburgo", "hambourg"),
    "DE71": ("frankfurt", "frankfurt am main", "francfort", "francfort sur le main"),
    "DE11": ("stuttgart",),
    "DED5": ("leipzig",),
    "DED2": ("dresden", "dresde"),
    "DE40": ("brandenburg",),
    "DE50": ("bremen", "breme"),
    "DEF0": ("schleswig holstein",),
    "DEA2": ("cologne", "colonia", "koeln"),
    "DEG0": ("thuringia", "thuringe", "turingia", "thuringen", "thueringen"),
    "DEC0": ("sarre", "sarre", "saarland"),
    "DEE0": ("saxony anhalt", "sachsen anhalt", "saxe anhalt", "sajonia anhalt", "saxonia anhalt"),
    "DE80": ("mecklenburg", "mecklenburg vorpommern", "mecklenburg western pomerania", "mecklembourg"),
    "RO11": ("cluj", "cluj napoca", "nord vest", "north west romania", "nord ouest roumanie", "regiunea nord vest"),
    "RO12": ("brasov", "regiunea centru", "centru romania"),
    "RO21": ("iasi", "nord est", "regiunea nord est"),
    "RO22": ("constanta", "dobrogea", "dobrudja", "sud est", "regiunea sud est"),
    "RO31": ("sud muntenia", "muntenia"),
    "RO32": ("bucuresti ilfov", "bucuresti", "bucharest", "bucarest", "bukarest", "ilfov"),
    "RO41": ("craiova", "sud vest oltenia", "oltenia", "sud vest"),
    "RO42": ("timisoara", "regiunea vest"),
}
# a German Land or a French region of 2016 that is several NUTS 2 regions of NUTS 2010: the regions to choose
GROUPS: dict[str, tuple[str, ...]] = {
    "bayern": ("DE21", "DE22", "DE23", "DE24", "DE25", "DE26", "DE27"),
    "bavaria": ("DE21", "DE22", "DE23", "DE24", "DE25", "DE26", "DE27"),
    "baviere": ("DE21", "DE22", "DE23", "DE24", "DE25", "DE26", "DE27"),
    "sachsen": ("DED2", "DED4", "DED5"), "saxony": ("DED2", "DED4", "DED5"), "saxe": ("DED2", "DED4", "DED5"),
    "nordrhein westfalen": ("DEA1", "DEA2", "DEA3", "DEA4", "DEA5"),
    "nrw": ("DEA1", "DEA2", "DEA3", "DEA4", "DEA5"),
    "north rhine westphalia": ("DEA1", "DEA2", "DEA3", "DEA4", "DEA5"),
    "hessen": ("DE71", "DE72", "DE73"), "hesse": ("DE71", "DE72", "DE73"),
    "baden wurttemberg": ("DE11", "DE12", "DE13", "DE14"),
    "baden wuerttemberg": ("DE11", "DE12", "DE13", "DE14"),
    "niedersachsen": ("DE91", "DE92", "DE93", "DE94"), "lower saxony": ("DE91", "DE92", "DE93", "DE94"),
    "rheinland pfalz": ("DEB1", "DEB2", "DEB3"), "rhineland palatinate": ("DEB1", "DEB2", "DEB3"),
    "normandie": ("FR23", "FR25"), "normandy": ("FR23", "FR25"), "normandia": ("FR23", "FR25"),
    "occitanie": ("FR62", "FR81"), "occitania": ("FR62", "FR81"),
    "hauts de france": ("FR30", "FR22"),
    "grand est": ("FR21", "FR41", "FR42"),
    "nouvelle aquitaine": ("FR61", "FR63", "FR53"),
    "bourgogne franche comte": ("FR26", "FR43"),
    "auvergne rhone alpes": ("FR71", "FR72"),
}
# everyday words that name a region only when capitalised ("le centre de formation" is not FR24)
_CAPITALISED_ONLY = frozenset({"centre", "centru", "vest", "reunion", "nord est", "sud est", "sud vest",
                               "nord vest", "paris", "valence", "sarre"})


def _key(name: str) -> str:
    return " ".join(re.findall(r"[\w']+", fold(name).replace("-", " ")))


@cache
def region_forms() -> dict[str, str]:
    """Folded form -> NUTS 2 code, over the five languages' ``nuts2`` names and :data:`SHORT_FORMS`."""
    table: dict[str, str] = {}
    for lang in SUPPORTED_LANGUAGES:
        for key, name in catalog(lang).items():
            if key.startswith("nuts2.") and name:
                table[_key(name)] = key.split(".", 1)[1]
    for code, forms in SHORT_FORMS.items():
        for form in forms:
            table.setdefault(_key(form), code)
    countries = _forms()
    return {form: code for form, code in table.items() if form and form not in countries}


@cache
def _pattern() -> re.Pattern[str]:
    forms = sorted(region_forms(), key=len, reverse=True)
    # spaces of a form match any run of spaces and punctuation ("Sud - Muntenia", "Nord-Vest")
    alternatives = "|".join(r"[\s,.;:/-]+".join(re.escape(w) for w in form.split(" ")) for form in forms)
    return re.compile(r"(?<!\w)(" + alternatives + r")(?!\w)")


def find_region(text: str | None) -> tuple[str, int, int] | None:
    """The region named in ``text`` as ``(code, start, end)`` (positions in ``text``), longest form first."""
    if not text:
        return None
    folded, origin = _fold_with_positions(text)
    best: tuple[str, int, int] | None = None
    for match in _pattern().finditer(folded):
        form = " ".join(re.findall(r"[\w']+", match.group(1)))
        code = region_forms().get(form)
        if code is None:
            continue
        start, end = origin[match.start(1)], origin[match.end(1) - 1] + 1
        if form in _CAPITALISED_ONLY and not text[start].isupper():
            continue
        if best is None or end - start > best[2] - best[1]:
            best = (code, start, end)
    return best


def region_names_in(folded: str) -> list[str]:
    """The region names (single regions and groups such as "bayern") in an already folded text."""
    names = [" ".join(re.findall(r"[\w']+", match.group(1))) for match in _pattern().finditer(folded)]
    padded = " " + _key(folded) + " "
    return names + [form for form in GROUPS if f" {form} " in padded]


def resolve_region(text: str | None) -> str | None:
    """The NUTS 2 code of the region named in ``text`` ("Île-de-France" -> "FR10"), or ``None``. A code written
    as such ("ES61", from a button) counts too."""
    if text and re.fullmatch(r"[A-Z]{2}[0-9A-Z]{2}", text.strip()):
        code = text.strip()
        return code if code in set(region_forms().values()) else None
    found = find_region(text)
    return found[0] if found else None


def find_region_group(text: str | None) -> tuple[str, ...]:
    """The NUTS 2 regions of a German Land or a French region of 2016 named in ``text`` ("Bayern" -> DE21 ...
    DE27), unless a single region is named by a longer form ("Sachsen-Anhalt"); ``()`` otherwise. The 2016
    region wins over the older one its name contains ("Nouvelle-Aquitaine" is not only "Aquitaine")."""
    if not text:
        return ()
    folded = " " + _key(text) + " "
    named = [form for form in GROUPS if f" {form} " in folded]
    if not named:
        return ()
    form = max(named, key=len)
    found = find_region(text)
    if found is not None and len(_key(text[found[1]:found[2]])) >= len(form):
        return ()
    return GROUPS[form]


def region_country(code: str) -> str:
    """The country of a NUTS 2 region ("ES61" -> "ES"; Eurostat's EL and UK as they are)."""
    return code[:2]
