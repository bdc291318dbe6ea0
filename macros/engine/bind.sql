{#- `body` with `name` bound to the value of `value`, which is evaluated once:
    a value used several times may be costly or random (noise is drawn once).
    A one-element list mapped by a lambda is the only binding both engines have
    inside an expression. -#}
{% macro _bind(value, name, body) -%}
  {{ return(adapter.dispatch('_bind', 'cape')(value, name, body)) }}
{%- endmacro %}

{% macro default___bind(value, name, body) -%}
  {{ return('list_transform([' ~ value ~ '], lambda ' ~ name ~ ': ' ~ body ~ ')[1]') }}
{%- endmacro %}

{#- Spark spells the list array(), the lambda `->` and the first element element_at(…, 1). -#}
{% macro spark___bind(value, name, body) -%}
  {{ return('element_at(transform(array(' ~ value ~ '), ' ~ name ~ ' -> ' ~ body ~ '), 1)') }}
{%- endmacro %}
