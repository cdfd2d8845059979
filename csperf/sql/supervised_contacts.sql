-- Supervised contacts delivered: the council's local measure `supervised_contacts` (a monthly
-- count), one row per month of the quarter (a month not reported has no value) and the quarter's
-- total on the `all` row (only when all three months are reported). Headline figures only:
-- rows uploaded with a breakdown are not read.
with months as (
    select
        m::date as month_start,
        last_day(m::date) as month_end,
        row_number() over (order by m) as n
    from range($quarter_start::date, $quarter_end::date + interval 1 day, interval 1 month) as r(m)
),

reported as (
    select period_end, value
    from local_measure
    where measure_id = 'supervised_contacts'
      and coalesce(breakdown, '') = ''
      and coalesce(category, '') = ''
      and period_end between $quarter_start and $quarter_end
),

by_month as (
    select m.n, m.month_start, r.value
    from months as m
    left join reported as r on r.period_end = m.month_end
)

select
    $quarter_end::date as period_end,
    'month' as breakdown,
    strftime(month_start, '%Y-%m') as category,
    value::double as numerator,
    null::double as denominator,
    value::double as value
from by_month
union all
select
    $quarter_end::date,
    'all',
    'all',
    case when count(value) = 3 then sum(value) end::double,
    null::double,
    case when count(value) = 3 then sum(value) end::double
from by_month
order by breakdown = 'month', category
