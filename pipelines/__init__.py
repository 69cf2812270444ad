"""Customer segmentation pipeline: Dagster assets, dbt models, quality checks, publishing."""
