"""Parallelism, proved with the programmable responder: every first-wave query (PTR,
HELO, each blocklist) reaches the server before any answer is released, a message costs
its longest chain of lookups rather than their sum, and a blocklist that never answers
costs no more than the deadline while the other checks' results are kept (issue 3)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "dnsresponder"))

from test_core import NO_SPF  # noqa: E402  (SPF: test_spf.py)
from responder import DNSResponder  # noqa: E402

CLIENT = "192.0.2.66"
LISTS = ("bl1.test", "bl2.test", "bl3.test")


def zones():
    z = {
        "66.2.0.192.in-addr.arpa": {"PTR": ["mail.good.example."]},
        "mail.good.example": {"A": [CLIENT]},
        "helo.good.example": {"A": [CLIENT]},
    }
    for bl in LISTS:
        z[f"66.2.0.192.{bl}"] = {"A": ["127.0.0.2"], "TXT": [[f"listed on {bl}"]]}
    return z


def ini(port, timeout="3s"):
    s = f"""[relaycheck]
nameservers = 127.0.0.1:{port}
dns_timeout = {timeout}
reject_score = 0
"""  + NO_SPF
    for bl in LISTS:
        s += f"\n[dnsbl {bl}]\nscore = 1\ntxt = yes\n"
    return s


def hdr(r, name):
    v = r.header(name)
    return v[0] if v else None


# The answer delay of the first-wave test: long enough that a connection process or the
# responder being descheduled for a moment on a busy machine cannot put the first wave
# after the first answer, and shorter than the first retry (1 s): every question is sent
# once. (Before udns was given the resolver's own clock, a retry could follow a query
# within milliseconds, on the first answer after a whole second of time(); that made
# this test flaky.)
WAVE_DELAY_MS = 400


def test_first_wave_in_parallel_two_answer_times(ctx):
    ctx.require_module()
    d = WAVE_DELAY_MS
    with DNSResponder(zones(), delay_ms=d, ipv6=False) as dns:
        ex = ctx.exim(ini(dns.port))
        r = ex.session(CLIENT, helo="helo.good.example")
        assert r.data_code == 250, r.transcript()
        log = dns.queries()
        first_answer = min(q["answered_ms"] for q in log if q["answered_ms"] is not None)
        first_wave = [q for q in log if q["type"] in ("PTR", "TXT")
                      or q["name"].rstrip(".").endswith(LISTS)
                      or q["name"].rstrip(".") == "helo.good.example"]
        names = {(q["name"].rstrip(".").lower(), q["type"]) for q in first_wave}
        want = {("66.2.0.192.in-addr.arpa", "PTR"), ("helo.good.example", "A")}
        for bl in LISTS:
            want |= {(f"66.2.0.192.{bl}", "A"), (f"66.2.0.192.{bl}", "TXT")}
        assert want <= names, (want - names, log)
        sent = {}
        for q in log:
            key = (q["name"].rstrip(".").lower(), q["type"])
            sent[key] = sent.get(key, 0) + 1
        assert all(n == 1 for n in sent.values()), f"questions sent more than once: {sent}"
        late = [q for q in first_wave if q["t_ms"] > first_answer]
        assert not late, f"first-wave queries sent after the first answer: {late}\n{log}"
        # PTR -> A is the longest chain: two answer times, not the eight of a sequence.
        line = [l for l in r.mainlog if "relaycheck: ip=" in l][0]
        ms = int(line.rsplit("time=", 1)[1].rstrip("ms"))
        ctx.info(f"module time with {d} ms per answer: {ms} ms ({len(log)} queries)")
        assert 2 * d <= ms < 4 * d, line
        assert hdr(r, "X-Relaycheck-Score") == "3", r.header("X-Relaycheck-Report")


def test_dead_blocklist_costs_only_the_deadline(ctx):
    ctx.require_module()
    with DNSResponder(zones(), delay_ms=20, ipv6=False) as dns:
        dns.set_behaviour(zone="bl2.test", action="drop")
        ex = ctx.exim(ini(dns.port, timeout="1500ms"))
        r = ex.session(CLIENT, helo="helo.good.example")
        assert r.data_code == 250, r.transcript()
        assert r.data_elapsed < 1.5 + 0.5, r.data_elapsed
        rep = hdr(r, "X-Relaycheck-Report")
        assert "DNSBL: lookup on bl2.test failed (192.0.2.66: timeout after" in rep, rep
        assert "+1 DNSBL: listed on bl1.test" in rep and "+1 DNSBL: listed on bl3.test" in rep, rep
        assert "forward-confirmed (mail.good.example)" in rep, rep
        assert hdr(r, "X-Relaycheck-Score") == "2", rep
