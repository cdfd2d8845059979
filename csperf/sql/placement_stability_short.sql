-- Looked-after children with 3 or more placements in the 12 months to the quarter end (%).
-- Rule 6: per child, episodes in date order (short breaks V3/V4 left out, rule 3); an episode with
-- reason_new P, T, B, U or S, or the child's first episode in the extract, starts a placement; L
-- continues it. A placement whose first episode is temporary (T0-T4) is not counted (assumption).
-- A placement counts when it starts on or before Qend and ends on or after the first day of R12
-- (or is open). Denominator: children looked after at Qend (rule 2).
with episodes as (
    select
        child_id, start_date, end_date, reason_new, placement_type,
        row_number() over (partition by child_id order by start_date) as n
    from cla_episode
    where start_date <= $quarter_end
      and coalesce(legal_status, '') not in ('V3', 'V4')
),

marked as (
    select
        *,
        sum(case when n = 1 or reason_new in ('P', 'T', 'B', 'U', 'S') then 1 else 0 end)
            over (partition by child_id order by start_date rows unbounded preceding)
            as placement_no
    from episodes
),

placements as (
    select
        child_id,
        placement_no,
        min(start_date) as start_date,
        -- open if any of its episodes is open; an end after Qend counts as open (rule 1)
        case when bool_or(end_date is null) then null else max(end_date) end as end_date,
        arg_min(placement_type, start_date) as first_type
    from marked
    group by child_id, placement_no
),

counted as (
    select child_id, count(*) as placements
    from placements
    where coalesce(first_type, '') not in ('T0', 'T1', 'T2', 'T3', 'T4')
      and (end_date is null or end_date >= $r12_start)
    group by child_id
),

looked_after as (
    select distinct child_id
    from episodes
    where end_date is null or end_date > $quarter_end
)

select
    $quarter_end::date as period_end,
    'all' as breakdown,
    'all' as category,
    count(*) filter (where coalesce(c.placements, 0) >= 3)::double as numerator,
    count(*)::double as denominator,
    pct(count(*) filter (where coalesce(c.placements, 0) >= 3), count(*))::double as value
from looked_after as l
left join counted as c on c.child_id = l.child_id
