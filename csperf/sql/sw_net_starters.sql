-- Social workers starting and leaving (net): the council's local measure `sw_net_starters`, one
-- row per month of the quarter. A month's value is starters - leavers from its rows with breakdown
-- `flow` (categories `starters`, `leavers`); where the month has not both flow rows, its headline
-- row (no breakdown) is read as the net figure; a month with neither has no value. The `all` row
-- is the quarter's net total, given only when all three months have a value. The `flow` rows are
-- the quarter's last month's starters and leavers as uploaded (both always written; a flow not
-- uploaded has no value).
with months as (
    select
        m::date as month_start,
        last_day(m::date) as month_end
    from range($quarter_start::date, $quarter_end::date + interval 1 day, interval 1 month) as r(m)
),

reported as (
    select
        period_end,
        case when coalesce(breakdown, '') = '' then 'net' else category end as kind,
        value
    from local_measure
    where measure_id = 'sw_net_starters'
      and period_end between $quarter_start and $quarter_end
      and (
          (coalesce(breakdown, '') = '' and coalesce(category, '') = '')
          or (breakdown = 'flow' and category in ('starters', 'leavers'))
      )
),

by_month as (
    select
        m.month_start,
        m.month_end,
        coalesce(
            max(r.value) filter (where r.kind = 'starters')
            - max(r.value) filter (where r.kind = 'leavers'),
            max(r.value) filter (where r.kind = 'net')
        ) as net
    from months as m
    left join reported as r on r.period_end = m.month_end
    group by m.month_start, m.month_end
),

flows as (
    select f.category, f.n, r.value
    from (values ('starters', 1), ('leavers', 2)) as f(category, n)
    left join reported as r
        on r.kind = f.category and r.period_end = last_day($quarter_end::date)
),

rows_out as (
    select 0 as k, 0 as n, 'all' as breakdown, 'all' as category,
           case when count(net) = 3 then sum(net) end as amount
    from by_month
    union all
    select 1, month(month_start), 'month', strftime(month_start, '%Y-%m'), net
    from by_month
    union all
    select 2, n, 'flow', category, value
    from flows
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    amount::double as numerator,
    null::double as denominator,
    amount::double as value
from rows_out
order by k, n
