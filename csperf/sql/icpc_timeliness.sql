-- Initial child protection conferences held within 15 working days of the section 47 enquiry's
-- start (the strategy discussion), as a percentage of conferences held in the quarter.
-- Working days by rule 7 (the start date is day 0; weekends and the nation's bank holidays do not
-- count); within the limit means a count <= $working_days. Each conference counts (rule 4).
-- Conferences dated before their enquiry started (issue D02) are left out of both counts.
with held as (
    select
        child_id,
        working_days(start_date, icpc_date, $nation) as days
    from s47
    where icpc_date between $quarter_start and $quarter_end
      and icpc_date >= start_date
)

select
    $quarter_end::date as period_end,
    'all' as breakdown,
    'all' as category,
    count(*) filter (where days <= $working_days)::double as numerator,
    count(*)::double as denominator,
    pct(count(*) filter (where days <= $working_days), count(*))::double as value
from held
