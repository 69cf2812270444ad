{#-
    Every tag of fct_customer_tags agrees with its tag_code's entry in dim_tag_catalog: same
    attribute (tag_name), and for a tag with a fixed value (not is_dynamic) the catalog's value.
    (Levels and labels are not per customer: dim_tag_values takes them from the catalog.) A failure means the tagging and the catalog drifted apart (a
    tag generated from another catalog version, a column mixed up); BI tools would then file the
    customer under another attribute or value than the catalog describes. One row per distinct
    mismatching tag, with how many rows carry it. Codes missing from the catalog are the
    relationships test on tag_code, and null columns the not_null tests, not this one.
-#}

{#- It reads several models: attach it to fct_customer_tags, so that Dagster shows it as an asset
    check (a blocking one, severity error) instead of an observation. -#}
{{ config(meta={'dagster': {'ref': {'name': 'fct_customer_tags'}}}) }}

with

used as (

    {#- one pass over the tag rows, down to the distinct tags (a few hundred at most) -#}
    select tag_code, tag_name, tag_value, count(*) as tagged_rows
    from {{ ref('fct_customer_tags') }}
    group by tag_code, tag_name, tag_value

),

catalog as (

    select tag_code, tag_name, tag_value, is_dynamic
    from {{ ref('dim_tag_catalog') }}

)

select
    used.*,
    catalog.tag_name as catalog_tag_name,
    catalog.tag_value as catalog_tag_value

from used
inner join catalog
    on used.tag_code = catalog.tag_code
{# != , not `is distinct from`: a null is the not_null tests' failure, not this one's #}
where used.tag_name != catalog.tag_name
    or (not coalesce(catalog.is_dynamic, false) and used.tag_value != catalog.tag_value)
