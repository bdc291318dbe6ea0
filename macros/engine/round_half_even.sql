{#- sql rounded half to even: exactly to `places` decimal places for integers
    and decimals, or, with places none, a double to a whole double that keeps
    the sign of zero (-0.4 gives -0.0), as NumPy's rint. -#}
{% macro _round_half_even(sql, places=none) -%}
  {{ return(adapter.dispatch('_round_half_even', 'cape')(sql, places)) }}
{%- endmacro %}

{% macro default___round_half_even(sql, places=none) -%}
  {{ return('round_even(' ~ sql ~ ', ' ~ (0 if places is none else places) ~ ')') }}
{%- endmacro %}

{#- Spark calls it bround; for doubles rint (Java's Math.rint), since bround
    goes through a decimal and loses the sign of zero. -#}
{% macro spark___round_half_even(sql, places=none) -%}
  {%- if places is none -%}{{ return('rint(' ~ sql ~ ')') }}{%- endif -%}
  {{ return('bround(' ~ sql ~ ', ' ~ places ~ ')') }}
{%- endmacro %}
