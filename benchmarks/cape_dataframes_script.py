"""Runs INSIDE the cape-dataframes 0.3.1 venv (see cape_compare.py): read a
Parquet file with pandas, apply a policy with cape-dataframes, write Parquet.

argv: SOURCE_PARQUET POLICY_YAML OUTPUT_PARQUET DIFFERENTIAL_DIR
stdout: one JSON object of stage timings in seconds.
"""
import json
import sys
import time


def main():
    started = time.perf_counter()
    source, policy_path, output, differential_dir = sys.argv[1:5]
    sys.path.insert(0, differential_dir)
    import pandas as pd
    import yaml
    from cape_oracle_script import _import_cape  # imports cape without pyspark

    cape = _import_cape()
    imported = time.perf_counter()
    frame = pd.read_parquet(source)
    read = time.perf_counter()
    with open(policy_path) as f:
        policy = cape.parse_policy(yaml.safe_load(f))
    result = cape.apply_policy(policy, frame)
    applied = time.perf_counter()
    result.to_parquet(output, index=False)
    written = time.perf_counter()
    print(json.dumps({
        "rows": len(result),
        "import_s": imported - started,
        "read_s": read - imported,
        "apply_s": applied - read,
        "write_s": written - applied,
        "in_process_s": written - started,
    }))


if __name__ == "__main__":
    main()
