-- Children at risk of child sexual exploitation at month end. Where the council has uploaded its
-- local measure `cse_month_end` (exploitation tracker) for any month of the quarter, each month's
-- row is its headline figure for that month end (a month not uploaded has no value) and `all` is
-- the figure at Qend (the quarter's last month). Otherwise the figures are children with factor
-- 11A (child sexual exploitation) in assessments authorised in the month, each child once per
-- month, and `all` counts each such child once in the quarter; a month (or quarter) with no
-- assessment authorised with factors recorded has no value (the source carries no factors, or
-- there were none). Assessments authorised after Qend are not counted (rule 1).
with months as (
    select m::date as month_start, last_day(m::date) as month_end
    from range($quarter_start::date, $quarter_end::date + interval 1 day, interval 1 month) as r(m)
),

uploaded as (
    select period_end, value
    from local_measure
    where measure_id = 'cse_month_end'
      and coalesce(breakdown, '') = ''
      and coalesce(category, '') = ''
      and period_end between $quarter_start and $quarter_end
),

use_local as (
    select count(*) > 0 as yes from uploaded
),

assessed as (
    select child_id, authorised_date, list_contains(factors, '11A') as cse
    from assessment
    where factors is not null
      and authorised_date between $quarter_start and $quarter_end
),

by_month as (
    select
        m.month_start,
        m.month_end,
        case
            when (select yes from use_local) then max(u.value)
            when count(a.child_id) > 0 then count(distinct a.child_id) filter (where a.cse)
        end as children
    from months as m
    left join uploaded as u on u.period_end = m.month_end
    left join assessed as a on date_trunc('month', a.authorised_date) = m.month_start
    group by m.month_start, m.month_end
),

quarter_row as (
    select
        case
            when (select yes from use_local)
                then (select children from by_month where month_end = last_day($quarter_end::date))
            when (select count(*) from assessed) > 0
                then (select count(distinct child_id) filter (where cse) from assessed)
        end as children
),

out_rows as (
    select 0 as k, null::date as month_start, 'all' as breakdown, 'all' as category, children
    from quarter_row
    union all
    select 1, month_start, 'month', strftime(month_start, '%Y-%m'), children
    from by_month
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    children::double as numerator,
    null::double as denominator,
    children::double as value
from out_rows
order by k, month_start
