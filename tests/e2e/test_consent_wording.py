"""What the customer is asked and told, end to end with the real binaries: the question names everything
the engineer could do (a diagnostics-only `elfdesk diag` is never "view"), `--no-probes` refuses `elfdesk
diag` clearly without asking, an unanswered request is reported as timed out (not just replaced by a new
code), and `elfdesk-host --help` is usage on stdout with exit 0."""
import re
import shutil
import subprocess
import unittest

from elfdesk_e2e import CLIENT_BIN, EXIT_DECLINED, HOST_BIN, Host, Xvfb


def diag(host, timeout=30):
    return subprocess.run([CLIENT_BIN, "diag", host.address, "--code", host.code(), "--probe", "time"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)


class HostHelpTest(unittest.TestCase):
    def test_help_is_usage_on_stdout_and_exit_0(self):
        result = subprocess.run([HOST_BIN, "--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(result.stdout.startswith("elfdesk-host: share"), result.stdout)
        self.assertIn("Usage: elfdesk-host", result.stdout)
        self.assertIn("--no-probes", result.stdout)
        self.assertEqual(result.stderr, "")


class NoProbesTest(unittest.TestCase):
    def test_diag_against_no_probes_is_refused_without_asking(self):
        with Host("--no-probes", "--consent", "accept", "--ui", "none", "--fake-screen") as host:
            result = diag(host)
            self.assertEqual(result.returncode, EXIT_DECLINED, result.stderr)
            self.assertIn("diagnostics are not allowed on this computer", result.stderr)
            consent = [e for e in host.audit() if e.get("event") == "consent"]
            self.assertEqual([(e["decision"], e["permissions"]) for e in consent], [("denied", 0)])
            self.assertFalse([e for e in host.audit() if e.get("event") == "session_start"])


@unittest.skipUnless(shutil.which("Xvfb"), "needs Xvfb")
class QuestionAndTimeoutTest(unittest.TestCase):
    def test_diag_question_is_never_view_and_its_timeout_is_shown(self):
        with Xvfb(1024, 768) as x:
            host = Host("--consent", "ask", "--ui", "window", "--consent-timeout", "2", display=x.display,
                        env=x.env())
            self.addCleanup(host.stop)
            result = diag(host)
            self.assertEqual(result.returncode, EXIT_DECLINED, result.stderr)
            self.assertIn("did not answer in time", result.stderr)
            out = host.stdout()
            asked = re.search(r"^elfdesk-host: (.*) wants to (.*)$", out, re.M)
            self.assertIsNotNone(asked, out)
            self.assertTrue(asked.group(2).startswith("run read-only diagnostics"), out)
            self.assertNotIn("view", asked.group(2))
            self.assertIn("network checks to public addresses only", asked.group(2))
            self.assertTrue(host.wait_for_output(r"The request from .* \(127\.0\.0\.1:\d+\) timed out"), out)
            self.assertIsNone(host.proc.poll())


if __name__ == "__main__":
    unittest.main()
