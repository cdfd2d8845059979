-- A council's own local measure ($measure_id, from its measure catalogue row; unit $unit,
-- frequency $frequency): the headline figures (no breakdown) as uploaded, never recomputed.
-- month: one row per month of the quarter (a month not uploaded has no value) and the `all` row,
--   the quarter's figure when all three months are uploaded: their total for counts and money,
--   else their summed numerators over summed denominators (x 100 for percent, x 10,000 for
--   rate_per_10k), when all three give both.
-- quarter: the `all` row is the figure with period_end on Qend.
-- year: the `all` row is the latest figure with period_end in the 12 months ending Qend.
-- Counts and money: numerator = the value, no denominator; other units: numerator and
-- denominator as uploaded.
with reported as (
    select period_end, value, numerator, denominator
    from local_measure
    where measure_id = $measure_id
      and coalesce(breakdown, '') = ''
      and coalesce(category, '') = ''
      and period_end <= $quarter_end
),

additive as (
    select $unit in ('count', 'currency_gbp') as yes
),

months as (
    select
        m::date as month_start,
        last_day(m::date) as month_end
    from range($quarter_start::date, $quarter_end::date + interval 1 day, interval 1 month) as r(m)
    where $frequency = 'month'
),

by_month as (
    select m.month_start, r.value, r.numerator, r.denominator
    from months as m
    left join reported as r on r.period_end = m.month_end
),

quarter_of_months as (
    select
        count(value) = 3 as complete,
        count(numerator) = 3 and count(denominator) = 3 as has_ratio,
        sum(value) as total,
        sum(numerator) as num,
        sum(denominator) as den
    from by_month
),

headline as (
    -- quarter and year: the single figure of the headline window
    select value, numerator, denominator
    from reported
    where ($frequency = 'quarter' and period_end = $quarter_end)
       or (
           $frequency = 'year'
           and period_end > $quarter_end::date - interval 12 month
       )
    order by period_end desc
    limit 1
),

all_row as (
    select
        case when a.yes then q.total else q.num end as numerator,
        case when a.yes then null else q.den end as denominator,
        case
            when a.yes then q.total
            when $unit = 'percent' then pct(q.num, q.den)
            when $unit = 'rate_per_10k' then per_10k(q.num, q.den)
            when q.den = 0 then null
            else q.num / q.den
        end as value
    from quarter_of_months as q, additive as a
    where $frequency = 'month' and q.complete and (a.yes or q.has_ratio)
    union all
    select
        case when a.yes then h.value else h.numerator end,
        case when a.yes then null else h.denominator end,
        h.value
    from headline as h, additive as a
    where $frequency <> 'month'
),

rows_out as (
    select
        0 as k,
        null::date as month_start,
        'all' as breakdown,
        'all' as category,
        max(numerator) as numerator,
        max(denominator) as denominator,
        max(value) as value
    from all_row
    union all
    select
        1,
        b.month_start,
        'month',
        strftime(b.month_start, '%Y-%m'),
        case when a.yes then b.value else b.numerator end,
        case when a.yes then null else b.denominator end,
        b.value
    from by_month as b, additive as a
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    numerator::double as numerator,
    denominator::double as denominator,
    value::double as value
from rows_out
order by k, month_start
