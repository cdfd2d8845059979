-- Children who left care since 1 April, by the length of their period of care (counts by band).
-- A period of care ends with an episode ending with a reason other than X1 (rule 5) on or after
-- 1 April and on or before Qend (rule 1), and begins at the child's latest episode with reason_new S
-- starting on or before that episode; where the extract holds no such S episode, at the child's
-- first episode (the length is then a lower bound). Short breaks V3/V4 left out (rule 3). Each child
-- once (rule 4), by their latest period of care ending in the window. Bands include their lower
-- bound: 56 days, then 6 months, 1, 2 and 5 years after the start (calendar months and years).
with episodes as (
    select child_id, start_date, end_date, reason_new, reason_ceased
    from cla_episode
    where start_date <= $quarter_end
      and coalesce(legal_status, '') not in ('V3', 'V4')
),

ended as (
    select
        e.child_id,
        e.end_date,
        coalesce(
            (select max(s.start_date) from episodes as s
             where s.child_id = e.child_id and s.reason_new = 'S'
               and s.start_date <= e.start_date),
            (select min(f.start_date) from episodes as f where f.child_id = e.child_id)
        ) as care_start
    from episodes as e
    where e.end_date between $ytd_start::date and $quarter_end::date
      and e.reason_ceased is not null and e.reason_ceased <> 'X1'
    qualify row_number() over (partition by e.child_id order by e.end_date desc) = 1
),

banded as (
    select
        case
            when end_date < care_start + interval 56 day then 'under 8 weeks'
            when end_date < care_start + interval 6 month then '8 weeks to under 6 months'
            when end_date < care_start + interval 1 year then '6 months to under 1 year'
            when end_date < care_start + interval 2 year then '1 to under 2 years'
            when end_date < care_start + interval 5 year then '2 to under 5 years'
            else '5 years and over'
        end as band
    from ended
),

bands(category, n) as (
    values
        ('all', 0),
        ('under 8 weeks', 1),
        ('8 weeks to under 6 months', 2),
        ('6 months to under 1 year', 3),
        ('1 to under 2 years', 4),
        ('2 to under 5 years', 5),
        ('5 years and over', 6)
),

counted as (
    select
        b.category,
        b.n,
        case
            when b.category = 'all' then (select count(*) from banded)
            else (select count(*) from banded as d where d.band = b.category)
        end as children
    from bands as b
)

select
    $quarter_end::date as period_end,
    case when category = 'all' then 'all' else 'time_in_care_band' end as breakdown,
    category,
    children::double as numerator,
    null::double as denominator,
    children::double as value
from counted
order by n
