#!/usr/bin/python3
"""Self-tests of the test DNS responder, with dnspython as an independent client.

    /usr/bin/python3 tests/dnsresponder/test_responder.py [-v] [FILTER...]
    /usr/bin/python3 -m tests.dnsresponder.test_responder      (from the repository root)

Tests are `def test_xxx(ctx)` as in tests/e2e; output PASS/FAIL lines and `N passed, N failed`.
"""

import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import dns.exception  # noqa: E402
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.name  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402

import responder  # noqa: E402
from responder import DNSResponder  # noqa: E402

SPF_YAML = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "spf", "rfc7208", "rfc7208-tests.yml")
ZONES = {
    "mail.example.net": {"A": ["192.0.2.66", "192.0.2.67"], "AAAA": ["2001:db8::66"],
                         "MX": [[10, "mx.example.net."]], "TTL": 60},
    "66.2.0.192.in-addr.arpa": {"PTR": ["mail.example.net."]},
    "txt.example.net": {"TXT": ["v=spf1 -all", ["part1", "part2"]]},
    "alias.example.net": {"CNAME": "alias2.example.net."},
    "alias2.example.net": {"CNAME": "mail.example.net"},
    "dangling.example.net": {"CNAME": "elsewhere.example.org."},
    "loop.example.net": {"CNAME": "loop.example.net."},
    "deep.sub.example.net": {"A": ["192.0.2.9"]},
    "*.wild.example.net": {"A": ["192.0.2.99"]},
}


# ---------------------------------------------------------------------------------------------
# helpers

def query(d, name, rtype="A", tcp=False, v6=False, edns=None, timeout=1.0):
    """dnspython query to the responder -> dns.message.Message (raises dns.exception.Timeout)."""
    kw = {"use_edns": 0, "payload": edns} if edns else {}
    q = dns.message.make_query(name, rtype, **kw)
    server = "::1" if v6 else "127.0.0.1"
    if tcp:
        return dns.query.tcp(q, server, port=d.port, timeout=timeout)
    return dns.query.udp(q, server, port=d.port, timeout=timeout)


def raw(d, name, rtype="A", edns=None, timeout=1.0, qid=0x1234):
    """Send a query by hand; -> (query wire, reply bytes or None)."""
    kw = {"use_edns": 0, "payload": edns} if edns else {}
    q = dns.message.make_query(name, rtype, **kw)
    q.id = qid
    wire = q.to_wire()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.settimeout(timeout)
        s.sendto(wire, ("127.0.0.1", d.port))
        try:
            return wire, s.recv(65535)
        except socket.timeout:
            return wire, None
    finally:
        s.close()


def answers(msg):
    return sorted(rd.to_text() for rrset in msg.answer for rd in rrset)


def rcode(msg):
    return dns.rcode.to_text(msg.rcode())


def times_out(fn, *a, **kw):
    try:
        fn(*a, **kw)
    except dns.exception.Timeout:
        return True
    return False


# ---------------------------------------------------------------------------------------------
# tests

def test_a_aaaa_mx_case_insensitive(ctx):
    with DNSResponder(ZONES) as d:
        m = query(d, "MAIL.Example.NET", "A")
        assert rcode(m) == "NOERROR" and m.flags & dns.flags.AA
        assert answers(m) == ["192.0.2.66", "192.0.2.67"], answers(m)
        assert m.answer[0].ttl == 60 and str(m.answer[0].name) == "MAIL.Example.NET."
        assert answers(query(d, "mail.example.net", "AAAA")) == ["2001:db8::66"]
        assert answers(query(d, "mail.example.net", "MX")) == ["10 mx.example.net."]
        assert answers(query(d, "66.2.0.192.in-addr.arpa", "PTR")) == ["mail.example.net."]
        assert answers(query(d, "txt.example.net", "TXT")) == ['"part1" "part2"',
                                                             '"v=spf1 -all"']
        assert not d.errors


def test_nxdomain_nodata_ent_wildcard(ctx):
    with DNSResponder(ZONES) as d:
        m = query(d, "nothere.example.net")
        assert rcode(m) == "NXDOMAIN" and m.flags & dns.flags.AA and not m.answer
        m = query(d, "mail.example.net", "TXT")                    # NODATA
        assert rcode(m) == "NOERROR" and m.flags & dns.flags.AA and not m.answer
        m = query(d, "sub.example.net")                            # empty non-terminal
        assert rcode(m) == "NOERROR" and not m.answer
        m = query(d, "x.y.wild.example.net")
        assert answers(m) == ["192.0.2.99"] and str(m.answer[0].name) == "x.y.wild.example.net."
        d.set_zones({"new.example": {"A": ["192.0.2.5"]}})          # runtime replacement
        assert rcode(query(d, "mail.example.net")) == "NXDOMAIN"
        assert answers(query(d, "new.example")) == ["192.0.2.5"]
        d.update_zones({"more.example": {"A": "192.0.2.6"}})
        assert answers(query(d, "more.example")) == ["192.0.2.6"]
        assert answers(query(d, "new.example")) == ["192.0.2.5"]


def test_cname_chain_dangling_loop(ctx):
    with DNSResponder(ZONES) as d:
        m = query(d, "alias.example.net", "A")
        got = [(str(r.name), dns.rdatatype.to_text(r.rdtype), [x.to_text() for x in r])
               for r in m.answer]
        assert got == [("alias.example.net.", "CNAME", ["alias2.example.net."]),
                       ("alias2.example.net.", "CNAME", ["mail.example.net."]),
                       ("mail.example.net.", "A", ["192.0.2.66", "192.0.2.67"])], got
        m = query(d, "dangling.example.net", "A")
        assert rcode(m) == "NOERROR" and answers(m) == ["elsewhere.example.org."]
        m = query(d, "loop.example.net", "A")
        assert rcode(m) == "NOERROR" and answers(m) == ["loop.example.net."]
        assert answers(query(d, "alias.example.net", "CNAME")) == ["alias2.example.net."]


def test_edns_echo_and_tc(ctx):
    big = {"big.example": {"TXT": [("r%02d-" % i) + "x" * 150 for i in range(20)]}}  # ~3.3 kB
    with DNSResponder(big) as d:
        m = query(d, "big.example", "TXT")                          # no EDNS: 512
        assert m.flags & dns.flags.TC and not m.answer and m.edns < 0
        m = query(d, "big.example", "TXT", edns=1232)
        assert m.flags & dns.flags.TC and not m.answer and m.edns == 0 and m.payload == 4096
        m = query(d, "big.example", "TXT", edns=4096)
        assert not m.flags & dns.flags.TC and len(answers(m)) == 20
        m = query(d, "big.example", "TXT", tcp=True)
        assert not m.flags & dns.flags.TC and len(answers(m)) == 20
        m = query(d, "nope.example", "A", edns=1232)
        assert m.edns == 0 and rcode(m) == "NXDOMAIN"
        d.set_behaviour("big.example", ignore_size=True)            # no TC, oversized UDP
        _, rep = raw(d, "big.example", "TXT")
        m = dns.message.from_wire(rep)
        assert len(rep) > 3000 and not m.flags & dns.flags.TC and len(answers(m)) == 20
        log = d.queries("big.example")
        assert [e["edns"] for e in log[:3]] == [None, 1232, 4096] and log[0]["tc"]


def test_rcode_faults_per_name_type_and_global(ctx):
    with DNSResponder(ZONES) as d:
        d.set_behaviour("mail.example.net", "A", action="servfail")
        d.set_behaviour("66.2.0.192.in-addr.arpa", action="refused")
        d.set_behaviour("txt.example.net", "TXT", action="formerr")
        assert rcode(query(d, "mail.example.net", "A")) == "SERVFAIL"
        assert answers(query(d, "mail.example.net", "AAAA")) == ["2001:db8::66"]
        assert rcode(query(d, "66.2.0.192.in-addr.arpa", "PTR")) == "REFUSED"
        assert rcode(query(d, "txt.example.net", "TXT")) == "FORMERR"
        rid = d.set_behaviour(action="servfail")                     # global, most general
        assert rcode(query(d, "mail.example.net", "AAAA")) == "SERVFAIL"
        assert rcode(query(d, "66.2.0.192.in-addr.arpa", "PTR")) == "REFUSED"   # more specific
        d.clear_behaviours(rid)
        d.set_behaviour("mail.example.net", "MX", action="servfail", times=1)  # only once
        assert rcode(query(d, "mail.example.net", "MX")) == "SERVFAIL"
        assert answers(query(d, "mail.example.net", "MX")) == ["10 mx.example.net."]
        d.set_behaviour("mail.example.net", "AAAA", action="truncate", transport="udp")
        m = query(d, "mail.example.net", "AAAA")
        assert m.flags & dns.flags.TC and not m.answer
        assert answers(query(d, "mail.example.net", "AAAA", tcp=True)) == ["2001:db8::66"]
        d.clear_behaviours()
        assert answers(query(d, "mail.example.net", "A")) == ["192.0.2.66", "192.0.2.67"]


def test_drop_and_timeout_marker(ctx):
    zones = dict(ZONES, **{"to.example": {"TIMEOUT": True},
                           "half.example": {"TXT": ["v=spf1 -all"], "TIMEOUT": True},
                           "typed.example": {"A": ["192.0.2.1"], "TIMEOUT": ["MX"]}})
    with DNSResponder(zones) as d:
        d.set_behaviour("mail.example.net", action="drop")
        assert times_out(query, d, "mail.example.net", timeout=0.3)
        assert times_out(query, d, "to.example", "A", timeout=0.3)
        assert answers(query(d, "half.example", "TXT")) == ['"v=spf1 -all"']
        assert times_out(query, d, "half.example", "SPF", timeout=0.3)
        assert answers(query(d, "typed.example", "A")) == ["192.0.2.1"]
        assert times_out(query, d, "typed.example", "MX", timeout=0.3)
        assert rcode(query(d, "typed.example", "TXT")) == "NOERROR"
        log = d.queries()
        assert [e["action"] for e in log[:2]] == ["drop", "timeout"], log
        assert log[0]["answered_ms"] is None and log[0]["done"]


def test_garbage_short_wrong_id_wrong_name_swapcase(ctx):
    with DNSResponder(ZONES) as d:
        d.set_behaviour("mail.example.net", "A", action="garbage", garbage_len=40)
        _, rep = raw(d, "mail.example.net")
        assert rep is not None and len(rep) == 40
        d.set_behaviour("mail.example.net", "A", action="garbage", payload=b"\x12\x34\xff")
        assert raw(d, "mail.example.net")[1] == b"\x12\x34\xff"
        d.set_behaviour("mail.example.net", "A", action="short", short_len=7)
        assert len(raw(d, "mail.example.net")[1]) == 7
        d.set_behaviour("mail.example.net", "A", action="short")
        full = len(raw(d, "mail.example.net", "AAAA")[1])
        rep = raw(d, "mail.example.net")[1]
        try:
            dns.message.from_wire(rep)
            raise AssertionError("short packet parsed")
        except dns.exception.FormError:
            pass
        assert 12 < len(rep) < full + 20
        d.set_behaviour("mail.example.net", "A", action="wrong_id")
        _, rep = raw(d, "mail.example.net", qid=0x1234)
        assert struct.unpack("!H", rep[:2])[0] == 0x1235
        d.set_behaviour("mail.example.net", "A", action="wrong_name")
        m = dns.message.from_wire(raw(d, "mail.example.net")[1])
        assert str(m.question[0].name) == "wrong-name.invalid." and answers(m)
        d.set_behaviour("mail.example.net", "A", action="answer", swap_case=True)
        m = dns.message.from_wire(raw(d, "mail.example.net")[1])
        assert str(m.question[0].name) == "MAIL.EXAMPLE.NET."
        # dnspython itself rejects the wrong-ID answer
        d.set_behaviour("mail.example.net", "A", action="wrong_id")
        try:
            query(d, "mail.example.net", timeout=0.3)
            raise AssertionError("wrong-ID answer accepted")
        except (dns.exception.Timeout, dns.query.BadResponse):
            pass


def test_oversize_with_and_without_tc(ctx):
    with DNSResponder(ZONES) as d:
        d.set_behaviour("txt.example.net", "TXT", action="oversize")
        _, rep = raw(d, "txt.example.net", "TXT")
        m = dns.message.from_wire(rep)
        assert len(rep) > 4096 and not m.flags & dns.flags.TC and len(answers(m)) > 15
        d.set_behaviour("txt.example.net", "TXT", action="oversize", tc=True,
                        oversize_bytes=9000)
        _, rep = raw(d, "txt.example.net", "TXT")
        m = dns.message.from_wire(rep)
        assert len(rep) > 9000 and m.flags & dns.flags.TC
        d.set_behaviour("mail.example.net", "A", action="oversize")     # filler in additional
        _, rep = raw(d, "mail.example.net", "A")
        m = dns.message.from_wire(rep)
        assert len(rep) > 4096 and answers(m) == ["192.0.2.66", "192.0.2.67"] and m.additional
        # the 100-TXT data case: fits EDNS 4096? no -> TC; TCP -> all
        d.update_zones({"many.example": {"TXT": ["t%03d" % i + "y" * 60 for i in range(100)]}})
        m = query(d, "many.example", "TXT", edns=4096)
        assert m.flags & dns.flags.TC and not m.answer
        assert len(answers(query(d, "many.example", "TXT", tcp=True))) == 100


def test_odd_bytes_ptr_txt_100_ptrs_255_byte_name(ctx):
    weird = ["nul\u0000.example.", "cr\r.lf\n.example.", "pct%.example.",
             "hi\u0080\u00ff.example.", "dot\\.inside.example.", "dec\\000\\255.example."]
    name255 = responder.long_name(255, "example.")
    zones = {"1.2.0.192.in-addr.arpa": {"PTR": weird},
             "2.2.0.192.in-addr.arpa": {"PTR": ["h%03d.example." % i for i in range(100)]},
             "3.2.0.192.in-addr.arpa": {"PTR": [list(name255)]},
             "ctl.example": {"TXT": ["a\u0000b\r\n\u0001\u007f\u00e9\u00ff",
                                     b"\xef\xbb\xbfbytes"]},
             "null.example": {"TXT": [[]]}}
    with DNSResponder(zones) as d:
        m = query(d, "1.2.0.192.in-addr.arpa", "PTR")
        got = sorted(r.target.to_wire() for r in m.answer[0])
        want = sorted([b"\x04nul\x00\x07example\x00", b"\x03cr\r\x03lf\n\x07example\x00",
                       b"\x04pct%\x07example\x00", b"\x04hi\x80\xff\x07example\x00",
                       b"\x0adot.inside\x07example\x00", b"\x05dec\x00\xff\x07example\x00"])
        assert got == want, got
        m = query(d, "2.2.0.192.in-addr.arpa", "PTR", edns=4096)
        assert len(m.answer[0]) == 100 and not m.flags & dns.flags.TC
        m = query(d, "2.2.0.192.in-addr.arpa", "PTR")                # 512 bytes: TC
        assert m.flags & dns.flags.TC
        m = query(d, "3.2.0.192.in-addr.arpa", "PTR")
        assert len(m.answer[0][0].target.to_wire()) == 255
        m = query(d, "ctl.example", "TXT")
        strings = sorted(r.strings for r in m.answer[0])
        assert strings == [(b"a\x00b\r\n\x01\x7f\xe9\xff",), (b"\xef\xbb\xbfbytes",)], strings
        m = query(d, "null.example", "TXT")
        assert [r.strings for r in m.answer[0]] == [()]
        log = d.queries("1.2.0.192.in-addr.arpa")
        assert log and log[0]["type"] == "PTR"


def test_broken_blocklist_zone_rule(ctx):
    with DNSResponder(ZONES) as d:
        d.broken_blocklist("dnsbl.example", txt="listed")
        for n in ("2.0.0.127.dnsbl.example", "66.2.0.192.DNSBL.example", "x.y.z.dnsbl.example"):
            assert answers(query(d, n)) == ["127.0.0.1"], n
            assert answers(query(d, n, "TXT")) == ['"listed"']
        assert rcode(query(d, "2.0.0.127.other.example")) == "NXDOMAIN"


def test_parallel_delays_do_not_serialise(ctx):
    n, delay = 100, 100
    with DNSResponder(ZONES, delay_ms=delay) as d:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2.0)
        t0 = time.monotonic()
        for i in range(n):
            q = dns.message.make_query("mail.example.net", "A")
            q.id = i
            s.sendto(q.to_wire(), ("127.0.0.1", d.port))
        got = set()
        while len(got) < n:
            got.add(dns.message.from_wire(s.recv(4096)).id)
        elapsed = (time.monotonic() - t0) * 1000
        s.close()
        assert got == set(range(n))
        # Serialised, the answers would take n * delay (10 s); held in parallel, about one
        # delay. The bound leaves a factor of four for a loaded machine.
        assert delay * 0.95 <= elapsed < n * delay / 4, elapsed
        assert d.wait_for_queries(n, timeout=5, answered=True)
        log = d.queries()
        assert len(log) == n
        lat = [e["answered_ms"] - e["t_ms"] for e in log]
        assert all(x >= delay - 1 for x in lat), min(lat)     # never early; late is the load
        assert all(e["delay_ms"] == delay for e in log)


def test_per_name_delay_and_log(ctx):
    with DNSResponder(ZONES) as d:
        d.set_delay(2000, name="mail.example.net")
        d.set_delay(0, name="mail.example.net", qtype="AAAA")
        d.set_behaviour("txt.example.net", action="servfail", delay_ms=150)
        res = {}

        def slow():
            t = time.monotonic()
            query(d, "mail.example.net", "A", timeout=10)
            res["slow"] = time.monotonic() - t

        th = threading.Thread(target=slow)
        th.start()
        assert d.wait_for_queries(1)                                # the slow one is in
        query(d, "66.2.0.192.in-addr.arpa", "PTR")
        query(d, "mail.example.net", "AAAA")
        # not held up: both answered while the 2 s answer is still being held back
        assert "slow" not in res, res
        t = time.monotonic()
        assert rcode(query(d, "txt.example.net", "TXT")) == "SERVFAIL"
        sf = time.monotonic() - t
        th.join()
        # delays are never cut short (how late they come is the machine's load)
        assert res["slow"] >= 1.99 and sf >= 0.14, (res, sf)
        assert d.wait_for_queries(4, timeout=5, answered=True)
        e = d.queries("mail.example.net", "A")[0]
        assert e["delay_ms"] == 2000 and e["answered_ms"] - e["t_ms"] >= 1999
        for k in ("t_ms", "name", "type", "qtype", "src", "sport", "transport", "id",
                  "action", "rcode", "answered_ms", "size"):
            assert k in e, k
        assert e["src"] == "127.0.0.1" and e["transport"] == "udp" and e["name"] == \
            "mail.example.net."
        ts = [x["t_ms"] for x in d.queries()]
        assert ts == sorted(ts)
        assert d.wait_for_queries(4, timeout=1, answered=True)


def test_tcp_ipv6_and_formerr(ctx):
    if not responder._ipv6_loopback():
        ctx.skip("no IPv6 loopback")
    with DNSResponder(ZONES, ipv6=True) as d:
        assert d.nameserver6 == f"[::1]:{d.port}"
        assert answers(query(d, "mail.example.net", v6=True)) == ["192.0.2.66", "192.0.2.67"]
        assert answers(query(d, "mail.example.net", v6=True, tcp=True)) == \
            ["192.0.2.66", "192.0.2.67"]
        # delayed answers on one TCP connection, client half-closes after sending
        d.set_delay(100)
        s = socket.create_connection(("127.0.0.1", d.port), timeout=2)
        for i in range(3):
            w = dns.message.make_query("mail.example.net", "A").to_wire()
            s.sendall(struct.pack("!H", len(w)) + w)
        s.shutdown(socket.SHUT_WR)
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        count = 0
        while data:
            ln = struct.unpack("!H", data[:2])[0]
            dns.message.from_wire(data[2:2 + ln])
            data = data[2 + ln:]
            count += 1
        assert count == 3
        # a question section that cannot be parsed -> FORMERR
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(1)
        s.sendto(b"\x00\x07\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x05ab", ("127.0.0.1", d.port))
        rep = s.recv(512)
        s.close()
        assert rep[:2] == b"\x00\x07" and rep[3] & 0xF == 1
        assert d.queries()[-1]["action"] == "formerr"
        assert not d.errors, d.errors


def test_standalone_process(ctx):
    zf, lf, bf = ctx.path("zones.json"), ctx.path("log.jsonl"), ctx.path("rules.json")
    with open(zf, "w") as f:
        json.dump(ZONES, f)
    with open(bf, "w") as f:
        json.dump([{"name": "66.2.0.192.in-addr.arpa", "action": "servfail"}], f)
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "responder.py"), "--zones", zf,
                          "--delay-ms", "50", "--log", lf, "--behaviours", bf],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = int(p.stdout.readline())

        class D:
            pass
        d = D()
        d.port = port
        t = time.monotonic()
        assert answers(query(d, "mail.example.net")) == ["192.0.2.66", "192.0.2.67"]
        assert time.monotonic() - t >= 0.045
        assert rcode(query(d, "66.2.0.192.in-addr.arpa", "PTR")) == "SERVFAIL"
        with open(zf, "w") as f:
            json.dump({"reloaded.example": {"A": ["192.0.2.8"]}}, f)
        p.send_signal(signal.SIGHUP)
        for _ in range(50):
            time.sleep(0.05)
            if rcode(query(d, "reloaded.example")) == "NOERROR":
                break
        assert answers(query(d, "reloaded.example")) == ["192.0.2.8"]
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = p.wait()
    assert rc == 0, p.stderr.read()
    lines = [json.loads(x) for x in open(lf)]
    assert lines[0]["name"] == "mail.example.net." and lines[0]["type"] == "A"
    assert lines[0]["answered_ms"] - lines[0]["t_ms"] >= 49
    assert lines[1]["rcode"] == 2 and len(lines) >= 4


def test_spf_suite_loader(ctx):
    docs = responder.load_spf_suite(SPF_YAML)
    for doc in docs:                              # every scenario compiles
        responder._Zones(responder.load_spf_suite_zonedata(doc["zonedata"]))
    rl = [x for x in docs if x["description"] == "Record lookup"][0]
    z = responder.load_spf_suite_zonedata(rl["zonedata"])
    assert z["both.example.net"]["TXT"] == [["v=spf1 -all"]]            # no SPF->TXT copy
    assert z["spfonly.example.net"].get("TXT") is None
    assert z["spftimeout.example.net"]["TIMEOUT"] is True
    with DNSResponder(z) as d:
        assert answers(query(d, "spftimeout.example.net", "TXT")) == ['"v=spf1 -all"']
        assert times_out(query, d, "spftimeout.example.net", "SPF", timeout=0.3)
        assert answers(query(d, "txttimeout.example.net", "SPF")) == ['"v=spf1 -all"']
        assert times_out(query, d, "txttimeout.example.net", "TXT", timeout=0.3)
        assert times_out(query, d, "alltimeout.example.net", "TXT", timeout=0.3)
        m = query(d, "spfonly.example.net", "TXT")
        assert rcode(m) == "NOERROR" and not m.answer
        assert answers(query(d, "txtonly.example.net", "TXT")) == ['"v=spf1 -all"']
    ip = [x for x in docs if x["description"] == "Initial processing"][0]
    z = responder.load_spf_suite_zonedata(ip["zonedata"])
    with DNSResponder(z) as d:
        m = query(d, "hosed.example.com", "TXT")                        # SPF copied to TXT
        assert [r.strings for r in m.answer[0]] == [(b"v=spf1 a:\xef\xbb\xbfgarbage.example.net"
                                                     b" -all",)]
        m = query(d, "null.example.com", "TXT")
        assert sorted(r.strings for r in m.answer[0]) == [(), (b"v=spf1 ip4:", b"192.0.2.5 -all")]
        m = query(d, "ctrl.example.com", "SPF")
        assert m.answer[0][0].strings == (b"v=spf1 a:ctrl.example.com\rptr -all",)
        assert answers(query(d, "ctrl.example.com", "A")) == ["192.0.2.3"]
        assert times_out(query, d, "example.com", "TXT", timeout=0.3)
    sel = [x for x in docs if x["description"] == "Selecting records"][0]
    z = responder.load_spf_suite_zonedata(sel["zonedata"])
    with DNSResponder(z) as d:
        assert answers(query(d, "example3.com", "MX")) == ["0 mail.example1.com."]
        assert answers(query(d, "example2.com", "TXT")) == ['"v=spf1" "mx"']
    # the standalone loader path agrees
    assert responder.spf_suite_zones(SPF_YAML, "Record lookup") == \
        responder.load_spf_suite_zonedata(rl["zonedata"])


# ---------------------------------------------------------------------------------------------
# a tiny driver in the tests/e2e convention

class Skip(Exception):
    pass


class Context:
    def __init__(self, name):
        self.name = name
        self.tmpdir = tempfile.mkdtemp(prefix="dnsresponder-")

    def path(self, *parts):
        return os.path.join(self.tmpdir, *parts)

    def skip(self, reason):
        raise Skip(reason)

    def close(self):
        shutil.rmtree(self.tmpdir, ignore_errors=True)


def main(argv):
    verbose = "-v" in argv
    filters = [a for a in argv if not a.startswith("-")]
    tests = [(n, f) for n, f in globals().items() if n.startswith("test_") and callable(f)]
    tests.sort(key=lambda t: t[1].__code__.co_firstlineno)
    if filters:
        tests = [t for t in tests if any(s in t[0] for s in filters)]
    passed = failed = skipped = 0
    t_all = time.monotonic()
    for name, func in tests:
        ctx = Context(name)
        t = time.monotonic()
        status, reason = "PASS", ""
        try:
            func(ctx)
        except Skip as e:
            status, reason = "SKIP", str(e)
        except Exception as e:
            status = "FAIL"
            fr = traceback.extract_tb(e.__traceback__)[-1]
            reason = f"{type(e).__name__}: {e} at line {fr.lineno}: {fr.line}"
            if verbose:
                reason += "\n" + traceback.format_exc()
        finally:
            ctx.close()
        print(f"{status} {name} ({time.monotonic() - t:.2f}s)" + (f": {reason}" if reason else ""),
              flush=True)
        passed += status == "PASS"
        failed += status == "FAIL"
        skipped += status == "SKIP"
    tail = f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")
    print(f"(total {time.monotonic() - t_all:.1f}s)")
    print(tail, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
