"""Register cape's functions on a DuckDB connection.

The transforms are Arrow-in, Arrow-out functions; DuckDB hands them batches
(vectors of up to 2048 rows). Constant arguments such as the key id arrive as
arrays of one repeated value. ``cape_plan`` is how the dbt macros ask Python
to load a policy and plan it against a relation's columns at compile time.
This module imports DuckDB but not dbt, so it also serves benchmarks and tests.
"""
from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.compute as pc

from cape_udfs import audit_seal
from cape_udfs.errors import CapeError, PolicyError
from cape_udfs.keys import KEYRING, Keyring, parse_key_ref
from cape_udfs.plan import build_plan, make_step
from cape_udfs.policy import read_policy_file, resolve_policy_path
from cape_udfs.transforms import get_transform
from cape_udfs.transforms.format_preserving import fpe_decrypt, fpe_encrypt
from cape_udfs.transforms.keyed_noise import keyed_uniforms
from cape_udfs.transforms.reversible_tokenizer import siv_tokens
from cape_udfs.transforms.secure_noise import secure_standard, secure_uniforms
from cape_udfs.transforms.token_reverser import reverse_tokens
from cape_udfs.transforms.tokenizer import tokens


def _constant(values, what: str):
    """The single value of a constant argument column. Every row is checked
    (a column of differing key ids must fail, not use the first), by one
    comparison against the first value, which is cheaper than pc.unique."""
    values = _flat(values)
    if len(values) == 0:
        return None
    first = values[0]
    if values.null_count or not (len(values) == 1 or pc.all(pc.equal(values, first)).as_py()):
        raise CapeError(f"{what} must be one non-NULL constant per call")
    return first.as_py()


def _flat(values) -> pa.Array:
    """One Array from DuckDB's argument (a ChunkedArray, usually of one chunk,
    which is taken as is: combine_chunks would copy it)."""
    if isinstance(values, pa.ChunkedArray):
        return values.chunk(0) if values.num_chunks == 1 else values.combine_chunks()
    return values


def plan_request(request_json: str, keyring: Keyring = KEYRING) -> str:
    """JSON in, JSON out; never raises, so the macro can report the error cleanly."""
    try:
        request = json.loads(request_json)
        policy_path = request["policy"]
        if request.get("project_dir"):
            keyring.project_dir = request["project_dir"]
        path = resolve_policy_path(policy_path, request.get("project_dir"))
        policy = read_policy_file(path, display=policy_path)
        columns = [(str(n), str(ty)) for n, ty in request["columns"]]
        relation = request.get("relation") or "the relation"
        plan = build_plan(policy, columns, keyring, relation=relation, options=request.get("options") or {})
        audit = request.get("audit")
        if isinstance(audit, dict):
            plan["seal"] = audit_seal.seal({**audit, "relation": relation, "label": plan["label"],
                                            "path": plan["path"], "digest": plan["digest"],
                                            "applied": plan["applied"]})
        return json.dumps({"ok": True, "plan": plan})
    except CapeError as exc:
        return json.dumps({"ok": False, "error": str(exc)})
    except (ValueError, KeyError, TypeError) as exc:
        return json.dumps({"ok": False, "error": f"cape_plan: malformed request ({type(exc).__name__})"})


def column_step_request(request_json: str, keyring: Keyring = KEYRING) -> str:
    """One transform for the column-level macros (cape.tokenize(...) and the
    like): the same validation and key handling as a policy, the key given by
    name (a key declared in the plugin config) or the default key."""
    try:
        request = json.loads(request_json)
        name = request["transform"]
        where = f"cape.{request.get('macro') or name}"
        try:
            tr = get_transform(name)
            args = {k: v for k, v in (request.get("args") or {}).items() if v is not None}
            validated = tr.validate(args)
            key = None
            if tr.uses_key:
                key_name = request.get("key")
                key = parse_key_ref(None if key_name is None else {"type": "named", "name": key_name},
                                    origin="")
            column = request.get("column") or "expression"
            # The step's place names the expression too: two seeded macros on
            # different expressions draw independent noise.
            step = make_step(tr, validated, key, column, request.get("data_type"), f"{where}:{column}:0",
                             keyring, request.get("options") or {})
        except PolicyError as exc:
            raise exc.located(rule=where) from None
        except CapeError as exc:
            raise PolicyError(str(exc), rule=where, field="key") from None
        return json.dumps({"ok": True, "step": step})
    except CapeError as exc:
        return json.dumps({"ok": False, "error": str(exc)})
    except (ValueError, KeyError, TypeError) as exc:
        return json.dumps({"ok": False, "error": f"cape_column_step: malformed request ({type(exc).__name__})"})


def make_functions(keyring: Keyring = KEYRING):
    """(name, function, parameter types, return type, kind) for every cape function."""

    def tokenize(values, key_ids, algorithms):
        if len(values) == 0:
            return pa.array([], pa.string())
        key = keyring.get(_constant(key_ids, "cape_tokenize key id"))
        return tokens(_flat(values), key, _constant(algorithms, "cape_tokenize algorithm"))

    def reversible_tokenize(values, key_ids):
        if len(values) == 0:
            return pa.array([], pa.string())
        key = keyring.get(_constant(key_ids, "cape_reversible_tokenize key id"))
        return siv_tokens(_flat(values), key)

    def token_reverse(values, key_ids, columns):
        if len(values) == 0:
            return pa.array([], pa.string())
        key = keyring.get(_constant(key_ids, "cape_token_reverse key id"))
        return reverse_tokens(_flat(values), key, _constant(columns, "cape_token_reverse column"))

    def keyed_uniform(entities, key_ids, salts, streams):
        # Uniforms in [0, 1) keyed by an entity (list of canonical texts); see keyed_noise.
        if len(entities) == 0:
            return pa.array([], pa.float64())
        key = keyring.get(_constant(key_ids, "cape_keyed_uniform key id"))
        return keyed_uniforms(_flat(entities), key, _constant(salts, "cape_keyed_uniform salt"),
                              _constant(streams, "cape_keyed_uniform stream"))

    def secure_uniform(sizes):
        # Fresh CSPRNG uniforms, one per row of the batch; the argument only gives the batch's length.
        return secure_uniforms(len(sizes))

    def secure_draw(distribution):
        return lambda sizes: secure_standard(len(sizes), distribution)

    def fpe(crypt, what):
        # FF1 over one batch: one AES context; alphabet, tweak, on_short and column are constants.
        def call(values, key_ids, alphabets, tweaks, on_shorts, columns):
            if len(values) == 0:
                return pa.array([], pa.string())
            key = keyring.get(_constant(key_ids, f"{what} key id"))
            return crypt(_flat(values), key, _constant(alphabets, f"{what} alphabet"),
                         _constant(tweaks, f"{what} tweak"), _constant(on_shorts, f"{what} on_short"),
                         _constant(columns, f"{what} column"))
        return call

    def plan(request):
        return plan_request(request, keyring)

    def column_step(request):
        return column_step_request(request, keyring)

    return [
        ("cape_tokenize", tokenize, ["VARCHAR", "VARCHAR", "VARCHAR"], "VARCHAR", "arrow"),
        ("cape_reversible_tokenize", reversible_tokenize, ["VARCHAR", "VARCHAR"], "VARCHAR", "arrow"),
        ("cape_token_reverse", token_reverse, ["VARCHAR", "VARCHAR", "VARCHAR"], "VARCHAR", "arrow"),
        ("cape_plan", plan, ["VARCHAR"], "VARCHAR", "native"),
        ("cape_column_step", column_step, ["VARCHAR"], "VARCHAR", "native"),
        ("cape_audit_verify", audit_seal.verify_request, ["VARCHAR"], "BOOLEAN", "native"),
        ("cape_keyed_uniform", keyed_uniform, ["VARCHAR[]", "VARCHAR", "VARCHAR", "VARCHAR"], "DOUBLE", "arrow"),
        ("cape_secure_uniform", secure_uniform, ["INTEGER"], "DOUBLE", "arrow"),
        ("cape_secure_gaussian", secure_draw("gaussian"), ["INTEGER"], "DOUBLE", "arrow"),
        ("cape_secure_laplace", secure_draw("laplace"), ["INTEGER"], "DOUBLE", "arrow"),
        ("cape_fpe_encrypt", fpe(fpe_encrypt, "cape_fpe_encrypt"), ["VARCHAR"] * 6, "VARCHAR", "arrow"),
        ("cape_fpe_decrypt", fpe(fpe_decrypt, "cape_fpe_decrypt"), ["VARCHAR"] * 6, "VARCHAR", "arrow"),
    ]


# Functions DuckDB must call on every batch: never folded, cached or merged
# (the plan bridge reads files; secure uniforms differ at every call).
SIDE_EFFECTS = frozenset({"cape_plan", "cape_column_step", "cape_audit_verify", "cape_secure_uniform", "cape_secure_gaussian",
                          "cape_secure_laplace"})


def register(conn, keyring: Keyring = KEYRING) -> None:
    """Register (or re-register) cape's functions on a DuckDB connection."""
    for name, fn, params, returns, kind in make_functions(keyring):
        try:
            conn.remove_function(name)
        except Exception:  # not registered yet  # noqa: BLE001
            pass
        conn.create_function(name, fn, params, returns, type=kind,
                             null_handling="special", side_effects=name in SIDE_EFFECTS)
