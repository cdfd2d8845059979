-- Child protection reviews held within timescale (%): reviews held in the quarter, each review
-- counted (rule 4). Reviews are numbered within their plan (the child's cp_plan with that start
-- date) in date order: the first is on time if held no more than 3 months after the plan's start
-- (the initial conference), later ones if held no more than 6 months after the previous review
-- (month ends clamp: 30 November + 3 months = 28/29 February). Reviews whose plan is not in the
-- data, or dated before the plan started (issue K06), are left out; reviews after Qend are ignored
-- (rule 1).
with reviews as (
    select
        r.review_date,
        p.start_date as plan_start,
        lag(r.review_date) over (
            partition by r.child_id, r.plan_start_date order by r.review_date
        ) as previous_review
    from cp_review as r
    inner join cp_plan as p
        on p.child_id = r.child_id and p.start_date = r.plan_start_date
    where r.review_date >= r.plan_start_date
      and r.review_date <= $quarter_end
),

in_quarter as (
    select
        review_date,
        case
            when previous_review is null
                then review_date <= (plan_start + interval 3 month)::date
            else review_date <= (previous_review + interval 6 month)::date
        end as on_time
    from reviews
    where review_date >= $quarter_start
)

select
    $quarter_end::date as period_end,
    'all' as breakdown,
    'all' as category,
    count(*) filter (where on_time)::double as numerator,
    count(*)::double as denominator,
    pct(count(*) filter (where on_time), count(*))::double as value
from in_quarter
