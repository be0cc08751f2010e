"""A stand-in for Eurostat's dissemination API on 127.0.0.1, serving real files from ``shared/data/eurostat``.

* ``GET /sdmx/2.1/data/{DATASET}[/{key}]?format=SDMX-CSV&compressed=false[&startPeriod=..]`` answers SDMX-CSV 1.0
  (``DATAFLOW,LAST UPDATE,<dimensions>,TIME_PERIOD,OBS_VALUE,OBS_FLAG``) filtered by the positional key
  (``A.Y15-24+Y15-74.PC_ACT.T.``: "" = any value, "+" = or), like the real API. une_rt_a is the bulk-TSV extract
  converted to SDMX-CSV (a ``:`` without a flag is no observation; ``: c`` an empty OBS_VALUE with flag ``c``);
  une_rt_m is served as downloaded. An unknown dataset answers 404 with the API's error JSON.
* ``GET /sdmx/2.1/datastructure/ESTAT/{DATASET}`` answers the data structure definition (SDMX-ML 2.1: the
  dimensions with their key positions).
* ``GET /statistics/1.0/data/{dataset}?lang=en&...`` answers the France JSON-stat 2.0 files unchanged.

``revise(dataset, period, value, **dims)`` changes one value, ``add_period(dataset, period, values)`` adds one,
``last_update`` sets the LAST UPDATE of a dataset; ``fail(mode)`` makes the next answers fail: ``"500"``,
``"timeout"`` (no answer for ``delay`` seconds), ``"html"`` (a 200 maintenance page), ``"truncated"`` (SDMX-CSV cut
in the middle of a row).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from pathlib import Path

from aiohttp import web

from tests.standins.servers import StandIn

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
if not SHARED.is_dir():  # a clone beside shared/ (CI), or the work tree under /work
    SHARED = Path("/work/shared/data")
EUROSTAT = SHARED / "eurostat"
FILES = {
    "une_rt_a": EUROSTAT / "une_rt_a__PC_ACT_T__Y15-24_Y15-74.tsv",
    "une_rt_m": EUROSTAT / "une_rt_m__SA_PC_ACT_T__Y_LT25_Y25-74__EU27_2021-12_2026-01.csv",
}
JSONSTAT = {
    "lfsa_egai2d": EUROSTAT / "fr_jsonstat" / "eurostat_lfsa_egai2d_fr_2019_2024.json",
    "lfsa_egised": EUROSTAT / "fr_jsonstat" / "eurostat_lfsa_egised_fr_2024.json",
    "earn_ses22_25": EUROSTAT / "fr_jsonstat" / "eurostat_earn_ses22_25_fr.json",
}
LAST_UPDATE = "29/09/26 23:00:00"  # the une_rt_a extract was downloaded on 29 Sep 2026


class Table:
    """One dataset as SDMX-CSV rows: its dimension names and rows of dimension values + period, value, flag."""

    def __init__(self, code: str, dims: list[str], rows: list[list[str]], last_update: str) -> None:
        self.code, self.dims, self.rows, self.last_update = code, dims, rows, last_update

    @classmethod
    def from_tsv(cls, code: str, path: Path, last_update: str = LAST_UPDATE) -> Table:
        lines = path.read_text(encoding="utf-8").splitlines()
        header = lines[0].split("\t")
        dims = [d.strip() for d in header[0].split("\\")[0].split(",")]
        periods = [p.strip() for p in header[1:]]
        rows = []
        for line in lines[1:]:
            cells = line.split("\t")
            keys = [k.strip() for k in cells[0].split(",")]
            for period, cell in zip(periods, cells[1:], strict=True):
                number, _, flag = cell.strip().partition(" ")
                if number == ":" and not flag:
                    continue
                rows.append([*keys, period, "" if number == ":" else number, flag.strip()])
        return cls(code, dims, rows, last_update)

    @classmethod
    def from_sdmx_csv(cls, code: str, path: Path) -> Table:
        """A downloaded SDMX-CSV; its "labels" variant (English labels in the dimension cells) back to the codes the
        API answers by default, when the importer knows those labels."""
        reader = csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""))
        header = next(reader)
        lowered = [h.lower() for h in header]
        dims = [h for h in header if h.lower() not in ("dataflow", "last update", "time_period", "obs_value",
                                                      "obs_flag", "conf_status")]
        index = [header.index(d) for d in dims]
        try:
            from lmi4vet.importers.eurostat import dimension_code
        except ImportError:  # an importer without the labels table: serve the cells as they are
            def dimension_code(_name: str, cell: str) -> str:
                return cell
        rows, last_update = [], LAST_UPDATE
        for row in reader:
            last_update = row[lowered.index("last update")]
            rows.append([*(dimension_code(header[i], row[i]) for i in index), row[lowered.index("time_period")],
                         row[lowered.index("obs_value")], row[lowered.index("obs_flag")]])
        return cls(code, dims, rows, last_update)

    def select(self, key: str, start: str = "") -> list[list[str]] | None:
        """Rows matching the SDMX key (``None``: the key has the wrong number of parts)."""
        wanted: list[set[str] | None] = []
        if key:
            parts = key.split(".")
            if len(parts) != len(self.dims):
                return None
            wanted = [set(p.upper().split("+")) if p else None for p in parts]
        return [row for row in self.rows
                if all(w is None or row[i].upper() in w for i, w in enumerate(wanted))
                and (not start or row[len(self.dims)] >= start)]

    def csv(self, rows: list[list[str]]) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["DATAFLOW", "LAST UPDATE", *self.dims, "TIME_PERIOD", "OBS_VALUE", "OBS_FLAG"])
        for row in rows:
            writer.writerow([f"ESTAT:{self.code.upper()}(1.0)", self.last_update, *row])
        return out.getvalue()


class SlowStandIn(StandIn):
    """A stand-in that can hold an answer back ("timeout") and lets go of it when stopped."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self._stopping = False

    async def stall(self) -> None:
        """Wait ``delay`` seconds (less if the stand-in stops meanwhile)."""
        deadline = time.monotonic() + self.delay
        while not self._stopping and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

    def stop(self) -> None:
        self._stopping = True
        time.sleep(0.1)  # a held-back answer goes out before the loop stops
        super().stop()


class EurostatStandIn(SlowStandIn):
    """Eurostat's SDMX 2.1 and statistics APIs over the shared real files; see the module's docstring."""

    def __init__(self, delay: float = 3.0) -> None:
        super().__init__(delay)
        self.failures: list[str] = []
        self.tables: dict[str, Table] = {}
        self.reset()

    def reset(self) -> None:
        """Back to the files as shipped."""
        self.tables = {"une_rt_a": Table.from_tsv("une_rt_a", FILES["une_rt_a"]),
                       "une_rt_m": Table.from_sdmx_csv("une_rt_m", FILES["une_rt_m"])}
        self.failures = []

    @property
    def url(self) -> str:
        """The base URL (what EUROSTAT_API_URL is set to)."""
        return f"http://127.0.0.1:{self.port}"

    def fail(self, mode: str, times: int = 1) -> None:
        assert mode in ("500", "timeout", "html", "truncated"), mode
        self.failures.extend([mode] * times)

    def revise(self, dataset: str, period: str, value: str, **dims: str) -> str:
        """Change the value of the one row with these dimension values and period; return the old value."""
        table = self.tables[dataset]
        index = {d: i for i, d in enumerate(table.dims)}
        found = [row for row in table.rows if row[len(table.dims)] == period
                 and all(row[index[d]].upper() == v.upper() for d, v in dims.items())]
        assert len(found) == 1, found
        old, found[0][len(table.dims) + 1] = found[0][len(table.dims) + 1], value
        return old

    def add_period(self, dataset: str, period: str, values: dict[tuple[str, ...], str]) -> None:
        """Add observations of a new period: ``{(dimension values in order): value}``."""
        table = self.tables[dataset]
        for keys, value in values.items():
            table.rows.append([*keys, period, value, ""])

    def set_last_update(self, dataset: str, when: str) -> None:
        self.tables[dataset].last_update = when

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/sdmx/2.1/data/{dataset}", self._sdmx)
        app.router.add_get("/sdmx/2.1/data/{dataset}/{key}", self._sdmx)
        app.router.add_get("/sdmx/2.1/datastructure/ESTAT/{dataset}", self._structure)
        app.router.add_get("/statistics/1.0/data/{dataset}", self._statistics)
        return app

    async def _failure(self, mode: str | None) -> web.Response | None:
        """The answer of a failure ``mode`` (``None`` for none, and for "truncated": the caller cuts its body)."""
        if mode == "500":
            return web.json_response({"error": {"status": 500, "label": "Internal Server Error"}}, status=500)
        if mode == "timeout":
            await self.stall()
            return web.Response(text="late", status=200)
        if mode == "html":
            return web.Response(text="<html><body><h1>Service temporarily unavailable</h1></body></html>",
                                content_type="text/html")
        return None

    async def _sdmx(self, request: web.Request) -> web.Response:
        dataset = request.match_info["dataset"].lower()
        key = request.match_info.get("key", "")
        self.record("sdmx", {"dataset": dataset, "key": key, **request.query})
        mode = self.failures.pop(0) if self.failures else None
        failure = await self._failure(mode)
        if failure is not None:
            return failure
        table = self.tables.get(dataset)
        if table is None:
            return web.json_response({"error": {"status": 404, "label": f"Dataset {dataset.upper()} not found"}},
                                     status=404)
        if request.query.get("format", "").upper() != "SDMX-CSV":
            return web.json_response({"error": {"status": 406, "label": "format not supported here"}}, status=406)
        rows = table.select(key, request.query.get("startPeriod", ""))
        if rows is None:
            return web.json_response({"error": {"status": 400, "label": "Wrong key length"}}, status=400)
        body = table.csv(rows)
        if mode == "truncated":  # the connection dropped in the middle of a row
            lines = body.splitlines()
            body = "\n".join(lines[: len(lines) // 2]) + "\n" + lines[len(lines) // 2][:12]
        return web.Response(text=body, content_type="text/csv", charset="utf-8")

    async def _structure(self, request: web.Request) -> web.Response:
        """The dataset's data structure definition (SDMX-ML 2.1), with its dimensions in key order."""
        dataset = request.match_info["dataset"].lower()
        self.record("datastructure", {"dataset": dataset})
        table = self.tables.get(dataset)
        if table is None:
            return web.json_response({"error": {"status": 404, "label": "No results found"}}, status=404)
        dims = "".join(f'<s:Dimension id="{d}" position="{n}"><s:ConceptIdentity><Ref id="{d.upper()}"/>'
                       f"</s:ConceptIdentity></s:Dimension>" for n, d in enumerate(table.dims, start=1))
        body = ('<?xml version="1.0" encoding="UTF-8"?>'
                '<m:Structure xmlns:m="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" '
                'xmlns:s="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure">'
                f'<m:Structures><s:DataStructures><s:DataStructure id="{dataset.upper()}" agencyID="ESTAT" '
                'version="1.0"><s:DataStructureComponents><s:DimensionList id="DimensionDescriptor">'
                f'{dims}<s:TimeDimension id="TIME_PERIOD" position="{len(table.dims) + 1}"/></s:DimensionList>'
                "</s:DataStructureComponents></s:DataStructure></s:DataStructures></m:Structures></m:Structure>")
        return web.Response(text=body, content_type="application/xml", charset="utf-8")

    async def _statistics(self, request: web.Request) -> web.Response:
        dataset = request.match_info["dataset"].lower()
        self.record("statistics", {"dataset": dataset, **request.query})
        failure = await self._failure(self.failures.pop(0) if self.failures else None)
        if failure is not None:
            return failure
        path = JSONSTAT.get(dataset)
        if path is None or request.query.get("geo", "FR").upper() != "FR":
            return web.json_response({"error": [{"status": 404, "label": "No data"}]}, status=404)
        return web.Response(body=path.read_bytes(), content_type="application/json", charset="utf-8")


def jsonstat_document(dataset: str) -> dict:
    """A served JSON-stat file, parsed."""
    return json.loads(JSONSTAT[dataset].read_text(encoding="utf-8"))
