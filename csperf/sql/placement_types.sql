-- Children looked after at the quarter end by placement group (formats.md §C.6): count and %.
-- Each child once (rule 4), by the placement type of their episode open at Qend (rule 2; the
-- latest-starting one if two overlap); short breaks V3/V4 left out (rule 3). Denominator: all
-- children looked after at Qend, including any whose placement type is blank or unknown (they are
-- in no group). Every group is written, zeros included. The type-to-group mapping is
-- placement_group_map, from csperf/reference/placement_groups.csv (§C.6).
with groups(placement_group, n) as (
    values
        ('FOSTER', 1), ('ADOPTION', 2), ('PARENTS', 3), ('COMMUNITY', 4), ('SECURE_CH', 5),
        ('INDEP_SUPPORTED', 6), ('OTHER_RESIDENTIAL', 7), ('RES_SCHOOL', 8), ('OTHER', 9)
),

open_at_qend as (
    select child_id, placement_type
    from cla_episode
    where start_date <= $quarter_end
      and (end_date is null or end_date > $quarter_end)
      and coalesce(legal_status, '') not in ('V3', 'V4')
    qualify row_number() over (partition by child_id order by start_date desc) = 1
),

looked_after as (
    select count(*) as children from open_at_qend
),

by_group as (
    select t.placement_group, count(*) as children
    from open_at_qend as o
    join placement_group_map as t on t.placement_type = o.placement_type
    group by t.placement_group
)

select
    $quarter_end::date as period_end,
    'placement_group' as breakdown,
    g.placement_group as category,
    coalesce(b.children, 0)::double as numerator,
    l.children::double as denominator,
    pct(coalesce(b.children, 0), l.children)::double as value
from groups as g
cross join looked_after as l
left join by_group as b on b.placement_group = g.placement_group
order by g.n
