-- The policy comes from models/sanitized/schema.yml (meta.cape_policy).
{{ cape.apply_policy(ref('raw_customers')) }}
