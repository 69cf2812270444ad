-- One row per distinct tag of the snapshot (tag_code x level x value, bounded), with whether the
-- catalog knows it: the code exists, its levels and attribute agree, and for a tag with fixed values
-- the value is the catalog's. Rows that do not match come first, so the limit never hides them.
with

used as (

    select tag_code, tag_name, tag_level1, tag_level2, tag_value, count(*) as customers
    from marts.fct_customer_tags
    group by all

),

checked as (

    select
        used.*,
        catalog.tag_code is not null as in_catalog,
        coalesce(
            catalog.tag_name = used.tag_name
            and catalog.tag_level1 = used.tag_level1
            and catalog.tag_level2 = used.tag_level2
            and (catalog.is_dynamic or catalog.tag_value = used.tag_value),
            false
        ) as matches_catalog

    from used
    left join marts.dim_tag_catalog as catalog
        on used.tag_code = catalog.tag_code

)

select * from checked
order by matches_catalog, customers desc
limit 10000
