-- Sickness absence in children's services in the quarter: the council's local measure `sickness`
-- (working days lost as a percentage of working days available, 0-100), the headline figure
-- uploaded for the quarter, i.e. with period_end on Qend. Numerator (days lost) and denominator
-- (days available) as uploaded, where given. No figure for Qend gives no value. Rows uploaded with
-- a breakdown are not read.
with reported as (
    select value, numerator, denominator
    from local_measure
    where measure_id = 'sickness'
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
