{{ cape.apply_policy(ref('raw_visits'), 'policies/visits.yml') }}
