"""The ``cape-udfs`` command: make keys and check policies without running dbt."""
from __future__ import annotations

import argparse
import sys

from cape_udfs import __version__
from cape_udfs.errors import CapeError
from cape_udfs.keyring import KEYRING
from cape_udfs.keys import generate_key
from cape_udfs.plan import key_warnings
from cape_udfs.policy import read_policy_file
from cape_udfs.report import add_subparser as add_report_subparser


def _keygen(args) -> int:
    print(generate_key(args.bytes))
    return 0


def _validate(args) -> int:
    if args.key:
        KEYRING.declare({name: {"env": var} for name, var in args.key})
    failed = 0
    for path in args.policies:
        try:
            policy = read_policy_file(path)
            if args.check_keys:
                for rule in policy.rules:
                    for action in rule.actions:
                        if action.key is not None:
                            try:
                                KEYRING.resolve(action.key)
                            except CapeError as exc:
                                raise CapeError(f"policy {path}, {action.where}, field 'key': {exc}") from None
        except CapeError as exc:
            failed += 1
            print(f"error: {exc}", file=sys.stderr)
            continue
        for warning in key_warnings(policy):
            print(f"warning: {warning}", file=sys.stderr)
        steps = sum(len(r.actions) for r in policy.rules)
        print(f"ok: {path} (label '{policy.label}', {len(policy.rules)} rules, {steps} actions)")
    return 1 if failed else 0


def _info(args) -> int:
    from cape_udfs.kernels.hmac_sha256 import backend

    route, sha256 = backend()
    print(f"cape-udfs: {__version__}")
    print(f"hmac: {route}")
    print(f"sha256: {sha256}")
    return 0


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text[:60]!r}")
    return name, value


def _dbt_spark(args) -> int:
    try:
        import dbt.adapters.spark  # noqa: F401
        import pyspark.sql  # noqa: F401

        from cape_udfs.spark.runner import run_dbt
    except ImportError as exc:
        print(f"error: cape-udfs dbt-spark needs PySpark and dbt-spark ({exc.name} is missing): "
              "pip install 'cape-udfs[spark]'", file=sys.stderr)
        return 2
    dbt_args = args.dbt_args[1:] if args.dbt_args[:1] == ["--"] else args.dbt_args
    if not dbt_args:
        print("error: give dbt's arguments, e.g. cape-udfs dbt-spark run --select my_model", file=sys.stderr)
        return 2
    return run_dbt(dbt_args, master=args.master, conf=dict(args.conf), keys=dict(args.key), kind=args.udfs)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cape-udfs", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    keygen = sub.add_parser("keygen", help="print a new random key (base64url) for CAPE_DEFAULT_KEY or a policy")
    keygen.add_argument("--bytes", type=int, default=32, choices=(16, 24, 32, 48, 64),
                        help="key length in bytes (32 suits tokenizer and reversible-tokenizer)")
    keygen.set_defaults(run=_keygen)

    validate = sub.add_parser("validate", help="check policy files; exit 1 on the first error in each")
    validate.add_argument("policies", nargs="+", metavar="POLICY")
    validate.add_argument("--check-keys", action="store_true",
                          help="also load environment and default keys (fails when they are unset)")
    validate.add_argument("--key", action="append", type=_pair, default=[], metavar="NAME=ENV_VAR",
                          help="with --check-keys: a named key, as the plugin config declares it; repeatable")
    validate.set_defaults(run=_validate)

    spark = sub.add_parser(
        "dbt-spark", help="run dbt on Spark (dbt-spark, method: session) with cape's functions registered",
        description="Create or join a SparkSession (local[*] unless spark-submit or --master says otherwise), "
                    "register cape's functions on it and run dbt in this process. Options before the dbt "
                    "command are cape's; everything from the dbt command on is dbt's.")
    spark.add_argument("--master", help="Spark master URL (default: spark-submit's, else local[*])")
    spark.add_argument("--conf", action="append", type=_pair, default=[], metavar="KEY=VALUE",
                       help="a Spark setting for a new session; repeatable")
    spark.add_argument("--key", action="append", type=_pair, default=[], metavar="NAME=ENV_VAR",
                       help="a named key (policies: key: {type: named, name: NAME}) read from ENV_VAR; repeatable")
    spark.add_argument("--udfs", choices=("arrow", "pandas"),
                       help="UDF kind (default: arrow on PySpark 4.1+, pandas before)")
    spark.add_argument("dbt_args", nargs=argparse.REMAINDER, metavar="DBT_ARGS")
    spark.set_defaults(run=_dbt_spark)

    info = sub.add_parser("info", help="print which HMAC route runs here (hmac: compiled or python) "
                                       "and its SHA-256 (openssl, portable or hashlib)")
    info.set_defaults(run=_info)

    add_report_subparser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except CapeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
