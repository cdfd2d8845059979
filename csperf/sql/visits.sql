-- Visits face to face and virtual: the council's local measure `visits` (a monthly count), one
-- row per month of the quarter. A month's value is its headline row (no breakdown); where it has
-- none but both `mode` rows (face_to_face, virtual), their sum; a month with neither has no value.
-- The `all` row is the quarter's total, given only when all three months have a value. The `mode`
-- rows are the quarter's last month by mode as uploaded (both always written; a mode not uploaded
-- has no value).
with months as (
    select
        m::date as month_start,
        last_day(m::date) as month_end
    from range($quarter_start::date, $quarter_end::date + interval 1 day, interval 1 month) as r(m)
),

reported as (
    select
        period_end,
        case when coalesce(breakdown, '') = '' then 'total' else category end as kind,
        value
    from local_measure
    where measure_id = 'visits'
      and period_end between $quarter_start and $quarter_end
      and (
          (coalesce(breakdown, '') = '' and coalesce(category, '') = '')
          or (breakdown = 'mode' and category in ('face_to_face', 'virtual'))
      )
),

by_month as (
    select
        m.month_start,
        coalesce(
            max(r.value) filter (where r.kind = 'total'),
            max(r.value) filter (where r.kind = 'face_to_face')
            + max(r.value) filter (where r.kind = 'virtual')
        ) as visits
    from months as m
    left join reported as r on r.period_end = m.month_end
    group by m.month_start
),

modes as (
    select f.category, f.n, r.value
    from (values ('face_to_face', 1), ('virtual', 2)) as f(category, n)
    left join reported as r
        on r.kind = f.category and r.period_end = last_day($quarter_end::date)
),

rows_out as (
    select 0 as k, null::date as month_start, 0 as n, 'all' as breakdown, 'all' as category,
           case when count(visits) = 3 then sum(visits) end as amount
    from by_month
    union all
    select 1, month_start, 0, 'month', strftime(month_start, '%Y-%m'), visits
    from by_month
    union all
    select 2, null, n, 'mode', category, value
    from modes
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    amount::double as numerator,
    null::double as denominator,
    amount::double as value
from rows_out
order by k, month_start, n
