-- Children looked after at the quarter end in agency placements (provider PR4 private or PR5
-- voluntary/third sector), in all and by age band at Qend. Each child once (rule 4), by their
-- episode open at Qend (rule 2; the latest-starting one if two overlap); short breaks V3/V4 left
-- out (rule 3). Age is in completed years at Qend from birth_month, taken as the 1st of the month
-- of birth (only the month is stored). A child whose birth month is unknown is in `all` only.
with open_at_qend as (
    select child_id, placement_provider
    from cla_episode
    where start_date <= $quarter_end
      and (end_date is null or end_date > $quarter_end)
      and coalesce(legal_status, '') not in ('V3', 'V4')
    qualify row_number() over (partition by child_id order by start_date desc) = 1
),

agency as (
    select
        o.child_id,
        case
            when c.birth_month is null or c.birth_month > $quarter_end then null
            when datesub('year', c.birth_month, $quarter_end::date) <= 4 then '0-4'
            when datesub('year', c.birth_month, $quarter_end::date) <= 9 then '5-9'
            when datesub('year', c.birth_month, $quarter_end::date) <= 15 then '10-15'
            else '16+'
        end as age_band
    from open_at_qend as o
    left join child as c on c.child_id = o.child_id
    where o.placement_provider in ('PR4', 'PR5')
),

bands(category, n) as (
    values ('all', 0), ('0-4', 1), ('5-9', 2), ('10-15', 3), ('16+', 4)
),

counted as (
    select
        b.category,
        b.n,
        case
            when b.category = 'all' then (select count(*) from agency)
            else (select count(*) from agency as a where a.age_band = b.category)
        end as children
    from bands as b
)

select
    $quarter_end::date as period_end,
    case when category = 'all' then 'all' else 'age_band' end as breakdown,
    category,
    children::double as numerator,
    null::double as denominator,
    children::double as value
from counted
order by n
