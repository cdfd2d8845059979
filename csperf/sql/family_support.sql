-- People supported by family support services: the council's local measures fam_kpi_01 (Family
-- Gateway), fam_kpi_02 (Family Help) and fam_kpi_03 (Support4Families) for the quarter, one
-- measure row each (no value where not uploaded), and `all` = the sum of those reported (a person
-- supported by two services counts twice; no value when none is reported). Quarterly measures:
-- the row whose period_end is the quarter end. Headline figures only: rows uploaded with a
-- breakdown are not read.
with measures(measure_id, n) as (
    values ('fam_kpi_01', 1), ('fam_kpi_02', 2), ('fam_kpi_03', 3)
),

reported as (
    select measure_id, value
    from local_measure
    where measure_id in ('fam_kpi_01', 'fam_kpi_02', 'fam_kpi_03')
      and period_end = $quarter_end
      and coalesce(breakdown, '') = ''
      and coalesce(category, '') = ''
),

by_measure as (
    select m.n, m.measure_id, r.value
    from measures as m
    left join reported as r on r.measure_id = m.measure_id
),

out_rows as (
    select 0 as n, 'all' as breakdown, 'all' as category, sum(value) as value
    from by_measure
    union all
    select n, 'measure', measure_id, value
    from by_measure
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    value::double as numerator,
    null::double as denominator,
    value::double as value
from out_rows
order by n
