-- Section 47 enquiries per 10,000 children: enquiries with a start date in the 12 months to the
-- quarter end (R12), per 10,000 children aged 0 to 17, and the quarter's own enquiries per 10,000
-- (measure rate_quarter, not annualised; its numerator is the quarter's count). Enquiries are
-- events (rule 4): a child with two enquiries counts twice. Enquiries after Qend are ignored (rule 1).
with windows(n, breakdown, category, first_day) as (
    values
        (0, 'all', 'all', $r12_start::date),
        (1, 'measure', 'rate_quarter', $quarter_start::date)
),

counted as (
    select
        w.n,
        w.breakdown,
        w.category,
        count(s.start_date) as enquiries
    from windows as w
    left join s47 as s
        on s.start_date between w.first_day and $quarter_end
    group by w.n, w.breakdown, w.category
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    enquiries::double as numerator,
    $population::double as denominator,
    per_10k(enquiries, $population)::double as value
from counted
order by n
