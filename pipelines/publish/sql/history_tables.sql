-- The history tables whose shape the publisher defines. The copies of the marts
-- (segment_history, tag_history, rfm_calibration, segment_summary, tag_catalog) are created from
-- the marts themselves on first write, so a new mart column reaches history without a migration.
create schema if not exists history;

-- One row per snapshot in history: which write of it is current (`version`), for the publisher
-- to know which published files are stale.
create table if not exists history.snapshots (
    snapshot_date date not null,
    version varchar not null,
    run_id varchar,
    written_at timestamp with time zone not null,
    customers bigint not null,
    tag_rows bigint not null
);

-- One row per snapshot and customer: masked contact data and the salted contact hash. No raw
-- name, email or phone is kept here.
create table if not exists history.customer_contacts (
    snapshot_date date not null,
    customer_id varchar not null,
    name_masked varchar,
    phone_masked varchar,
    contact_hash varchar,
    contact_hash_basis varchar
);

-- One row per pair of consecutive snapshots in history, origin segment and destination segment.
create table if not exists history.segment_migration (
    from_snapshot date not null,
    to_snapshot date not null,
    from_segment varchar not null,
    to_segment varchar not null,
    customers bigint not null
);

-- One row per snapshot and quality check, copied from main.quality_results (written by the
-- quality checks of the run). Columns the quality checks add later are added on the fly.
create table if not exists history.quality_results (
    snapshot_date date not null,
    check_name varchar,
    asset_key varchar,
    passed boolean,
    severity varchar,
    observed varchar,
    threshold varchar,
    run_id varchar,
    checked_at timestamp with time zone
);
