-- Social worker vacancies at the quarter end: the council's local measure `sw_vacancy_rate` (a
-- percentage, 0-100), the headline figure uploaded for the month ending on Qend. Numerator
-- (vacant posts) and denominator (all posts) as uploaded, where given. No figure for Qend gives
-- no value. Rows uploaded with a breakdown are not read.
with reported as (
    select value, numerator, denominator
    from local_measure
    where measure_id = 'sw_vacancy_rate'
      and coalesce(breakdown, '') = ''
      and coalesce(category, '') = ''
      and period_end = $quarter_end
)

select
    $quarter_end::date as period_end,
    'all' as breakdown,
    'all' as category,
    max(numerator)::double as numerator,
    max(denominator)::double as denominator,
    max(value)::double as value
from reported
