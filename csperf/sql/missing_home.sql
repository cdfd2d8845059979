-- Children missing from home: distinct children not looked after (missing_episode.looked_after
-- false) with a missing episode (kind M) starting in each month of the quarter, zeros included.
-- `all` = distinct children with such an episode starting in the quarter; measures: the quarter's
-- episodes (each episode counts, rule 4) and children (each child once). Episodes starting after
-- Qend are not counted (rule 1); an episode started before the quarter and still going is not a
-- new one.
with in_quarter as (
    select child_id, start_date
    from missing_episode
    where not looked_after
      and kind = 'M'
      and start_date between $quarter_start and $quarter_end
),

months as (
    select m::date as month_start
    from range($quarter_start::date, $quarter_end::date + interval 1 day, interval 1 month) as r(m)
),

out_rows as (
    select 0 as k, null::date as month_start, 'all' as breakdown, 'all' as category,
           count(distinct child_id) as amount
    from in_quarter
    union all
    select 1, m.month_start, 'month', strftime(m.month_start, '%Y-%m'),
           count(distinct q.child_id)
    from months as m
    left join in_quarter as q on date_trunc('month', q.start_date) = m.month_start
    group by m.month_start
    union all
    select 2, null, 'measure', 'episodes_quarter', count(*)
    from in_quarter
    union all
    select 3, null, 'measure', 'children_quarter', count(distinct child_id)
    from in_quarter
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    amount::double as numerator,
    null::double as denominator,
    amount::double as value
from out_rows
order by k, month_start
