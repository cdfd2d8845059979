-- Re-registrations within 12 months of deregistration (%): child protection plans starting since
-- 1 April (YTD) where the same child had a plan that ended within the 12 months before the new
-- plan's start (rule 8: on or after the same calendar day one year earlier, and strictly before
-- the start), over all plans starting in YTD; measure pct_quarter applies the same rule to the
-- quarter's plans. Plans are counted, not children; plans starting after Qend are ignored (rule 1).
with plans as (
    select child_id, start_date, end_date
    from cp_plan
    where start_date <= $quarter_end
),

marked as (
    select
        p.start_date,
        exists (
            select 1
            from plans as e
            where e.child_id = p.child_id
              and e.end_date >= (p.start_date - interval 1 year)::date
              and e.end_date < p.start_date
        ) as reregistration
    from plans as p
    where p.start_date >= $ytd_start
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
        count(m.start_date) filter (where m.reregistration) as reregistrations,
        count(m.start_date) as plans
    from windows as w
    left join marked as m on m.start_date >= w.first_day
    group by w.n, w.breakdown, w.category
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    reregistrations::double as numerator,
    plans::double as denominator,
    pct(reregistrations, plans)::double as value
from counted
order by n
