#!/usr/bin/python3
"""Validates EVE JSON lines against Suricata's schema (../shared/schemas/eve.schema.json).

Runs under Debian's /usr/bin/python3 with python3-jsonschema. Usage: validate_eve.py SCHEMA FILE
Prints one line per invalid record and exits 1 if any; exits 77 if jsonschema is missing.
"""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("jsonschema is not installed")
    sys.exit(77)


def main():
    schema_path, records_path = sys.argv[1], sys.argv[2]
    with open(schema_path) as f:
        validator = jsonschema.Draft202012Validator(json.load(f))
    bad = 0
    with open(records_path) as f:
        for number, line in enumerate(f, 1):
            for error in validator.iter_errors(json.loads(line)):
                bad += 1
                print(f"line {number}: {error.json_path}: {error.message}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
