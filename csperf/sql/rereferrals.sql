-- Re-referrals within 12 months (%): referrals with a referral date in the 12 months to the
-- quarter end (R12) whose child had another referral in the 12 months before that referral date
-- (rule 8: on or after the same calendar day one year earlier, and strictly before it), over all
-- referrals in R12; measure pct_quarter applies the same rule to the quarter's referrals.
-- Referrals are events (rule 4). Where the source states the child's earlier referrals in the
-- last 12 months (Annex A List 3, previous_referrals_12m), a count above 0 also marks a
-- re-referral, so a short Annex A extract still finds earlier referrals it does not hold.
with referrals as (
    select child_id, referral_date, previous_referrals_12m
    from referral
    where referral_date <= $quarter_end
),

marked as (
    select
        r.referral_date,
        coalesce(r.previous_referrals_12m, 0) > 0
        or exists (
            select 1
            from referrals as p
            where p.child_id = r.child_id
              and p.referral_date >= (r.referral_date - interval 1 year)::date
              and p.referral_date < r.referral_date
        ) as rereferral
    from referrals as r
    where r.referral_date >= $r12_start
),

windows(n, breakdown, category, first_day) as (
    values
        (0, 'all', 'all', $r12_start::date),
        (1, 'measure', 'pct_quarter', $quarter_start::date)
),

counted as (
    select
        w.n,
        w.breakdown,
        w.category,
        count(m.referral_date) filter (where m.rereferral) as rereferrals,
        count(m.referral_date) as referrals
    from windows as w
    left join marked as m on m.referral_date >= w.first_day
    group by w.n, w.breakdown, w.category
)

select
    $quarter_end::date as period_end,
    breakdown,
    category,
    rereferrals::double as numerator,
    referrals::double as denominator,
    pct(rereferrals, referrals)::double as value
from counted
order by n
