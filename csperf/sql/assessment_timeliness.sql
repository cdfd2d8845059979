-- Assessments completed within 45 working days (Wales: 42), as a percentage.
-- Assessments authorised in the quarter; working days by rule 7 (start date is day 0; weekends and
-- the nation's bank holidays do not count); within the limit means a count <= $working_days.
-- Assessments authorised before their start date (issue D02) are left out of both counts.
with authorised as (
    select
        child_id,
        working_days(start_date, authorised_date, $nation) as days
    from assessment
    where authorised_date between $quarter_start and $quarter_end
      and authorised_date >= start_date
)

select
    $quarter_end::date as period_end,
    'all' as breakdown,
    'all' as category,
    count(*) filter (where days <= $working_days)::double as numerator,
    count(*)::double as denominator,
    pct(count(*) filter (where days <= $working_days), count(*))::double as value
from authorised
