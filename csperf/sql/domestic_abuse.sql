-- Domestic abuse identified at assessment (%): assessments authorised in the quarter with factor
-- 3A, 3B or 3C (domestic abuse concerning the child, a parent or carer, or another member of the
-- household; formats.md §C.14) over all assessments authorised in the quarter with factors
-- recorded (factors not null: a recorded "none", [] or 21, is in the denominator; a source
-- without factors, such as Annex A, gives no value). Measure at_referral: the council's local
-- measure da_at_referral for the quarter, as uploaded (headline row only); the row is written only
-- when the council uploaded a value for the quarter.
with authorised as (
    select factors
    from assessment
    where authorised_date between $quarter_start and $quarter_end
      and factors is not null
),

at_referral as (
    select max(value) as value, max(numerator) as numerator, max(denominator) as denominator
    from local_measure
    where measure_id = 'da_at_referral'
      and period_end = $quarter_end
      and coalesce(breakdown, '') = ''
      and coalesce(category, '') = ''
),

out_rows as (
    select
        0 as n,
        'all' as breakdown,
        'all' as category,
        count(*) filter (where list_has_any(factors, ['3A', '3B', '3C'])) as numerator,
        count(*) as denominator,
        pct(count(*) filter (where list_has_any(factors, ['3A', '3B', '3C'])), count(*)) as value
    from authorised
    union all
    select 1, 'measure', 'at_referral', numerator, denominator, value
    from at_referral
    where value is not null
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    numerator::double as numerator,
    denominator::double as denominator,
    value::double as value
from out_rows
order by n
