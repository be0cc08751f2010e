"""Importers for the official formats (Eurostat TSV and SDMX-CSV, the ESCO CSV package) and the defaults.

Every import runs in one transaction: a file with a structural error leaves the database exactly as it was;
rows with bad values are skipped and reported with file and line. Re-importing the same data changes nothing.
"""

from lmi4vet.importers.report import ImportError_, ImportReport, RowProblem

__all__ = ["ImportError_", "ImportReport", "RowProblem"]
