-- Unplanned placement moves in the quarter, in all and by age band at the move. A move is an
-- episode with reason_new P, T, B or U (a change of placement, rule 6) starting in the quarter; it
-- is unplanned when its reason for placement change is recorded and not in $planned_reasons
-- (default CARPL change to or implementing the care plan, PLACE change in the status of the
-- placement only). Moves with no reason recorded, moves into temporary placements (T0-T4) and
-- short breaks V3/V4 (rule 3) are left out; nothing after Qend counts (rule 1). Each move counts
-- (an event). Age in completed years at the move from birth_month (the 1st of the month of birth);
-- a move of a child whose birth month is unknown is in `all` only.
with moves as (
    select
        e.child_id,
        e.start_date,
        case
            when c.birth_month is null or c.birth_month > e.start_date then null
            when datesub('year', c.birth_month, e.start_date) <= 4 then '0-4'
            when datesub('year', c.birth_month, e.start_date) <= 9 then '5-9'
            when datesub('year', c.birth_month, e.start_date) <= 15 then '10-15'
            else '16+'
        end as age_band
    from cla_episode as e
    left join child as c on c.child_id = e.child_id
    where e.start_date between $quarter_start::date and $quarter_end::date
      and e.reason_new in ('P', 'T', 'B', 'U')
      and e.reason_place_change is not null
      and not list_contains($planned_reasons, e.reason_place_change)
      and coalesce(e.placement_type, '') not in ('T0', 'T1', 'T2', 'T3', 'T4')
      and coalesce(e.legal_status, '') not in ('V3', 'V4')
),

bands(category, n) as (
    values ('all', 0), ('0-4', 1), ('5-9', 2), ('10-15', 3), ('16+', 4)
),

counted as (
    select
        b.category,
        b.n,
        case
            when b.category = 'all' then (select count(*) from moves)
            else (select count(*) from moves as m where m.age_band = b.category)
        end as moves
    from bands as b
)

select
    $quarter_end::date as period_end,
    case when category = 'all' then 'all' else 'age_band' end as breakdown,
    category,
    moves::double as numerator,
    null::double as denominator,
    moves::double as value
from counted
order by n
