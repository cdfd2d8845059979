-- Placement costs since 1 April (£): each day a child spends in a placement from 1 April to Qend,
-- costed at the council's weekly unit cost ÷ 7 (formats.md §B.6), in all, by placement group
-- (§C.6) and as measures: the quarter's cost and the average weekly cost since 1 April. Without
-- any unit costs loaded, the `all` row is the council's local measure `placement_cost` for the
-- quarter end (year to date) and the other rows have no value.
-- A day d is in an episode when start_date <= d < end_date (rule 2: the end day is not); days
-- after Qend are ignored (rule 1); short breaks V3/V4 are left out (rule 3). The rate for a day is
-- the most specific match - (type, provider) > (type, any) > (group, provider) > (group, any) -
-- and within it the latest valid_from on or before the day. Days with no matching rate are not
-- costed (never costed as zero) and are left out of the weekly average too.
with groups(placement_group, n) as (
    values
        ('FOSTER', 1), ('ADOPTION', 2), ('PARENTS', 3), ('COMMUNITY', 4), ('SECURE_CH', 5),
        ('INDEP_SUPPORTED', 6), ('OTHER_RESIDENTIAL', 7), ('RES_SCHOOL', 8), ('OTHER', 9)
),

episodes as (
    select
        e.child_id,
        e.placement_type,
        e.placement_provider,
        t.placement_group,
        greatest(e.start_date, $ytd_start::date) as first_day,
        -- the last day in care in the window: the day before end_date, or Qend
        least(coalesce(e.end_date, $quarter_end::date + 1), $quarter_end::date + 1) - 1 as last_day
    from cla_episode as e
    left join placement_group_map as t on t.placement_type = e.placement_type
    where coalesce(e.legal_status, '') not in ('V3', 'V4')
      and e.start_date <= $quarter_end
      and (e.end_date is null or e.end_date > $ytd_start)
),

-- The rate of each day depends only on (type, provider, group) and the day, so it is worked out
-- once per combination and day of the year to date; an episode's cost is then the difference of
-- two running totals (no day-by-day expansion of every episode).
combos as (
    select distinct placement_type, placement_provider, placement_group from episodes
),

days as (
    select d::date as day
    from range($ytd_start::date, $quarter_end::date + interval 1 day, interval 1 day) as r(d)
),

combo_day_rate as (
    select c.placement_type, c.placement_provider, c.placement_group, d.day, r.weekly_cost
    from combos as c
    cross join days as d
    left join placement_cost_rate as r
        on r.valid_from <= d.day
       and (r.provider = '*' or r.provider = c.placement_provider)
       and (
            r.placement_type = c.placement_type
            or (r.placement_type is null and r.placement_group = c.placement_group)
       )
    qualify row_number() over (
        partition by c.placement_type, c.placement_provider, c.placement_group, d.day
        order by
            (r.placement_type is not null) desc,
            (r.provider <> '*') desc,
            r.valid_from desc
    ) = 1
),

running as (
    select
        placement_type, placement_provider, placement_group, day,
        sum(coalesce(weekly_cost / 7.0, 0)) over w as cost_to_day,
        sum(case when weekly_cost is null then 0 else 1 end) over w as costed_to_day
    from combo_day_rate
    window w as (
        partition by placement_type, placement_provider, placement_group order by day
    )
),

-- each episode's days in the year to date, and in the quarter
spans as (
    select e.placement_type, e.placement_provider, e.placement_group,
        e.first_day, e.last_day, 'ytd' as part
    from episodes as e
    where e.last_day >= e.first_day
    union all
    select e.placement_type, e.placement_provider, e.placement_group,
        greatest(e.first_day, $quarter_start::date), e.last_day, 'quarter'
    from episodes as e
    where e.last_day >= greatest(e.first_day, $quarter_start::date)
),

span_costs as (
    select
        s.part,
        s.placement_group,
        hi.cost_to_day - coalesce(lo.cost_to_day, 0) as cost,
        hi.costed_to_day - coalesce(lo.costed_to_day, 0) as costed_days
    from spans as s
    join running as hi
        on hi.placement_type is not distinct from s.placement_type
       and hi.placement_provider is not distinct from s.placement_provider
       and hi.placement_group is not distinct from s.placement_group
       and hi.day = s.last_day
    left join running as lo
        on lo.placement_type is not distinct from s.placement_type
       and lo.placement_provider is not distinct from s.placement_provider
       and lo.placement_group is not distinct from s.placement_group
       and lo.day = s.first_day - 1
),

totals as (
    select
        coalesce(sum(cost) filter (where part = 'ytd'), 0) as cost_ytd,
        coalesce(sum(cost) filter (where part = 'quarter'), 0) as cost_quarter,
        coalesce(sum(costed_days) filter (where part = 'ytd'), 0) as costed_days
    from span_costs
),

by_group as (
    select placement_group, sum(cost) as cost
    from span_costs
    where part = 'ytd'
    group by placement_group
),

rates_loaded as (
    select count(*) > 0 as loaded from placement_cost_rate
),

local_cost as (
    select max(value) as value
    from local_measure
    where measure_id = 'placement_cost'
      and period_end = $quarter_end
      and coalesce(breakdown, '') = ''
      and coalesce(category, '') = ''
),

out_rows as (
    select 0 as n, 'all' as breakdown, 'all' as category,
        case when r.loaded then t.cost_ytd else l.value end as numerator,
        null::double as denominator,
        case when r.loaded then t.cost_ytd else l.value end as value
    from totals as t, rates_loaded as r, local_cost as l
    union all
    select 1, 'measure', 'cost_quarter',
        case when r.loaded then t.cost_quarter end, null,
        case when r.loaded then t.cost_quarter end
    from totals as t, rates_loaded as r
    union all
    select 2, 'measure', 'weekly_average',
        case when r.loaded then t.cost_ytd end,
        case when r.loaded then t.costed_days / 7.0 end,
        case when r.loaded and t.costed_days > 0 then t.cost_ytd / (t.costed_days / 7.0) end
    from totals as t, rates_loaded as r
    union all
    select 2 + g.n, 'placement_group', g.placement_group,
        case when r.loaded then coalesce(b.cost, 0) end, null,
        case when r.loaded then coalesce(b.cost, 0) end
    from groups as g
    cross join rates_loaded as r
    left join by_group as b on b.placement_group = g.placement_group
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    numerator::double as numerator,
    denominator::double as denominator,
    value::double as value
from out_rows
order by n
