"""The Settings page's parts: council, population, neighbours, targets and polarity, analysis.

Every change that affects stored values recomputes them (under the write lock) and says so.
"""

from __future__ import annotations

import duckdb
import polars as pl
import streamlit as st

from csperf import (
    analysis_settings,
    benchmarks,
    council_measures,
    overrides,
    periods,
    store,
    values,
)
from csperf.ui import page

POLARITY_WORDS = {
    "higher_is_better": "Higher is better",
    "lower_is_better": "Lower is better",
    "neutral": "Neutral",
}


def _recompute(con: duckdb.DuckDBPyConnection, what: str) -> None:
    with page.WRITE_LOCK, st.spinner("Recomputing the stored values"):
        done = values.recompute(con)
    store.audit(con, "settings_change", "ok", detail={"what": what})
    st.session_state["settings_done"] = (
        f"{what} saved; the stored values of {done} quarters were recomputed."
    )


def council(con: duckdb.DuckDBPyConnection) -> benchmarks.Council | None:
    code = store.council_code(con)
    if code is None:
        st.info("No council is loaded yet: load a quarter on the Upload page.")
        return None
    who = overrides.read(con).council(benchmarks.council(code))
    st.subheader("Council")
    name = st.text_input(
        "Name shown in the pack",
        value=str(store.get_setting(con, "council.name", who.name)),
        key="settings_name",
        max_chars=120,
    )
    rows = [
        ("Code", who.code),
        ("Nation", who.nation.capitalize()),
        ("Region", who.region or "none (Welsh council)"),
    ]
    st.dataframe(
        pl.DataFrame(rows, schema=["Item", "Value"], orient="row"),
        hide_index=True,
        width="content",
    )
    if st.button("Save the name", key="settings_save_name"):
        clean = " ".join(name.split())
        if not clean:
            st.error("Enter a name for the council.")
        else:
            store.set_setting(con, "council.name", clean)
            store.audit(con, "settings_change", "ok", detail={"what": "council name"})
            st.session_state["settings_done"] = "Council name saved."
            st.rerun()
    return who


def population(con: duckdb.DuckDBPyConnection, who: benchmarks.Council) -> None:
    st.subheader("Children aged 0 to 17 (mid-year estimates)")
    shipped = benchmarks.population(who.la_number) if who.la_number is not None else {}
    st.caption(
        "Rates per 10,000 use the estimate for the mid-year before the financial year ends. "
        + (
            "English councils' estimates come from the ONS file shipped with csperf; enter a "
            "year to override it."
            if who.nation == "england"
            else "Welsh councils enter their estimates here, with the source."
        )
    )
    by_year = values.population_by_year(con, who)
    stored = store.get_setting(con, "population", {}) or {}
    source = str(store.get_setting(con, "population.source", "") or "")
    years = sorted(by_year)
    frame = pl.DataFrame(
        {
            "Year (mid-year)": years,
            "Population 0-17": [int(by_year[y]) for y in years],
            "From": [
                "Settings" if str(y) in stored else "ONS file (shipped)" for y in years
            ],
        },
        schema={
            "Year (mid-year)": pl.Int64,
            "Population 0-17": pl.Int64,
            "From": pl.String,
        },
    )
    edited = st.data_editor(
        frame,
        num_rows="dynamic",
        hide_index=True,
        disabled=["From"],
        key="settings_population",
        column_config={
            "Year (mid-year)": st.column_config.NumberColumn(
                min_value=2000, max_value=2100
            ),
            "Population 0-17": st.column_config.NumberColumn(min_value=1, step=1),
        },
    )
    new_source = st.text_input("Source of the estimates entered here", value=source)
    if st.button("Save the population", key="settings_save_population"):
        table = pl.DataFrame(edited)
        chosen: dict[str, int] = {}
        for year, pop in table.select("Year (mid-year)", "Population 0-17").iter_rows():
            if year is None or pop is None:
                continue
            if shipped.get(int(year)) != int(pop):
                chosen[str(int(year))] = int(pop)
        if who.nation == "wales" and chosen and not new_source.strip():
            st.error(
                "Say where the estimates come from (for example, StatsWales 2024)."
            )
            return
        with page.WRITE_LOCK:
            store.set_setting(con, "population", chosen)
            store.set_setting(con, "population.source", new_source.strip())
        _recompute(con, "Population")
        st.rerun()


def neighbours(con: duckdb.DuckDBPyConnection, who: benchmarks.Council) -> None:
    if who.nation != "england":
        return
    st.subheader("Statistical neighbours")
    names = benchmarks.english_councils()
    model = benchmarks.council(who.code).neighbours
    current = list(who.neighbours)
    st.caption(
        "The ten neighbours of the DfE statistical neighbour model (2025) by default; the "
        "median, mean and rank use the neighbours chosen here."
    )
    chosen = st.multiselect(
        "Neighbours",
        options=sorted(names, key=lambda n: names[n]),
        default=current,
        format_func=lambda n: f"{names[n]} ({n})",
        key="settings_neighbours",
    )
    cols = st.columns(2)
    if cols[0].button("Save the neighbours", key="settings_save_neighbours"):
        try:
            overrides.set_neighbours(con, who, [int(n) for n in chosen])
        except ValueError as exc:
            st.error(str(exc))
            return
        _recompute(con, "Statistical neighbours")
        st.rerun()
    if current != list(model) and cols[1].button(
        "Use the published model's ten", key="settings_reset_neighbours"
    ):
        overrides.set_neighbours(con, who, None)
        _recompute(con, "Statistical neighbours")
        st.rerun()


def targets(con: duckdb.DuckDBPyConnection, nation: str) -> None:
    st.subheader("Targets and polarity")
    st.caption(
        "Leave 'Your target' empty to use the default. A target set 'from quarter' applies from "
        "that quarter on; earlier quarters keep the target they were judged against."
    )
    chosen = overrides.read(con)
    inds = council_measures.for_nation(con, nation)
    latest = store.quarters(con)[-1] if store.quarters(con) else None
    frame = pl.DataFrame(
        {
            "id": [i.id for i in inds],
            "Indicator": [i.title_for(nation) for i in inds],
            "Default target": [i.target for i in inds],
            "Your target": [
                chosen.target(i, latest) if latest and i.id in chosen.targets else None
                for i in inds
            ],
            "From quarter": ["" for _ in inds],
            "Default polarity": [POLARITY_WORDS[i.polarity] for i in inds],
            "Your polarity": [
                POLARITY_WORDS.get(chosen.polarity.get(i.id, ""), "") for i in inds
            ],
        },
        schema_overrides={"Default target": pl.Float64, "Your target": pl.Float64},
    )
    edited = st.data_editor(
        frame,
        hide_index=True,
        disabled=["id", "Indicator", "Default target", "Default polarity"],
        key="settings_targets",
        column_config={
            "id": None,
            "Your polarity": st.column_config.SelectboxColumn(
                options=["", *POLARITY_WORDS.values()]
            ),
            "From quarter": st.column_config.TextColumn(
                help="Financial-year quarter such as 2026-27Q1; empty = every quarter"
            ),
        },
    )
    if not st.button("Save targets and polarity", key="settings_save_targets"):
        return
    words = {v: k for k, v in POLARITY_WORDS.items()}
    table = pl.DataFrame(edited)
    before = frame.rows_by_key("id", named=True, unique=True)
    try:
        with page.WRITE_LOCK:
            for row in table.iter_rows(named=True):
                old = before[row["id"]]
                start = (row["From quarter"] or "").strip()
                quarter = periods.Quarter.parse(start) if start else None
                if row["Your target"] != old["Your target"] or quarter is not None:
                    overrides.set_target(con, row["id"], row["Your target"], quarter)
                if row["Your polarity"] != old["Your polarity"]:
                    overrides.set_polarity(
                        con, row["id"], words.get(row["Your polarity"] or "")
                    )
    except ValueError as exc:
        st.error(str(exc))
        return
    _recompute(con, "Targets and polarity")
    st.rerun()


def analysis(con: duckdb.DuckDBPyConnection) -> None:
    st.subheader("Analysis settings")
    current = analysis_settings.read(con)
    changes = {}
    for section, title in analysis_settings.SECTION_TITLES.items():
        with st.expander(title):
            for s in analysis_settings.CATALOGUE:
                if s.section != section:
                    continue
                key = f"analysis_{section}_{s.key}"
                now = current[section][s.key]
                if s.kind is bool:
                    got = st.checkbox(s.label, value=bool(now), key=key)
                else:
                    got = st.number_input(
                        s.label,
                        value=now,
                        min_value=s.kind(s.low) if s.low is not None else None,
                        max_value=s.kind(s.high) if s.high is not None else None,
                        step=1 if s.kind is int else 0.01,
                        key=key,
                    )
                if got != now:
                    changes[(section, s.key)] = got
    cols = st.columns(2)
    if cols[0].button("Save the analysis settings", key="settings_save_analysis"):
        try:
            with page.WRITE_LOCK:
                needs = analysis_settings.save(con, changes)
        except ValueError as exc:
            st.error(str(exc))
            return
        if needs:
            _recompute(con, "Analysis settings")
        else:
            st.session_state["settings_done"] = "Analysis settings saved."
        st.rerun()
    if cols[1].button("Restore the defaults", key="settings_reset_analysis"):
        with page.WRITE_LOCK:
            analysis_settings.reset(con)
        _recompute(con, "Analysis settings")
        st.rerun()


def done_message() -> None:
    message = st.session_state.pop("settings_done", None)
    if message:
        st.success(message)


def report_template(con: duckdb.DuckDBPyConnection) -> None:
    """The council's own Word template for report.docx (report.md; security.md S32)."""
    from csperf.report import word_template

    st.subheader("Word template for the report")
    current = word_template.stored(con)
    st.caption(
        "The Word pack is built on this template: its styles, header, footer and logo are "
        "kept and its body is replaced by the pack. A .docx of at most 10 MB, without macros "
        "or links to files outside it."
        + (
            f" In use: {current[0]}."
            if current
            else " None is set: a clean default is used."
        )
    )
    upload = st.file_uploader(
        "Upload a Word template (.docx)", type=["docx"], key="word_template_upload"
    )
    if upload is not None and st.button("Use this template", key="word_template_save"):
        try:
            with page.WRITE_LOCK:
                word_template.save(con, upload.name, upload.getvalue())
        except word_template.TemplateRefusedError as exc:
            st.error(str(exc))
        else:
            store.audit(con, "settings_change", "ok", detail={"what": "Word template"})
            st.session_state["settings_done"] = f"Word template {upload.name} saved."
            st.rerun()
    if current and st.button("Stop using the template", key="word_template_remove"):
        with page.WRITE_LOCK:
            word_template.remove(con)
        st.session_state["settings_done"] = "The Word template was removed."
        st.rerun()
