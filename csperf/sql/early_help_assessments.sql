-- Early help assessments started: early help records (Annex A List 2: early help assessments;
-- csperf CSV: early help assessments or episodes) with a start date in the quarter. Each record is
-- an event (rule 4): a child with two starts counts twice. Starts after Qend are ignored (rule 1).
select
    $quarter_end::date as period_end,
    'all' as breakdown,
    'all' as category,
    count(*)::double as numerator,
    null::double as denominator,
    count(*)::double as value
from early_help
where start_date between $quarter_start and $quarter_end
