{{ config(materialized='table', meta={'cape_policy': 'policies/customers.yml'}) }}
{{ cape.apply_policy(ref('raw_customers')) }}
