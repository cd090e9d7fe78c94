"""A real SpamAssassin in front of the module (README "Use the score"): Debian's spamd, started
here on loopback with its own port, pidfile, home and rules, an Exim DATA ACL with
`spam = nobody:true` adding `X-Spam-Score: $spam_score`, and local_scan() combining that score
with relaycheck's.

spamd reads only the rules file written here (-C and --siteconfigpath name this test's
directory; no sa-update, no network tests): one rule matches the Subject and scores 4.5, so the
figures are known. The client 192.0.2.77 has no PTR record: relaycheck's score is 8, +0.8 with
the default factor 0.1. spamd is ready when its log says it listens; nothing here sleeps.
"""

import os
import select
import shutil
import subprocess
import sys
import threading
import time

import harness

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "dnsresponder"))

from responder import DNSResponder  # noqa: E402
from harness import NO_SENDER_CHECKS  # noqa: E402

SPAMD = "/usr/sbin/spamd"
START_TIMEOUT = 120.0           # spamd compiles its rules before it listens
NOPTR = "192.0.2.77"
ZONES = {"mail.example.net": {"A": [NOPTR]}}    # the harness's HELO: no helo_mismatch

RULES = r"""loadplugin Mail::SpamAssassin::Plugin::Check
util_rb_tld example org net test
required_score 5.0
use_bayes 0
bayes_auto_learn 0
header RC_E2E_SUBJECT Subject =~ /\bspam-score-e2e\b/
describe RC_E2E_SUBJECT relaycheck e2e: the test's subject
score RC_E2E_SUBJECT 4.5
"""

DATA_ACL = """  warn    spam       = nobody:true
          add_header = X-Spam-Score: $spam_score
  accept
"""



class Spamd:
    """spamd on 127.0.0.1:<free port>, as root handing each scan to the user Exim names."""

    def __init__(self, tmpdir):
        self.dir = os.path.join(tmpdir, "spamd")
        self.proc = None
        self.port = None
        self.lines = []
        self._reader = None

    def _write(self):
        os.makedirs(os.path.join(self.dir, "home"), exist_ok=True)
        for d in (self.dir, os.path.join(self.dir, "home")):
            os.chmod(d, 0o755 if d == self.dir else 0o777)
        with open(os.path.join(self.dir, "rules.cf"), "w") as f:
            f.write(RULES)
        os.chmod(os.path.join(self.dir, "rules.cf"), 0o644)

    def _wait_listening(self, deadline):
        """Read spamd's log (stderr) until it says it listens; False if it exits first."""
        buf = b""
        fd = self.proc.stderr.fileno()
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                return False
            buf += chunk
            *done, buf = buf.split(b"\n")
            self.lines += [d.decode("utf-8", "replace") for d in done]
            if any("server started on" in line for line in self.lines):
                return True
        return False

    def _drain(self):
        for raw in self.proc.stderr:
            self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def start(self):
        self._write()
        self.port = harness.free_port(v6=False)
        argv = [SPAMD, "--local", "--nouser-config", "--configpath", self.dir,
                "--siteconfigpath", self.dir, "--listen", f"127.0.0.1:{self.port}",
                "--pidfile", os.path.join(self.dir, "pid"), "--helper-home-dir",
                os.path.join(self.dir, "home"), "--min-children", "1", "--max-children", "1",
                "--syslog", "stderr"]
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, cwd=self.dir,
                                     start_new_session=True)
        if not self._wait_listening(time.monotonic() + START_TIMEOUT):
            self.stop()
            raise harness.HarnessError("spamd did not start: " + "\n".join(self.lines[-20:]))
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        return self

    def stop(self):
        if self.proc is not None:
            harness._kill_group(self.proc)
            self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def require_spamd(ctx):
    if not os.path.exists(SPAMD) or shutil.which("spamassassin") is None:
        if os.environ.get("E2E_REQUIRE_MODULE"):
            raise AssertionError("spamd is not installed (make deps)")
        ctx.skip("spamd is not installed (make deps)")


def ini(dns, main=""):
    return (f"[relaycheck]\nnameservers = {dns.nameserver}\ndns_timeout = 2s\n"
            f"spam_score_header = X-Spam-Score\n{main}\n" + NO_SENDER_CHECKS)


def through_spamassassin(ctx, main=""):
    require_spamd(ctx)
    with DNSResponder(ZONES, ipv6=False) as dns, Spamd(ctx.tmpdir) as spamd:
        ex = ctx.exim(ini(dns, main), acl_data=DATA_ACL,
                      extra_main_conf=f"spamd_address = 127.0.0.1 {spamd.port}")
        r = ex.session(NOPTR, headers=["From: Alice <a@example.net>", "To: u@example.org",
                                       "Subject: spam-score-e2e message"])
    return r


def module_lines(r):
    return [line for line in r.mainlog if "relaycheck: ip=" in line]


def test_spamassassin_score_combined(ctx):
    r = through_spamassassin(ctx)
    assert r.data_code == 250, r.transcript() + "\n" + "\n".join(r.paniclog)
    assert r.header("X-Relaycheck-Original-Spam-Score") == ["4.5"], r.spool_headers
    assert r.header("X-Spam-Score") == ["5.3"], r.spool_headers
    assert r.header("X-Spam-Score", include_deleted=True) == ["4.5", "5.3"], r.spool_headers
    assert r.header("X-Relaycheck-Score") == ["8"]
    report = r.header("X-Relaycheck-Report", unfold=False)
    assert report and report[0].endswith("\n\tX-Spam-Score: 4.5 -> 5.3 (+8 x 0.1)"), report
    lines = module_lines(r)
    assert len(lines) == 1, lines
    assert "score=8 action=accept checks=ptr_missing(+8)" in lines[0], lines[0]
    assert lines[0].endswith(" spam_score=4.5->5.3"), lines[0]
    ctx.info(lines[0].split(" ", 3)[-1])
    assert r.paniclog == [], r.paniclog


def test_spamassassin_combined_reject_score(ctx):
    # SpamAssassin's 4.5 is below its own 5.0 and relaycheck's 8 below reject_score 15;
    # together 5.3 reach combined_reject_score 5.
    r = through_spamassassin(ctx, main="combined_reject_score = 5")
    assert r.data_code == 550, r.transcript() + "\n" + "\n".join(r.paniclog)
    assert r.data_text.startswith(
        f"Relay host {NOPTR} failed sender checks (combined spam score 5.3 >= 5.0)"), r.data_text
    lines = module_lines(r)
    assert len(lines) == 1, lines
    assert "score=8 action=reject checks=ptr_missing(+8)" in lines[0], lines[0]
    assert lines[0].endswith(" spam_score=4.5->5.3"), lines[0]
    ctx.info(lines[0].split(" ", 3)[-1])
