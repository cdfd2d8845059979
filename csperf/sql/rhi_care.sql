-- Return interviews within 72 hours for children missing from care (looked after:
-- missing_episode.looked_after true): missing episodes (kind M;
-- away episodes, kind A, are not measured, rule 9) ending in the quarter whose return interview
-- was completed on or before Qend (rule 1) and no more than 3 calendar days after the return
-- (rhi_completed_date - end_date <= 3, rule 9), as a percentage of the missing episodes ending in
-- the quarter (each episode counts, rule 4). An episode whose interview date is before the
-- episode began is a recording error and is left out. Measures: declined (offered, not accepted)
-- and not offered (whatever rhi_accepted says); an episode with rhi_offered blank, or offered
-- with rhi_accepted blank, is in neither.
with ended as (
    select rhi_offered, rhi_accepted,
           coalesce(
               rhi_completed_date <= $quarter_end
               and rhi_completed_date - end_date <= 3,
               false
           ) as on_time
    from missing_episode
    where looked_after
      and kind = 'M'
      and end_date between $quarter_start and $quarter_end
      and (rhi_completed_date is null or rhi_completed_date >= start_date)
),

out_rows as (
    select 0 as n, 'all' as breakdown, 'all' as category,
           count(*) filter (where on_time) as amount, count(*) as base
    from ended
    union all
    select 1, 'measure', 'declined',
           count(*) filter (where rhi_offered and not rhi_accepted), null
    from ended
    union all
    select 2, 'measure', 'not_offered', count(*) filter (where not rhi_offered), null
    from ended
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    amount::double as numerator,
    base::double as denominator,
    (case when n = 0 then pct(amount, base) else amount end)::double as value
from out_rows
order by n
