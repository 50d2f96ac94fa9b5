"""Golden baselines stored as files, Zeek btest style (tests/golden/README.md).

A golden test turns each case's output into a list of JSON-able records and keeps the expected
list in ``tests/golden/<suite>/<case>.json``. It compares what the binary does now with those
files; with EGRESSMON_UPDATE_GOLDEN=1 in the environment it rewrites them from the actual output
instead, so that a change of output reaches review as a diff of stored files.
"""

import difflib
import json
import os
import sys
from typing import Dict, List

UPDATE_VARIABLE = "EGRESSMON_UPDATE_GOLDEN"

Records = List[dict]


def updating() -> bool:
    """Whether this run rewrites the baselines instead of comparing with them."""
    return os.environ.get(UPDATE_VARIABLE, "") not in ("", "0")


def render(records: Records) -> str:
    """The stored form of a case's records. They are sorted because the order in which records
    come out (workers, flow table) is not what a golden test pins; keys are sorted and one per
    line so that a change reads as a short diff."""
    ordered = sorted(records, key=lambda r: json.dumps(r, sort_keys=True))
    return json.dumps(ordered, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class Baselines:
    """The baseline files of one golden suite: ``directory/<case>.json``, one per case."""

    def __init__(self, directory: str, ctest_name: str):
        self.directory = directory
        self.update_command = f"{UPDATE_VARIABLE}=1 ctest --test-dir build -R '^{ctest_name}$'"

    def path(self, case: str) -> str:
        return os.path.join(self.directory, case + ".json")

    def stored_cases(self) -> List[str]:
        if not os.path.isdir(self.directory):
            return []
        return sorted(f[:-len(".json")] for f in os.listdir(self.directory) if f.endswith(".json"))

    def stored_text(self, case: str) -> str:
        with open(self.path(case), encoding="utf-8") as f:
            return f.read()

    def read(self, case: str) -> Records:
        try:
            return json.loads(self.stored_text(case))
        except ValueError as e:  # a hand edit gone wrong: say which file
            raise ValueError(f"{self.path(case)}: not JSON ({e}); fix it or rewrite it with "
                             f"{self.update_command}") from e

    def verify(self, runs: Dict[str, Dict[str, Records]]) -> List[str]:
        """Compares every run ({label: {case: records}}, e.g. one per worker count) with the
        baselines; returns one message per problem, none when all agree. When updating, the
        baselines are first rewritten from the first run, so the other runs must agree with it."""
        first_run = next(iter(runs.values()))
        if updating():
            self.update(first_run)
        problems = self.unpaired(first_run)
        for label, actual in runs.items():
            for case, records in actual.items():
                if os.path.exists(self.path(case)):
                    stored = self.read(case)
                    problems += diff_of(stored, records, self.path(case), f"{case} ({label})")
        return problems

    def unpaired(self, actual: Dict[str, Records]) -> List[str]:
        """A case without a baseline, and a baseline without a case, are both failures: the
        first would pass unchecked, the second pins output that nothing produces any more."""
        missing = [f"{case}: no baseline {self.path(case)}; write it with {self.update_command}"
                   " and review the new file"
                   for case in actual if not os.path.exists(self.path(case))]
        orphans = [f"{self.path(case)}: baseline without a case; delete it, or restore the case"
                   for case in self.stored_cases() if case not in actual]
        return missing + orphans

    def update(self, actual: Dict[str, Records]) -> List[str]:
        """Rewrites the baselines from ``actual``: writes the ones that differ or are new,
        deletes the ones without a case. Says on stderr which files changed (like btest -U)
        and returns their paths."""
        os.makedirs(self.directory, exist_ok=True)
        changed = []
        for case, records in actual.items():
            path, text = self.path(case), render(records)
            if not os.path.exists(path) or self.stored_text(case) != text:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
                changed.append(path)
        for case in self.stored_cases():
            if case not in actual:
                os.remove(self.path(case))
                changed.append(self.path(case) + " (deleted)")
        summary = "\n  ".join(changed) if changed else "none"
        print(f"\n{UPDATE_VARIABLE}: baselines changed: {summary}", file=sys.stderr)
        return changed


def diff_of(expected: Records, actual: Records, expected_name: str, actual_name: str) -> List[str]:
    """A unified diff of two record lists in their stored form; empty when they are equal."""
    expected_text, actual_text = render(expected), render(actual)
    if expected_text == actual_text:
        return []
    lines = difflib.unified_diff(expected_text.splitlines(keepends=True),
                                 actual_text.splitlines(keepends=True),
                                 fromfile=expected_name, tofile=actual_name)
    return ["".join(lines)]
