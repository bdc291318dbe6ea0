{#- sql cut toward zero: exactly to `places` decimal places for integers and
    decimals, or, with places none, a double to a whole double that keeps the
    sign of zero (-0.5 gives -0.0). -#}
{% macro _trunc(sql, places=none) -%}
  {{ return(adapter.dispatch('_trunc', 'cape')(sql, places)) }}
{%- endmacro %}

{% macro default___trunc(sql, places=none) -%}
  {{ return('trunc(' ~ sql ~ ')' if places is none else 'trunc(' ~ sql ~ ', ' ~ places ~ ')') }}
{%- endmacro %}

{#- Spark has no numeric trunc. Decimals: ceil below zero, floor above, at the
    precision (exact, in decimal arithmetic). Doubles: t - t % 1 (an exact fmod),
    t * 0.0 below one for the signed zero; from 2^52 on every double is whole
    (and infinities and NaN stay as they are). -#}
{% macro spark___trunc(sql, places=none) -%}
  {%- if places is none -%}
    {{ return(cape._bind(sql, 'cape_t', 'case when abs(cape_t) < 1 then cape_t * 0.0D when abs(cape_t) < 4503599627370496D then cape_t - cape_t % 1.0D else cape_t end')) }}
  {%- endif -%}
  {{ return(cape._bind(sql, 'cape_v', 'case when cape_v < 0 then ceil(cape_v, ' ~ places ~ ') else floor(cape_v, ' ~ places ~ ') end')) }}
{%- endmacro %}
