{#- Ask cape_udfs through the plan bridge (cape_udfs/plan_bridge.py): run
    `select <function>('<json>')` and return the decoded answer, or fail the
    compile with its message. The request is quoted by cape._sql_string, the
    one form Spark's driver intercepts. -#}
{% macro _bridge(function, request) -%}
  {%- set result = run_query("select " ~ function ~ "(" ~ cape._sql_string(tojson(request)) ~ ")") -%}
  {%- set response = fromjson(result.columns[0].values()[0]) -%}
  {%- if not response.ok -%}
    {{ exceptions.raise_compiler_error("cape: " ~ response.error) }}
  {%- endif -%}
  {{ return(response) }}
{%- endmacro %}

{#- The project settings a plan or a column step is made with. -#}
{% macro _plan_options() -%}
  {{ return({
      'engine': adapter.type(),
      'tokenizer_algorithm': (config.get('meta') or {}).get('cape_tokenizer_algorithm') or var('cape_tokenizer_algorithm', none),
  }) }}
{%- endmacro %}
