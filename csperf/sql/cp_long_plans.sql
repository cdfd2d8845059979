-- Child protection plans ceased that lasted 2 years or more (%): plans with an end date in the
-- 12 months to the quarter end (R12) whose end date is on or after the second anniversary of their
-- start date (rule 8), over all plans ceasing in R12; measure pct_quarter applies the same rule to
-- the plans ceasing in the quarter. Plans are counted, not children; a plan ending after Qend has
-- not ceased (rule 1).
with ceased as (
    select
        end_date,
        end_date >= (start_date + interval 2 year)::date as long_plan
    from cp_plan
    where end_date between $r12_start and $quarter_end
),

windows(n, breakdown, category, first_day) as (
    values
        (0, 'all', 'all', $r12_start::date),
        (1, 'measure', 'pct_quarter', $quarter_start::date)
),

counted as (
    select
        w.n,
        w.breakdown,
        w.category,
        count(c.end_date) filter (where c.long_plan) as long_plans,
        count(c.end_date) as plans
    from windows as w
    left join ceased as c on c.end_date >= w.first_day
    group by w.n, w.breakdown, w.category
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    long_plans::double as numerator,
    plans::double as denominator,
    pct(long_plans, plans)::double as value
from counted
order by n
