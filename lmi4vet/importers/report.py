"""What an import tells its caller: counts, and each rejected row with file and line."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from lmi4vet.db.models import ImportRun


@dataclass(frozen=True)
class RowProblem:
    """A row that was skipped."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


class ImportError_(Exception):
    """A file that cannot be imported at all (wrong format, unreadable); nothing was written."""

    def __init__(self, file: Path | str, line: int | None, reason: str) -> None:
        self.file, self.line, self.reason = str(file), line, reason
        where = f"{file}:{line}" if line else str(file)
        super().__init__(f"{where}: {reason}")


@dataclass
class ImportReport:
    """The outcome of one import."""

    kind: str
    source: str
    rows_ok: int = 0
    rows_skipped: int = 0  # valid rows that are not of interest (other series)
    problems: list[RowProblem] = field(default_factory=list)
    details: dict[str, int] = field(default_factory=dict)

    @property
    def rows_bad(self) -> int:
        return len(self.problems)

    def summary(self) -> str:
        """One line for people."""
        extra = "".join(f", {key} {value}" for key, value in self.details.items())
        return (f"{self.kind} {self.source}: {self.rows_ok} rows imported, {self.rows_bad} rejected, "
                f"{self.rows_skipped} not used{extra}")


def import_run(kind: str, source: str, started: datetime, ok: bool, message: str, rows_ok: int = 0,
               rows_bad: int = 0) -> ImportRun:
    """The ``import_runs`` row of one import or refresh, finished now (texts cut to their column's size)."""
    return ImportRun(kind=kind, source=source[:500], started_at=started, finished_at=datetime.utcnow(),
                     status="ok" if ok else "failed", rows_ok=rows_ok, rows_bad=rows_bad, message=message[:2000])
