-- Calls to the front door: the council's local measure phone_demand (a monthly count), one row per
-- month of the quarter (a month not reported has no value), the quarter's total on the `all` row
-- (only when all three months are reported), and by service for the quarter's last month: every
-- service uploaded for any month of the quarter, with no value where the last month has none.
-- Monthly rows have period_end = the month end.
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
    where measure_id = 'phone_demand'
      and coalesce(breakdown, '') = ''
      and coalesce(category, '') = ''
      and period_end between $quarter_start and $quarter_end
),

by_month as (
    select m.n, m.month_start, r.value
    from months as m
    left join reported as r on r.period_end = m.month_end
),

services as (
    select distinct category as service
    from local_measure
    where measure_id = 'phone_demand'
      and breakdown = 'service'
      and category is not null
      and period_end between $quarter_start and $quarter_end
),

last_month as (
    select category as service, value
    from local_measure
    where measure_id = 'phone_demand'
      and breakdown = 'service'
      and period_end = last_day($quarter_end::date)
),

out_rows as (
    select
        0 as n,
        'all' as breakdown,
        'all' as category,
        case when count(value) = 3 then sum(value) end as value
    from by_month
    union all
    select n, 'month', strftime(month_start, '%Y-%m'), value
    from by_month
    union all
    select 10, 'service', s.service, l.value
    from services as s
    left join last_month as l on l.service = s.service
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    value::double as numerator,
    null::double as denominator,
    value::double as value
from out_rows
order by n, category
