-- Shape-keeping sanitization (policies/demo_extended.yml): card numbers
-- FF1-encrypted, SSNs and e-mails masked, ages and incomes bucketed,
-- balances, postal codes and dates truncated.
{{ cape.apply_policy(ref('raw_customers'), 'policies/demo_extended.yml') }}
