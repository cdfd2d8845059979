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
from csperf.formats import annex_a, canonical, cin_census_write, ssda903_write

CSV_ONLY = ["missing_episode.csv", "local_measures.csv"]


def write_quarter(folder: Path, quarter: periods.Quarter, la_code: str) -> list[Path]:
    """Write the quarter's statutory files into ``folder``; return the files the demo loads."""
    tables = canonical.read_dir(folder)
    load: list[Path] = []
    workbook = folder / f"Annex_A_{quarter}.xlsx"
    workbook.write_bytes(annex_a.write_xlsx(tables, quarter))
    load.append(workbook)
    for name, data in sorted(ssda903_write.write_csv(tables, quarter).items()):
        path = folder / name
        path.write_bytes(data)
        load.append(path)
    (folder / f"SSDA903_{quarter}.xml").write_bytes(
        ssda903_write.write_xml(tables, quarter)
    )
    for back in (12, 0):
        reference = periods.add_months(quarter.end, -back)
        path = folder / f"CIN_Census_{reference.isoformat()}.xml"
        path.write_bytes(cin_census_write.write(tables, reference, la_code))
        load.append(path)
    load += [folder / name for name in CSV_ONLY if (folder / name).exists()]
    return load


# The demo council's weekly unit costs (fictional, round figures), valid from 1 April 2023.
COSTS = [
    ("FOSTER", "", "PR1", "450.00"), ("FOSTER", "", "*", "950.00"),
    ("", "U1", "PR1", "300.00"), ("", "U2", "PR1", "300.00"), ("", "U3", "PR1", "300.00"),
    ("SECURE_CH", "", "PR1", "4500.00"), ("SECURE_CH", "", "*", "5800.00"),
    ("", "K1", "*", "7500.00"), ("INDEP_SUPPORTED", "", "*", "1400.00"),
    ("ADOPTION", "", "*", "250.00"), ("PARENTS", "", "*", "0.00"),
    ("OTHER_RESIDENTIAL", "", "*", "3500.00"), ("RES_SCHOOL", "", "*", "4200.00"),
    ("COMMUNITY", "", "*", "600.00"), ("OTHER", "", "*", "700.00"),
]  # fmt: skip


def write_costs(folder: Path) -> Path:
    """The demo's placement unit costs file (formats.md §B.6)."""
    lines = ["placement_group,placement_type,provider,weekly_cost,valid_from"]
    lines += [f"{g},{t},{p},{c},2023-04-01" for g, t, p, c in COSTS]
    path = folder / "placement_costs.csv"
    path.write_text("\n".join(lines) + "\n")
    return path
