-- Children looked after at the quarter end in regulated placements who are placed inside the
-- council's area (%). Each child once (rule 4), by their episode open at Qend (rule 2; the
-- latest-starting one if two overlap); short breaks V3/V4 left out (rule 3). Regulated placements
-- exclude P1 (placed with parents) and U1-U3 (family and friends foster care). placement_location
-- is the active source's value, else Annex A's (formats.md §A.4). Assumption: children whose
-- location is not recorded are left out of both numerator and denominator.
with open_at_qend as (
    select child_id, placement_type, placement_location
    from cla_episode
    where start_date <= $quarter_end
      and (end_date is null or end_date > $quarter_end)
      and coalesce(legal_status, '') not in ('V3', 'V4')
    qualify row_number() over (partition by child_id order by start_date desc) = 1
),

regulated as (
    select *
    from open_at_qend
    where coalesce(placement_type, '') not in ('P1', 'U1', 'U2', 'U3')
      and placement_location in ('IN', 'OUT')
)

select
    $quarter_end::date as period_end,
    'all' as breakdown,
    'all' as category,
    count(*) filter (where placement_location = 'IN')::double as numerator,
    count(*)::double as denominator,
    pct(count(*) filter (where placement_location = 'IN'), count(*))::double as value
from regulated
