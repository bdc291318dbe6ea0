"""The plan bridge: how the dbt macros ask Python to plan, at compile time.

The macros call ``cape_plan('<json>')`` (a policy path and a relation's columns
and types) and ``cape_column_step('<json>')`` (one transform for a column-level
macro) with ``run_query``; the answer is JSON with the plan or step (key ids,
never keys) or an error message. ``cape_audit_verify`` checks an audit marker's
seal. Engine registrars (cape_udfs.duckdb_functions, cape_udfs.spark) register
these three next to the batch functions of cape_udfs.function_table.
"""
from __future__ import annotations

import json

from cape_udfs import audit_seal
from cape_udfs.errors import CapeError, PolicyError
from cape_udfs.keyring import KEYRING, Keyring
from cape_udfs.keys import parse_key_ref
from cape_udfs.plan import build_plan, make_step
from cape_udfs.policy import read_policy_file, resolve_policy_path
from cape_udfs.transforms import get_transform


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


def verify_audit(request_json: str) -> bool:
    return audit_seal.verify_request(request_json)
