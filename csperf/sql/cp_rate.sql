-- Children subject to a child protection plan per 10,000 at the quarter end.
-- A plan is open at Qend when it started on or before Qend and has no end or ends after Qend
-- (rule 2); each child counts once (rule 4).
with open_at_qend as (
    select distinct child_id
    from cp_plan
    where start_date <= $quarter_end
      and (end_date is null or end_date > $quarter_end)
)

select
    $quarter_end::date as period_end,
    'all' as breakdown,
    'all' as category,
    count(*)::double as numerator,
    $population::double as denominator,
    per_10k(count(*), $population)::double as value
from open_at_qend
