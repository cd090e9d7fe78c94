"""Benchmark 6 of issue 14: the session time of a message refused at RCPT (the module called
from the RCPT ACL through ${dlfunc}, exim-conf-examples/acl-rcpt.conf) against the same
message refused after DATA by local_scan(), with a 100 kB body, through Debian's exim4 -bs -oMa
against the responder with no delay.

The client has no PTR record and reject_score is 1, so both configurations refuse it: the first
at RCPT, before the body is sent (DATA never happens), the second with 550 after the body.  Each
round runs one session of each (the order alternates), so both see the same machine load:

  session_rcpt_reject_ms     median whole-session wall time, refused at RCPT
  session_data_reject_ms     median whole-session wall time, refused after DATA
  bench_rcpt_vs_data_ratio   median over rounds of (RCPT session / DATA session)
"""

import os
import shutil
import time

from common import BenchExim, BenchError, Results, log, median, workdir
import scenario
from responder import DNSResponder

CLIENT = "192.0.2.99"               # no PTR record in the scenario's zones
BODY = ("x" * 75 + "\n") * (100 * 1024 // 76)       # 100 kB in lines of 76
EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "exim-conf-examples", "acl-rcpt.conf")
INSTALLED = "/usr/lib/exim4/local_scan/relaycheck.so"


def acl_statements(module_path):
    with open(EXAMPLE) as f:
        text = f.read()
    if INSTALLED not in text:
        raise BenchError(f"{EXAMPLE} does not name {INSTALLED}")
    return text.replace(INSTALLED, module_path)


def run(out_dir, module_path, rounds=21):
    res = Results(out_dir, "rcpt")
    wd = workdir("rcpt")
    try:
        return _run(res, module_path, rounds, wd)
    finally:
        shutil.rmtree(wd, ignore_errors=True)


def session(ex):
    return ex.session(CLIENT, helo=scenario.helo_name(), mail_from=scenario.sender(),
                      rcpt=scenario.RCPT, body=BODY)


def _run(res, module_path, rounds, wd):
    ini = scenario.ini(None).replace("reject_score = 0", "reject_score = 1")
    ex_rcpt = BenchExim(os.path.join(wd, "rcpt"), module_path, ini,
                        acl_rcpt=acl_statements(module_path))
    ex_data = BenchExim(os.path.join(wd, "data"), module_path, ini)
    with DNSResponder(scenario.zones([(None, "192.0.2.66")]), port=53, hosts=["127.0.0.1"],
                      ipv6=False, tcp=True):
        for ex in (ex_rcpt, ex_data):               # warm-up: page cache, first dlopen
            session(ex)
        s_rcpt, s_data, ratios = [], [], []
        t_start = time.monotonic()
        for i in range(rounds):
            order = (("rcpt", ex_rcpt), ("data", ex_data))
            if i % 2:
                order = order[::-1]
            took = {}
            for name, ex in order:
                r = session(ex)
                if name == "rcpt" and not (r.rcpt_replies and r.rcpt_replies[0][0] == 550
                                           and r.data_reply is None):
                    raise BenchError("not refused at RCPT: " + r.transcript())
                if name == "data" and r.data_code != 550:
                    raise BenchError("not refused after DATA: " + r.transcript())
                took[name] = r.elapsed * 1000.0
            s_rcpt.append(took["rcpt"])
            s_data.append(took["data"])
            ratios.append(took["rcpt"] / took["data"])
        log(f"rcpt: sessions refused at RCPT {median(s_rcpt):.1f} ms / after DATA "
            f"{median(s_data):.1f} ms ({rounds} rounds, {time.monotonic() - t_start:.0f} s)")
        res.set("session_rcpt_reject_ms", median(s_rcpt), 1)
        res.set("session_data_reject_ms", median(s_data), 1)
        res.set("bench_rcpt_vs_data_ratio", median(ratios))
        res.set("rcpt_rounds", rounds)
        res.set("rcpt_body_bytes", len(BODY))
    return res
