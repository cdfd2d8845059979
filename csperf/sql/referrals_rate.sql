-- Referrals per 10,000 children: referrals with a referral date in the 12 months to the quarter
-- end (R12), per 10,000 children aged 0 to 17, and the quarter's own referrals per 10,000
-- (measure rate_quarter, not annualised; its numerator is the quarter's count). Referrals are
-- events (rule 4): a child referred twice counts twice. Referrals after Qend are ignored (rule 1).
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
        count(r.referral_date) as referrals
    from windows as w
    left join referral as r
        on r.referral_date between w.first_day and $quarter_end
    group by w.n, w.breakdown, w.category
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    referrals::double as numerator,
    $population::double as denominator,
    per_10k(referrals, $population)::double as value
from counted
order by n
