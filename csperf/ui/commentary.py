"""The Commentary page's parts: progress, the status filter, one paragraph with its actions.

Actions run in button callbacks (before the rerun draws the page), under the write lock, on the
process's connection; what they did is shown once at the top of the page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import altair as alt
import duckdb
import streamlit as st

from csperf import commentary, indicators, periods
from csperf import commentary_review as review
from csperf.ui import page

FILTER_KEY = "commentary_filter"
MESSAGE_KEY = "commentary_message"
FILTERS = {
    "all": "All paragraphs",
    "to_review": "To review (draft or stale)",
    "draft": "Draft",
    "accepted": "Accepted",
    "edited": "Edited",
    "stale": "Stale",
}
STATUS_LABELS = {
    "draft": "Draft \u2013 not reviewed",
    "accepted": "Accepted",
    "edited": "Edited",
    "stale": "Stale \u2013 the figures changed",
}
BUTTONS = {  # action -> button label
    "accept": "Accept",
    "edit": "Edit",
    "reset": "Reset",
    "regenerate": "Regenerate",
    "keep_my_text": "Keep my text",
    "use_new_draft": "Use the new draft",
    "keep_as_draft": "Keep as draft",
}
BY_STATUS = {
    "draft": ["accept", "edit", "regenerate"],
    "accepted": ["edit", "reset", "regenerate"],
    "edited": ["edit", "reset", "regenerate"],
    "stale": ["keep_my_text", "use_new_draft", "edit", "keep_as_draft"],
}
DONE = {
    "accept": "accepted",
    "save_edit": "your text was saved",
    "reset": "reset to the current draft",
    "regenerate": "regenerated",
    "keep_my_text": "your text was kept against the new figures",
    "use_new_draft": "replaced by the new draft",
    "keep_as_draft": "kept as a draft (recorded in the audit log)",
}
CONFIRM = {
    "reset": "Reset replaces this text with the current draft.",
    "regenerate": "Regenerate replaces this text with a newly drafted paragraph.",
}
Simple = Callable[[duckdb.DuckDBPyConnection, str, str], review.Paragraph]
SIMPLE: dict[str, Simple] = {
    "accept": review.accept,
    "keep_my_text": review.keep_my_text,
    "use_new_draft": review.use_new_draft,
    "keep_as_draft": review.keep_as_draft,
}


def _key(kind: str, indicator_id: str) -> str:
    return f"commentary_{kind}_{indicator_id}"


def paragraphs(
    con: duckdb.DuckDBPyConnection, quarter: periods.Quarter
) -> list[review.Paragraph]:
    """The quarter's stored paragraphs, drafted on first use and refreshed when the figures,
    settings or engine changed since."""
    try:
        if not review.is_current(con, quarter):
            with page.WRITE_LOCK, st.spinner("Drafting the commentary"):
                review.ensure(con, quarter)
    except (review.ReviewError, duckdb.Error, ValueError) as exc:
        st.error(f"The commentary could not be drafted: {exc}")
    return review.read(con, quarter)


def progress(items: Sequence[review.Paragraph]) -> None:
    done, total = review.progress(items)
    st.progress(done / total if total else 0.0, text=review.progress_text(items))
    stale = review.counts(items)["stale"]
    if stale:
        st.warning(
            f"{stale} paragraph{' is' if stale == 1 else 's are'} stale: the figures under "
            "them changed. Review each (keep your text, use the new draft, or edit), or keep "
            "it as a draft, before the pack is built."
        )


def status_filter(items: Sequence[review.Paragraph]) -> str:
    n = review.counts(items)
    sizes: dict[str, int] = {"all": len(items), "to_review": n["draft"] + n["stale"]}
    sizes.update((str(k), v) for k, v in n.items())
    choice: str = st.selectbox(
        "Show",
        list(FILTERS),
        key=FILTER_KEY,
        format_func=lambda k: f"{FILTERS[k]} ({sizes[k]})",
    )
    return choice


def shown(items: Sequence[review.Paragraph], chosen: str) -> list[review.Paragraph]:
    if chosen == "all":
        return list(items)
    wanted = ("draft", "stale") if chosen == "to_review" else (chosen,)
    return [p for p in items if p.status in wanted]


def titles(inds: Sequence[indicators.Indicator], nation: str) -> dict[str, str]:
    return {review.SUMMARY: "Overall summary"} | {
        i.id: i.title_for(nation) for i in inds
    }


def message() -> None:
    said = st.session_state.pop(MESSAGE_KEY, None)
    if said is None:
        return
    kind, text = said
    (st.error if kind == "error" else st.success)(text)


def _close(indicator_id: str) -> None:
    for kind in ("editing", "confirm", "text"):
        st.session_state.pop(_key(kind, indicator_id), None)


def _run(action: str, quarter: str, indicator_id: str, confirmed: bool) -> None:
    con = page.connection()
    with page.WRITE_LOCK:
        if action == "save_edit":
            text = str(st.session_state.get(_key("text", indicator_id), ""))
            review.save_edit(con, quarter, indicator_id, text)
        elif action == "reset":
            review.reset(con, quarter, indicator_id, confirmed=confirmed)
        elif action == "regenerate":
            review.regenerate(con, quarter, indicator_id, confirmed=confirmed)
        else:
            SIMPLE[action](con, quarter, indicator_id)


def _act(
    action: str, quarter: str, indicator_id: str, title: str, confirmed: bool = False
) -> None:
    """Button callback: run the action; ask first where it would replace reviewed text."""
    try:
        _run(action, quarter, indicator_id, confirmed)
    except review.ConfirmationNeededError:
        st.session_state[_key("confirm", indicator_id)] = action
        return
    except (review.ReviewError, duckdb.Error, ValueError) as exc:
        st.session_state[MESSAGE_KEY] = ("error", f"{title}: {exc}")
        return
    _close(indicator_id)
    st.session_state[MESSAGE_KEY] = ("success", f"{title}: {DONE[action]}.")


def _edit(indicator_id: str, text: str) -> None:
    st.session_state[_key("editing", indicator_id)] = True
    st.session_state[_key("text", indicator_id)] = text


def _buttons(p: review.Paragraph, title: str) -> None:
    row = st.container(horizontal=True)
    for action in BY_STATUS[p.status]:
        if action == "edit":
            row.button(
                BUTTONS[action],
                key=_key(action, p.indicator_id),
                on_click=_edit,
                args=(p.indicator_id, p.text),
            )
        else:
            row.button(
                BUTTONS[action],
                key=_key(action, p.indicator_id),
                on_click=_act,
                args=(action, p.quarter, p.indicator_id, title),
                type="primary" if action in ("accept", "keep_my_text") else "secondary",
            )


def _editor(p: review.Paragraph, title: str) -> None:
    st.text_area("Your text (Markdown)", key=_key("text", p.indicator_id), height=180)
    row = st.container(horizontal=True)
    row.button(
        "Save edit",
        key=_key("save", p.indicator_id),
        type="primary",
        on_click=_act,
        args=("save_edit", p.quarter, p.indicator_id, title),
    )
    row.button(
        "Cancel",
        key=_key("cancel", p.indicator_id),
        on_click=_close,
        args=(p.indicator_id,),
    )


def _confirmation(p: review.Paragraph, title: str, action: str) -> None:
    st.warning(
        f"{CONFIRM[action]} Your {p.status} text is kept in the paragraph's history."
    )
    row = st.container(horizontal=True)
    row.button(
        f"Yes, {BUTTONS[action].lower()}",
        key=_key("yes", p.indicator_id),
        on_click=_act,
        args=(action, p.quarter, p.indicator_id, title, True),
    )
    row.button(
        "Cancel",
        key=_key("no", p.indicator_id),
        on_click=_close,
        args=(p.indicator_id,),
    )


def _status_line(p: review.Paragraph) -> str:
    line = STATUS_LABELS[p.status]
    if p.status != "draft" and p.updated_by:
        line += f" · {p.updated_by}, {periods.format_date(p.updated_at.date())}"
    return line


COMPONENT_NAMES = {
    "variation": "SPC signal", "assurance": "target assurance", "target": "target this quarter",
    "national": "differs from the national figure", "neighbours": "differs from neighbours",
    "rank": "first or last among neighbours", "priority": "key measure", "pin": "pinned",
}  # fmt: skip


def _pin_changed(quarter: str, indicator_id: str) -> None:
    on = bool(st.session_state.get(_key("pin", indicator_id)))
    with page.WRITE_LOCK:
        commentary.set_pinned(
            page.connection(), periods.Quarter.parse(quarter), indicator_id, on
        )
    st.session_state[MESSAGE_KEY] = (
        "success",
        "Pinned to the overall summary." if on else "No longer pinned to the summary.",
    )


def _pin(p: review.Paragraph) -> None:
    """Pin the indicator's headline to the summary (commentary.md §7.2: +100 salience)."""
    quarter = periods.Quarter.parse(p.quarter)
    key = _key("pin", p.indicator_id)
    if key not in st.session_state:
        st.session_state[key] = p.indicator_id in commentary.pinned(
            page.connection(), quarter
        )
    st.checkbox(
        "Pin to the overall summary",
        key=key,
        on_change=_pin_changed,
        args=(p.quarter, p.indicator_id),
    )


def scores(p: review.Paragraph, names: dict[str, str]) -> None:
    """Beside the summary: each headline's salience score and what it is made of."""
    for item in p.facts.get("salience", []):
        parts = ", ".join(
            f"{COMPONENT_NAMES.get(k, k)} {v}" for k, v in item["components"].items()
        )
        st.caption(
            f"{names.get(item['id'], item['id'])}: score {item['score']} ({parts})"
        )


def paragraph(
    p: review.Paragraph,
    names: dict[str, str],
    chart: Callable[[str], alt.LayerChart | None] | None = None,
) -> None:
    """One paragraph: title, status, stale banner, text, untraced numbers, the chart on
    request, actions."""
    title = names.get(p.indicator_id, p.indicator_id)
    with st.container(border=True, key=_key("box", p.indicator_id)):
        st.subheader(title)
        st.caption(_status_line(p))
        banner = review.banner(p)
        if banner:
            st.warning(banner)
        st.markdown(p.text)
        for warning in review.warnings(p):
            st.caption(f"⚠ {warning}")
        if p.indicator_id == review.SUMMARY:
            scores(p, names)
        else:
            _pin(p)
            if chart is not None and st.toggle(
                "Show the chart", key=_key("chart", p.indicator_id)
            ):
                drawn = chart(p.indicator_id)
                if drawn is not None:
                    st.altair_chart(drawn, width="stretch", height=320)
        if p.status == "stale":
            with st.expander("The new draft"):
                st.markdown(p.generated_text)
        pending = st.session_state.get(_key("confirm", p.indicator_id))
        if pending in CONFIRM:
            _confirmation(p, title, str(pending))
        elif st.session_state.get(_key("editing", p.indicator_id)):
            _editor(p, title)
        else:
            _buttons(p, title)
