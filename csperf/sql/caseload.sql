-- Average caseload per allocated worker at the quarter end: open cases with an allocated worker
-- (distinct children) divided by the distinct allocated workers, overall and by team (the team on
-- the allocation; a worker holding cases in two teams counts in each, once overall; a child with
-- two workers counts once). Unallocated cases (no worker) are in neither count; a team with only
-- unallocated cases has no value (no workers). The allocation table is the open cases at the
-- extract date (a state). Where no allocation is loaded, the council's local measure `caseload`
-- for the month ending on Qend is read instead: its headline row as `all`, its `team` rows by team,
-- value, numerator and denominator as uploaded.
with allocated as (
    select distinct child_id, team, worker
    from allocation
    where worker is not null
),

from_allocation as (
    select 0 as n, 'all' as breakdown, 'all' as category,
           count(distinct child_id)::double as cases,
           count(distinct worker)::double as workers
    from allocated
    union all
    select 1, 'team', t.team, count(distinct a.child_id), count(distinct a.worker)
    from (select distinct team from allocation where team is not null) as t
    left join allocated as a on a.team = t.team
    group by t.team
),

from_local as (
    select
        case when coalesce(breakdown, '') = '' then 0 else 1 end as n,
        case when coalesce(breakdown, '') = '' then 'all' else 'team' end as breakdown,
        case when coalesce(breakdown, '') = '' then 'all' else category end as category,
        numerator as cases,
        denominator as workers,
        value
    from local_measure
    where measure_id = 'caseload'
      and period_end = $quarter_end
      and (coalesce(breakdown, '') = '' or breakdown = 'team')
),

has_allocation as (
    select count(*) > 0 as yes from allocation
),

out_rows as (
    select n, breakdown, category, cases, workers,
           case when workers > 0 then cases / workers end as value
    from from_allocation
    where (select yes from has_allocation)
    union all
    select n, breakdown, category, cases, workers, value
    from from_local
    where not (select yes from has_allocation)
    union all
    -- neither source: the headline row with no value
    select 0, 'all', 'all', null, null, null
    where not (select yes from has_allocation)
      and not exists (select 1 from from_local where n = 0)
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    cases::double as numerator,
    workers::double as denominator,
    value::double as value
from out_rows
order by n, category
