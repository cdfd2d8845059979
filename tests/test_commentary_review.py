"""The commentary review workflow (commentary.md §10): stored paragraphs, actions, staleness,
append-only history and untraced numbers, on crafted drafts in an in-memory store."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest

from csperf import commentary, commentary_review, ingest, periods, store

Q2 = periods.Quarter.parse("2025-26Q2")
IND = "cp_repeat"


def facts(
    latest: str = "22.4%", spc: str = "common_cause", england: str = "similar"
) -> dict[str, Any]:
    """Crafted facts in the shape of the facts layer: every number as its display string."""
    return {
        "indicator": {"id": IND, "definition_numbers": ["12 months"]},
        "period": {"quarter": "2025-26Q2", "label_long": Q2.label_long, "label_short": "Q2"},
        "latest": {"display": latest, "suppressed": False},
        "previous": {"display": "21.0%", "suppressed": False},
        "spc": {"state": "fixed", "variation": spc, "limits": {"upper": {"display": "28.1%"}}},
        "comparators": [
            {"key": "england", "display": "22.0%", "judgement": england,
             "period_label": "2024-25"},
        ],
    }  # fmt: skip


def draft(
    latest: str = "22.4%",
    text: str | None = None,
    template: str = "template-1",
    ind: str = IND,
    **kw: Any,
) -> commentary.Draft:
    f = facts(latest, **kw)
    canonical = json.dumps(f, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return commentary.Draft(
        indicator_id=ind,
        quarter=str(Q2),
        text=text
        or f"The figure was {latest} in {Q2.label_long}, compared with 21.0%.",
        facts=f,
        facts_hash=hashlib.sha256(canonical.encode()).hexdigest(),
        template_hash=hashlib.sha256(template.encode()).hexdigest(),
    )


SUMMARY = commentary.Draft(
    indicator_id="_summary", quarter=str(Q2), text="Every indicator was in its usual range.",
    facts={"period": {"label_short": "Q2"}}, facts_hash="s" * 64, template_hash="t" * 64,
)  # fmt: skip


@pytest.fixture
def db(con):  # type: ignore[no-untyped-def]
    """The store with the quarter's two paragraphs drafted."""
    commentary_review.refresh(con, Q2, [SUMMARY, draft()], user="analyst")
    return con


def para(con) -> commentary_review.Paragraph:  # type: ignore[no-untyped-def]
    return commentary_review.get(con, Q2, IND)


def history(con) -> list[tuple[Any, ...]]:  # type: ignore[no-untyped-def]
    return con.execute(
        "select * from commentary_history order by indicator_id, seq"
    ).fetchall()


def reload_on_14_october(con, *drafts: commentary.Draft) -> None:  # type: ignore[no-untyped-def]
    """Quarter 2's data reloaded on 14 October 2025, then the commentary refreshed."""
    store.run(con, "update commentary_paragraph set refreshed_at = '2025-10-01'")
    store.run(
        con,
        "insert into snapshot values "
        "(1, '999', '2025-26Q2', '2025-09-30', 'england', '2025-10-14 09:30', 'a', '0.1.0')",
    )
    commentary_review.refresh(con, Q2, [SUMMARY, *drafts], user="loader")


# ---------------------------------------------------------------- storing drafts


def test_a_first_refresh_stores_every_paragraph_as_an_unreviewed_draft(db):
    stored = commentary_review.read(db, Q2)
    assert [p.indicator_id for p in stored] == ["_summary", IND]
    p = stored[1]
    assert (p.status, p.text, p.generated_text) == ("draft", draft().text, draft().text)
    assert p.facts == facts() and p.facts_hash == draft().facts_hash
    assert p.template_hash == draft().template_hash
    assert p.engine_version == commentary.ENGINE_VERSION
    assert commentary_review.progress_text(stored) == "0 of 2 reviewed"


def test_refresh_regenerates_a_draft_silently_and_keeps_its_old_text(db):
    commentary_review.refresh(db, Q2, [SUMMARY, draft("23.0%")])
    p = para(db)
    assert p.status == "draft"
    assert p.text == draft("23.0%").text and p.stale_diff is None
    rows = history(db)
    assert [(r[3], r[6]) for r in rows] == [("refresh", draft().text)]


# ---------------------------------------------------------------- actions and transitions


def test_accept_approves_the_draft_text(db):
    p = commentary_review.accept(db, Q2, IND, user="analyst")
    assert (p.status, p.text, p.updated_by) == ("accepted", draft().text, "analyst")
    assert p.reviewed_facts_hash == draft().facts_hash
    assert commentary_review.progress_text(commentary_review.read(db, Q2)) == (
        "1 of 2 reviewed"
    )


def test_accept_applies_only_to_a_draft(db):
    commentary_review.accept(db, Q2, IND)
    with pytest.raises(commentary_review.ReviewError, match="this one is accepted"):
        commentary_review.accept(db, Q2, IND)


def test_save_edit_stores_the_analysts_text_as_edited(db):
    p = commentary_review.save_edit(db, Q2, IND, "  My own words: 22.4%.  ", user="ana")
    assert (p.status, p.text, p.updated_by) == ("edited", "My own words: 22.4%.", "ana")
    assert p.generated_text == draft().text
    assert p.reviewed_facts_hash == draft().facts_hash


def test_an_empty_edit_is_refused(db):
    with pytest.raises(commentary_review.ReviewError, match="empty"):
        commentary_review.save_edit(db, Q2, IND, "   ")
    assert para(db).status == "draft"


def test_reset_of_edited_text_needs_confirmation_and_keeps_the_old_text(db):
    commentary_review.save_edit(db, Q2, IND, "Edited text.")
    with pytest.raises(commentary_review.ConfirmationNeededError):
        commentary_review.reset(db, Q2, IND)
    assert para(db).text == "Edited text."
    p = commentary_review.reset(db, Q2, IND, confirmed=True)
    assert (p.status, p.text, p.reviewed_facts_hash) == ("draft", draft().text, None)
    assert history(db)[-1][3:7] == ("reset", "edited", "draft", "Edited text.")


def test_regenerate_rerenders_a_draft_without_confirmation(db):
    fresh = draft(text="Reworded by a new template.", template="template-2")
    p = commentary_review.regenerate(db, Q2, IND, fresh)
    assert (p.status, p.text) == ("draft", "Reworded by a new template.")
    assert p.template_hash == fresh.template_hash


def test_regenerate_replaces_accepted_text_only_after_confirmation(db):
    commentary_review.accept(db, Q2, IND)
    fresh = draft(text="Reworded by a new template.", template="template-2")
    with pytest.raises(commentary_review.ConfirmationNeededError):
        commentary_review.regenerate(db, Q2, IND, fresh)
    assert para(db).status == "accepted"
    p = commentary_review.regenerate(db, Q2, IND, fresh, confirmed=True)
    assert (p.status, p.text) == ("draft", "Reworded by a new template.")
    assert history(db)[-1][3:7] == ("regenerate", "accepted", "draft", draft().text)


@pytest.mark.parametrize("action", ["keep_my_text", "use_new_draft", "keep_as_draft"])
def test_the_stale_choices_apply_only_to_a_stale_paragraph(db, action):
    commentary_review.accept(db, Q2, IND)
    with pytest.raises(commentary_review.ReviewError, match="this one is accepted"):
        getattr(commentary_review, action)(db, Q2, IND)


# ---------------------------------------------------------------- reload and staleness


def test_a_template_change_alone_never_makes_reviewed_text_stale(db):
    commentary_review.accept(db, Q2, IND)
    reworded = draft(text="New wording, same figures.", template="template-2")
    commentary_review.refresh(db, Q2, [SUMMARY, reworded])
    p = para(db)
    assert (p.status, p.text) == ("accepted", draft().text)
    assert p.generated_text == "New wording, same figures."


def test_the_stale_flow_keeps_the_text_and_shows_old_and_new_figures(db):
    commentary_review.save_edit(db, Q2, IND, "Analyst text about 22.4%.", user="ana")
    reload_on_14_october(db, draft("23.0%"))
    p = para(db)
    assert p.status == "stale"
    assert p.text == "Analyst text about 22.4%."  # never modified
    assert p.generated_text == draft("23.0%").text
    assert p.stale_diff is not None
    assert [(c.fact, c.old, c.new) for c in p.stale_diff.changes] == [
        ("latest", "22.4%", "23.0%")
    ]
    assert commentary_review.banner(p) == (
        "Figures changed: Quarter 2 data were reloaded on 14 October 2025. "
        "Latest value 22.4% → 23.0%; SPC common cause (unchanged); England: similar "
        "(unchanged). Your text has not been changed. Keep my text, use the new draft, "
        "or edit."
    )
    assert commentary_review.progress_text(commentary_review.read(db, Q2)) == (
        "0 of 2 reviewed"
    )


def test_keep_my_text_marks_the_text_reviewed_against_the_new_figures(db):
    commentary_review.save_edit(db, Q2, IND, "Analyst text.")
    reload_on_14_october(db, draft("23.0%"))
    p = commentary_review.keep_my_text(db, Q2, IND, user="ana")
    assert (p.status, p.text, p.stale_diff) == ("edited", "Analyst text.", None)
    assert p.reviewed_facts_hash == draft("23.0%").facts_hash
    commentary_review.refresh(db, Q2, [SUMMARY, draft("23.0%")])
    assert para(db).status == "edited"  # the same figures again: not stale


def test_use_new_draft_replaces_stale_text_with_the_new_draft(db):
    commentary_review.accept(db, Q2, IND)
    reload_on_14_october(db, draft("23.0%"))
    p = commentary_review.use_new_draft(db, Q2, IND)
    assert (p.status, p.text, p.stale_diff) == ("draft", draft("23.0%").text, None)
    assert history(db)[-1][3:7] == ("use_new_draft", "stale", "draft", draft().text)


def test_keep_as_draft_returns_to_draft_and_is_audited(db):
    commentary_review.save_edit(db, Q2, IND, "Analyst text.")
    reload_on_14_october(db, draft("23.0%"))
    p = commentary_review.keep_as_draft(db, Q2, IND)
    assert (p.status, p.text) == ("draft", draft("23.0%").text)
    row = store.first(db, "select event, quarter, detail from audit_log")
    assert row == ("commentary_keep_as_draft", str(Q2), '{"indicator_id": "cp_repeat"}')


def test_editing_a_stale_paragraph_reviews_it(db):
    commentary_review.accept(db, Q2, IND)
    reload_on_14_october(db, draft("23.0%"))
    p = commentary_review.save_edit(db, Q2, IND, "Rewritten for 23.0%.")
    assert (p.status, p.stale_diff) == ("edited", None)


def test_a_stale_paragraph_whose_figures_return_is_reviewed_again(db):
    commentary_review.accept(db, Q2, IND)
    reload_on_14_october(db, draft("23.0%"))
    commentary_review.refresh(db, Q2, [SUMMARY, draft()])
    assert (para(db).status, para(db).stale_diff) == ("accepted", None)


def test_every_changed_fact_is_listed_and_a_new_judgement_shows_in_the_banner(db):
    commentary_review.accept(db, Q2, IND)
    reload_on_14_october(db, draft("30.1%", spc="concern_high", england="higher"))
    p = para(db)
    assert p.stale_diff is not None
    assert {c.fact: (c.old, c.new) for c in p.stale_diff.changes} == {
        "latest": ("22.4%", "30.1%"),
        "spc.variation": ("common_cause", "concern_high"),
        "comparators.england.judgement": ("similar", "higher"),
    }
    assert "SPC common cause → concern high; England: similar → higher." in (
        commentary_review.banner(p) or ""
    )


# ---------------------------------------------------------------- history


def test_history_is_append_only_and_records_who_when_and_the_action(db):
    commentary_review.save_edit(db, Q2, IND, "First.", user="ana")
    commentary_review.save_edit(db, Q2, IND, "Second.", user="bob")
    before = history(db)
    commentary_review.reset(db, Q2, IND, confirmed=True, user="ana")
    after = history(db)
    assert after[: len(before)] == before  # earlier rows untouched
    entries = commentary_review.history(db, Q2, IND)
    assert [(e.seq, e.action, e.text, e.updated_by) for e in entries] == [
        (1, "save_edit", draft().text, "ana"),
        (2, "save_edit", "First.", "bob"),
        (3, "reset", "Second.", "ana"),
    ]
    assert all(isinstance(e.updated_at, dt.datetime) for e in entries)


# ---------------------------------------------------------------- untraced numbers


def test_a_number_not_in_the_facts_is_flagged_in_analyst_text(db):
    p = commentary_review.save_edit(
        db, Q2, IND, "The rate was 22.4% in Quarter 2 2025-26, up from 37 children."
    )
    assert commentary_review.warnings(p) == ["37 is not among this paragraph's figures"]


def test_numbers_from_labels_and_thousands_separators_are_traced():
    f = facts() | {"count": {"display": "1,234"}}
    text = "There were 1234 children, and 1,234 again, within 12 months of July 2025."
    assert commentary_review.untraced(text, f) == []
    assert commentary_review.untraced("Up 5.5 points, 12,345 children.", f) == [
        "5.5",
        "12,345",
    ]


def test_the_generated_text_itself_raises_no_warning(db):
    assert commentary_review.warnings(para(db)) == []


# ---------------------------------------------------------------- the hook after a load


def test_the_hook_refreshes_only_quarters_with_reviewed_text(db, monkeypatch):
    calls: list[periods.Quarter] = []
    monkeypatch.setattr(
        commentary, "draft_quarter", lambda _c, q: calls.append(q) or [SUMMARY, draft()]
    )
    assert commentary_review.after_change(db, [Q2]) == []
    commentary_review.accept(db, Q2, IND)
    assert commentary_review.after_change(db, [Q2]) == [Q2]
    assert calls == [Q2]


def test_a_commentary_failure_in_the_hook_never_raises(db, monkeypatch):
    commentary_review.accept(db, Q2, IND)

    def broken(_con: object, _quarter: object) -> list[commentary.Draft]:
        raise RuntimeError("template error")

    monkeypatch.setattr(commentary, "draft_quarter", broken)
    assert commentary_review.after_change(db, [Q2]) == []
    assert para(db).status == "accepted"


def test_after_a_load_only_that_quarter_and_later_ones_are_refreshed(db, monkeypatch):
    q1 = Q2.previous
    early = commentary.Draft(IND, str(q1), "Q1 text.", facts(), "h" * 64, "t" * 64)
    commentary_review.refresh(db, q1, [early])
    commentary_review.accept(db, q1, IND)
    commentary_review.accept(db, Q2, IND)
    for sid, q in enumerate([q1, Q2], start=1):
        store.run(
            db,
            "insert into snapshot values (?, '999', ?, ?, 'england', now(), 'a', '0.1.0')",
            [sid, str(q), q.end],
        )
    calls: list[periods.Quarter] = []
    monkeypatch.setattr(
        commentary, "draft_quarter", lambda _c, q: calls.append(q) or [SUMMARY, draft()]
    )
    assert commentary_review.after_load(db, Q2) == [Q2]
    assert calls == [Q2]


CHILD = b"child_id,sex,birth_month,ethnicity,disability,uasc\nA,F,2015-03,WBRI,N,N\n"
PLANS = b"child_id,start_date\nA,2025-01-01\n"


def test_reloading_a_quarter_makes_its_reviewed_text_stale(con, monkeypatch):
    upload = ingest.read([("child.csv", CHILD), ("cp_plan.csv", PLANS)], Q2, held={})
    ingest.load(con, "885", upload)
    commentary_review.refresh(con, Q2, [SUMMARY, draft()])
    commentary_review.save_edit(con, Q2, IND, "Analyst text.")
    monkeypatch.setattr(
        commentary, "draft_quarter", lambda _c, _q: [SUMMARY, draft("23.0%")]
    )
    store.run(con, "update commentary_paragraph set refreshed_at = '2025-10-01'")
    ingest.load(con, "885", upload)
    p = para(con)
    assert (p.status, p.text) == ("stale", "Analyst text.")
    assert p.stale_diff is not None
    today = periods.format_date(dt.datetime.now(dt.UTC).date())
    assert p.stale_diff.reason == f"Quarter 2 data were reloaded on {today}"


def test_a_commentary_failure_never_loses_the_loaded_data(con, monkeypatch):
    upload = ingest.read([("child.csv", CHILD), ("cp_plan.csv", PLANS)], Q2, held={})
    ingest.load(con, "885", upload)
    commentary_review.refresh(con, Q2, [SUMMARY, draft()])
    commentary_review.accept(con, Q2, IND)

    def broken(_con: object, _quarter: object) -> list[commentary.Draft]:
        raise RuntimeError("template error")

    monkeypatch.setattr(commentary, "draft_quarter", broken)
    more = b"child_id,start_date\nA,2025-01-01\nA,2025-08-01\n"
    ingest.load(con, "885", ingest.read([("cp_plan.csv", more)], Q2, held={}))
    assert store.first(con, "select count(*) from cp_plan") == (2,)
    assert para(con).status == "accepted"
