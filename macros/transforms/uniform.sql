{#- A uniform number in [0, 1). Fresh per run; with a seed a function of the
    seed, the step and the row's input values, so reruns repeat whatever the
    thread count (53 bits of the hash keep the result below 1); with
    consistent_by a keyed function of the entity (cape_keyed_uniform, see
    cape_udfs/transforms/keyed_noise.py). `index` numbers the uniforms a step
    needs for the seed; `stream` names them for the keyed draw (so a unit's
    keyed draw does not depend on its position in a list). -#}
{% macro _uniform(step, index, row, stream=none) -%}
  {{ return(adapter.dispatch('_uniform', 'cape')(step, index, row, stream)) }}
{%- endmacro %}

{% macro default___uniform(step, index, row, stream=none) -%}
  {{ cape._unsupported('_uniform') }}
{%- endmacro %}

{% macro duckdb___uniform(step, index, row, stream=none) -%}
  {%- if step.args.consistent_by -%}
    {{ return('cape_keyed_uniform(' ~ cape._entity_list(step, row) ~ ', ' ~ cape._sql_string(step.key_id) ~ ', '
              ~ cape._sql_string(step.args.salt if step.args.salt is not none else step.column) ~ ', '
              ~ cape._sql_string(stream if stream is not none else index) ~ ')') }}
  {%- endif -%}
  {%- if step.args.seed is none -%}
    {{ return('random()') }}
  {%- endif -%}
  {{ return('(cast(hash(' ~ step.args.seed ~ ', ' ~ cape._sql_string(step.salt ~ ':' ~ index) ~ ', ' ~ row ~ ') >> 11 as double) / 9007199254740992.0)') }}
{%- endmacro %}

{#- The entity of a keyed draw as a list of canonical texts, one per
    consistent_by column, read from the row's raw input columns (the alias is
    whatever precedes the first input column in `row`). Column-level macros
    pass SQL expressions instead, cast to text by the engine. -#}
{% macro _entity_list(step, row) -%}
  {{ return(adapter.dispatch('_entity_list', 'cape')(step, row)) }}
{%- endmacro %}

{% macro default___entity_list(step, row) -%}
  {%- set items = [] -%}
  {%- if step.entity is defined and step.entity is not none -%}
    {%- set head = cape._quote_identifier(step.row_head) -%}
    {%- set at = row.find(head) -%}
    {%- if at < 0 -%}
      {{ exceptions.raise_compiler_error("cape: cannot find column " ~ step.row_head ~ " in the row of " ~ step.column) }}
    {%- endif -%}
    {%- set prefix = row[:at] -%}
    {%- for part in step.entity -%}
      {%- do items.append(cape._canonical_text(prefix ~ cape._quote_identifier(part.column), part.family)) -%}
    {%- endfor -%}
  {%- else -%}
    {%- for part in step.args.consistent_by -%}
      {%- do items.append('cast((' ~ part ~ ') as ' ~ cape._text_type() ~ ')') -%}
    {%- endfor -%}
  {%- endif -%}
  {{ return(cape._array_literal(items)) }}
{%- endmacro %}

{#- The engine's text type and array constructor. -#}
{% macro _text_type() -%}
  {{ return(adapter.dispatch('_text_type', 'cape')()) }}
{%- endmacro %}

{% macro default___text_type() -%}
  {{ return('varchar') }}
{%- endmacro %}

{% macro _array_literal(items) -%}
  {{ return(adapter.dispatch('_array_literal', 'cape')(items)) }}
{%- endmacro %}

{% macro default___array_literal(items) -%}
  {{ return('[' ~ (items | join(', ')) ~ ']') }}
{%- endmacro %}

{#- The engine-independent text of a value of `family` (see keyed_noise.py):
    timestamps in UTC with six fraction digits, the rest as the cast gives. -#}
{% macro _canonical_text(sql, family) -%}
  {{ return(adapter.dispatch('_canonical_text', 'cape')(sql, family)) }}
{%- endmacro %}

{% macro default___canonical_text(sql, family) -%}
  {{ cape._unsupported('_canonical_text') }}
{%- endmacro %}

{% macro duckdb___canonical_text(sql, family) -%}
  {%- if family == 'timestamp' -%}
    {{ return("strftime(make_timestamp(epoch_us(" ~ sql ~ ")), '%Y-%m-%d %H:%M:%S.%f')") }}
  {%- endif -%}
  {{ return('cast(' ~ sql ~ ' as varchar)') }}
{%- endmacro %}
