"""The DNS fault matrix through the real exim4 (issue 8): whatever DNS does, every message
gets an SMTP answer, is on the spool or cleanly refused, the module returns within
dns_timeout + 250 ms, undecided checks are TEMP, and headers and log lines stay single-line
and escaped. The programmable responder plays the broken server."""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "dnsresponder"))

from test_core import NO_SPF  # noqa: E402  (SPF: test_spf.py)
from responder import DNSResponder, long_name  # noqa: E402

CLIENT = "192.0.2.66"
PTR = "66.2.0.192.in-addr.arpa"
TIMEOUT_MS = 1000


def base_zones():
    return {
        PTR: {"PTR": ["mail.good.example."]},
        "mail.good.example": {"A": [CLIENT]},
        "helo.good.example": {"A": [CLIENT]},
        "66.2.0.192.bl.test": {"A": ["127.0.0.2"], "TXT": [["listed"]]},
    }


INI = """[relaycheck]
nameservers = 127.0.0.1:{port}
dns_timeout = {timeout}ms
reject_score = 0

[dnsbl bl.test]
score = 2
txt = yes
"""


def run(ctx, setup, zones=None, timeout=TIMEOUT_MS):
    """One session with the responder prepared by setup(dns); common invariants checked."""
    ctx.require_module()
    with DNSResponder(zones if zones is not None else base_zones(), ipv6=False) as dns:
        setup(dns)
        ex = ctx.exim(INI.format(port=dns.port, timeout=timeout) + NO_SPF)
        r = ex.session(CLIENT, helo="helo.good.example")
        queries = dns.queries()
    assert not r.lost and r.data_code is not None, r.transcript()
    assert r.data_code == 250, r.transcript()
    assert r.spool_header, "accepted message not on the spool"
    lines = [l for l in r.mainlog if "relaycheck: ip=" in l]
    assert len(lines) == 1, lines
    line = lines[0]
    ms = int(re.search(r" time=(\d+)ms$", line).group(1))
    assert ms <= timeout + 250, f"module took {ms} ms (dns_timeout {timeout} ms)"
    assert r.paniclog == [], r.paniclog
    # Headers: one physical line per finding, every line printable ASCII.
    raw = [v for f, n, v in r.spool_headers if n.lower().startswith("x-relaycheck")]
    for v in raw:
        for phys in v.split("\n"):
            assert all(0x20 <= ord(c) < 0x7f or c == "\t" for c in phys), repr(phys)
    assert all(0x20 <= ord(c) < 0x7f for c in line), repr(line)
    rep = r.header("X-Relaycheck-Report")[0]
    return r, rep, line, ms, queries


def test_server_never_answers(ctx):
    r, rep, line, ms, _ = run(ctx, lambda d: d.set_behaviour(action="drop"))
    assert "+0 Relay Host: DNS PTR lookup failed (192.0.2.66: timeout after" in rep, rep
    assert "ptr_missing(temp)" in line and "dnsbl:bl.test(temp)" in line, line
    assert r.header("X-Relaycheck-Score") == ["0"]


def test_servfail_refused_tc(ctx):
    for action in ("servfail", "refused", "truncate"):
        r, rep, line, ms, _ = run(ctx, lambda d: d.set_behaviour(PTR, "PTR", action=action))
        assert "+0 Relay Host: DNS PTR lookup failed (192.0.2.66: server failure" in rep, (action, rep)
        assert ms < 500, (action, ms)   # a failure answer ends the query at once
        assert "+2 DNSBL: listed on bl.test" in rep, rep   # other checks keep their results


def test_garbage_and_short_packets(ctx):
    for action in ("garbage", "short"):
        r, rep, line, ms, _ = run(ctx, lambda d: d.set_behaviour(PTR, "PTR", action=action))
        assert "Relay Host: DNS PTR lookup failed" in rep, (action, rep)
        assert "ptr_missing(temp)" in line, line


def test_oversized_answers(ctx):
    # Larger than udns's 4096-byte buffer and sent without TC: the datagram is cut at 4096
    # bytes. The padding sits after the answer records, so the PTR answer is still whole and
    # may be used; either way nothing is misread and the invariants of run() hold.
    r, rep, line, ms, _ = run(ctx, lambda d: d.set_behaviour(
        PTR, "PTR", action="oversize", oversize_bytes=6000, tc=False))
    assert "forward-confirmed (mail.good.example)" in rep or "DNS PTR lookup failed" in rep, rep
    assert "No DNS PTR record" not in rep, rep
    # With TC set (udns has no TCP): the server is skipped, TEMP at once.
    r, rep, line, ms, _ = run(ctx, lambda d: d.set_behaviour(
        PTR, "PTR", action="oversize", oversize_bytes=6000, tc=True))
    assert "Relay Host: DNS PTR lookup failed" in rep, rep


def test_answers_just_before_and_after_the_deadline(ctx):
    r, rep, line, ms, _ = run(ctx, lambda d: d.set_delay(TIMEOUT_MS - 250, name=PTR))
    assert "forward-confirmed (mail.good.example)" in rep, rep
    r, rep, line, ms, _ = run(ctx, lambda d: d.set_delay(TIMEOUT_MS + 150, name=PTR))
    assert "DNS PTR lookup failed (192.0.2.66: timeout after" in rep, rep


def test_cname_chain_and_cname_only(ctx):
    z = base_zones()
    z[PTR] = {"CNAME": "66.64/26.2.0.192.in-addr.arpa."}
    z["66.64/26.2.0.192.in-addr.arpa"] = {"PTR": ["mail.good.example."]}
    r, rep, line, ms, _ = run(ctx, lambda d: None, zones=z)
    assert "forward-confirmed (mail.good.example)" in rep, rep
    z = base_zones()
    z[PTR] = {"CNAME": "66.64/26.2.0.192.in-addr.arpa."}
    r, rep, line, ms, _ = run(ctx, lambda d: None, zones=z)
    assert "+8 Relay Host: No DNS PTR record (192.0.2.66)" in rep, rep


def test_hundred_ptr_records_bounded(ctx):
    z = base_zones()
    z[PTR] = {"PTR": [f"h{i}.many.example." for i in range(100)]}
    r, rep, line, ms, q = run(ctx, lambda d: None, zones=z)
    forward = [x for x in q if x["name"].rstrip(".").endswith("many.example")]
    assert 1 <= len(forward) <= 10, len(forward)   # max_ptr_names default
    assert "ptr_no_address(+4)" in line, line


def test_hostile_ptr_names_escaped(ctx):
    z = base_zones()
    z[PTR] = {"PTR": [[b"bad\x00nul", b"cr\rlf\n", b"pct%s%n", b"\xc3\xa9\xff", b"example"],
                      long_name(255, "example.")]}
    r, rep, line, ms, _ = run(ctx, lambda d: None, zones=z)
    assert "Relay Host:" in rep, rep
    assert "%n" in rep or "\\037" in rep or "\\%" in rep or "%" in rep   # shown, never interpreted
    assert "\r" not in rep and "\x00" not in rep


def test_txt_with_control_characters(ctx):
    z = base_zones()
    z["66.2.0.192.bl.test"]["TXT"] = [["evil\r\nX-Injected: yes\x00\x1b[31m%s"]]
    r, rep, line, ms, _ = run(ctx, lambda d: None, zones=z)
    assert "X-Injected" in rep and "\\x0d\\x0aX-Injected: yes\\x00\\x1b[31m%s" in rep, rep
    names = [n.lower() for n in r.header_names()]
    assert "x-injected" not in names, names


def test_blocklist_answering_127_0_0_1_to_everything(ctx):
    r, rep, line, ms, _ = run(ctx, lambda d: d.broken_blocklist("bl.test", "127.0.0.1"))
    assert "+0 DNSBL: bl.test answered an error code (192.0.2.66: 127.0.0.1, not a listing code" \
        in rep, rep
    assert r.header("X-Relaycheck-Score") == ["0"], rep


def test_forward_zone_answers_wrong_name(ctx):
    r, rep, line, ms, _ = run(ctx, lambda d: d.set_behaviour("mail.good.example", "A",
                                                             action="wrong_name"))
    assert "forward lookup of DNS PTR name failed (mail.good.example: timeout after" in rep, rep
    assert "ptr_mismatch(temp)" in line, line


def test_wrong_id(ctx):
    r, rep, line, ms, _ = run(ctx, lambda d: d.set_behaviour(PTR, "PTR", action="wrong_id"))
    assert "DNS PTR lookup failed (192.0.2.66: timeout after" in rep, rep
