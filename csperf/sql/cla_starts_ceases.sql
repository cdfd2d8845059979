-- Children starting and ceasing to be looked after: year to date, quarter, and 12-month rates.
-- Starts: children with an episode with reason_new S starting in the window. Ceases: children
-- with an episode ending in the window with a reason other than X1 (X1 = a new episode began the
-- same day, not a ceasing of care). Each child once per window (rule 4); short breaks V3/V4
-- excluded (rule 3); nothing after Qend counts (rule 1).
with episodes as (
    select child_id, start_date, end_date, reason_new, reason_ceased
    from cla_episode
    where coalesce(legal_status, '') not in ('V3', 'V4')
),

starts as (
    select child_id, start_date as day from episodes where reason_new = 'S'
),

ceases as (
    select child_id, end_date as day
    from episodes
    where end_date is not null and reason_ceased is not null and reason_ceased <> 'X1'
),

windows(measure, kind, first_day) as (
    values
        ('starts_ytd', 'starts', $ytd_start::date),
        ('ceases_ytd', 'ceases', $ytd_start::date),
        ('starts_quarter', 'starts', $quarter_start::date),
        ('ceases_quarter', 'ceases', $quarter_start::date),
        ('starts_rate_r12', 'starts', $r12_start::date),
        ('ceases_rate_r12', 'ceases', $r12_start::date)
),

events as (
    select 'starts' as kind, child_id, day from starts
    union all
    select 'ceases' as kind, child_id, day from ceases
),

counted as (
    select
        w.measure,
        count(distinct e.child_id) as children
    from windows as w
    left join events as e
        on e.kind = w.kind and e.day between w.first_day and $quarter_end
    group by w.measure
)

select
    $quarter_end::date as period_end,
    'measure' as breakdown,
    measure as category,
    children::double as numerator,
    case when measure like '%_rate_r12' then $population::double end as denominator,
    case
        when measure like '%_rate_r12' then per_10k(children, $population)
        else children
    end::double as value
from counted
order by
    case measure
        when 'starts_ytd' then 1 when 'ceases_ytd' then 2
        when 'starts_quarter' then 3 when 'ceases_quarter' then 4
        when 'starts_rate_r12' then 5 else 6
    end
