-- Contacts that progressed to a referral or assessment (%): contacts received in the quarter
-- (each contact an event, rule 4) where the same child has a referral, or an assessment, starting
-- on the contact date or up to $progress_days calendar days after it (assumption, a registry
-- parameter). Referrals and assessments after Qend are not seen (rule 1), so a contact late in
-- the quarter has less time to progress. numerator = progressed; denominator = all contacts in
-- the quarter (not progressed = denominator - numerator).
with contacts as (
    select child_id, contact_date
    from contact
    where contact_date between $quarter_start and $quarter_end
),

next_steps as (
    select child_id, referral_date as day from referral where referral_date <= $quarter_end
    union all
    select child_id, start_date as day from assessment where start_date <= $quarter_end
),

marked as (
    select
        c.child_id,
        c.contact_date,
        exists (
            select 1
            from next_steps as s
            where s.child_id = c.child_id
              and s.day >= c.contact_date
              and s.day <= c.contact_date + $progress_days::integer
        ) as progressed
    from contacts as c
)

select
    $quarter_end::date as period_end,
    'all' as breakdown,
    'all' as category,
    count(*) filter (where progressed)::double as numerator,
    count(*)::double as denominator,
    pct(count(*) filter (where progressed), count(*))::double as value
from marked
