"""No abort drops a session: an abort() inside the module's work ends the message with a
451 and a panic-log line, and the module declines further messages on that connection
(issue 8). An abort while libspf2 is on the stack leaves libspf2's process-global handlers
as they were before the module's check (issue 12), since Exim's own `spf` condition uses them
too. Uses the test-only module build with fault-injection hooks."""

import os
import re
import subprocess
import sys

from harness import Exim

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "dnsresponder"))
from responder import DNSResponder  # noqa: E402


def hooks_module(ctx):
    path = os.environ.get("RELAYCHECK_HOOKS_MODULE",
                          os.path.join(ctx.repo, "build", "test", "relaycheck-hooks.so"))
    if not os.path.exists(path):
        if os.environ.get("E2E_REQUIRE_MODULE"):
            raise AssertionError(f"{path} not built")
        ctx.skip(f"{path} not built (make build/test/relaycheck-hooks.so)")
    return path


def test_injected_abort_gives_451_not_a_dropped_session(ctx):
    mod = hooks_module(ctx)
    ex = Exim(ctx.path("exim"), mod, "[relaycheck]\nnameservers = 127.0.0.1:9\ndns_timeout = 200ms\n",
              extra_main_conf="")
    r = ex.session_multi("192.0.2.66", [dict(), dict()], helo="rc-test-abort.invalid")
    assert not r.lost, r.transcript()
    assert r.exit_status == 0, (r.exit_status, r.transcript())
    codes = [m.data_code for m in r.messages]
    assert codes == [451, 451], (codes, r.transcript())
    assert "internal error" in r.messages[0].data_text
    panic = "\n".join(r.paniclog)
    assert "relaycheck: internal error (SIGABRT) while checking a message from 192.0.2.66" in panic, panic
    assert any("declining message after an internal error" in l for l in r.mainlog), r.mainlog
    # The QUIT got its 221: the session ended normally.
    assert r.replies[-1][0] == 221, r.replies[-1]


def test_abort_inside_libspf2_restores_its_handlers(ctx):
    """HELO rc-test-spf-abort.invalid makes the hooks build abort() at libspf2's first log
    message, here the warning for a record refused by the CVE-2023-42118 screen (logged from
    inside SPF_server_get_record()). The message gets 451; the next message on the connection
    is declined, and the test build logs whose libspf2 handlers are in by then: the ones the
    module replaced, not the module's (whose recovery jump points into a dead frame)."""
    mod = hooks_module(ctx)
    rec = "v=spf1 exp=" + "%{d}" * 127 + "x" * 10 + ".example -all"
    with DNSResponder({"cve.example": {"TXT": [rec]}}, ipv6=False) as dns:
        ex = Exim(ctx.path("exim"), mod,
                  f"[relaycheck]\nnameservers = 127.0.0.1:{dns.port}\ndns_timeout = 1500ms\n")
        msg = dict(mail_from="a@cve.example", rcpt="u@example.org")
        r = ex.session_multi("192.0.2.66", [msg, dict(msg)], helo="rc-test-spf-abort.invalid")
    assert not r.lost, r.transcript()
    assert r.exit_status == 0, (r.exit_status, r.transcript())
    assert [m.data_code for m in r.messages] == [451, 451], r.transcript()
    panic = "\n".join(r.paniclog)
    assert "relaycheck: internal error (SIGABRT)" in panic, panic
    assert any("relaycheck: test: libspf2 handlers restored" in l for l in r.mainlog), r.mainlog
    assert r.replies[-1][0] == 221, r.replies[-1]


def test_memory_check_counts_a_module_leak_not_exims(ctx):
    """The memory checks of the e2e runs fail on a leak only when its stack holds a module
    frame: under `make test SANITIZE=1`, tests/tools/check_sanitizer_logs.py --exim; under
    `make test-valgrind`, tests/tools/check_valgrind_logs.py. Exim's own leaks are not ours.
    Here the test build loses a block on purpose: the check must see it through Exim's frames
    and count it, while a clean session passes. Runs only under one of those two tools, each
    process logging into this test's own directory."""
    env = os.environ.get("E2E_EXIM_ENV", "")
    wrapper = os.environ.get("E2E_EXIM_WRAPPER", "")
    logdir = ctx.path("memlog")
    os.makedirs(logdir)
    os.chmod(logdir, 0o1777)
    tools = os.path.join(ctx.repo, "tests", "tools")
    if "libasan" in env:
        ctx.setenv("E2E_EXIM_ENV", re.sub(r"log_path=[^:\s]*", f"log_path={logdir}/asan", env))
        check = [sys.executable, os.path.join(tools, "check_sanitizer_logs.py"), "--exim", logdir]
    elif "valgrind" in wrapper:
        ctx.setenv("E2E_EXIM_WRAPPER",
                   re.sub(r"--log-file=\S*", f"--log-file={logdir}/vg.%p.log", wrapper))
        check = [sys.executable, os.path.join(tools, "check_valgrind_logs.py"), logdir]
    else:
        ctx.skip("needs make test SANITIZE=1 or make test-valgrind")
    mod = hooks_module(ctx)
    ex = Exim(ctx.path("exim"), mod, "[relaycheck]\nnameservers = 127.0.0.1:9\ndns_timeout = 200ms\n")

    r = ex.session("192.0.2.66", helo="mail.example.net")
    assert r.data_code == 250, r.transcript()
    clean = subprocess.run(check, capture_output=True, text=True)
    assert clean.returncode == 0, clean.stdout + clean.stderr

    r = ex.session("192.0.2.66", helo="rc-test-leak.invalid")
    assert r.data_code == 250, r.transcript()
    leak = subprocess.run(check, capture_output=True, text=True)
    assert leak.returncode == 1, leak.stdout + leak.stderr
    if "libasan" in env:
        counted = leak.stdout.split("=== sanitizer report (counted)")[1:]
        assert len(counted) == 1, leak.stdout
        assert "Direct leak of 48 byte(s)" in counted[0], counted[0]
        assert "local_scan/relaycheck.c" in counted[0], counted[0]   # unwound through the module
        assert " in _start " in counted[0], counted[0]                # and on down through Exim
    else:
        assert "1 failed" in leak.stdout, leak.stdout
        assert "48 bytes in 1 blocks are definitely lost" in leak.stdout, leak.stdout
        assert "(relaycheck.c:" in leak.stdout, leak.stdout


def test_abort_in_the_acl_defers_not_a_dropped_session(ctx):
    """The ACL entry point relaycheck_acl runs under the same guard: the abort fails the
    expansion, so the RCPT ACL defers (451); later calls and local_scan() decline."""
    mod = hooks_module(ctx)
    acl = ("  defer   condition = ${if eq{${extract{action}{${dlfunc{@MODULE@}{relaycheck_acl}"
           "{verdict}}}}}{tempreject}}\n"
           "  accept  domains = +local_domains\n")
    ex = Exim(ctx.path("exim"), mod, "[relaycheck]\nnameservers = 127.0.0.1:9\ndns_timeout = 200ms\n",
              acl_rcpt=acl)
    r = ex.session_multi("192.0.2.66", [dict(), dict()], helo="rc-test-abort.invalid")
    assert not r.lost, r.transcript()
    assert r.exit_status == 0, (r.exit_status, r.transcript())
    assert [m.rcpt_replies[0][0] for m in r.messages] == [451, 451], r.transcript()
    panic = "\n".join(r.paniclog)
    assert ("relaycheck: internal error (SIGABRT) while checking a message from 192.0.2.66 "
            "(ACL)") in panic, panic
    assert any("declining message after an internal error" in l for l in r.mainlog), r.mainlog
    assert r.replies[-1][0] == 221, r.replies[-1]
