{#- Per-patient date shift and relative gaussian cost noise (policies/demo_consistent.yml). -#}
{{ cape.apply_policy(ref('raw_visits'), 'policies/demo_consistent.yml') }}
