-- Looked-after children's reviews in the quarter in which the child participated (%): reviews with
-- participation PN1-PN6 over reviews with PN1-PN7. PN0 (child under 4 at the review) and reviews
-- with no participation code recorded are left out of both. Each review counts (rule 4); reviews
-- after Qend are ignored (rule 1).
with reviews as (
    select participation
    from cla_review
    where review_date between $quarter_start::date and $quarter_end::date
      and participation in ('PN1', 'PN2', 'PN3', 'PN4', 'PN5', 'PN6', 'PN7')
)

select
    $quarter_end::date as period_end,
    'all' as breakdown,
    'all' as category,
    count(*) filter (where participation <> 'PN7')::double as numerator,
    count(*)::double as denominator,
    pct(count(*) filter (where participation <> 'PN7'), count(*))::double as value
from reviews
