"""The demo council's quarters written in the statutory formats, and the set the demo loads.

Each quarter's folder already holds the csperf CSVs (the demo's canonical data). This adds, with
the windows csperf asks for (formats.md §B.7): the Annex A workbook, the SSDA903 tables as CSV and
as XML, and CIN census XML files with ReferenceDate at the quarter end and one year earlier.
The demo then loads the statutory files, plus csperf CSVs only for what no statutory return
carries (missing from home, return interviews), plus the local measures.
"""

from __future__ import annotations

from pathlib import Path

from csperf import periods
from csperf.formats import annex_a, canonical, cin_census, ssda903

CSV_ONLY = ["missing_episode.csv", "local_measures.csv"]


def write_quarter(folder: Path, quarter: periods.Quarter, la_code: str) -> list[Path]:
    """Write the quarter's statutory files into ``folder``; return the files the demo loads."""
    tables = canonical.read_dir(folder)
    load: list[Path] = []
    workbook = folder / f"Annex_A_{quarter}.xlsx"
    workbook.write_bytes(annex_a.write_xlsx(tables, quarter))
    load.append(workbook)
    for name, data in sorted(ssda903.write_csv(tables, quarter).items()):
        path = folder / name
        path.write_bytes(data)
        load.append(path)
    (folder / f"SSDA903_{quarter}.xml").write_bytes(ssda903.write_xml(tables, quarter))
    for back in (12, 0):
        reference = periods.add_months(quarter.end, -back)
        path = folder / f"CIN_Census_{reference.isoformat()}.xml"
        path.write_bytes(cin_census.write(tables, reference, la_code))
        load.append(path)
    load += [folder / name for name in CSV_ONLY if (folder / name).exists()]
    return load
