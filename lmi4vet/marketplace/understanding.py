"""What an SME types in the VET2B marketplace, understood without the model: which service (a subcategory of
``categories.yml``, or only a group) and where (:func:`~lmi4vet.marketplace.places.find_place`), plus the
parsers of the request brief's answers (a date, an amount, a quantity, a provider's link code).

How :func:`parse_query` finds the service: every subcategory's search ``words`` and every name (split at
"and", commas...) of the subcategories and groups, in all five languages, folded (case, diacritics, German
ae/oe/ue), each word matched as written, by a light stem (plurals and simple inflections: "bicicletas" ~
"bicicleta", "magazinul" ~ "magazin") or with one typo when both words have six letters or more. The place's
words are no service words. Overlapping matches keep the longest ("coffee machine" over "coffee"); then the
best match wins by these rules, each breaking the ties of the one before:

1. the SME's own business is not the service: words after "for my / para mi / pour ma / für meine" or before
   the Romanian possessive ("pentru magazinul meu") count only if nothing else matched (words after a bare
   possessive, "my bakery needs...", weigh a little more than those);
2. a subcategory over a group recognised by itself ("marketing");
3. a word listed in the user's language; a few words that are ordinary words elsewhere ("red", "pan", "pub",
   "salon") count only in their own language (or when the language is unknown);
4. more words, then a search word over a name, then as written over stem over typo, then the word listed in
   more languages, then the first in the message.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache

from babel import Locale
from rapidfuzz import process
from rapidfuzz.distance import OSA

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.marketplace import categories as catalogue
from lmi4vet.marketplace.places import Place, find_place, gazetteer, key
from lmi4vet.marketplace.store import CODE_ALPHABET, CODE_LENGTH, normalise_code
from lmi4vet.text import fold

FUZZY_MIN_LETTERS = 6
LOOSE_WINDOW = 3  # tokens either side for a phrase's words in another order
STEM_MIN_LETTERS = 4

_TOKEN = re.compile(r"[^\W_]+")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
_PUNCTUATION = set(",.;:!?()")
_NAME_SPLIT = re.compile(r",|\s(?:and|y|e|și|et|und|sau|or|ou|oder)\s", re.IGNORECASE)
_NAME_HEAD = re.compile(r"\s(?:for|para|pentru|pour|für)\s.*$", re.IGNORECASE)

# Inflection endings stripped (one of these, then one final vowel), keeping at least STEM_MIN_LETTERS letters.
_ENDINGS = ("urilor", "urile", "ilor", "elor", "ului", "uri", "ies", "ile", "ele", "lor", "es", "ii", "ul", "en",
            "s", "x", "n")
_VOWELS = "aeiouy"


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Function words: never a service on their own unless typed with the lexicon's very accents ("uñas", not "unas").
_FUNCTION_WORDS = _word_set("""
a an and the of for to in on at by with from my our your is are be it this that me we you i or not no
el la los las un una unos unas de del y o en con para por mi mis su sus que es al lo le
si sau cu din pe la un o unei unui al ale ai mea meu mei mele este sunt pentru care ce
le la les un une des de du et ou en au aux pour par avec dans mon ma mes ton ta notre nos qui que est
der die das den dem des ein eine einen einem einer und oder in im am an auf mit von zu fur mein meine unser
unsere ist sind wer was
""")
# Words that are ordinary words in another language: they count only in their own language (or unknown).
_OWN_LANGUAGE_ONLY = frozenset({"red", "pan", "pain", "pub", "tour", "mur", "tor", "salon", "taller", "pastel",
                                "extras", "regal", "messe", "tort", "wand", "acte", "poda", "tours"})
_CAPITALS_ONLY = frozenset({"it"})  # "IT support", not "can you do it"
# Common words one typo away from a service word ("hiring" ~ "wiring").
_NOT_TYPOS = frozenset({"hiring", "firing", "during", "string", "things", "person", "return", "sooner", "better",
                        "letter", "matter", "winter", "summer", "dinner", "banker", "pastor", "master",
                        "posted", "printed", "minute", "nombre", "numero", "persoane", "personas", "personnes",
                        "personen", "leute", "people"})
# Name pieces too vague to name a category on their own.
_GENERIC_NAME_PIECES = frozenset({"support", "suport", "assistance", "aide", "ayuda", "atencion", "help",
                                  "service", "servicio", "servicios", "servicii", "services", "small", "petites",
                                  "pequenas", "marunte", "kleine", "configurare", "texts", "texte", "testing",
                                  "design"})

# The owner's business: possessives after which (en, es, fr, de) or before which (ro) the business is named.
_POSSESSIVES = frozenset({"my", "our", "mi", "mis", "nuestro", "nuestra", "nuestros", "nuestras", "mon", "ma",
                          "mes", "notre", "nos", "mein", "meine", "meinen", "meinem", "meiner", "meines", "unser",
                          "unsere", "unseren", "unserem", "unserer", "unseres"})
_RO_POSSESSIVES = frozenset({"meu", "mea", "mei", "mele", "nostru", "noastră", "noastra", "noștri", "nostri",
                             "noastre"})
_FOR = frozenset({"for", "of", "para", "de", "pour", "für", "fur", "fuer", "von", "pentru"})
_CLAUSE_STOPS = _word_set("""
and or in at near with from to that which who where y o en con cerca que donde desde si sau din la cu langa
lângă care unde et ou a à au dans avec près pres qui ou und oder bei mit aus nahe im am wo die der das
""")
_CLAUSE_WORDS = 3


@dataclass(frozen=True)
class Query:
    """What a search message asks for. ``category``: a subcategory id; ``group``: its group, or a group
    recognised by itself; ``place``: where; ``category_span``: ``[start, end)`` of the words that named the
    service in the text, ``matched`` those words and ``term`` the lexicon's words they matched (for logs)."""

    category: str | None
    group: str | None
    place: Place | None
    category_span: tuple[int, int] | None = None
    matched: str | None = None
    term: str | None = None


@dataclass(frozen=True)
class _Term:
    target: str  # a subcategory or group id
    is_group: bool
    tokens: tuple[str, ...]  # folded
    raw: str  # casefolded with accents, for a single token
    languages: frozenset[str]
    source: int  # 0 a search word, 1 a name
    text: str  # as written in categories.yml


@dataclass(frozen=True)
class _Match:
    term: _Term
    start: int  # token indexes, end exclusive
    end: int
    quality: int  # 0 as written, 1 stem, 2 typo, 3 in another order or apart


def _stem(token: str) -> str:
    """A light, language-blind stem: one inflection ending, then one final vowel."""
    for ending in _ENDINGS:
        if token.endswith(ending) and len(token) - len(ending) >= STEM_MIN_LETTERS:
            token = token[:-len(ending)]
            break
    if token[-1:] in _VOWELS and len(token) - 1 >= STEM_MIN_LETTERS:
        token = token[:-1]
    return token


def _folded_variants(text: str) -> set[tuple[str, ...]]:
    """``text`` as folded tokens, and with German ae/oe/ue for ä/ö/ü."""
    found = set()
    for form in (text, text.casefold().translate(_UMLAUTS)):
        tokens = tuple(fold(t) for t in _TOKEN.findall(form))
        if tokens:
            found.add(tokens)
    return found


def _name_pieces(name: str) -> list[str]:
    """A name's parts people type alone ("Bread, cakes and pastries" -> bread, cakes, pastries)."""
    pieces = []
    for piece in _NAME_SPLIT.split(name):
        piece = _NAME_HEAD.sub("", piece).strip()
        if piece and " ".join(fold(t) for t in _TOKEN.findall(piece)) not in _GENERIC_NAME_PIECES:
            pieces.append(piece)
    return pieces


class Lexicon:
    """Every service word and name, indexed by folded token, stem and length (built once: :func:`lexicon`)."""

    def __init__(self) -> None:
        entries: dict[tuple[tuple[str, ...], str, int], tuple[set[str], str, bool]] = {}

        def add(text: str, target: str, is_group: bool, lang: str, source: int) -> None:
            for tokens in _folded_variants(text):
                languages, _, _ = entries.setdefault((tokens, target, source), (set(), text, is_group))
                languages.add(lang)

        for cat in catalogue.categories():
            for lang in SUPPORTED_LANGUAGES:
                for word in cat.words[lang]:
                    add(word, cat.id, False, lang, 0)
                for piece in _name_pieces(cat.names[lang]):
                    add(piece, cat.id, False, lang, 1)
        for group in catalogue.groups():
            for lang in SUPPORTED_LANGUAGES:
                for piece in _name_pieces(group.names[lang]):
                    add(piece, group.id, True, lang, 1)
        self.by_first: dict[str, list[_Term]] = {}
        self.loose: dict[str, list[_Term]] = {}  # phrases by their first content word, for any word order
        for (tokens, target, source), (languages, text, is_group) in entries.items():
            raw = text.casefold() if len(tokens) == 1 else ""
            term = _Term(target, is_group, tokens, raw, frozenset(languages), source, text)
            self.by_first.setdefault(tokens[0], []).append(term)
            content = [t for t in tokens if t not in _FUNCTION_WORDS]
            if 2 <= len(content) <= 3:
                self.loose.setdefault(content[0], []).append(term)
        self.vocabulary = frozenset(t for terms in self.by_first.values() for term in terms for t in term.tokens)
        self.stems: dict[str, set[str]] = {}
        self.by_length: dict[int, list[str]] = {}
        for token in self.vocabulary:
            if token.isalpha() and len(token) >= STEM_MIN_LETTERS:
                self.stems.setdefault(_stem(token), set()).add(token)
            if token.isalpha() and len(token) >= FUZZY_MIN_LETTERS:
                self.by_length.setdefault(len(token), []).append(token)

    @lru_cache(maxsize=8192)  # noqa: B019 - one lexicon, built once
    def token_matches(self, token: str) -> tuple[tuple[str, int], ...]:
        """The lexicon's tokens a message token matches, with the quality (0 as written, 1 stem, 2 typo)."""
        found: dict[str, int] = {}
        if token in self.vocabulary:
            found[token] = 0
        if token in _FUNCTION_WORDS or not token.isalpha():
            return tuple(found.items())
        if len(token) >= STEM_MIN_LETTERS:
            for other in self.stems.get(_stem(token), ()):
                found.setdefault(other, 1)
        if len(token) >= FUZZY_MIN_LETTERS and token not in _NOT_TYPOS:
            choices = [t for size in (len(token) - 1, len(token), len(token) + 1) for t in self.by_length.get(size, ())]
            for other, _, _ in process.extract(token, choices, scorer=OSA.distance, score_cutoff=1, limit=None):
                found.setdefault(other, 2)
        return tuple(found.items())


@cache
def lexicon() -> Lexicon:
    """The lexicon of ``categories.yml``, built once."""
    return Lexicon()


def _tokens(text: str) -> list[tuple[str, str, int, int]]:
    """(folded, casefolded as typed, start, end) of each word or number."""
    return [(fold(m.group()), m.group().casefold(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _matches(text: str, tokens: list[tuple[str, str, int, int]], skip: set[int], language: str | None,
             lex: Lexicon) -> list[_Match]:
    per_token = [dict(lex.token_matches(t[0])) if i not in skip else {} for i, t in enumerate(tokens)]
    found = []
    for start, options in enumerate(per_token):
        for first in options:
            for term in lex.by_first.get(first, ()):
                end = start + len(term.tokens)
                if end > len(tokens) or any(term.tokens[k] not in per_token[start + k]
                                            for k in range(1, len(term.tokens))):
                    continue
                worst = max(per_token[start + k][term.tokens[k]] for k in range(len(term.tokens)))
                if len(term.tokens) == 1 and not _single_word_counts(term, tokens[start], text, language, worst):
                    continue
                found.append(_Match(term, start, end, worst))
    return found + _loose_matches(per_token, {(id(m.term), m.start) for m in found}, lex)


def _loose_matches(per_token: list[dict[str, int]], exact: set[tuple[int, int]], lex: Lexicon) -> list[_Match]:
    """Phrases whose content words are all there, near each other, in another order or with words between
    ("repair my laptop" ~ "laptop repair", "screen is cracked" ~ "cracked screen")."""
    found = []
    for position, options in enumerate(per_token):
        for first in options:
            for term in lex.loose.get(first, ()):
                if (id(term), position) in exact:
                    continue
                used, worst = [position], options[first]
                for word in (t for t in term.tokens if t not in _FUNCTION_WORDS and t != first):
                    near = [j for j in range(max(0, position - LOOSE_WINDOW), min(len(per_token), position
                                                                                   + LOOSE_WINDOW + 1))
                            if j not in used and word in per_token[j]]
                    if not near:
                        break
                    j = min(near, key=lambda k: abs(k - position))
                    used.append(j)
                    worst = max(worst, per_token[j][word])
                else:
                    found.append(_Match(term, min(used), max(used) + 1, max(worst, 3)))
    return found


def _single_word_counts(term: _Term, token: tuple[str, str, int, int], text: str, language: str | None,
                        quality: int) -> bool:
    folded, typed, start, end = token
    if term.tokens[0] in _FUNCTION_WORDS and typed != term.raw:
        return False
    if term.tokens[0] in _CAPITALS_ONLY and text[start:end] != text[start:end].upper():
        return False
    if term.tokens[0] in _OWN_LANGUAGE_ONLY and language is not None and language not in term.languages:
        return False
    return quality == 0 or len(folded) >= STEM_MIN_LETTERS


def _business(text: str, tokens: list[tuple[str, str, int, int]]) -> list[int]:
    """Per token: 2 inside "for my <business>" (and its kin), 1 after a bare possessive, else 0."""
    level = [0] * len(tokens)

    def broken(i: int, j: int) -> bool:  # punctuation between tokens i and j (i < j)
        return any(ch in _PUNCTUATION for ch in text[tokens[i][3]:tokens[j][2]])

    for i, (_, typed, _, _) in enumerate(tokens):
        if typed in _POSSESSIVES and i + 1 < len(tokens):
            strength = 2 if i > 0 and tokens[i - 1][1] in _FOR else 1
            for j in range(i + 1, min(len(tokens), i + 1 + _CLAUSE_WORDS)):
                if tokens[j][1] in _CLAUSE_STOPS or broken(j - 1, j):
                    break
                level[j] = max(level[j], strength)
        elif typed in _RO_POSSESSIVES and i > 0:
            clause = []
            for j in range(i - 1, max(-1, i - 1 - 2), -1):
                if tokens[j][1] in _CLAUSE_STOPS or tokens[j][1] in _FOR or broken(j, j + 1):
                    break
                clause.append(j)
            first = min(clause, default=i)
            strength = 2 if first > 0 and tokens[first - 1][1] in _FOR else 1
            for j in clause:
                level[j] = max(level[j], strength)
    return level


def _rank(match: _Match, business: list[int], language: str | None) -> tuple:
    term = match.term
    own = language is None or language in term.languages
    return (max(business[match.start:match.end]), term.is_group, not own, -len(term.tokens), term.source,
            match.quality, -len(term.languages), match.start)


def _without_overlaps(matches: Iterable[_Match], business: list[int], language: str | None) -> list[_Match]:
    chosen: list[_Match] = []
    taken: set[int] = set()
    for match in sorted(matches, key=lambda m: (-len(m.term.tokens), _rank(m, business, language))):
        span = set(range(match.start, match.end))
        if not span & taken:
            chosen.append(match)
            taken |= span
    return chosen


def _typo_place_on_service_word(place: Place, tokens: list[tuple[str, str, int, int]], lex: Lexicon) -> bool:
    """Whether ``place`` was read from a typo and its words are service words as written."""
    if place.kind == "country" or key(place.text) in gazetteer().forms():
        return False
    inside = [t for t in tokens if t[2] < place.span[1] and t[3] > place.span[0]]
    return bool(inside) and all(t[0] in lex.vocabulary for t in inside)


def parse_query(text: str, language: str | None = None) -> Query:
    """The service and the place a search message asks for (see the module's rules); ``language`` is the
    user's, for ambiguous words (None: unknown)."""
    text = text or ""
    language = language if language in SUPPORTED_LANGUAGES else None
    tokens = _tokens(text)
    lex = lexicon()
    place = find_place(text)
    if place is not None and _typo_place_on_service_word(place, tokens, lex):
        start, end = place.span  # "Maurer" (a bricklayer) is no typo of Mauren
        place = find_place(text[:start] + " " * (end - start) + text[end:])
    skip = set() if place is None else {i for i, t in enumerate(tokens)
                                        if t[2] < place.span[1] and t[3] > place.span[0]}
    business = _business(text, tokens)
    chosen = _without_overlaps(_matches(text, tokens, skip, language, lex), business, language)
    if not chosen:
        return Query(None, None, place)
    best = min(chosen, key=lambda m: _rank(m, business, language))
    span = (tokens[best.start][2], tokens[best.end - 1][3])
    if best.term.is_group:
        category, group = None, best.term.target
    else:
        category, group = best.term.target, catalogue.category(best.term.target).group
    return Query(category, group, place, span, text[span[0]:span[1]], best.term.text)


# ---------------------------------------------------------------------------------------------- numbers

_NUMBER_WORDS: dict[str, dict[str, int]] = {
    "en": {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
           "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
           "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90},
    "es": {"cero": 0, "uno": 1, "una": 1, "un": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
           "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14,
           "quince": 15, "dieciseis": 16, "diecisiete": 17, "dieciocho": 18, "diecinueve": 19, "veinte": 20,
           "veintiuno": 21, "veintiuna": 21, "veintiun": 21, "veintidos": 22, "veintitres": 23,
           "veinticuatro": 24, "veinticinco": 25, "veintiseis": 26, "veintisiete": 27, "veintiocho": 28,
           "veintinueve": 29, "treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60, "setenta": 70,
           "ochenta": 80, "noventa": 90, "cien": 100, "doscientos": 200, "doscientas": 200, "trescientos": 300,
           "trescientas": 300, "quinientos": 500, "quinientas": 500},
    "ro": {"zero": 0, "unu": 1, "una": 1, "un": 1, "o": 1, "doi": 2, "doua": 2, "trei": 3, "patru": 4,
           "cinci": 5, "sase": 6, "sapte": 7, "opt": 8, "noua": 9, "zece": 10, "unsprezece": 11,
           "doisprezece": 12, "douasprezece": 12, "treisprezece": 13, "paisprezece": 14, "cincisprezece": 15,
           "saisprezece": 16, "saptesprezece": 17, "optsprezece": 18, "nouasprezece": 19, "douazeci": 20,
           "treizeci": 30, "patruzeci": 40, "cincizeci": 50, "saizeci": 60, "saptezeci": 70, "optzeci": 80,
           "nouazeci": 90},
    "fr": {"zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
           "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15,
           "seize": 16, "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
           "quatre-vingt": 80, "quatre-vingts": 80, "dizaine": 10, "quinzaine": 15, "vingtaine": 20,
           "trentaine": 30, "quarantaine": 40, "cinquantaine": 50, "soixantaine": 60, "centaine": 100},
    "de": {"null": 0, "eins": 1, "ein": 1, "eine": 1, "einen": 1, "einem": 1, "einer": 1, "zwei": 2, "drei": 3,
           "vier": 4, "funf": 5, "fuenf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11,
           "zwolf": 12, "zwoelf": 12, "dreizehn": 13, "vierzehn": 14, "funfzehn": 15, "sechzehn": 16,
           "siebzehn": 17, "achtzehn": 18, "neunzehn": 19, "zwanzig": 20, "dreissig": 30, "vierzig": 40,
           "funfzig": 50, "sechzig": 60, "siebzig": 70, "achtzig": 80, "neunzig": 90},
}
_MULTIPLIERS: dict[str, int] = {"hundred": 100, "hundert": 100, "cent": 100, "cents": 100, "ciento": 100,
                                "suta": 100, "sute": 100, "thousand": 1000, "mil": 1000, "mille": 1000,
                                "tausend": 1000, "mie": 1000, "mii": 1000, "dozen": 12, "docena": 12,
                                "duzina": 12, "douzaine": 12, "dutzend": 12}
_CONNECTORS = frozenset({"and", "y", "si", "et", "und", "-"})
# Number words that are ordinary words in another language: only in their own ("at once", "an elf", "opt in").
_AMBIGUOUS_NUMBERS = frozenset({"once", "elf", "opt", "o", "sept", "un", "una", "une", "ein", "eine", "einen",
                                "einem", "einer", "noua", "six", "null", "mil", "cent", "cents", "mie"})
_GERMAN_COMPOUND = re.compile(r"^(?:(\w+?)hundert)?(?:(\w+?)und)?(\w*)$")
_NUMBER_TOKEN = re.compile(r"quatre-vingts?|[^\W\d_]+|-")
_DIGITS = re.compile(r"(?<![\d.,])([-−–]\s*(?:[€£$]\s*)?)?"  # a sign, maybe before the currency ("-€50")
                     r"(\d{1,3}(?:[.,\s]\d{3})+(?:[.,]\d{1,2})?(?![\d.,]\d)|\d+(?:[.,]\d+)?)")
_MINUS_WORD = re.compile(r"\b(?:minus|menos|moins)\s+$", re.IGNORECASE)
_LEADING_MINUS = re.compile(r"\s*(?:minus|menos|moins)\b")


def _word_value(word: str, language: str | None) -> int | None:
    """The value of one folded number word (its language's first, then the unambiguous ones of the others)."""
    if word in _MULTIPLIERS:
        return _MULTIPLIERS[word]
    own = _NUMBER_WORDS.get(language or "", {})
    if word in own:
        return own[word]
    for lang, table in _NUMBER_WORDS.items():
        if lang != language and word in table and word not in _AMBIGUOUS_NUMBERS:
            return table[word]
    if language in (None, "de"):  # "fünfundzwanzig", "zweihundert"
        hundreds, units, tens = _GERMAN_COMPOUND.match(word).groups()
        german = _NUMBER_WORDS["de"]
        if (hundreds or units) and (tens in german or not tens) and (not hundreds or hundreds in german) \
                and (not units or units in german):
            total = german.get(hundreds, 0) * 100 if hundreds else 0
            return total + (german[units] if units else 0) + (german[tens] if tens else 0)
    return None


def _number_words(text: str, language: str | None) -> int | None:
    """The first number written in words ("twenty five", "treinta y cinco", "douăzeci și cinci",
    "quatre-vingt-dix", "fünfundzwanzig", "two hundred", "una docena")."""
    tokens = _NUMBER_TOKEN.findall(fold(text))
    i = 0
    while i < len(tokens):
        value = _word_value(tokens[i], language)
        if value is None or tokens[i] in _MULTIPLIERS:
            if tokens[i] in ("a", "an") and i + 1 < len(tokens) and tokens[i + 1] in _MULTIPLIERS:
                value = 1  # "a dozen", "a hundred"
            elif value is None:
                i += 1
                continue
        if tokens[i] in _UNIT_ONES and i + 1 < len(tokens) and tokens[i + 1] not in _MULTIPLIERS \
                and _word_value(tokens[i + 1], language):
            i += 1  # "une trentaine", "o sută" stays 100
        total, current, last = 0, 0, None
        while i < len(tokens):
            word = tokens[i]
            if word in _CONNECTORS and current and i + 1 < len(tokens) and _word_value(tokens[i + 1], language):
                i += 1
                continue
            value = 1 if word in ("a", "an") and last is None else _word_value(word, language)
            if value is None:
                break
            if word in _MULTIPLIERS:
                current = (current or 1) * value
                if value == 1000:
                    total, current = total + current, 0
                last = value
            elif last is None or value < last:
                current, last = current + value, value
            else:
                break
            i += 1
        return total + current
    return None


def _decimal(number: str) -> Decimal | None:
    """A number as typed, European or English separators ("1.500,50", "1,500.50", "1.500", "12,5")."""
    number = re.sub(r"\s", "", number)
    if "." in number and "," in number:
        decimal_mark = "." if number.rfind(".") > number.rfind(",") else ","
        thousands = "," if decimal_mark == "." else "."
        number = number.replace(thousands, "").replace(decimal_mark, ".")
    elif "." in number or "," in number:
        mark = "." if "." in number else ","
        parts = number.split(mark)
        number = number.replace(mark, "" if len(parts) > 2 or len(parts[1]) == 3 else ".")
    try:
        return Decimal(number)
    except InvalidOperation:
        return None


def _numbers(text: str) -> list[tuple[Decimal, int, int]]:
    """Each number written in digits with its sign: (value, start, end)."""
    found = []
    for match in _DIGITS.finditer(text):
        value = _decimal(match.group(2))
        if value is None:
            continue
        sign = bool(match.group(1)) and (match.start() == 0 or not text[match.start() - 1].isalnum())
        if sign or _MINUS_WORD.search(text[:match.start()]):
            value = -value
        found.append((value, match.start(2), match.end(2)))
    return found


def parse_quantity(text: str, language: str) -> int | None:
    """How many ("50", "50 persons", "about 30 people", "cincizeci", "una", "zwei", "a dozen"); negative or
    zero numbers are returned as such (the brief's check refuses them); None without a whole number."""
    numbers = _numbers(text or "")
    if numbers:
        value = numbers[0][0]
        return int(value) if value == value.to_integral_value() else None
    value = _number_words(text or "", language)
    return -value if value is not None and _LEADING_MINUS.match(fold(text)) else value


_WEEKS = re.compile(r"\b(?:weeks?|semanas?|saptaman[ia]|saptamani(?:le)?|semaines?|wochen?)\b")
_WEEK_ALONE = re.compile(r"^\s*(?:a|one|una|o|une|eine?)?\s*(?:week|semana|saptamana|semaine|woche)\s*$")


def parse_days(text: str, language: str) -> int | None:
    """A number of days, as a lead time is typed ("14", "14 days", "two weeks", "o săptămână", "2 Wochen");
    None without a number."""
    folded = fold(text or "")
    if _WEEK_ALONE.match(folded):
        return 7
    number = parse_quantity(text, language)
    if number is None:
        return None
    return number * 7 if _WEEKS.search(folded) else number


# ---------------------------------------------------------------------------------------------- amounts

@dataclass(frozen=True)
class Amount:
    """An amount as typed: its value (negative kept) and the currency written with it, if any."""

    value: Decimal
    currency: str | None = None


_CURRENCIES = {"€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "lei": "RON", "leu": "RON", "ron": "RON",
               "£": "GBP", "gbp": "GBP", "pounds": "GBP", "chf": "CHF", "$": "USD", "usd": "USD",
               "dollars": "USD", "dolares": "USD", "pln": "PLN", "zl": "PLN", "zloty": "PLN", "czk": "CZK",
               "kc": "CZK", "huf": "HUF", "bgn": "BGN", "leva": "BGN", "sek": "SEK", "dkk": "DKK", "nok": "NOK"}
_CURRENCY = re.compile(r"[€£$]|\b(?:" + "|".join(sorted((c for c in _CURRENCIES if c.isalpha()), key=len,
                                                           reverse=True)) + r")\b")
_THOUSANDS_K = re.compile(r"\s*k\b", re.IGNORECASE)


def parse_amount(text: str) -> Amount | None:
    """A budget or price as typed ("200", "€200", "1.500,50 lei", "1,500.50", "200 EUR", "- 50 €", "minus 50",
    "2k"), or None when the text has no number. The number next to a currency wins over the first one."""
    folded = fold(text or "")
    numbers = _numbers(folded)
    if not numbers:
        return None
    currencies = [(m.start(), m.end(), _CURRENCIES[m.group()]) for m in _CURRENCY.finditer(folded)]

    def adjacent(number: tuple[Decimal, int, int]) -> str | None:
        _, start, end = number
        for c_start, c_end, code in currencies:
            if (c_end <= start and not folded[c_end:start].strip(" -−–")) or (
                    c_start >= end and not folded[end:c_start].strip()):
                return code
        return None

    value, _, end = chosen = next((n for n in numbers if adjacent(n)), numbers[0])
    if _THOUSANDS_K.match(folded, end):
        value *= 1000
    return Amount(value, adjacent(chosen) or (currencies[0][2] if currencies else None))


# ---------------------------------------------------------------------------------------------- link codes

_CODE_IN_TEXT = re.compile(r"(?<![\w-])([A-Za-z2-9]{4})[\s-]?([A-Za-z2-9]{4})(?![\w-])")


def _known_word(typed: str) -> bool:
    """A word written as words are ("Thursday", "strength"...), not in capitals: one the chat knows is no code."""
    if not typed.isalpha() or typed.isupper():
        return False
    months, weekdays, _, _ = _calendar_words()
    word = fold(typed)
    return word in months or word in weekdays or word in lexicon().vocabulary or word in _NOT_TYPOS


def looks_like_code(text: str) -> str | None:
    """A provider's link code as typed (the whole message, any case, with spaces or dashes; or within a
    sentence, in capitals, with a digit or a dash: "my code is ABCD-EF23"), normalised as issued; else None."""
    typed = (text or "").strip().strip("\"'«»„“”.!")
    whole = normalise_code(typed)
    if len(whole) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in whole) and not _known_word(typed):
        return whole
    for match in _CODE_IN_TEXT.finditer(text or ""):
        typed = match.group()
        code = normalise_code(typed)
        if all(ch in CODE_ALPHABET for ch in code) and (typed.isupper() or "-" in typed
                                                        or any(ch.isdigit() for ch in typed)):
            return code
    return None


# ---------------------------------------------------------------------------------------------- dates

_RELATIVE_DAYS = (  # folded phrases, longest first within each language
    (2, ("day after tomorrow", "pasado manana", "poimaine", "apres-demain", "apres demain", "ubermorgen",
         "uebermorgen")),
    (1, ("tomorrow", "manana", "maine", "demain", "morgen")),
    (0, ("heute morgen", "today", "hoy", "astazi", "azi", "aujourd'hui", "aujourd hui", "aujourd’hui", "heute")),
)
_NEXT_WEEK = ("next week", "la semana que viene", "la proxima semana", "saptamana viitoare", "la semaine prochaine",
              "nachste woche", "naechste woche", "nachsten woche", "kommende woche")
_END_OF_MONTH = re.compile(r"\b(?:end of (?:the )?month|fin(?:ales)? de(?:l)? mes|sfarsitul lunii|sfarsit de luna|"
                           r"fin (?:du|de) mois|ende (?:des|dieses) monats|monatsende)\b")
_UNITS = {"day": 1, "days": 1, "dia": 1, "dias": 1, "zi": 1, "zile": 1, "jour": 1, "jours": 1, "tag": 1,
          "tage": 1, "tagen": 1, "week": 7, "weeks": 7, "semana": 7, "semanas": 7, "saptamana": 7,
          "saptamani": 7, "semaine": 7, "semaines": 7, "woche": 7, "wochen": 7, "month": 30, "months": 30,
          "mes": 30, "meses": 30, "luna": 30, "luni": 30, "mois": 30, "monat": 30, "monate": 30, "monaten": 30}
_IN = re.compile(r"\b(?:in|within|dentro de|en|peste|intr|in decurs de|dans|d'ici|d’ici|innerhalb von|binnen)"
                 r"[\s-]+(\d+|[a-z]+)\s+(" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")\b")
_NOT_WORD = re.compile(r"[^a-z0-9’' -]")
_UNIT_ONES = frozenset({"a", "an", "un", "una", "une", "o", "ein", "eine", "einer", "einem", "einen"})
_NEXT_AFTER = ("prochain", "que viene", "viitoare", "viitor", "urmatoare", "urmator")
_THIS = frozenset({"this", "este", "esta", "ce", "diesen", "dieser", "asta", "aceasta", "acesta"})
_RO_WEEKDAYS = {"lunea": 0, "martea": 1, "miercurea": 2, "joia": 3, "vinerea": 4, "sambata": 5, "duminica": 6}
_MONTH_EXTRAS = {"sept": 9, "sep": 9, "mrz": 3, "maerz": 3, "juil": 7, "fevr": 2, "janv": 1, "avr": 4, "dic": 12,
                 "ene": 1, "abr": 4, "ago": 8, "iun": 6, "iul": 7, "ian": 1}


@cache
def _calendar_words() -> tuple[dict[str, int], dict[str, int], re.Pattern[str], re.Pattern[str]]:
    """Month and weekday names of the five languages from CLDR (folded, wide and abbreviated), and the two
    day-month patterns built from them."""
    months: dict[str, int] = dict(_MONTH_EXTRAS)
    weekdays: dict[str, int] = dict(_RO_WEEKDAYS)
    for lang in SUPPORTED_LANGUAGES:
        locale = Locale.parse(lang)
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in locale.months[context][width].items():
                    for form in {fold(name).strip("."), fold(name.casefold().translate(_UMLAUTS)).strip(".")}:
                        if len(form) >= 3:
                            months.setdefault(form, number)
            for number, name in locale.days[context]["wide"].items():
                weekdays.setdefault(fold(name), number)
    names = "|".join(sorted(months, key=len, reverse=True))
    day_month = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th|er|º|°)?\.?\s*(?:de\s+|of\s+|-)?(" + names + r")\b\.?"
                           r"(?:\s*(?:,|de|del)?\s*(\d{4}))?")
    month_day = re.compile(r"\b(" + names + r")\b\.?\s+(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4}))?")
    return months, weekdays, day_month, month_day


def _day(year: int | None, month: int, day: int, today: date) -> date | None:
    """The date, or without a year the next such date on or after today; None for no such date."""
    if year is not None:
        try:
            return date(year if year >= 100 else 2000 + year, month, day)
        except ValueError:
            return None
    for candidate_year in range(today.year, today.year + 9):
        try:
            found = date(candidate_year, month, day)
        except ValueError:
            if not 1 <= month <= 12 or not 1 <= day <= 31 or day > 29:
                return None
            continue
        if found >= today:
            return found
    return None


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _weekday(folded: str, weekdays: dict[str, int], today: date) -> date | None:
    words = folded.replace(",", " ").split()
    for i, word in enumerate(words):
        if word not in weekdays:
            continue
        before = words[i - 1] if i else ""
        after = " ".join(words[i + 1:i + 3])
        this = before in _THIS and not any(after.startswith(w) for w in _NEXT_AFTER)
        ahead = (weekdays[word] - today.weekday()) % 7
        if ahead == 0 and not this:
            ahead = 7
        return today + timedelta(days=ahead)
    return None


def parse_date(text: str, language: str, today: date) -> date | None:
    """A date as typed in any of the five languages: numeric day first ("15/03/2027", "15.3."), ISO, with a
    month's name ("15 March 2027", "March 15", "15 de marzo", "le 15 mars", "15. März"), relative ("tomorrow",
    "in 2 weeks", "next Friday", "end of the month"). A year in the past is kept (the caller's check says
    date_past); without a year, the next such date on or after ``today``. None for no date or an impossible one.
    ``language`` is accepted for symmetry with the other parsers: every language's names are understood."""
    del language
    folded = fold(text or "").strip()
    if not folded:
        return None
    if match := re.search(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", folded):
        return _day(int(match[1]), int(match[2]), int(match[3]), today)
    if match := re.search(r"\b(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})\b", folded):
        return _day(int(match[3]), int(match[2]), int(match[1]), today)
    if match := re.search(r"(?<![\d.,])(\d{1,2})[./](\d{1,2})(?![\d,]|\.\d)", folded):
        return _day(None, int(match[2]), int(match[1]), today)
    months, weekdays, day_month, month_day = _calendar_words()
    if match := day_month.search(folded):
        return _day(int(match[3]) if match[3] else None, months[match[2]], int(match[1]), today)
    if match := month_day.search(folded):
        return _day(int(match[3]) if match[3] else None, months[match[1]], int(match[2]), today)
    if match := _IN.search(folded):
        amount = 1 if match[1] in _UNIT_ONES else int(match[1]) if match[1].isdigit() else _number_words(match[1], None)
        if amount is not None:
            unit = _UNITS[match[2]]
            return _add_months(today, amount) if unit == 30 else today + timedelta(days=amount * unit)
    padded = " " + _NOT_WORD.sub(" ", folded) + " "
    if any(f" {phrase} " in padded for phrase in _RELATIVE_DAYS[0][1]):
        return today + timedelta(days=2)
    if (found := _weekday(folded, weekdays, today)) is not None:
        return found
    if " heute morgen " in padded:  # this morning
        return today
    for days, phrases in _RELATIVE_DAYS[1:]:
        if any(f" {phrase} " in padded for phrase in phrases):
            return today + timedelta(days=days)
    if any(f" {phrase} " in padded for phrase in _NEXT_WEEK):
        return today + timedelta(days=7)
    if _END_OF_MONTH.search(folded):
        return date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
    return None
