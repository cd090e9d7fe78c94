"""relaycheck from Exim's ACLs through ${dlfunc} (issue 14): relaycheck_acl in the RCPT ACL of
the real Debian exim4 (exim4-daemon-heavy has Expand_dlfunc) and of the static upstream build
(EXPAND_DLFUNC=yes in tests/tools/exim-static.mk).

The RCPT ACL is exim-conf-examples/acl-rcpt.conf as shipped, with its module path pointed at
the test's module. The DNS server is the programmable responder, which counts the queries: one
evaluation per message means one PTR query however many times Exim asks.

Debian's exim4 loads the module for local_scan() from local_scan_path and for ${dlfunc} from the
ACL's path: one loaded copy (and one result per message) when both name the same file, two
copies that each check the message when they do not. The static build always has two: the
module compiled into Exim, and build/relaycheck.so for the ACL.

{preload} (README "Performance"): a real exim4 daemon loads the module once through
smtp_accept_max_per_host, and its connection processes inherit it.
"""

import os
import re
import shutil
import socket
import subprocess
import sys

import harness
import test_core as core
import test_static

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "dnsresponder"))

from responder import DNSResponder  # noqa: E402

ACL_EXAMPLE = os.path.join(REPO, "exim-conf-examples", "acl-rcpt.conf")
INSTALLED = "/usr/lib/exim4/local_scan/relaycheck.so"

NOPTR = "192.0.2.77"                  # no PTR record: ptr_missing, +8
GOOD = "192.0.2.10"                   # PTR mail.good.example, forward-confirmed
PTR_NOPTR = "77.2.0.192.in-addr.arpa"
ZONES = {
    "10.2.0.192.in-addr.arpa": {"PTR": ["mail.good.example."]},
    "mail.good.example": {"A": [GOOD]},
    "mail.example.net": {"A": [NOPTR]},            # the harness's HELO: no helo_mismatch
    "good.example": {"MX": [[10, "mail.good.example."]]},
    "listed.example.rhs.test": {"A": ["127.0.0.2"]},
}

# SPF and the sender domain's check stay out of the way (their own tests are elsewhere).
NO_SENDER_CHECKS = harness.NO_SENDER_CHECKS

# After the example's statements: the harness's own end of the RCPT ACL.
ACL_END = "  accept  domains = +local_domains\n  deny    message = relay not permitted\n"


def example_acl():
    with open(ACL_EXAMPLE) as f:
        text = f.read()
    assert INSTALLED in text, "acl-rcpt.conf should name the installed module"
    return text.replace(INSTALLED, "@MODULE@")


def ini(dns, main="reject_score = 8", extra=""):
    return (f"[relaycheck]\nnameservers = {dns.nameserver}\ndns_timeout = 2s\n{main}\n"
            + NO_SENDER_CHECKS + extra)


def module_copy(ctx, name):
    """The module at another path of this test's tmpdir, readable by the Exim user."""
    path = ctx.path(name)
    shutil.copyfile(ctx.require_module(), path)
    os.chmod(path, 0o644)
    return path


def debian(ctx, ini_text, acl=None, acl_module=None, **kw):
    """Debian's exim4: local_scan_path and, unless acl_module says otherwise, the ACL's
    ${dlfunc} name the same file."""
    acl = (acl if acl is not None else example_acl() + ACL_END)
    if acl_module is not None:
        acl = acl.replace("@MODULE@", acl_module)
    return ctx.exim(ini_text, acl_rcpt=acl, **kw)


def static(ctx, ini_text, acl=None, **kw):
    """The static upstream Exim: local_scan() compiled in, ${dlfunc} to build/relaycheck.so."""
    exim_bin = test_static.static_exim(ctx)
    acl = (acl if acl is not None else example_acl() + ACL_END)
    acl = acl.replace("@MODULE@", module_copy(ctx, "acl-relaycheck.so"))
    return harness.Exim(ctx.path("exim-static"), None, ini_text, acl_rcpt=acl,
                        exim_bin=exim_bin, **kw)


def log_lines(r):
    return [l for l in r.mainlog if "relaycheck: ip=" in l]


def ptr_queries(dns, ptr=PTR_NOPTR):
    return [q for q in dns.queries() if q["name"].rstrip(".").lower() == ptr and q["type"] == "PTR"]


# ------------------------------------------------------------------------------------------
# the example ACL, Debian's exim4 and the static build alike

def _refused_at_rcpt(ctx, make):
    with DNSResponder(ZONES, ipv6=False) as dns:
        ex = make(ctx, ini(dns))
        r = ex.session(NOPTR, rcpt="u@example.org", body="x" * 1000)
    code, text = r.rcpt_replies[0]
    assert code == 550, r.transcript()
    assert f"Relay host {NOPTR} failed sender checks (score 8 >= 8)" in text, text
    assert f"+8 Relay Host: No DNS PTR record ({NOPTR})" in text, text
    assert "\n" in text, "the module's reply is multi-line"
    assert r.data_reply is None, "DATA must never be sent: " + r.transcript()
    assert not any(cmd == "DATA" for cmd, _, _ in r.dialogue), r.transcript()
    lines = log_lines(r)
    assert len(lines) == 1, lines
    assert f"ip={NOPTR} score=8 action=reject checks=ptr_missing(+8)" in lines[0], lines[0]
    assert lines[0].endswith(" acl=deny"), lines[0]
    assert r.paniclog == [], r.paniclog


def test_no_ptr_refused_at_rcpt(ctx):
    _refused_at_rcpt(ctx, debian)


def test_static_no_ptr_refused_at_rcpt(ctx):
    _refused_at_rcpt(ctx, static)


def _postmaster_accepted(ctx, make):
    with DNSResponder(ZONES, ipv6=False) as dns:
        ex = make(ctx, ini(dns))
        r = ex.session(NOPTR, rcpt="Postmaster@example.org")
    assert r.rcpt_replies[0][0] == 250, r.transcript()
    assert r.data_code == 250, r.transcript()
    assert r.header("X-Relaycheck-Score") == ["8"], r.spool_headers
    rep = r.header("X-Relaycheck-Report")
    assert rep and f"+8 Relay Host: No DNS PTR record ({NOPTR})" in rep[0], rep
    lines = log_lines(r)
    assert len(lines) == 1, lines
    assert "score=8 action=reject checks=ptr_missing(+8)" in lines[0], lines[0]
    assert lines[0].endswith(" exempt=yes"), lines[0]


def test_postmaster_accepted_with_headers(ctx):
    _postmaster_accepted(ctx, debian)


def test_static_postmaster_accepted_with_headers(ctx):
    _postmaster_accepted(ctx, static)


def _two_rcpts(ctx, make, want_ptr_queries):
    with DNSResponder(ZONES, ipv6=False) as dns:
        ex = make(ctx, ini(dns, main="reject_score = 0"))
        r = ex.session(NOPTR, rcpt=["u1@example.org", "u2@example.org", "u3@example.org"])
        q = ptr_queries(dns)
    assert [c for c, _ in r.rcpt_replies] == [250, 250, 250], r.transcript()
    assert r.data_code == 250, r.transcript()
    assert len(q) == want_ptr_queries, q
    lines = log_lines(r)
    assert len(lines) == 1, lines
    assert "score=8 action=accept checks=ptr_missing(+8)" in lines[0], lines[0]
    return lines[0]


def test_two_rcpts_one_evaluation(ctx):
    # Three RCPTs (three ACL runs, two ${dlfunc} calls each) and local_scan(): one PTR query.
    line = _two_rcpts(ctx, debian, 1)
    assert " reused=yes" in line, line


def test_static_two_rcpts_one_evaluation_per_copy(ctx):
    # Two copies: one evaluation for the ACL's three RCPTs, one by the compiled-in local_scan().
    line = _two_rcpts(ctx, static, 2)
    assert " reused=yes" not in line, line


def _dns_failure(ctx, make):
    with DNSResponder(ZONES, ipv6=False) as dns:
        dns.set_behaviour(action="drop")
        ex = make(ctx, ini(dns, main="on_dns_failure = tempreject\ndns_timeout = 500ms")
                  .replace("dns_timeout = 2s\n", ""))
        r = ex.session(NOPTR)
    code, text = r.rcpt_replies[0]
    assert code == 451, r.transcript()
    assert "DNS PTR lookup failed" in text, text
    assert r.data_reply is None, r.transcript()
    lines = log_lines(r)
    assert len(lines) == 1 and "action=tempreject" in lines[0], lines
    assert lines[0].endswith(" acl=defer"), lines[0]


def test_dns_failure_tempreject_451_at_rcpt(ctx):
    _dns_failure(ctx, debian)


def test_static_dns_failure_tempreject_451_at_rcpt(ctx):
    _dns_failure(ctx, static)


def _config_error(ctx, make):
    with DNSResponder(ZONES, ipv6=False) as dns:
        ex = make(ctx, ini(dns, extra="[relaycheck]\nreject_score = lots\n"))
        r = ex.session(NOPTR)
    code, text = r.rcpt_replies[0]
    assert code == 451, r.transcript()
    assert r.data_reply is None, r.transcript()
    errors = [l for l in r.mainlog if "relaycheck: configuration error:" in l]
    assert errors and re.search(r"relaycheck\.ini:\d+: .*reject_score", errors[0]), r.mainlog
    assert not r.lost, r.transcript()


def test_config_error_defers(ctx):
    _config_error(ctx, debian)


def test_static_config_error_defers(ctx):
    _config_error(ctx, static)


# ------------------------------------------------------------------------------------------
# Debian's exim4: one loaded copy, reuse, yields

YIELDS_ACL = """  warn    add_header = X-Acl-Verdict: ${dlfunc{@MODULE@}{relaycheck_acl}{verdict}}
  warn    add_header = X-Acl-Report: ${dlfunc{@MODULE@}{relaycheck_acl}{header}}
""" + ACL_END


def test_acl_and_local_scan_agree(ctx):
    # Two copies of the module (the ACL names a copy of the file): each evaluates the message
    # on its own, and they agree on score and findings.
    with DNSResponder(ZONES, ipv6=False) as dns:
        ex = debian(ctx, ini(dns, main="reject_score = 0",
                             extra="[rhsbl rhs.test]\nscore = 3\ntarget = sender\n"),
                    acl=YIELDS_ACL, acl_module=module_copy(ctx, "other-relaycheck.so"))
        r = ex.session(NOPTR, mail_from="a@listed.example")
        q = ptr_queries(dns)
    assert r.data_code == 250, r.transcript()
    assert len(q) == 2, q
    verdict = r.header("X-Acl-Verdict")
    assert verdict == ["action=accept score=11 checks=ptr_missing(+8),rhsbl:rhs.test(+3)"], \
        verdict
    line = log_lines(r)[0]
    assert "score=11 action=accept checks=ptr_missing(+8),rhsbl:rhs.test(+3)" in line, line
    assert r.header("X-Relaycheck-Score") == ["11"]
    assert r.header("X-Acl-Report") == r.header("X-Relaycheck-Report"), r.spool_headers


def test_same_file_one_copy(ctx):
    # The same file: local_scan() reuses what the ACL computed (one PTR query, reused=yes).
    with DNSResponder(ZONES, ipv6=False) as dns:
        ex = debian(ctx, ini(dns, main="reject_score = 0"), acl=YIELDS_ACL)
        r = ex.session(NOPTR)
        q = ptr_queries(dns)
    assert r.data_code == 250, r.transcript()
    assert len(q) == 1, q
    assert r.header("X-Acl-Verdict") == ["action=accept score=8 checks=ptr_missing(+8)"]
    assert r.header("X-Acl-Report") == r.header("X-Relaycheck-Report"), r.spool_headers
    line = log_lines(r)
    assert len(line) == 1 and " reused=yes" in line[0], line


def test_new_transaction_evaluates_again(ctx):
    # RSET and a new MAIL: a new message, checked and logged again; the client's PTR result
    # comes from the connection's cache.
    with DNSResponder(ZONES, ipv6=False) as dns:
        ex = debian(ctx, ini(dns))
        r = ex.session_multi(NOPTR, [dict(rcpt="u@example.org"), dict(rcpt="u@example.org")])
        q = ptr_queries(dns)
    assert [m.rcpt_replies[0][0] for m in r.messages] == [550, 550], r.transcript()
    lines = log_lines(r)
    assert len(lines) == 2, lines
    assert all(l.endswith(" acl=deny") for l in lines), lines
    assert len(q) == 1, q


HELO_ACL = ACL_END + """
acl_check_helo:
  warn    set acl_c_helo = ${dlfunc{@MODULE@}{relaycheck_acl}{verdict}}
  accept
"""


def test_helo_call_then_rcpt_completes(ctx):
    # At HELO the sender is unknown: the client-only verdict. At RCPT the sender's checks
    # complete it, and the client's PTR is not asked again.
    with DNSResponder(ZONES, ipv6=False) as dns:
        acl = example_acl().replace("  accept  local_parts", "  warn    add_header = "
                                    "X-Helo-Verdict: $acl_c_helo\n  accept  local_parts", 1)
        ex = debian(ctx, ini(dns, main="reject_score = 0",
                             extra="[rhsbl rhs.test]\nscore = 3\ntarget = sender\n"),
                    acl=acl + HELO_ACL, extra_main_conf="acl_smtp_helo = acl_check_helo")
        r = ex.session(NOPTR, mail_from="a@listed.example")
        q = ptr_queries(dns)
        rhs = [x for x in dns.queries() if "rhs.test" in x["name"]]
    assert r.data_code == 250, r.transcript()
    assert r.header("X-Helo-Verdict") == ["action=accept score=8 checks=ptr_missing(+8)"], \
        r.spool_headers
    assert r.header("X-Relaycheck-Score") == ["11"], r.spool_headers
    assert len(q) == 1, q
    assert len(rhs) == 1, rhs
    line = log_lines(r)
    assert len(line) == 1 and "checks=ptr_missing(+8),rhsbl:rhs.test(+3)" in line[0], line


def test_hostile_helo_escaped_in_every_yield(ctx):
    helo = "bad\x1b[31m%s%n.example"
    with DNSResponder(ZONES, ipv6=False) as dns:
        ex = debian(ctx, ini(dns, main="reject_score = 0"), acl=YIELDS_ACL,
                    extra_main_conf="helo_accept_junk_hosts = *")
        r = ex.session(NOPTR, helo=helo)
    assert r.data_code == 250, r.transcript()
    for name in ("X-Acl-Verdict", "X-Acl-Report"):
        for v in r.header(name, unfold=False):
            assert "\x1b" not in v and all(0x20 <= ord(c) < 0x7f or c in "\n\t" for c in v), \
                (name, v)
    assert "\\x1b[31m%s%n" in r.header("X-Acl-Report")[0], r.header("X-Acl-Report")
    # the reply yield, as the 550 text
    with DNSResponder(ZONES, ipv6=False) as dns:
        ex = debian(ctx, ini(dns, main="reject_score = 1"),
                    extra_main_conf="helo_accept_junk_hosts = *", subdir="exim2")
        r = ex.session(NOPTR, helo=helo)
    code, text = r.rcpt_replies[0]
    assert code == 550, r.transcript()
    assert "\x1b" not in text and "\\x1b[31m%s%n" in text, text


def test_bad_arguments_fail_the_expansion(ctx):
    with DNSResponder(ZONES, ipv6=False) as dns:
        acl = "  warn    add_header = X-Bad: ${dlfunc{@MODULE@}{relaycheck_acl}{everything}}\n" \
            + ACL_END
        ex = debian(ctx, ini(dns, main="reject_score = 0"), acl=acl)
        r = ex.session(NOPTR)
    assert not r.lost, r.transcript()
    assert any("relaycheck_acl: usage:" in l for l in r.paniclog), r.paniclog
    assert r.header("X-Bad") == [], r.spool_headers


def test_exports_exactly_four(ctx):
    out = subprocess.run(["nm", "-D", "--defined-only", ctx.require_module()],
                         capture_output=True, text=True, check=True).stdout
    names = sorted(l.split()[2] for l in out.splitlines() if len(l.split()) == 3
                   and l.split()[1] in "TDBVWR")
    assert names == ["local_scan", "local_scan_version_major", "local_scan_version_minor",
                     "relaycheck_acl"], names


# README's recipe, in Exim's own configuration, as README writes it (continuation line
# included): the daemon expands smtp_accept_max_per_host itself for every connection, before
# it forks; ${dlfunc} loads the module there once and keeps it, and {preload} opens its
# libraries; "" is no limit.
DAEMON_PRELOAD = ("smtp_accept_max_per_host = ${if exists{@MODULE@}\\\n"
                  "  {${dlfunc{@MODULE@}{relaycheck_acl}{preload}}}}\n")
DAEMON_CLIENT = "127.0.0.66"            # no PTR in 0.0.127.in-addr.arpa below: +8


def _daemon_session(ex, daemon_pid, port):
    """One message over TCP from DAEMON_CLIENT: (replies, maps of the connection process read
    at its greeting, the message's spool header text)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30,
                                  source_address=(DAEMON_CLIENT, 0)) as s:
        f = s.makefile("rb")
        def reply():
            lines = [f.readline()]
            while lines[-1][3:4] == b"-":
                lines.append(f.readline())
            return b"".join(lines).decode()
        replies = [reply()]
        pid = harness.connection_pid(daemon_pid, port, DAEMON_CLIENT, s.getsockname()[1])
        with open(f"/proc/{pid}/maps") as m:
            maps = m.read()
        for cmd in (b"EHLO mail.example.net", b"MAIL FROM:<a@example.net>",
                    b"RCPT TO:<u@example.org>", b"DATA"):
            s.sendall(cmd + b"\r\n")
            replies.append(reply())
        s.sendall(b"Subject: t\r\n\r\nbody\r\n.\r\n")
        replies.append(reply())
        s.sendall(b"QUIT\r\n")
        replies.append(reply())
    msgid = re.search(r"id=(\S+)", replies[-2])
    spool = ex.find_spool(msgid.group(1)) if msgid else None
    with open(spool) as h:
        return replies, maps, h.read()


def _start_daemon(ex, port):
    """exim4 -bdf with ex's configuration, once it has answered a connection."""
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C",
           "RELAYCHECK_CONFIG": ex.ini_path}
    env.update(harness._tool_env())
    return harness.start_daemon(ex.exim_bin, ex.conf_path, port, env, ex.dir)


def test_preloaded_module_loaded_once_by_the_daemon(ctx):
    """README's recipe through Exim's configuration (DAEMON_PRELOAD): after its first
    connection the daemon itself has the module and the three libraries it otherwise opens
    on first use mapped, a later connection process has them at its greeting, before any
    message, and the message is judged as with the module loaded per connection. Without
    the option a connection process maps none of them at its greeting. The option yields
    no limit and nothing in the panic log."""
    ctx.require_module()
    ns = ctx.nsd(dict(core.ZONES, **{"0.0.127.in-addr.arpa": ""}))
    module = None
    for preload in (True, False):
        port = harness.free_port(v6=False)
        ex = ctx.exim(core.ini(ns, main="skip_hosts ="), subdir=f"daemon-{preload}",
                      extra_main_conf=f"local_interfaces = 127.0.0.1\nqueue_only = true\n"
                      f"pid_file_path = {ctx.path(f'exim-{preload}.pid')}\n"
                      + (DAEMON_PRELOAD if preload else ""))
        module = os.path.basename(ex.module_path)
        proc = _start_daemon(ex, port)
        try:
            with open(f"/proc/{proc.pid}/maps") as m:
                daemon_maps = m.read()
            replies, maps, header = _daemon_session(ex, proc.pid, port)
        finally:
            harness._kill_group(proc)
        assert [r[:3] for r in replies] == ["220", "250", "250", "250", "354", "250", "221"], \
            replies
        assert "X-Relaycheck-Score: 8" in header, header
        assert f"+8 Relay Host: No DNS PTR record ({DAEMON_CLIENT})" in header, header
        logged = [l for l in ex.log() if f"relaycheck: ip={DAEMON_CLIENT} score=8" in l]
        assert len(logged) == 1, ex.log()
        assert not ex.log("panic"), ex.log("panic")
        for name in (module, "/libudns.so.", "/libinih.so.", "/libpsl.so."):
            if preload:
                assert name in daemon_maps, f"{name} not mapped in the daemon"
                assert name in maps, f"{name} not mapped at the greeting"
            else:
                assert name not in daemon_maps, f"{name} mapped in the daemon without the option"
                assert name not in maps, f"{name} mapped at the greeting without the option"


def test_preload_argument_usage(ctx):
    """{preload} takes no other argument: with one, ${dlfunc} reports the usage (ERROR)."""
    ns, ex = core.setup(ctx, acl_rcpt="  warn    set acl_m0 = ${dlfunc{@MODULE@}{relaycheck_acl}"
                   "{preload}{x}}\n  accept  domains = +local_domains\n")
    r = ex.session(core.GOOD, helo="mail.good.example")
    assert r.replies[3][0] >= 400, r.transcript()
    assert "or {preload}" in "\n".join(r.mainlog + r.paniclog), r.transcript()
