-- Support may turn name tokens back into names with the `support` key;
-- everything else stays sanitized.
{{ cape.apply_policy(ref('customers_sanitized'), 'policies/reveal_names.yml') }}
