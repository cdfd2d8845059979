-- Long-term placement stability (%): of children under 16 at the quarter end who have been looked
-- after continuously for 2.5 years or more (start of care on or before Qend minus 30 months), those
-- in the same placement for 2 years or more, or placed for adoption (A3-A6) where the adoptive
-- placement and the placement before it together last 2 years or more (DfE's definition).
-- Placements by rule 6 (a new placement on reason_new P, T, B, U or S, or the child's first episode
-- in the extract; L continues it); the period of care (rule 5) begins at the latest S episode on or
-- before the episode open at Qend, else at the child's first episode in the extract. Looked after at
-- Qend by rule 2; short breaks V3/V4 left out (rule 3); events after Qend ignored (rule 1). Age in
-- completed years at Qend from birth_month (the 1st of the month); unknown age is left out.
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
    select child_id, placement_no, min(start_date) as start_date
    from marked
    group by child_id, placement_no
),

open_at_qend as (
    select child_id, start_date, placement_type, placement_no
    from marked
    where end_date is null or end_date > $quarter_end
    qualify row_number() over (partition by child_id order by start_date desc) = 1
),

current as (
    select
        o.child_id,
        o.placement_type,
        p.start_date as placement_start,
        prev.start_date as previous_start,
        coalesce(
            (select max(s.start_date) from episodes as s
             where s.child_id = o.child_id and s.reason_new = 'S'
               and s.start_date <= o.start_date),
            (select min(f.start_date) from episodes as f where f.child_id = o.child_id)
        ) as care_start
    from open_at_qend as o
    join placements as p on p.child_id = o.child_id and p.placement_no = o.placement_no
    left join placements as prev
        on prev.child_id = o.child_id and prev.placement_no = o.placement_no - 1
),

cohort as (
    select
        c.*,
        case
            when c.placement_type in ('A3', 'A4', 'A5', 'A6')
                and c.previous_start is not null and c.previous_start >= c.care_start
                then c.previous_start
            else c.placement_start
        end as stable_since
    from current as c
    join child as k on k.child_id = c.child_id
    where k.birth_month is not null
      and k.birth_month <= $quarter_end
      and datesub('year', k.birth_month, $quarter_end::date) < 16
      and c.care_start + interval 30 month <= $quarter_end::date
)

select
    $quarter_end::date as period_end,
    'all' as breakdown,
    'all' as category,
    count(*) filter (where stable_since + interval 2 year <= $quarter_end::date)::double
        as numerator,
    count(*)::double as denominator,
    pct(
        count(*) filter (where stable_since + interval 2 year <= $quarter_end::date), count(*)
    )::double as value
from cohort
