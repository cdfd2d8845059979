-- Children supported to remain living with their family: children with a children-in-need (care
-- and support) episode open at Qend who are not looked after at Qend, as a percentage of all
-- children with such an episode open at Qend. Open at Qend follows rule 2 (ending on Qend is not
-- open); each child once (rule 4). A child whose only looked-after episode open at Qend is a
-- short break (V3/V4, rule 3) is not looked after. No open episode gives no value.
with open_cin as (
    select distinct child_id
    from cin_episode
    where start_date <= $quarter_end
      and (end_date is null or end_date > $quarter_end)
),

looked_after as (
    select distinct child_id
    from cla_episode
    where start_date <= $quarter_end
      and (end_date is null or end_date > $quarter_end)
      and coalesce(legal_status, '') not in ('V3', 'V4')
),

counts as (
    select
        count(*) as children,
        count(*) filter (where l.child_id is null) as at_home
    from open_cin as c
    left join looked_after as l on l.child_id = c.child_id
)

select
    $quarter_end::date as period_end,
    'all' as breakdown,
    'all' as category,
    at_home::double as numerator,
    children::double as denominator,
    pct(at_home, children)::double as value
from counts
