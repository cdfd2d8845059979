-- Child protection plans started and ceased (Wales: registrations and deregistrations): year to
-- date, quarter, and 12-month rates per 10,000. Starts: plans with a start date in the window;
-- ceases: plans with an end date in the window. Plans are counted, not children: a child with two
-- plans starting in the window counts twice, as DfE counts plans starting and ceasing. Nothing
-- after Qend counts (rule 1): a plan ending after Qend has not ceased.
with windows(measure, kind, first_day) as (
    values
        ('starts_ytd', 'starts', $ytd_start::date),
        ('ceases_ytd', 'ceases', $ytd_start::date),
        ('starts_quarter', 'starts', $quarter_start::date),
        ('ceases_quarter', 'ceases', $quarter_start::date),
        ('starts_rate_r12', 'starts', $r12_start::date),
        ('ceases_rate_r12', 'ceases', $r12_start::date)
),

events as (
    select 'starts' as kind, start_date as day from cp_plan
    union all
    select 'ceases' as kind, end_date as day from cp_plan where end_date is not null
),

counted as (
    select
        w.measure,
        count(e.day) as plans
    from windows as w
    left join events as e
        on e.kind = w.kind and e.day between w.first_day and $quarter_end
    group by w.measure
)

select
    $quarter_end::date as period_end,
    'measure' as breakdown,
    measure as category,
    plans::double as numerator,
    case when measure like '%_rate_r12' then $population::double end as denominator,
    case
        when measure like '%_rate_r12' then per_10k(plans, $population)
        else plans
    end::double as value
from counted
order by
    case measure
        when 'starts_ytd' then 1 when 'ceases_ytd' then 2
        when 'starts_quarter' then 3 when 'ceases_quarter' then 4
        when 'starts_rate_r12' then 5 else 6
    end
