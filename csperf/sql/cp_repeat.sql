-- Second or subsequent child protection plans (%): plans starting in the 12 months to the quarter
-- end (R12) where the child had a plan before, at any interval — the source's number of previous
-- plans is above 0, or the data hold an earlier plan of the same child — over all plans starting
-- in R12; measure pct_quarter applies the same rule to the quarter's plans. Plans are counted, not
-- children (DfE counts each occasion); plans starting after Qend are ignored (rule 1).
with plans as (
    select child_id, start_date, previous_plans
    from cp_plan
    where start_date <= $quarter_end
),

marked as (
    select
        p.start_date,
        coalesce(p.previous_plans, 0) > 0
        or exists (
            select 1
            from plans as e
            where e.child_id = p.child_id
              and e.start_date < p.start_date
        ) as repeat_plan
    from plans as p
    where p.start_date >= $r12_start
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
        count(m.start_date) filter (where m.repeat_plan) as repeats,
        count(m.start_date) as plans
    from windows as w
    left join marked as m on m.start_date >= w.first_day
    group by w.n, w.breakdown, w.category
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    repeats::double as numerator,
    plans::double as denominator,
    pct(repeats, plans)::double as value
from counted
order by n
