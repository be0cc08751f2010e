"""``lmi4vet``: the project's command line (database and imports).

  lmi4vet db upgrade                 create or upgrade the schema (Alembic)
  lmi4vet db init                    upgrade, then load the default dataset if it changed
  lmi4vet import eurostat FILE...    Eurostat bulk TSV or SDMX-CSV files
  lmi4vet import esco PATH...        ESCO CSV package folders or files (any language, several merge)
  lmi4vet import defaults [--force]  the embedded default dataset (data/defaults)
  lmi4vet update eurostat [DATASET ...]  refresh from Eurostat's API (default: every dataset of the registry)
  lmi4vet update esco --language de [--package PATH]  official ESCO labels replace our translations
  lmi4vet marketplace demo load      the example VET2B catalogue (content/marketplace/demo.yml; never by default)
  lmi4vet marketplace demo remove    delete the example catalogue and everything made on it

The database is ``DATABASE_URL`` (default: SQLite under var/). Each import is one transaction.
``update`` reads EUROSTAT_API_URL, ESCO_API_URL and UPDATE_TIMEOUT_SECONDS; it prints what changed (new periods,
revised values old -> new, removed values) and exits 0 when every refresh worked (changed or up to date), 1 when
any failed (that dataset's data stay as they were; the reason is printed) - cron-friendly.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from lmi4vet.db.engine import database_url, make_engine, session_scope, upgrade
from lmi4vet.importers.defaults import KIND as DEFAULTS_KIND
from lmi4vet.importers.defaults import fingerprint, load_defaults, loaded_fingerprint
from lmi4vet.importers.esco import import_esco
from lmi4vet.importers.eurostat import import_eurostat
from lmi4vet.importers.report import ImportError_, ImportReport, import_run

logger = logging.getLogger(__name__)
MAX_PROBLEMS_SHOWN = 50


def run_import(engine: Engine, kind: str, source: str, work: Callable[[Session], ImportReport]) -> ImportReport:
    """Run ``work`` in one transaction and log the run (also when it fails) in ``import_runs``."""
    started = datetime.utcnow()
    try:
        with session_scope(engine) as session:
            report = work(session)
            session.add(import_run(kind, source, started, True, report.summary(), report.rows_ok, report.rows_bad))
        return report
    except (ImportError_, SQLAlchemyError) as exc:
        with session_scope(engine) as session:
            session.add(import_run(kind, source, started, False, str(exc)))
        raise


def prepare_database(url: str | None = None, force: bool = False, quiet: bool = False) -> str:
    """Upgrade the schema and (re)load the default dataset when it changed; return the URL."""
    url = url or database_url()
    upgrade(url)
    engine = make_engine(url)
    try:
        current = fingerprint()
        with session_scope(engine) as session:
            loaded = loaded_fingerprint(session)
        if force or loaded != current:
            if not quiet:
                print("==> Loading the default dataset (Eurostat figures, occupations, skills)", flush=True)
            report = run_import(engine, DEFAULTS_KIND, current, load_defaults)
            if not quiet:
                print(f"    {report.summary()}", flush=True)
        elif not quiet:
            print("==> Default dataset up to date", flush=True)
    finally:
        engine.dispose()
    return url


def _print_report(report: ImportReport) -> None:
    print(report.summary())
    for problem in report.problems[:MAX_PROBLEMS_SHOWN]:
        print(f"  rejected {problem}")
    if report.rows_bad > MAX_PROBLEMS_SHOWN:
        print(f"  ... and {report.rows_bad - MAX_PROBLEMS_SHOWN} more")


def _update(url: str, args: argparse.Namespace) -> int:
    """``lmi4vet update eurostat|esco``: 0 when every refresh worked, 1 when any failed."""
    from lmi4vet.db.models import Dataset
    from lmi4vet.importers import update
    from lmi4vet.settings import Settings

    settings = Settings.from_env()
    timeout = args.timeout or settings.update_timeout
    upgrade(url)
    engine = make_engine(url)
    try:
        if args.source == "eurostat":
            results = update.update_eurostat(engine, args.datasets, settings.eurostat_api_url, timeout, echo=print)
        else:
            result = update.update_esco(engine, args.language, base_url=settings.esco_api_url, package=args.package,
                                        timeout=timeout)
            print("\n".join(result.lines()))
            results = [result]
        with session_scope(engine) as session:
            for result in results:
                if result.ok and not result.target.startswith("esco"):
                    record = session.query(Dataset).filter_by(code=result.target).one_or_none()
                    as_of = record.source_updated.isoformat() if record and record.source_updated else "unknown"
                    print(f"data as of: {result.target} {as_of}")
    finally:
        engine.dispose()
    failed = [r.target for r in results if not r.ok]
    if failed:
        print(f"update failed for {', '.join(failed)}; their data are unchanged", file=sys.stderr)
        return update.EXIT_FAILED
    return update.EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lmi4vet", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--database-url", default=None, help="overrides DATABASE_URL")
    sub = parser.add_subparsers(dest="command", required=True)
    db = sub.add_parser("db").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade")
    init = db.add_parser("init")
    init.add_argument("--force", action="store_true", help="reload the defaults even if unchanged")
    imp = sub.add_parser("import").add_subparsers(dest="source", required=True)
    eurostat = imp.add_parser("eurostat")
    eurostat.add_argument("files", nargs="+", type=Path)
    eurostat.add_argument("--dataset", help="dataset code when the file name does not say it (une_rt_a)")
    eurostat.add_argument("--extracted", type=date.fromisoformat, help="extraction date, YYYY-MM-DD")
    eurostat.add_argument("--title", default="")
    eurostat.add_argument("--url", default="")
    esco = imp.add_parser("esco")
    esco.add_argument("paths", nargs="+", type=Path)
    esco.add_argument("--version", default="", help="ESCO version, e.g. v1.2.0")
    defaults = imp.add_parser("defaults")
    defaults.add_argument("--force", action="store_true")
    update = sub.add_parser("update", help="refresh from the official APIs (exit 0: done or up to date, 1: failed)",
                            epilog="exit codes: 0 every refresh done (changed or up to date), 1 at least one failed "
                                   "(its data unchanged)").add_subparsers(dest="source", required=True)
    update_eurostat = update.add_parser("eurostat", help="Eurostat dissemination API (SDMX-CSV)",
                                        epilog="exit codes: 0 changed or up to date, 1 failed (database unchanged)")
    update_eurostat.add_argument("datasets", nargs="*", help="dataset codes (default: every dataset of the registry)")
    update_eurostat.add_argument("--timeout", type=float, default=None, help="seconds (UPDATE_TIMEOUT_SECONDS)")
    update_esco = update.add_parser("esco", help="official ESCO labels replace our translations",
                                    epilog="exit codes: 0 changed or up to date, 1 failed (database unchanged)")
    update_esco.add_argument("--language", required=True, help="de, ro, ...")
    update_esco.add_argument("--package", type=Path, default=None,
                             help="a downloaded ESCO CSV package (folder or zip) instead of the API")
    update_esco.add_argument("--timeout", type=float, default=None, help="seconds (UPDATE_TIMEOUT_SECONDS)")
    demo = sub.add_parser("marketplace").add_subparsers(dest="area", required=True).add_parser("demo")
    demo.add_argument("action", choices=("load", "remove"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    url = args.database_url or database_url()
    try:
        if args.command == "db":
            if args.action == "upgrade":
                upgrade(url)
                print("schema up to date")
            else:
                prepare_database(url, force=args.force)
            return 0
        if args.command == "update":
            return _update(url, args)
        if args.command == "marketplace":
            from lmi4vet.marketplace import demo as marketplace_demo

            return marketplace_demo.main(url, args.action)
        if args.source == "defaults":
            prepare_database(url, force=args.force)
            return 0
        upgrade(url)
        engine = make_engine(url)
        if args.source == "eurostat":
            for path in args.files:
                _print_report(run_import(engine, "eurostat", str(path), lambda s, p=path: import_eurostat(
                    s, p, dataset=args.dataset, extracted_on=args.extracted, title=args.title, url=args.url,
                    show_progress=sys.stderr.isatty())))
        else:
            _print_report(run_import(engine, "esco", " ".join(map(str, args.paths)), lambda s: import_esco(
                s, args.paths, version=args.version, show_progress=sys.stderr.isatty())))
        return 0
    except ImportError_ as exc:
        print(f"import rejected, database unchanged: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"database error ({url.split('@')[-1]}): {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
