{#- Keyed one-way token (HMAC-SHA256 hex); key is a key name, never key material. -#}
{% macro tokenize(expr, key=none, max_token_len=none, algorithm=none) -%}
  {{ return(adapter.dispatch('tokenize', 'cape')(expr, key, max_token_len, algorithm)) }}
{%- endmacro %}

{% macro default__tokenize(expr, key=none, max_token_len=none, algorithm=none) -%}
  {{ return(cape._column_transform('tokenize', 'tokenizer', expr, {'max_token_len': max_token_len, 'algorithm': algorithm}, key)) }}
{%- endmacro %}
