{#- Append one row per model built through cape.apply_policy in this run to the
    audit table (DuckDB; other adapters only log that they skipped it). The
    package's dbt_project.yml runs it as an on-run-end hook, so every project
    that installs cape gets it without per-model setup.

    Only results with status success are written; the plan summary comes from
    the marker apply_policy leaves in the compiled code. Problems that can be
    foreseen (an existing audit table without the expected columns, a relation
    that is gone) are logged as warnings and never fail the run.

    vars: cape_audit (true; false turns it off), cape_audit_database,
    cape_audit_schema (target's), cape_audit_table ('cape_audit'),
    cape_audit_count_rows (true; false leaves rows_in/rows_out NULL). -#}
{% macro write_audit(results) -%}
  {{ return(adapter.dispatch('write_audit', 'cape')(results)) }}
{%- endmacro %}

{#- Other adapters: say so once per run that built a cape model, never fail it. -#}
{% macro default__write_audit(results) -%}
  {%- if execute and var('cape_audit', true) and results is defined and results is not none
        and cape._audit_entries(results) | length > 0 -%}
    {%- do log("cape: audit rows are not written on " ~ adapter.type() ~ " (no cape." ~ adapter.type() ~ "__write_audit yet)", info=true) -%}
  {%- endif -%}
  {{ return('') }}
{%- endmacro %}

{% macro duckdb__write_audit(results) -%}
  {%- if not execute or not var('cape_audit', true) or results is not defined or results is none -%}
    {{ return('') }}
  {%- endif -%}
  {%- set entries = cape._audit_entries(results) -%}
  {%- if entries | length == 0 -%}{{ return('') }}{%- endif -%}
  {%- set audit = cape.audit_relation() -%}
  {%- if not cape._audit_table_ready(audit) -%}{{ return('') }}{%- endif -%}
  {%- set selects = [] -%}
  {%- for entry in entries -%}{%- do selects.append(cape._audit_row_select(entry)) -%}{%- endfor -%}
  {%- set columns = [] -%}
  {%- for name, _ in cape._audit_columns() -%}{%- do columns.append(cape._quote_identifier(name)) -%}{%- endfor -%}
  {%- call statement('cape_write_audit') -%}
insert into {{ audit }} ({{ columns | join(', ') }})
{{ selects | join('\nunion all\n') }}
  {%- endcall -%}
  {%- do adapter.commit() -%}
  {%- do log("cape: wrote " ~ entries | length ~ " audit row(s) to " ~ audit, info=true) -%}
  {{ return('') }}
{%- endmacro %}

{#- (name, type) of every audit column, in order. -#}
{% macro _audit_columns() -%}
  {{ return([
      ('invocation_id', 'varchar'),
      ('model_unique_id', 'varchar'),
      ('relation', 'varchar'),
      ('source_relation', 'varchar'),
      ('policy_label', 'varchar'),
      ('policy_path', 'varchar'),
      ('policy_digest', 'varchar'),
      ('applied', 'struct("column" varchar, transform varchar)[]'),
      ('rows_in', 'bigint'),
      ('rows_out', 'bigint'),
      ('started_at', 'timestamp'),
      ('finished_at', 'timestamp'),
  ]) }}
{%- endmacro %}

{#- The successful model results whose compiled code carries apply_policy's
    marker for that same model (an ephemeral model's marker, inlined into
    another model, is not that model's). -#}
{% macro _audit_entries(results) -%}
  {%- set prefix = cape._audit_marker_prefix() -%}
  {%- set entries = [] -%}
  {%- for result in results -%}
    {%- set node = result.node -%}
    {%- if result.status == 'success' and node.resource_type == 'model' and prefix in (node.compiled_code or '') -%}
      {%- for part in node.compiled_code.split(prefix)[1:] -%}
        {%- set marker = fromjson(part.split(' */')[0]) -%}
        {%- if marker is mapping and marker.get('model') == node.unique_id
              and cape._audit_marker_verified(marker, part.split(' */', 1)[1] if ' */' in part else '') -%}
          {%- do entries.append({'marker': marker, 'node': node, 'timing': result.timing}) -%}
        {%- endif -%}
      {%- endfor -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(entries) }}
{%- endmacro %}

{#- A marker counts when the SELECT apply_policy rendered follows it unchanged
    and its seal verifies in this process for this invocation (cape_audit_verify,
    DuckDB). Anything else (a marker copied from an earlier run or another model,
    a marker over other SQL) is logged and skipped. -#}
{% macro _audit_marker_verified(marker, rest) -%}
  {%- set length = marker.get('body_length') -%}
  {%- set body = rest[1:1 + length] if length is number and rest[:1] == '\n' else none -%}
  {%- set ok = body is not none and local_md5(body) == marker.get('body_md5') -%}
  {%- if ok -%}
    {%- set request = {'facts': cape._audit_facts(marker), 'seal': marker.get('seal')} -%}
    {%- set ok = run_query("select cape_audit_verify(" ~ cape._sql_string(tojson(request)) ~ ")").columns[0].values()[0] -%}
  {%- endif -%}
  {%- if not ok -%}
    {%- do log("cape: no audit row for " ~ marker.get('model') ~ ": its cape-audit marker was not rendered by cape.apply_policy in this run", info=true) -%}
  {%- endif -%}
  {{ return(ok) }}
{%- endmacro %}

{#- Create the audit table if needed; false (with a warning) when the
    relation there is not a table or lacks a column we write. -#}
{% macro _audit_table_ready(audit) -%}
  {%- set existing = adapter.get_relation(database=audit.database, schema=audit.schema, identifier=audit.identifier) -%}
  {%- if existing is none -%}
    {%- do adapter.create_schema(audit) -%}
    {%- set defs = [] -%}
    {%- for name, type in cape._audit_columns() -%}{%- do defs.append(cape._quote_identifier(name) ~ ' ' ~ type) -%}{%- endfor -%}
    {%- call statement('cape_create_audit') -%}
create table if not exists {{ audit }} (
  {{ defs | join(',\n  ') }}
)
    {%- endcall -%}
    {{ return(true) }}
  {%- endif -%}
  {%- if not existing.is_table -%}
    {%- do exceptions.warn("cape: audit rows not written: " ~ existing ~ " is a " ~ existing.type ~ ", not a table; set the var cape_audit_table") -%}
    {{ return(false) }}
  {%- endif -%}
  {%- set have = [] -%}
  {%- for column in adapter.get_columns_in_relation(existing) -%}{%- do have.append(column.name | lower) -%}{%- endfor -%}
  {%- set missing = [] -%}
  {%- for name, _ in cape._audit_columns() -%}
    {%- if name not in have -%}{%- do missing.append(name) -%}{%- endif -%}
  {%- endfor -%}
  {%- if missing -%}
    {%- do exceptions.warn("cape: audit rows not written: " ~ existing ~ " has no column(s) " ~ missing | join(', ') ~ "; rename or drop it, or set the var cape_audit_table") -%}
    {{ return(false) }}
  {%- endif -%}
  {{ return(true) }}
{%- endmacro %}

{#- One SELECT producing the audit row of one entry. Counts run only where they
    cannot fail: a view model was never executed, so neither it nor (unless it
    is a table) its source is counted. -#}
{% macro _audit_row_select(entry) -%}
  {%- set node = entry.node -%}
  {%- set marker = entry.marker -%}
  {%- set source = marker.source -%}
  {%- set count_rows = var('cape_audit_count_rows', true) -%}
  {%- set built = node.config.materialized != 'view' -%}
  {%- set rows_in = 'cast(null as bigint)' -%}
  {%- set rows_out = 'cast(null as bigint)' -%}
  {%- if count_rows -%}
    {%- set source_rel = adapter.get_relation(database=source.database, schema=source.schema, identifier=source.identifier) -%}
    {%- if source_rel is not none and (built or source_rel.is_table) -%}
      {%- set rows_in = '(select count(*) from ' ~ source_rel ~ ')' -%}
    {%- endif -%}
    {%- set this_rel = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
    {%- if built and this_rel is not none -%}
      {%- set rows_out = '(select count(*) from ' ~ this_rel ~ ')' -%}
    {%- endif -%}
  {%- endif -%}
  {%- set applied = [] -%}
  {%- for column, transform in marker.applied -%}
    {%- do applied.append("{'column': " ~ cape._sql_string(column) ~ ", 'transform': " ~ cape._sql_string(transform) ~ "}") -%}
  {%- endfor -%}
  {%- set timing = entry.timing or [] -%}
  {%- set started = (timing | first).started_at if timing else none -%}
  {%- set finished = (timing | last).completed_at if timing else none -%}
select
  {{ cape._audit_text(invocation_id) }},
  {{ cape._audit_text(node.unique_id) }},
  {{ cape._audit_text(node.relation_name) }},
  {{ cape._audit_text(source.name) }},
  {{ cape._audit_text(marker.label) }},
  {{ cape._audit_text(marker.path) }},
  {{ cape._audit_text(marker.digest) }},
  cast([{{ applied | join(', ') }}] as struct("column" varchar, transform varchar)[]),
  {{ rows_in }},
  {{ rows_out }},
  {{ cape._audit_timestamp(started) }},
  {{ cape._audit_timestamp(finished) }}
{%- endmacro %}

{% macro _audit_text(value) -%}
  {{ return('cast(null as varchar)' if value is none else cape._sql_string(value)) }}
{%- endmacro %}

{#- dbt's timings are UTC datetimes without a zone. -#}
{% macro _audit_timestamp(value) -%}
  {%- if value is none -%}{{ return('cast(null as timestamp)') }}{%- endif -%}
  {{ return("cast('" ~ value.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "' as timestamp)") }}
{%- endmacro %}
