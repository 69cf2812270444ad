-- Key integrity of one raw source (one row): the versions marked latest must carry a unique,
-- non-null key, since every model downstream joins on it. {table} and {key} come from the
-- SourceSpec (code), never from data.
select
    count(*) as rows_stored,
    count(*) filter (where _is_latest) as latest_rows,
    count(*) filter (where _is_latest and {key} is null) as null_keys,
    count({key}) filter (where _is_latest)
        - count(distinct {key}) filter (where _is_latest) as duplicate_keys
from {table}
