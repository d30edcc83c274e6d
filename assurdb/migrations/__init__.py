"""Schema versions upgraded in place, and whole databases moved between DBMSs.

``migrate_plan`` / ``migrate_apply`` / ``migrate_sql``: from the version a database holds to a
schema file's (:mod:`.apply`). ``copy``, ``dump`` and ``load``: a database moved through the
interfaces, or through files (:mod:`.copy`).
"""

from __future__ import annotations

from pathlib import Path

from assurdb.metadb.progress import Progress
from assurdb.migrations.apply import Finding, Migration, Report
from assurdb.migrations.copy import Comparison, copy, dump, load
from assurdb.migrations.revision import migrate_script
from assurdb.migrations.transform import MigrationError


def migrate_plan(
    url: str,
    schema_file: str | Path | None = None,
    *,
    user: str,
    password: str,
    allow_data_loss: bool = False,
) -> Report:
    """The plan from what ``url`` holds to ``schema_file`` (None: the next version assurdb ships of
    the database's schema, or the meta-database's upgrade only), with what the data says of it (an
    administrator's login: it shows articles). Nothing is written."""
    with Migration(url, schema_file) as migration:
        migration.authorise(user, password)
        return migration.report(allow_data_loss=allow_data_loss)


def migrate_apply(
    url: str,
    schema_file: str | Path | None = None,
    *,
    user: str,
    password: str,
    allow_data_loss: bool = False,
    progress: Progress | None = None,
) -> Report:
    """Apply the plan (an administrator's login; refused while sessions hold openings). The
    report says whether it was applied, or why not (``report.refusals``); ``progress`` hears of
    each migration's stages.

    Without ``schema_file``, a database of a schema assurdb ships moves through every version
    shipped after the one it holds, one migration each (each version's data steps apply to the
    version before it); the report is the last one's, ``report.previous`` the earlier ones'."""
    reports: list[Report] = []
    while True:
        with Migration(url, schema_file) as migration:
            report = migration.apply(user, password, allow_data_loss=allow_data_loss, progress=progress)
            further = schema_file is None and report.applied and migration.has_next()
        if not further:
            report.previous = tuple(reports)
            return report
        reports.append(report)


def migrate_sql(url: str, schema_file: str | Path | None = None) -> str:
    """The SQL a migration runs on ``url``'s DBMS (data conversions named, not shown)."""
    with Migration(url, schema_file) as migration:
        return migration.sql()


__all__ = [
    "Comparison",
    "Finding",
    "MigrationError",
    "Report",
    "copy",
    "dump",
    "load",
    "migrate_apply",
    "migrate_plan",
    "migrate_script",
    "migrate_sql",
]
