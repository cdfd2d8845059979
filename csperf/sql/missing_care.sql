-- Looked-after children missing from care: distinct children with a missing-from-care episode
-- (missing_episode.looked_after true, kind M; away episodes, kind A, are not counted) starting in
-- each month of the quarter, zeros included. `all` = distinct such children in the quarter;
-- measures: the quarter's episodes (each counts, rule 4) and children (each once), and the
-- 12-month share: children looked after at any time in R12 (an episode starting on or before Qend
-- and ending on or after the first day of R12, or open) who had a missing episode starting in R12,
-- as a percentage of the children looked after at any time in R12. Short breaks (V3/V4, rule 3)
-- are left out: a missing episode that starts while the child's only open looked-after episode is
-- a short break is not counted. Dates after Qend are ignored (rule 1).
with care as (
    select child_id, start_date, end_date,
           coalesce(legal_status, '') in ('V3', 'V4') as short_break
    from cla_episode
    where start_date <= $quarter_end
),

missing as (
    select m.child_id, m.start_date
    from missing_episode as m
    where m.looked_after
      and m.kind = 'M'
      and m.start_date <= $quarter_end
      and not (
          exists (
              select 1 from care as c
              where c.child_id = m.child_id and c.short_break
                and c.start_date <= m.start_date
                and (c.end_date is null or c.end_date > m.start_date)
          )
          and not exists (
              select 1 from care as c
              where c.child_id = m.child_id and not c.short_break
                and c.start_date <= m.start_date
                and (c.end_date is null or c.end_date > m.start_date)
          )
      )
),

in_quarter as (
    select child_id, start_date
    from missing
    where start_date between $quarter_start and $quarter_end
),

looked_after_r12 as (
    select distinct child_id
    from care
    where not short_break
      and (end_date is null or end_date >= $r12_start)
),

share_r12 as (
    select
        count(*) as children,
        count(*) filter (
            where l.child_id in (select child_id from missing where start_date >= $r12_start)
        ) as went_missing
    from looked_after_r12 as l
),

months as (
    select m::date as month_start
    from range($quarter_start::date, $quarter_end::date + interval 1 day, interval 1 month) as r(m)
),

out_rows as (
    select 0 as k, null::date as month_start, 'all' as breakdown, 'all' as category,
           count(distinct child_id) as amount, null as base
    from in_quarter
    union all
    select 1, m.month_start, 'month', strftime(m.month_start, '%Y-%m'),
           count(distinct q.child_id), null
    from months as m
    left join in_quarter as q on date_trunc('month', q.start_date) = m.month_start
    group by m.month_start
    union all
    select 2, null, 'measure', 'episodes_quarter', count(*), null
    from in_quarter
    union all
    select 3, null, 'measure', 'children_quarter', count(distinct child_id), null
    from in_quarter
    union all
    select 4, null, 'measure', 'pct_r12', went_missing, children
    from share_r12
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    amount::double as numerator,
    base::double as denominator,
    (case when k = 4 then pct(amount, base) else amount end)::double as value
from out_rows
order by k, month_start
