-- Looked-after children per 10,000 at the quarter end.
-- Counts children (rule 4) with an episode open at Qend (rule 2: start <= Qend and the episode has
-- no end or ends after Qend), leaving out short breaks, legal status V3 and V4 (rule 3).
with open_at_qend as (
    select distinct child_id
    from cla_episode
    where start_date <= $quarter_end
      and (end_date is null or end_date > $quarter_end)
      and coalesce(legal_status, '') not in ('V3', 'V4')
)

select
    $quarter_end::date as period_end,
    'all' as breakdown,
    'all' as category,
    count(*)::double as numerator,
    $population::double as denominator,
    per_10k(count(*), $population)::double as value
from open_at_qend
