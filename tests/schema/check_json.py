#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Validate one JSON document against a JSON Schema (draft 2020-12 or draft-07).

usage: check_json.py [--keys] SCHEMA [FILE|-]

Exit 0 when the document is valid; 1 when it is not, with one line per error
on stderr, "NAME: KEY: message", KEY in nsping's notation (instances[0].veth.host;
for a missing or unknown member the member's own path); 2 on a usage error or
when the schema or the document can't be read. With --keys, the KEYs of the
errors are also printed on stdout, one per line.

Stricter than a stock validator in two ways that match nsping: "integer" means
a JSON number written without fraction or exponent (10086.0 is not an integer),
and an object with a member twice, NaN or Infinity is not a JSON document.
Uses Debian's python3-jsonschema (4.10): run it with /usr/bin/python3.
"""
import json
import sys

import jsonschema
from jsonschema import validators


class DocumentError(Exception):
    pass


def _pairs(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise DocumentError(f"member {k!r} appears twice")
        obj[k] = v
    return obj


def _constant(name):
    raise DocumentError(f"{name} is not JSON")


def load(path):
    text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
    return json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant)


def strict_validator(schema):
    base = validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    base.check_schema(schema)
    checker = base.TYPE_CHECKER.redefine(
        "integer", lambda _checker, x: isinstance(x, int) and not isinstance(x, bool))
    return validators.extend(base, type_checker=checker)(schema)


def key_of(path):
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += f".{p}" if out else str(p)
    return out


def join(base, name):
    return f"{base}.{name}" if base else name


def error_keys(err):
    """nsping-style KEYs for one jsonschema error."""
    base = key_of(err.absolute_path)
    inst = err.instance
    if err.validator == "required" and isinstance(inst, dict):
        return [join(base, k) for k in err.validator_value if k not in inst]
    if err.validator == "additionalProperties" and isinstance(inst, dict):
        known = err.schema.get("properties", {})
        return [join(base, k) for k in inst if k not in known]
    return [base]


def main(argv):
    keys_out = False
    args = argv[1:]
    if args and args[0] == "--keys":
        keys_out = True
        args = args[1:]
    if len(args) not in (1, 2) or args[0] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    schema_path = args[0]
    path = args[1] if len(args) == 2 else "-"
    name = "<stdin>" if path == "-" else path
    try:
        with open(schema_path, encoding="utf-8") as f:
            validator = strict_validator(json.load(f))
    except (OSError, ValueError, jsonschema.SchemaError) as e:
        print(f"{schema_path}: bad schema: {e}", file=sys.stderr)
        return 2
    try:
        doc = load(path)
    except (OSError, ValueError, DocumentError) as e:
        print(f"{name}: not a JSON document: {e}", file=sys.stderr)
        return 2
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    for err in errors:
        msg = err.message if len(err.message) < 300 else err.message[:297] + "..."
        for k in error_keys(err):
            print(f"{name}: {k or '(document)'}: {msg}", file=sys.stderr)
            if keys_out:
                print(k)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
