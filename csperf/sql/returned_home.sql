-- Children who returned home from care (%): children whose care ended in the window with reason
-- E4A or E4B (returned home to live with parents or other person with parental responsibility,
-- as part of the care plan or not), over children looked after at any time in the window.
-- Headline window: 1 April to Qend (YTD); measure pct_quarter: the quarter alone. Each child once
-- (rule 4); short breaks V3/V4 left out (rule 3); nothing after Qend counts (rule 1). Looked after
-- in the window: an episode starting on or before Qend and open on or after the window's first day,
-- so a child whose care ended on that day is in the denominator as well as the numerator.
with episodes as (
    select child_id, start_date, end_date, reason_ceased
    from cla_episode
    where start_date <= $quarter_end
      and coalesce(legal_status, '') not in ('V3', 'V4')
),

windows(n, breakdown, category, first_day) as (
    values
        (0, 'all', 'all', $ytd_start::date),
        (1, 'measure', 'pct_quarter', $quarter_start::date)
),

counted as (
    select
        w.n,
        w.breakdown,
        w.category,
        count(distinct e.child_id) filter (
            where e.reason_ceased in ('E4A', 'E4B')
              and e.end_date between w.first_day and $quarter_end::date
        ) as returned,
        count(distinct e.child_id) as looked_after
    from windows as w
    left join episodes as e
        on e.end_date is null or e.end_date >= w.first_day
    group by w.n, w.breakdown, w.category
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    returned::double as numerator,
    looked_after::double as denominator,
    pct(returned, looked_after)::double as value
from counted
order by n
