-- Children in need per 10,000 at the quarter end (DfE definition: CP and looked-after children
-- included). A CIN episode is open at Qend when it started on or before Qend and has no end or
-- ends after Qend (rule 2); each child counts once (rule 4). By team: children by the team on
-- their open episode, where the source records one (a child open to two teams counts in each).
with open_episodes as (
    select child_id, team
    from cin_episode
    where start_date <= $quarter_end
      and (end_date is null or end_date > $quarter_end)
),

headline as (
    select
        'all' as breakdown,
        'all' as category,
        count(distinct child_id) as children
    from open_episodes
),

by_team as (
    select
        'team' as breakdown,
        team as category,
        count(distinct child_id) as children
    from open_episodes
    where team is not null
    group by team
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    children::double as numerator,
    $population::double as denominator,
    per_10k(children, $population)::double as value
from (select * from headline union all select * from by_team)
order by breakdown, category
