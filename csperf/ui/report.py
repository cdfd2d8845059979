"""The Report page's parts: meeting details and cover-report fields, indicator selection, the
commentary status check (drafts warned, stale text blocks until kept as draft) and the bundle,
built on request in memory and offered for download (report.md; security.md S34)."""

from __future__ import annotations

import re

import duckdb
import streamlit as st

from csperf import commentary_review, periods, store
from csperf.report import bundle, content, saved_settings
from csperf.ui import data, page

FINDINGS_KEY = "report_lint_findings"
ACK_KEY = "rp_acknowledge_lint"
BUILT_KEY = (
    "report_bundle"  # (quarter, settings, allow_draft) -> Bundle, this session only
)


def _defaults(con: duckdb.DuckDBPyConnection) -> None:
    """The saved cover-report fields, put in the form once per session."""
    if st.session_state.get("rp_loaded"):
        return
    saved = saved_settings.read(con)
    st.session_state.update(
        rp_committee=saved.committee,
        rp_date=saved.meeting_date,
        rp_title=saved.title,
        rp_background=saved.background,
        rp_recs="\n".join(saved.recommendations),
        rp_support=saved.supporting_information,
        rp_contact=saved.contact,
        rp_papers=saved.background_papers,
        rp_indicators=list(saved.indicator_ids or ()),
        rp_loaded=True,
    )


def form(con: duckdb.DuckDBPyConnection) -> content.ReportSettings:
    """The cover-report fields and the indicators to include, in the order chosen; they start
    from the fields saved with the last pack built."""
    _, nation = data.council(con)
    known = data.indicators_for(con, nation)
    titles = {i.id: i.title_for(nation) for i in known}
    _defaults(con)
    st.session_state["rp_indicators"] = [
        i for i in st.session_state.get("rp_indicators", []) if i in titles
    ]
    with st.expander("Meeting and cover report", expanded=False):
        cols = st.columns(2)
        committee = cols[0].text_input("Panel or committee", key="rp_committee")
        meeting = cols[1].text_input("Meeting date", key="rp_date")
        title = st.text_input("Title", key="rp_title")
        background = st.text_area("Background", key="rp_background")
        recs = st.text_area("Recommendations (one a line)", key="rp_recs")
        support = st.text_area("Supporting information", key="rp_support")
        contact = st.text_area("Contact points", key="rp_contact")
        papers = st.text_area("Background papers", key="rp_papers")
    chosen = st.multiselect(
        "Indicators, in the order they appear (empty: all, by theme)",
        list(titles),
        format_func=lambda i: titles.get(i, i),
        key="rp_indicators",
    )
    return content.ReportSettings(
        title=title or content.DEFAULT_TITLE,
        committee=committee,
        meeting_date=meeting,
        background=background,
        recommendations=tuple(r.strip() for r in recs.splitlines() if r.strip()),
        supporting_information=support,
        contact=contact,
        background_papers=papers,
        indicator_ids=tuple(chosen) or None,
    )


def _titles(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    _, nation = data.council(con)
    out = {i.id: i.title_for(nation) for i in data.indicators_for(con, nation)}
    return {commentary_review.SUMMARY: "Overall summary"} | out


def commentary_check(
    con: duckdb.DuckDBPyConnection, quarter: periods.Quarter
) -> bool | None:
    """None when the bundle cannot be built yet (stale text not kept as draft); else whether
    drafts go in, marked with content.DRAFT_MARK."""
    try:
        commentary_review.ensure(con, quarter)  # drafted on first use, as on Commentary
    except duckdb.Error:
        st.warning("The commentary could not be drafted; the pack is built without it.")
    paragraphs = bundle.stored_paragraphs(con, quarter)
    if not paragraphs:
        st.info("No commentary has been drafted for this quarter: the pack says so.")
        return False
    stale = [p.indicator_id for p in paragraphs if p.status == "stale"]
    drafts = [
        p.indicator_id
        for p in paragraphs
        if p.status not in bundle.REVIEWED and p.status != "stale"
    ]
    names = _titles(con)
    if drafts:
        st.warning(
            f"{len(drafts)} of {len(paragraphs)} paragraphs are not reviewed and go in "
            f'marked "{content.DRAFT_MARK}". Review them on the Commentary page.'
        )
        with st.expander("Which paragraphs are not reviewed"):
            st.markdown("\n".join(f"- {names.get(i, i)}" for i in drafts))
    if stale:
        st.error(
            "The data changed since this commentary was reviewed: "
            + ", ".join(names.get(i, i) for i in stale)
            + ". Re-review it on the Commentary page, or keep it as draft."
        )
        if st.button("Keep the stale paragraphs as drafts", key="rp_keep_stale"):
            for indicator_id in stale:  # each back to draft with its new text; audited
                commentary_review.keep_as_draft(con, quarter, indicator_id)
            st.rerun()
        return None
    return bool(drafts or stale)


def download(
    con: duckdb.DuckDBPyConnection,
    quarter: periods.Quarter,
    settings: content.ReportSettings,
    allow_draft: bool,
) -> None:
    key = (str(quarter), settings, allow_draft)
    if st.button("Build the report bundle", key="rp_build", type="primary"):
        _build(con, quarter, settings, allow_draft, key)
    _findings()
    held = st.session_state.get(BUILT_KEY)
    if held is None or held[0] != key:
        return
    _, name, payload, shown = held
    st.success(f"Built {name} ({len(payload) / 1e6:.1f} MB).")
    st.download_button(
        "Download the report bundle (zip)",
        data=payload,
        file_name=name,
        mime="application/zip",
        on_click="ignore",
        key="rp_download",
    )
    preview(shown)


def _build(
    con: duckdb.DuckDBPyConnection,
    quarter: periods.Quarter,
    settings: content.ReportSettings,
    allow_draft: bool,
    key: tuple[object, ...],
) -> None:
    bar = st.progress(0.0, text="Starting")

    def say(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=message)

    acknowledged = bool(st.session_state.get(ACK_KEY))
    try:
        built = bundle.build(
            con,
            quarter,
            allow_draft=allow_draft,
            acknowledge_lint=acknowledged,
            settings=settings,
            progress=say,
        )
    except bundle.DisclosureLintError as exc:
        bar.empty()
        st.session_state[FINDINGS_KEY] = exc.findings
        return
    except bundle.BundleError as exc:
        bar.empty()
        st.error(str(exc))
        return
    bar.empty()
    with page.WRITE_LOCK:
        if acknowledged:  # audited: how many, never the text (security.md S44)
            found = len(st.session_state.get(FINDINGS_KEY, ()))
            store.audit(con, "disclosure_lint_acknowledged", "ok", str(quarter),
                        {"findings": found})  # fmt: skip
        saved_settings.save(con, settings)  # the next pack starts from these fields
    st.session_state.pop(FINDINGS_KEY, None)
    st.session_state.pop(ACK_KEY, None)
    st.session_state[BUILT_KEY] = (key, built.name, built.zip_bytes(), _preview(built))


def _findings() -> None:
    """Text that may identify children (security.md S6): fix it, or acknowledge it."""
    findings = st.session_state.get(FINDINGS_KEY)
    if not findings:
        return
    st.error(
        "Text to publish may identify children: a small number near a word such as children "
        "or family. Change the text on the Commentary page or in the cover report, or, if it "
        "does not describe children, acknowledge it below (the acknowledgement is audited) "
        "and build again."
    )
    st.markdown("\n".join(f"- {f}" for f in findings))
    st.checkbox("I have checked these and they do not identify any child", key=ACK_KEY)


def _preview(built: bundle.Bundle) -> dict[str, object]:
    """What the preview shows, kept with the built bundle for this session."""
    charts = [p for p in sorted(built.files) if p.endswith("-trend.png")][:4]
    return {
        "commentary": built.files["commentary.md"].decode("utf-8"),
        "charts": [(p, built.files[p]) for p in charts],
        "files": [(p, len(b)) for p, b in sorted(built.files.items())],
    }


def preview(shown: dict[str, object]) -> None:
    """The built pack at a glance: its commentary, its first charts, its files."""
    with st.expander("Preview the pack", expanded=False):
        words, pictures, listing = st.tabs(["Commentary", "Charts", "Files"])
        words.markdown(re.sub(r"(?m)^(#+) ", r"###\1 ", str(shown["commentary"])))
        for path, png in shown["charts"]:  # type: ignore[attr-defined]
            pictures.image(png, caption=path)
        listing.dataframe(
            {"File": [p for p, _ in shown["files"]],  # type: ignore[attr-defined]
             "Bytes": [n for _, n in shown["files"]]},  # type: ignore[attr-defined]
            hide_index=True,
        )  # fmt: skip
