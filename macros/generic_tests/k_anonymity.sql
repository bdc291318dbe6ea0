{#- Model-level test: every combination of quasi-identifier values occurs in at
    least k rows (NULLs form one group, as GROUP BY groups them). The failing
    rows are the offending groups with their sizes, smallest first. -#}
{% test k_anonymity(model, quasi_identifiers, k=5) %}
  {{ return(adapter.dispatch('test_k_anonymity', 'cape')(model, quasi_identifiers, k)) }}
{% endtest %}

{% macro default__test_k_anonymity(model, quasi_identifiers, k=5) -%}
  {%- set columns = cape._test_column_list('k_anonymity', 'quasi_identifiers', quasi_identifiers) -%}
  {%- set k = cape._test_positive_integer('k_anonymity', 'k', k) -%}
select
  {{ columns | join(', ') }},
  count(*) as group_size
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) < {{ k }}
order by group_size, {{ columns | join(', ') }}
{%- endmacro %}
