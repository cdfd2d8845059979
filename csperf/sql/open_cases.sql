-- Open cases at the quarter end by main category: each child open at Qend counted once, in the
-- first category that applies, in this order: looked after (a looked-after episode open at Qend,
-- short breaks V3/V4 left out, rule 3); child protection plan open at Qend; child in need plan
-- open at Qend; assessment open at Qend (started on or before it, not authorised by it); care
-- leaver (on the care leaver records at Qend, except those who have died or whom the council is
-- no longer required to keep in touch with: in_touch DIED, NREQ); other open children-in-need
-- episode. Open at Qend follows rule 2 (ending on Qend is not open); later dates are ignored
-- (rule 1). `all` = the open children. Every category is written, zeros included.
with categories(category, n) as (
    values
        ('looked_after', 1), ('cp_plan', 2), ('cin_plan', 3), ('open_assessment', 4),
        ('care_leaver', 5), ('other_cin', 6)
),

open_children as (
    select child_id, 1 as n
    from cla_episode
    where start_date <= $quarter_end
      and (end_date is null or end_date > $quarter_end)
      and coalesce(legal_status, '') not in ('V3', 'V4')
    union all
    select child_id, 2
    from cp_plan
    where start_date <= $quarter_end
      and (end_date is null or end_date > $quarter_end)
    union all
    select child_id, 3
    from cin_plan
    where start_date <= $quarter_end
      and (end_date is null or end_date > $quarter_end)
    union all
    select child_id, 4
    from assessment
    where start_date <= $quarter_end
      and (authorised_date is null or authorised_date > $quarter_end)
    union all
    select child_id, 5
    from care_leaver
    where coalesce(in_touch, '') not in ('DIED', 'NREQ')
    union all
    select child_id, 6
    from cin_episode
    where start_date <= $quarter_end
      and (end_date is null or end_date > $quarter_end)
),

first_category as (
    select child_id, min(n) as n
    from open_children
    group by child_id
),

out_rows as (
    select 0 as n, 'all' as breakdown, 'all' as category, count(*) as children
    from first_category
    union all
    select c.n, 'open_category', c.category, count(f.child_id)
    from categories as c
    left join first_category as f on f.n = c.n
    group by c.n, c.category
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    children::double as numerator,
    null::double as denominator,
    children::double as value
from out_rows
order by n
