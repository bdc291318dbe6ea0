{#-
  cape_external: dbt-duckdb's `external` materialization for Parquet, streamed.

  dbt-duckdb's `external` first builds the whole model as a table in the
  DuckDB file and then copies that table to the file: the data is written
  twice and the table's blocks sit in DuckDB's buffer pool, so memory grows
  with the row count. Here the model's query goes straight into
  `COPY (query) TO location`, with `preserve_order false` (so memory stays flat
  however many rows are sanitized) unless the query has an `order by` or the
  model's `options` set `preserve_order`. Location, `options`, `format`, the
  read-back view named after the model, hooks, grants, docs and plugin
  registration behave as in `external`.

  A failed run leaves the previous file and view untouched: DuckDB writes the
  new file beside the old one and moves it into place only when the COPY
  succeeds. Parquet streams; csv and json are handed to dbt-duckdb's own
  `external`. SQL models only: dbt lets a Python model be submitted only by the
  materialization itself, so Python models keep `external`.
-#}
{% materialization cape_external, adapter='duckdb', supported_languages=['sql'] %}
  {%- set location = render(config.get('location', default=external_location(this, config))) -%}
  {%- set rendered_options = render_write_options(config) -%}
  {%- set write_options = adapter.external_write_options(location, rendered_options) -%}
  {%- set format = (config.get('format') or rendered_options.get('format', 'parquet')) | lower -%}
  {%- if format != 'parquet' or config.get('glue_register') -%}
    {{ return(dbt.materialization_external_duckdb()) }}
  {%- endif -%}
  {#- Unordered unless asked: an `order by` anywhere in the query, or the option. -#}
  {%- set ordered = modules.re.search('order\\s+by', compiled_code, modules.re.IGNORECASE) -%}
  {%- if not ordered and 'preserve_order' not in (rendered_options.keys() | map('lower') | list) -%}
    {%- set write_options = write_options ~ ', preserve_order false' -%}
  {%- endif -%}
  {%- set read_location = adapter.external_read_location(location, rendered_options) -%}
  {%- set parquet_read_options = config.get('parquet_read_options', {'union_by_name': False}) -%}

  {%- set target_relation = this.incorporate(type='view') -%}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set intermediate_relation = make_intermediate_relation(target_relation, suffix='__dbt_int') -%}
  {%- set backup_relation_type = 'table' if existing_relation is none else existing_relation.type -%}
  {%- set backup_relation = make_backup_relation(target_relation, backup_relation_type) -%}
  {%- set grant_config = config.get('grants') -%}
  {{ drop_relation_if_exists(load_cached_relation(intermediate_relation)) }}
  {{ drop_relation_if_exists(load_cached_relation(backup_relation)) }}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {% call statement('main') -%}
    copy ({{ compiled_code }}) to '{{ location }}' ({{ write_options }})
  {%- endcall %}

  {% call statement('create_view') -%}
    create or replace view {{ intermediate_relation }} as (
      select * from read_parquet('{{ read_location }}'
      {%- for key, value in parquet_read_options.items() -%}
        , {{ key }}={{ "'" ~ value ~ "'" if value is string else value }}
      {%- endfor -%}
      )
    );
  {%- endcall %}

  {% if existing_relation is not none %}
    {{ adapter.rename_relation(existing_relation, backup_relation) }}
  {% endif %}
  {{ adapter.rename_relation(intermediate_relation, target_relation) }}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% do apply_grants(target_relation, grant_config,
                     should_revoke=should_revoke(existing_relation, full_refresh_mode=True)) %}
  {% do persist_docs(target_relation, model) %}
  {{ adapter.commit() }}
  {{ drop_relation_if_exists(backup_relation) }}

  {%- set plugin_name = config.get('plugin') -%}
  {%- if plugin_name is not none -%}
    {% do store_relation(plugin_name, target_relation, location, format, config) %}
  {%- endif %}
  {{ run_hooks(post_hooks, inside_transaction=False) }}

  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
