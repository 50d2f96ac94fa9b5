"""golden.py on its own, without the binary: what fails, what the update switch rewrites."""

import contextlib
import io
import os
import tempfile
import unittest
from unittest import mock

import golden

A = {"signature_id": 1000, "offset": 3}
B = {"signature_id": 1200, "offset": 9}


class baselines(unittest.TestCase):

    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.store = golden.Baselines(os.path.join(tmp.name, "suite"), "e2e.suite")
        self.verify({"one": {"two_alerts": [A, B], "no_alert": []}}, update=True)

    def verify(self, runs, update=False):
        """verify() with the update switch set or cleared, whatever this process was given;
        what it said on stderr is kept in self.said."""
        switch = {golden.UPDATE_VARIABLE: "1" if update else ""}
        with mock.patch.dict(os.environ, switch), \
                contextlib.redirect_stderr(io.StringIO()) as said:
            problems = self.store.verify(runs)
        self.said = said.getvalue()
        return problems

    def test_the_same_records_in_any_order_pass_in_every_run(self):
        runs = {"1 worker": {"two_alerts": [B, A], "no_alert": []},
                "2 workers": {"two_alerts": [A, B], "no_alert": []}}
        self.assertEqual(self.verify(runs), [])

    def test_a_changed_record_fails_with_a_diff_naming_the_baseline_and_the_run(self):
        (problem,) = self.verify({"2 workers": {"two_alerts": [A, dict(B, offset=10)],
                                                "no_alert": []}})
        self.assertIn(self.store.path("two_alerts"), problem)
        self.assertIn("two_alerts (2 workers)", problem)
        self.assertIn('-    "offset": 9', problem)
        self.assertIn('+    "offset": 10', problem)

    def test_a_case_without_a_baseline_fails_naming_the_file_and_the_update_command(self):
        (problem,) = self.verify({"one": {"two_alerts": [A, B], "no_alert": [], "new": []}})
        self.assertIn(self.store.path("new"), problem)
        self.assertIn("EGRESSMON_UPDATE_GOLDEN=1 ctest --test-dir build -R '^e2e.suite$'",
                      problem)

    def test_a_baseline_without_a_case_fails(self):
        (problem,) = self.verify({"one": {"two_alerts": [A, B]}})
        self.assertIn(self.store.path("no_alert"), problem)

    def test_update_rewrites_from_the_first_run_and_says_which_files_changed(self):
        first = {"two_alerts": [A], "new": [B]}
        self.assertEqual(self.verify({"1 worker": first}, update=True), [])
        self.assertEqual(self.store.read("two_alerts"), [A])
        self.assertEqual(self.store.stored_cases(), ["new", "two_alerts"])
        for changed in ("two_alerts.json", "new.json", "no_alert.json (deleted)"):
            self.assertIn(changed, self.said)
        self.assertEqual(self.verify({"1 worker": first}), [])

    def test_update_still_fails_when_a_later_run_disagrees_with_the_first(self):
        runs = {"1 worker": {"two_alerts": [A], "no_alert": []},
                "2 workers": {"two_alerts": [A, B], "no_alert": []}}
        (problem,) = self.verify(runs, update=True)
        self.assertIn("two_alerts (2 workers)", problem)
        self.assertEqual(self.store.read("two_alerts"), [A])


if __name__ == "__main__":
    unittest.main()
