{#- Model-level test: every group of rows sharing quasi-identifier values holds
    at least l distinct values of the sensitive column. NULL is not a sensitive
    value: it does not count towards l, so a group whose sensitive values are
    all NULL has diversity 0 (the cautious reading). The failing rows are the
    offending groups, least diverse first. -#}
{% test l_diversity(model, quasi_identifiers, sensitive_column, l=2) %}
  {{ return(adapter.dispatch('test_l_diversity', 'cape')(model, quasi_identifiers, sensitive_column, l)) }}
{% endtest %}

{% macro default__test_l_diversity(model, quasi_identifiers, sensitive_column, l=2) -%}
  {%- set columns = cape._test_column_list('l_diversity', 'quasi_identifiers', quasi_identifiers) -%}
  {%- set sensitive = cape._test_column_list('l_diversity', 'sensitive_column', [sensitive_column])[0] -%}
  {%- if execute and sensitive in columns -%}
    {{ exceptions.raise_compiler_error("cape.l_diversity: sensitive_column '" ~ sensitive_column ~ "' is also a quasi-identifier; every group would have one value") }}
  {%- endif -%}
  {%- set l = cape._test_positive_integer('l_diversity', 'l', l) -%}
select
  {{ columns | join(', ') }},
  count(*) as group_size,
  count(distinct {{ sensitive }}) as distinct_sensitive_values
from {{ model }}
group by {{ columns | join(', ') }}
having count(distinct {{ sensitive }}) < {{ l }}
order by distinct_sensitive_values, group_size, {{ columns | join(', ') }}
{%- endmacro %}
