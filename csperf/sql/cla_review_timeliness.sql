-- Looked-after children's reviews held on time in the quarter (%), rule 11. Each review belongs to
-- the period of care begun by the child's latest episode with reason_new S on or before the review
-- date (short breaks V3/V4 left out, rule 3) and is numbered by date within that period. The 1st is
-- on time within $first_review_working_days working days of the start of care (rule 7, the nation's
-- bank holidays), the 2nd within $second_review_months calendar months of the 1st, later ones within
-- $later_review_months months of the previous (month ends clamp). Reviews that cannot be numbered are
-- left out: no S episode on or before the review (care began before the extract), or a period of care
-- that began before the earliest review the extract holds (its earlier reviews may be missing).
-- Each review counts (rule 4); nothing after Qend counts (rule 1).
with care_starts as (
    select distinct child_id, start_date
    from cla_episode
    where reason_new = 'S'
      and start_date <= $quarter_end
      and coalesce(legal_status, '') not in ('V3', 'V4')
),

reviews as (
    select child_id, review_date
    from cla_review
    where review_date <= $quarter_end
),

first_review_held as (
    select min(review_date) as first_day from reviews
),

placed as (
    select
        r.child_id,
        r.review_date,
        (select max(s.start_date) from care_starts as s
         where s.child_id = r.child_id and s.start_date <= r.review_date) as care_start
    from reviews as r
),

numbered as (
    select
        child_id,
        review_date,
        care_start,
        row_number() over (partition by child_id, care_start order by review_date) as review_no,
        lag(review_date) over (partition by child_id, care_start order by review_date) as previous
    from placed
    where care_start is not null
      and care_start >= (select first_day from first_review_held)
),

judged as (
    select
        case
            when review_no = 1
                then working_days(care_start, review_date, $nation) <= $first_review_working_days
            when review_no = 2
                then review_date <= previous + to_months($second_review_months::integer)
            else review_date <= previous + to_months($later_review_months::integer)
        end as on_time
    from numbered
    where review_date between $quarter_start::date and $quarter_end::date
)

select
    $quarter_end::date as period_end,
    'all' as breakdown,
    'all' as category,
    count(*) filter (where on_time)::double as numerator,
    count(*)::double as denominator,
    pct(count(*) filter (where on_time), count(*))::double as value
from judged
