-- The sharing layer: a Parquet file other teams read directly.
{{ config(
    materialized='external',
    location=env_var('CAPE_EXPORT_DIR', 'exports') ~ '/customers_share.parquet',
    format='parquet',
) }}
select * from {{ ref('customers_sanitized') }}
