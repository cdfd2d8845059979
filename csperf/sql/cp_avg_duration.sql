-- Average length in days of child protection plans ceased since 1 April (Wales: average days on the
-- register of those deregistered): the total of (end date - start date) over plans with an end
-- date in YTD, divided by the number of those plans; measure avg_quarter does the same for the
-- plans ceasing in the quarter. Plans are counted, not children; a plan ending after Qend has not
-- ceased (rule 1). No plans ceased gives no value.
with ceased as (
    select end_date, date_diff('day', start_date, end_date) as days
    from cp_plan
    where end_date between $ytd_start and $quarter_end
      and end_date >= start_date
),

windows(n, breakdown, category, first_day) as (
    values
        (0, 'all', 'all', $ytd_start::date),
        (1, 'measure', 'avg_quarter', $quarter_start::date)
),

counted as (
    select
        w.n,
        w.breakdown,
        w.category,
        coalesce(sum(c.days), 0) as total_days,
        count(c.end_date) as plans
    from windows as w
    left join ceased as c on c.end_date >= w.first_day
    group by w.n, w.breakdown, w.category
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    total_days::double as numerator,
    plans::double as denominator,
    (case when plans = 0 then null else total_days / plans end)::double as value
from counted
order by n
