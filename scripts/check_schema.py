#!/usr/bin/env python3
"""Validates report files against schemas/tlsrpt-report.schema.json (JSON Schema 2020-12).

Usage: check_schema.py --valid FILE... --invalid FILE...
Files named after --valid must conform; files after --invalid must not (they are the project's
fixtures of deviations tlsrpt accepts but the RFC does not). .gz files are gunzipped.
Prints one line per file and 'N passed, N failed'; exits 1 on any mismatch."""
import gzip, json, os, sys
from jsonschema import Draft202012Validator

here = os.path.dirname(os.path.abspath(__file__))
schema = json.load(open(os.path.join(here, "..", "schemas", "tlsrpt-report.schema.json")))
Draft202012Validator.check_schema(schema)
validator = Draft202012Validator(schema)

def load(path):
    data = open(path, "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return json.loads(data)

expect = None
passed = failed = 0
for arg in sys.argv[1:]:
    if arg in ("--valid", "--invalid"):
        expect = arg == "--valid"
        continue
    errors = sorted(validator.iter_errors(load(arg)), key=lambda e: list(e.path))
    ok = (not errors) == expect
    if ok:
        passed += 1
        print(f"ok     {arg}: {'conforms' if expect else 'does not conform, as expected'}")
    else:
        failed += 1
        detail = "; ".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:3]) or "conforms"
        print(f"FAIL   {arg}: expected {'conforming' if expect else 'non-conforming'}: {detail}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
