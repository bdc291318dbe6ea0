-- A cape-dataframes policy file used unchanged; tokens are cape-dataframes' own.
{{ config(meta={'cape_tokenizer_algorithm': 'cape-legacy'}) }}
{{ cape.apply_policy(ref('raw_customers'), 'policies/cape_dataframes_legacy.yml') }}
