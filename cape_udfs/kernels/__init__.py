"""Engine-neutral helpers the transforms are built from: pure functions over Arrow
arrays and bytes (FF1, batch HMAC-SHA256, keyed and CSPRNG uniforms, Arrow text
plumbing, per-batch distinct values, date frequencies). No dbt or DuckDB imports."""
