-- Contacts received: contacts with a contact date in the quarter (rule 4: events, so a child with
-- two contacts counts twice), in all, by month of the quarter and by source (every source code of
-- formats.md §C.11 written, zeros included; a contact with no source is in `all` and its month
-- only). Contacts after Qend are not counted (rule 1).
with in_quarter as (
    select contact_date, source
    from contact
    where contact_date between $quarter_start and $quarter_end
),

months as (
    select m::date as month_start, row_number() over (order by m) as n
    from range($quarter_start::date, $quarter_end::date + interval 1 day, interval 1 month) as r(m)
),

sources(code, n) as (
    values
        ('1A', 1), ('1B', 2), ('1C', 3), ('1D', 4), ('2A', 5), ('2B', 6),
        ('3A', 7), ('3B', 8), ('3C', 9), ('3D', 10), ('3E', 11), ('3F', 12),
        ('4', 13), ('5A', 14), ('5B', 15), ('5C', 16), ('5D', 17),
        ('6', 18), ('7', 19), ('8', 20), ('9', 21), ('10', 22)
),

out_rows as (
    select 0 as n, 'all' as breakdown, 'all' as category, count(*) as contacts
    from in_quarter
    union all
    select
        m.n,
        'month',
        strftime(m.month_start, '%Y-%m'),
        count(q.contact_date)
    from months as m
    left join in_quarter as q on date_trunc('month', q.contact_date) = m.month_start
    group by m.n, m.month_start
    union all
    select 10 + s.n, 'source', s.code, count(q.contact_date)
    from sources as s
    left join in_quarter as q on q.source = s.code
    group by s.n, s.code
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    contacts::double as numerator,
    null::double as denominator,
    contacts::double as value
from out_rows
order by n
