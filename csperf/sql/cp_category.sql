-- Children on a child protection plan at the quarter end by category of abuse: each child once
-- (rule 4), under the latest category of their plan open at Qend (rule 2: a plan ending on Qend is
-- not open); where a child has two open plans, the one that started last. A blank latest category
-- falls back to the initial category. Every category is written, zeros included; a child whose
-- category is blank or not a known code is in the total only.
with open_plans as (
    select
        child_id,
        coalesce(latest_category, initial_category) as category_of_abuse,
        row_number() over (partition by child_id order by start_date desc) as nth
    from cp_plan
    where start_date <= $quarter_end
      and (end_date is null or end_date > $quarter_end)
),

children as (
    select child_id, category_of_abuse from open_plans where nth = 1
),

categories(n, code) as (
    values (1, 'NEG'), (2, 'PHY'), (3, 'SAB'), (4, 'EMO'), (5, 'MUL')
),

out_rows as (
    select 0 as n, 'all' as breakdown, 'all' as category, count(*) as children
    from children
    union all
    select k.n, 'category_of_abuse', k.code, count(c.child_id)
    from categories as k
    left join children as c on c.category_of_abuse = k.code
    group by k.n, k.code
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    children::double as numerator,
    null::double as denominator,
    children::double as value
from out_rows
order by n
