"""Self-test of the e2e harness, WITHOUT relaycheck: a throwaway local_scan module
(fixtures/harness_scan.c) is compiled at test time and loaded by the real exim4."""

import os
import time

import harness
from harness import Exim, Nsd, SessionTimeout, compile_module, ptr_name

ZONES = {
    "2.0.192.in-addr.arpa": """
66      PTR   mail.example.net.
67      PTR   r67-2-0-192.dialup.example.com.
""",
    "8.b.d.0.1.0.0.2.ip6.arpa": f"""
{ptr_name("2001:db8::25")}  PTR  mail6.example.net.
""",
    "example.net": """
mail    A     192.0.2.66
mail6   AAAA  2001:db8::25
@       TXT   "v=spf1 ip4:192.0.2.66 -all"
long    TXT   "part one" "part two"
""",
}

INI = "[relaycheck]\n; harness self-test: the throwaway module does not read this\n"


def _module(ctx):
    src = os.path.join(ctx.fixtures, "harness_scan.c")
    return compile_module(src, ctx.path("harness_scan.so"))


def _exim(ctx, ini=INI, **kw):
    return Exim(ctx.path("exim"), _module(ctx), ini, **kw)


def _msg(r):
    return f"{r!r}\n{r.transcript()}\nmainlog={r.mainlog}\npaniclog={r.paniclog}\n" \
           f"stderr={r.stderr}"


def test_nsd_serves_fixture_zones(ctx):
    with Nsd(ZONES) as ns:
        assert ns.port and ns.nameserver == f"127.0.0.1:{ns.port}"
        r = ns.query("66.2.0.192.in-addr.arpa", "PTR")
        assert r.rcode_text == "NOERROR" and r.aa, r
        assert r.values("PTR") == ["mail.example.net."], r
        r = ns.query(ptr_name("2001:db8::25"), "PTR")
        assert r.values("PTR") == ["mail6.example.net."], r
        assert ns.query("mail.example.net", "A").values("A") == ["192.0.2.66"]
        assert ns.query("mail6.example.net", "AAAA").values("AAAA") == ["2001:db8::25"]
        assert ns.query("example.net", "TXT").values("TXT") == [["v=spf1 ip4:192.0.2.66 -all"]]
        assert ns.query("long.example.net", "TXT").values("TXT") == [["part one", "part two"]]
        assert ns.query("68.2.0.192.in-addr.arpa", "PTR").rcode_text == "NXDOMAIN"
        if ns.ipv6:
            r = ns.query("67.2.0.192.in-addr.arpa", "PTR", v6=True)
            assert r.values("PTR") == ["r67-2-0-192.dialup.example.com."], r
        # independent cross-check with dnspython when present (Debian python3-dnspython)
        try:
            import dns.message
            import dns.query
        except ImportError:
            pass
        else:
            q = dns.message.make_query("66.2.0.192.in-addr.arpa", "PTR")
            a = dns.query.udp(q, "127.0.0.1", port=ns.port, timeout=2)
            assert [str(rd) for rrs in a.answer for rd in rrs] == ["mail.example.net."]
        pid, d = ns.proc.pid, ns.dir
    # cleaned up: process group gone, temp dir removed
    try:
        os.killpg(pid, 0)
        raise AssertionError("NSD process group still alive after exit")
    except ProcessLookupError:
        pass
    assert not os.path.exists(d)


def test_accept_adds_header(ctx):
    ex = _exim(ctx)
    r = ex.session("192.0.2.66", helo="mail.example.net")
    assert r.data_code == 250, _msg(r)
    assert r.message_id and r.spool_header, _msg(r)
    assert r.header("X-Harness") == ["192.0.2.66"], r.spool_headers
    assert r.header("X-Harness-Helo") == ["mail.example.net"]
    assert r.header("X-Harness-Auth") == ["none id="]
    assert r.header("X-Harness-Env") == [ex.ini_path]
    assert r.header("Subject") == ["e2e test"]
    assert r.header_names()[-1] == "X-Harness-Seq"
    assert any(f"{r.message_id} <= a@example.net" in ln for ln in r.mainlog), r.mainlog
    assert r.log_lines("harness_scan: ip=192.0.2.66 seq=1"), r.mainlog
    assert r.paniclog == []
    assert r.exit_status == 0 and not r.lost
    assert r.replies[0][0] == 220 and r.replies[-1][0] == 221
    assert r.elapsed < 10


def test_reject_gets_550(ctx):
    ex = _exim(ctx)
    r = ex.session("192.0.2.67", mail_from="reject@example.net")
    assert r.data_code == 550, _msg(r)
    assert r.data_text == "harness rejects this sender\nsecond line", r.data_text
    assert r.message_id is None and r.spool_header is None
    assert any("rejected by local_scan()" in ln for ln in r.mainlog), r.mainlog
    assert r.rejectlog, "reject log should have the rejection"


def test_tempreject_gets_451(ctx):
    r = _exim(ctx).session("192.0.2.67", mail_from="tempfail@example.net")
    assert r.data_code == 451 and "harness tempfails" in r.data_text, _msg(r)


def test_ipv6_client(ctx):
    r = _exim(ctx).session("2001:db8::25", helo="mail6.example.net")
    assert r.data_code == 250, _msg(r)
    assert r.header("X-Harness") == ["2001:db8::25"]
    assert any("[2001:db8::25]" in ln for ln in r.mainlog), r.mainlog


def test_local_submission(ctx):
    r = _exim(ctx).session(None, local=True)
    assert r.data_code == 250, _msg(r)
    assert r.header("X-Harness") == ["local"]


def test_authenticated_session(ctx):
    r = _exim(ctx).session("192.0.2.99", auth=True, auth_id="bob",
                           rcpt="someone@elsewhere.example")   # relay allowed when authed
    assert r.data_code == 250, _msg(r)
    assert r.header("X-Harness-Auth") == ["PLAIN id=bob"], r.spool_headers
    assert any(" A=PLAIN" in ln for ln in r.mainlog), r.mainlog


def test_unauthenticated_relay_denied(ctx):
    r = _exim(ctx).session("192.0.2.99", rcpt="someone@elsewhere.example")
    assert r.rcpt_replies[0][0] == 550 and r.data_code is None, _msg(r)


def test_multiple_messages_one_connection(ctx):
    ex = _exim(ctx)
    r = ex.session_multi("192.0.2.66", [
        dict(mail_from="a@example.net"),
        dict(mail_from="reject@example.net"),
        dict(mail_from="c@example.net", rcpt=["u@example.org", "v@example.org"],
             headers=["Subject: third", "X-Forged: yes"], body=".leading dot\nend\n"),
    ])
    codes = [m.data_code for m in r.messages]
    assert codes == [250, 550, 250], _msg(r)
    assert [m.header("X-Harness-Seq") for m in r.messages] == [["1"], [], ["3"]]
    third = r.messages[2]
    assert third.header("X-Forged") == ["yes"]
    assert "v@example.org" in third.spool_header
    with open(third.spool_path[:-2] + "-D") as f:
        assert ".leading dot\nend\n" in f.read(), "dot-stuffing broken"
    assert len(r.log_lines("harness_scan: ip=192.0.2.66")) == 3


def test_ini_variable_unset(ctx):
    r = _exim(ctx, ini=None).session("192.0.2.66")
    assert r.header("X-Harness-Env") == ["unset"], _msg(r)


def test_panic_log_captured(ctx):
    ex = _exim(ctx)
    r = ex.session("192.0.2.5", mail_from="panic@example.net")
    assert r.data_code == 250
    assert any("harness_scan: panic requested for 192.0.2.5" in ln for ln in r.paniclog), \
        r.paniclog
    r2 = ex.session("192.0.2.5")
    assert r2.paniclog == [], "only NEW panic-log lines belong to a session"


def test_session_timeout_is_bounded(ctx):
    ex = _exim(ctx, timeout=3)
    t0 = time.monotonic()
    try:
        ex.session("192.0.2.66", mail_from="sleep@example.net")
    except SessionTimeout as e:
        assert e.result is not None and e.result.data_code is None
    else:
        raise AssertionError("expected SessionTimeout")
    assert time.monotonic() - t0 < 10


def test_abort_drops_session(ctx):
    r = _exim(ctx).session("192.0.2.66", mail_from="abort@example.net")
    assert r.lost and r.data_code is None, _msg(r)
    assert r.exit_status == -6, r.exit_status    # SIGABRT is not caught by Exim


def test_module_load_failure_is_451(ctx):
    bogus = ctx.path("not-a-module.so")
    with open(bogus, "w") as f:
        f.write("not an ELF file\n")
    os.chmod(bogus, 0o644)
    r = Exim(ctx.path("exim"), bogus, INI).session("192.0.2.66")
    assert r.data_code == 451 and "local_scan() library failure" in r.data_text, _msg(r)


def test_nsd_and_exim_together(ctx):
    """The shape every relaycheck test has: NSD up, INI pointing at it, Exim session."""
    with Nsd(ZONES) as ns:
        ex = _exim(ctx, ini=f"[relaycheck]\nnameservers = {ns.nameserver}\n")
        with open(ex.ini_path) as f:
            assert f"127.0.0.1:{ns.port}" in f.read()
        r = ex.session("192.0.2.66")
        assert r.data_code == 250, _msg(r)
        assert ns.query("66.2.0.192.in-addr.arpa", "PTR").values() == ["mail.example.net."]
    assert harness.readable_by_exim(ex.ini_path)
