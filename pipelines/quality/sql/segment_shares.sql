-- The segment summary as published (one row per segment, at most a handful).
select segment, customers, customer_share, revenue_share
from marts.fct_segment_summary
order by segment
limit 1000
