-- The sharing layer: a Parquet file other teams read directly, streamed (cape_external).
{{ config(
    materialized='cape_external',
    location=env_var('CAPE_EXPORT_DIR', 'exports') ~ '/customers_share.parquet',
    format='parquet',
) }}
select * from {{ ref('customers_sanitized') }}
