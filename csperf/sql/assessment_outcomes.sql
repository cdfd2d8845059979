-- Assessment outcomes: assessments authorised in the quarter, each counted once under the most
-- serious outcome reached within its window, from most to least serious: looked_after (a
-- cla_episode with reason_new S starts; short breaks V3/V4 left out, rule 3), cp_plan (a CP plan
-- starts), cin_plan (a CIN plan starts), early_help (an early help episode or assessment starts,
-- or a CIN episode closes with RC9), nfa (none of these). An event counts when it is the same
-- child's, on or after the assessment's start date and at most $windows_days days after its
-- authorisation date (assumption, a registry parameter: 30 days; CP plans 60, for an S47 started
-- within 30 days plus 15 working days to conference). Events after Qend are not seen (rule 1).
-- `all` = assessments authorised in the quarter; every outcome is written, zeros included.
with authorised as (
    select
        row_number() over () as assessment_no,
        child_id,
        start_date,
        authorised_date
    from assessment
    where authorised_date between $quarter_start and $quarter_end
),

events(child_id, day, outcome) as (
    select child_id, start_date, 'looked_after'
    from cla_episode
    where reason_new = 'S' and coalesce(legal_status, '') not in ('V3', 'V4')
    union all
    select child_id, start_date, 'cp_plan' from cp_plan
    union all
    select child_id, start_date, 'cin_plan' from cin_plan
    union all
    select child_id, start_date, 'early_help' from early_help
    union all
    select child_id, end_date, 'early_help'
    from cin_episode
    where closure_reason = 'RC9' and end_date is not null
),

outcomes(outcome, rank) as (
    values ('looked_after', 1), ('cp_plan', 2), ('cin_plan', 3), ('early_help', 4), ('nfa', 5)
),

reached as (
    select
        a.assessment_no,
        coalesce(min(o.rank), 5) as rank
    from authorised as a
    left join events as e
        on e.child_id = a.child_id
       and e.day >= a.start_date
       and e.day <= $quarter_end
       and e.day <= a.authorised_date + (
            case e.outcome
                when 'looked_after' then $windows_days.looked_after
                when 'cp_plan' then $windows_days.cp_plan
                when 'cin_plan' then $windows_days.cin_plan
                else $windows_days.early_help
            end
        )::integer
    left join outcomes as o on o.outcome = e.outcome
    group by a.assessment_no
),

out_rows as (
    select 0 as n, 'all' as breakdown, 'all' as category, count(*) as assessments
    from reached
    union all
    select o.rank, 'outcome', o.outcome, count(r.assessment_no)
    from outcomes as o
    left join reached as r on r.rank = o.rank
    group by o.rank, o.outcome
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    assessments::double as numerator,
    null::double as denominator,
    assessments::double as value
from out_rows
order by n
