"""The ``cape-udfs`` command: make keys and check policies without running dbt."""
from __future__ import annotations

import argparse
import sys

from cape_udfs.errors import CapeError
from cape_udfs.keys import KEYRING, generate_key
from cape_udfs.policy import read_policy_file
from cape_udfs.report import add_subparser as add_report_subparser


def _keygen(args) -> int:
    print(generate_key(args.bytes))
    return 0


def _validate(args) -> int:
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
        steps = sum(len(r.actions) for r in policy.rules)
        print(f"ok: {path} (label '{policy.label}', {len(policy.rules)} rules, {steps} actions)")
    return 1 if failed else 0


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
    validate.set_defaults(run=_validate)

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
