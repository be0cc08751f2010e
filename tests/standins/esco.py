"""A stand-in for the ESCO web-service API on 127.0.0.1, answering from the real German v1.2.1 package in
``shared/data/esco/de/v1.2.1_official`` (and Romanian v1.0.8 occupations).

``GET /resource/occupation?uri=<uri>&language=de`` and ``GET /resource/skill?uri=...`` answer the API's JSON
(``className``, ``uri``, ``title``, ``preferredLabel: {"de": ...}``, ``alternativeLabel: {"de": [...]}``); a URI
the package lacks answers 404 like the API. Skill labels come from the ``*SkillsCollection_de.csv`` files (the
snapshot has no skills_de.csv). ``drop(uri)`` hides a concept; ``fail(mode)``: ``"500"``, ``"timeout"``,
``"malformed"`` (a 200 with a body that is not JSON).
"""

from __future__ import annotations

import csv
from pathlib import Path

from aiohttp import web

from lmi4vet.importers.esco import split_labels
from tests.standins.eurostat import SHARED, SlowStandIn

ESCO = SHARED / "esco"
PACKAGES = {"de": ESCO / "de" / "v1.2.1_official", "ro": ESCO / "ro" / "v1.0.8_official"}


def read_concepts(files: list[Path]) -> dict[str, tuple[str, list[str]]]:
    """``{uri: (preferredLabel, altLabels)}`` of ESCO CSV files (a URI listed twice: the latest modifiedDate)."""
    found: dict[str, tuple[str, tuple[str, list[str]]]] = {}
    for path in files:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                modified = row.get("modifiedDate") or ""
                if row["conceptUri"] in found and found[row["conceptUri"]][0] > modified:
                    continue
                found[row["conceptUri"]] = (modified, (row["preferredLabel"].strip(),
                                                       split_labels(row.get("altLabels"))))
    return {uri: labels for uri, (_, labels) in found.items()}


class EscoStandIn(SlowStandIn):
    """The ESCO API's /resource/occupation and /resource/skill; see the module's docstring."""

    def __init__(self, delay: float = 3.0) -> None:
        super().__init__(delay)
        self.failures: list[str] = []
        self.hidden: set[str] = set()
        self.concepts: dict[tuple[str, str], dict[str, tuple[str, list[str]]]] = {}
        for lang, folder in PACKAGES.items():
            self.concepts[("occupation", lang)] = read_concepts(sorted(folder.glob(f"occupations_{lang}.csv")))
            self.concepts[("skill", lang)] = read_concepts(sorted(folder.glob(f"*SkillsCollection_{lang}.csv")))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail(self, mode: str, times: int = 1) -> None:
        assert mode in ("500", "timeout", "malformed"), mode
        self.failures.extend([mode] * times)

    def drop(self, uri: str) -> None:
        self.hidden.add(uri)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/resource/{kind}", self._resource)
        return app

    async def _resource(self, request: web.Request) -> web.Response:
        kind, uri = request.match_info["kind"], request.query.get("uri", "")
        lang = request.query.get("language", "en")
        self.record(kind, {"uri": uri, "language": lang})
        mode = self.failures.pop(0) if self.failures else None
        if mode == "500":
            return web.json_response({"errorMessage": "Internal server error"}, status=500)
        if mode == "timeout":
            await self.stall()
        if mode == "malformed":
            return web.Response(text='{"className": "Occupation", "preferredLabel": {"de": "Schwei',
                                content_type="application/json")
        labels = self.concepts.get((kind, lang), {}).get(uri)
        if kind not in ("occupation", "skill") or labels is None or uri in self.hidden:
            return web.json_response({"errorMessage": f"Resource with URI {uri} not found"}, status=404)
        preferred, alternatives = labels
        return web.json_response({
            "className": kind.capitalize(), "classId": f"http://data.europa.eu/esco/model#{kind.capitalize()}",
            "uri": uri, "title": preferred, "preferredLabel": {lang: preferred},
            "alternativeLabel": {lang: alternatives} if alternatives else {},
            "_links": {"self": {"href": f"{self.url}/resource/{kind}?uri={uri}&language={lang}", "uri": uri}},
        })
