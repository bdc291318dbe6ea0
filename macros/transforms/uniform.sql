{#- A uniform number in [0, 1) (see cape_udfs/transforms/perturbation.py).
    Keyed (cape_keyed_uniform, an HMAC under the step's key, see
    cape_udfs/kernels/keyed_noise.py) with consistent_by, by the entity; and
    with a seed, by the row's input values under the salt the planner derived
    from the seed and the step, so reruns repeat whatever the thread count and
    nobody without the key can recompute the noise from the policy. Else fresh
    from a CSPRNG (cape_secure_uniform; never DuckDB's random(), a PCG whose
    outputs reveal its state, nor Spark's rand(), an XORShift). `index`
    numbers the uniforms a step needs (the seeded streams); `stream` names them
    for consistent_by (so a unit's keyed draw does not depend on its position in
    a list). -#}
{% macro _uniform(step, index, row, stream=none) -%}
  {{ return(adapter.dispatch('_uniform', 'cape')(step, index, row, stream)) }}
{%- endmacro %}

{#- The same calls and messages on every engine, so a consistent_by draw on
    Spark equals DuckDB's (and a seeded one too where every input column has a
    canonical text). -#}
{% macro default___uniform(step, index, row, stream=none) -%}
  {%- set keyed = cape._keyed_uniform_args(step, index, row, stream) -%}
  {%- if keyed is not none -%}
    {{ return('cape_keyed_uniform(' ~ keyed ~ ')') }}
  {%- endif -%}
  {#- The argument only sizes DuckDB's batch; the function has side effects,
      so no two calls are merged or folded. -#}
  {{ return('cape_secure_uniform(' ~ (index | int) ~ ')') }}
{%- endmacro %}

{#- The arguments of cape_keyed_uniform (entity list, key id, salt, stream) for
    a keyed step, none for fresh noise. -#}
{% macro _keyed_uniform_args(step, index, row, stream) -%}
  {%- if step.args.consistent_by -%}
    {{ return(cape._entity_list(step, row) ~ ', ' ~ cape._string_literal(step.key_id) ~ ', '
              ~ cape._string_literal(step.args.salt if step.args.salt is not none else step.column) ~ ', '
              ~ cape._string_literal(stream if stream is not none else index)) }}
  {%- endif -%}
  {%- if step.args.seed is not none -%}
    {%- if step.seed_salt is not defined or step.key_id is not defined -%}
      {{ exceptions.raise_compiler_error("cape: the seeded step of " ~ step.column ~ " has no key (plan it with cape_udfs)") }}
    {%- endif -%}
    {{ return(cape._entity_list(step, row) ~ ', ' ~ cape._string_literal(step.key_id) ~ ', ' ~ cape._string_literal(step.seed_salt) ~ ', '
              ~ cape._string_literal('seed/' ~ (index | int))) }}
  {%- endif -%}
  {{ return(none) }}
{%- endmacro %}

{#- The entity of a keyed draw as a list of canonical texts, one per
    consistent_by column (every input column for a seeded step), read from the
    row's raw input columns (the alias is whatever precedes the first input
    column in `row`). Column-level macros pass SQL expressions instead (for a
    seed, the row is the macro's expression), cast to text by the engine. -#}
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
  {%- elif not step.args.consistent_by -%}
    {%- do items.append('cast((' ~ row ~ ') as ' ~ cape._text_type() ~ ')') -%}
  {%- else -%}
    {%- for part in step.args.consistent_by -%}
      {%- do items.append('cast((' ~ part ~ ') as ' ~ cape._text_type() ~ ')') -%}
    {%- endfor -%}
  {%- endif -%}
  {{ return(cape._array_literal(items)) }}
{%- endmacro %}
