"""Command line over the same core as the app (cli.md).

python -m csperf demo|load|issues|values|commentary|report|bench ...
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import duckdb
import polars as pl

from csperf import (
    benchmarks,
    cli_output,
    council_measures,
    first_start,
    ingest,
    periods,
    store,
)

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def _db_default() -> Path:
    return Path(os.environ.get("CSPERF_DB", str(store.DEFAULT_DB)))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m csperf", description=__doc__)
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="generate and load the fictional demo council")
    d.add_argument("--db", type=Path)
    d.add_argument("--files", type=Path, default=first_start.DEFAULT_FILES)
    d.add_argument("--nation", choices=["england", "wales"], default="england")
    d.add_argument("--scale", type=int, default=1)

    ld = sub.add_parser("load", help="recognise, validate and load a quarter's files")
    ld.add_argument("--db", type=Path, required=True)
    ld.add_argument("--council", required=True)
    ld.add_argument("--quarter", required=True)
    ld.add_argument("files", nargs="+", type=Path)

    for name, formats in (("issues", ["csv", "json"]), ("values", ["csv", "json"]),
                          ("commentary", ["md", "json"])):  # fmt: skip
        c = sub.add_parser(name)
        c.add_argument("--db", type=Path, required=True)
        c.add_argument("--quarter", required=True)
        c.add_argument("--format", choices=formats, default=formats[0])

    r = sub.add_parser("report")
    r.add_argument("--db", type=Path, required=True)
    r.add_argument("--quarter", required=True)
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--allow-draft", action="store_true")

    b = sub.add_parser("bench", help="print speed figures")
    b.add_argument(
        "target",
        nargs="?",
        choices=["ingest", "compute", "commentary", "report", "pages"],
    )
    b.add_argument("--scale", type=int, default=10)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(COMMANDS[args.command](args))
    except (store.StoreError, ingest.LoadRefusedError, periods.PeriodError,
            benchmarks.UnknownCouncilError) as exc:  # fmt: skip
        print(f"csperf: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:
        if args.debug:
            raise
        print(f"csperf: {args.command} failed ({type(exc).__name__}). Run again with --debug "
              "for details.", file=sys.stderr)  # fmt: skip
        return EXIT_FAILED


def cmd_demo(args: argparse.Namespace) -> int:
    default = (
        "data/csperf-wales.duckdb" if args.nation == "wales" else str(store.DEFAULT_DB)
    )
    db = args.db or Path(os.environ.get("CSPERF_DB", default))
    con = store.connect(db)
    if store.quarters(con):
        print(
            f"csperf: {db} already holds data; give a new --db for the demo.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    loaded = first_start.install_demo(
        con, args.files, args.nation, args.scale,
        progress=lambda _f, msg: print(msg, file=sys.stderr),
        write_every_quarter=True,
    )  # fmt: skip
    print(f"Loaded {len(loaded)} quarters ({loaded[0]} to {loaded[-1]}) into {db}")
    return EXIT_OK


def cmd_load(args: argparse.Namespace) -> int:
    quarter = periods.Quarter.parse(args.quarter)
    files = []
    for path in args.files:
        if not path.is_file():
            print(f"csperf: {path} is not a file.", file=sys.stderr)
            return EXIT_FAILED
        files.append((path.name, path.read_bytes()))
    con = store.connect(args.db)
    who = ingest.check_council(con, args.council)
    upload = ingest.read(
        files, quarter, who.code, catalogue=council_measures.stored(con)
    )
    if upload.blocked:
        cli_output.print_issues(upload.issues, "csv")
        print("csperf: validation errors; nothing was loaded.", file=sys.stderr)
        return EXIT_INVALID
    for r in store.replacements(con, quarter, upload.loads):
        print(
            f"replacing {r.table} from {r.source_format}: {r.current_rows} rows now",
            file=sys.stderr,
        )
    warnings = [i for i in upload.issues if i.severity != "error"]
    if warnings:
        cli_output.print_issues(warnings, "csv", file=sys.stderr)
    ingest.load(con, args.council, upload)
    print(
        f"Loaded {quarter} ({sum(f.rows for f in upload.files)} rows from {len(files)} files)"
    )
    return EXIT_OK


def cmd_issues(args: argparse.Namespace) -> int:
    con = store.connect(args.db, read_only=True)
    quarter = periods.Quarter.parse(args.quarter)
    snap = _snapshot(con, quarter)
    frame = con.sql(
        'select file, sheet, "row", "column", field, value, code, severity, message '
        "from load_issue where snapshot_id = ? order by file, code",
        params=[snap.snapshot_id],
    ).pl()
    cli_output.write(frame, args.format)
    return EXIT_OK


def cmd_values(args: argparse.Namespace) -> int:
    con = store.connect(args.db, read_only=True)
    quarter = periods.Quarter.parse(args.quarter)
    _snapshot(con, quarter)
    cli_output.write(cli_output.values_table(con, quarter), args.format)
    return EXIT_OK


def _snapshot(
    con: duckdb.DuckDBPyConnection, quarter: periods.Quarter
) -> store.Snapshot:
    snap = store.snapshot_for(con, quarter)
    if snap is None:
        loaded = ", ".join(str(q) for q in store.quarters(con)) or "none"
        raise store.StoreError(
            f"No data loaded for {quarter}. Loaded quarters: {loaded}."
        )
    return snap


def cmd_commentary(args: argparse.Namespace) -> int:
    """The quarter's commentary: reviewed text where it exists, else the draft (cli.md)."""
    from csperf import commentary_text

    con = store.connect(args.db, read_only=True)
    quarter = periods.Quarter.parse(args.quarter)
    _snapshot(con, quarter)
    items = commentary_text.current(con, quarter)
    if args.format == "json":
        print(commentary_text.as_json(items))
    else:
        print(commentary_text.as_markdown(con, quarter, items), end="")
    return EXIT_OK


def cmd_later(args: argparse.Namespace) -> int:
    print(
        f"csperf: '{args.command}' is not available in this release yet.",
        file=sys.stderr,
    )
    return EXIT_FAILED


def cmd_report(args: argparse.Namespace) -> int:
    from csperf.report import bundle

    con = store.connect(args.db, read_only=True)
    quarter = periods.Quarter.parse(args.quarter)
    _snapshot(con, quarter)
    paragraphs = bundle.stored_paragraphs(con, quarter)
    pending = bundle.unreviewed(paragraphs)
    if pending and not args.allow_draft:
        print(
            "csperf: commentary is stale or not reviewed for: " + ", ".join(pending)
            + ". Review it, or run again with --allow-draft to mark it as draft; "
            "nothing was written.",
            file=sys.stderr,
        )  # fmt: skip
        return EXIT_INVALID

    def say(_fraction: float, message: str) -> None:
        if not message.startswith("Drawing ") or message == "Drawing the charts":
            print(message, file=sys.stderr)

    try:
        built = bundle.build(
            con, quarter, allow_draft=args.allow_draft, paragraphs=paragraphs,
            progress=say,
        )  # fmt: skip
    except bundle.BundleError as exc:
        print(f"csperf: {exc}", file=sys.stderr)
        return EXIT_FAILED
    out: Path = args.out
    partial = out.with_name(out.name + ".partial")
    partial.write_bytes(built.zip_bytes())
    partial.replace(out)
    drafts = ", ".join(pending)
    print(f"Wrote {out} ({len(built.files)} files)"
          + (f"; marked as draft: {drafts}" if drafts else ""))  # fmt: skip
    return EXIT_OK


def cmd_bench(args: argparse.Namespace) -> int:
    from csperf import bench

    return int(bench.run(args.target, args.scale))


COMMANDS = {
    "demo": cmd_demo,
    "load": cmd_load,
    "issues": cmd_issues,
    "values": cmd_values,
    "commentary": cmd_commentary,
    "report": cmd_report,
    "bench": cmd_bench,
}

if __name__ == "__main__":
    pl.Config.set_tbl_hide_dataframe_shape(True)
    sys.exit(main())
