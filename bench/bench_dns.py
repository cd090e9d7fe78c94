"""Benchmarks 1 and 2 of issue 7: latency against the critical path, and the module against
Exim's own ACL conditions, through Debian's exim4 -bs -oMa against the delaying responder.

Runs inside the benchmark's network namespace (common.setup_namespace): the responder listens
on 127.0.0.1:53, which /etc/resolv.conf names there, so Exim's own resolver (ACL conditions,
libspf2) and the module (nameservers = empty: /etc/resolv.conf) ask the same server.

For each delay D, `rounds` rounds; each round runs one session through the module's
configuration and one through the ACL configuration (the order alternates), so both see the same
machine load.  Reported per D:

  module_time_ms_dD          median of the module's own time= (its log line)
  critical_path_ratio_dD     module_time_ms_dD / (3 D)
  session_module_ms_dD       median whole-session wall time, module configuration
  session_acl_ms_dD          median whole-session wall time, Exim ACL configuration
  vs_exim_acl_ratio_dD       median over rounds of (module session / ACL session)
  queries_module, queries_acl   DNS queries per message
"""

import os
import shutil
import time

from common import (BenchExim, BenchError, Results, log, median, module_did_spf,
                    module_time_ms, one_message, workdir)
import scenario
from responder import DNSResponder

CLIENT = "192.0.2.66"


def run(out_dir, module_path, delays=(20, 100), rounds=21):
    res = Results(out_dir, "dns")
    wd = workdir("dns")
    try:
        return _run(res, module_path, delays, rounds, wd)
    finally:
        shutil.rmtree(wd, ignore_errors=True)


def _run(res, module_path, delays, rounds, wd):
    clients = [(None, CLIENT)]
    ex_mod = BenchExim(os.path.join(wd, "module"), module_path, scenario.ini(None))
    ex_acl = BenchExim(os.path.join(wd, "acl"), None, None, acl_checks=True)
    spf_seen = None
    with DNSResponder(scenario.zones(clients), port=53, hosts=["127.0.0.1"], ipv6=False,
                      tcp=True) as dns:
        for d in delays:
            dns.delay_ms = 0
            for ex in (ex_mod, ex_acl):             # warm-up: page cache, first dlopen
                one_message(ex, CLIENT)
            dns.delay_ms = d
            mod_ms, s_mod, s_acl, ratios, q_mod, q_acl = [], [], [], [], [], []
            t_start = time.monotonic()
            for i in range(rounds):
                order = (("module", ex_mod), ("acl", ex_acl))
                if i % 2:
                    order = order[::-1]
                took = {}
                for name, ex in order:
                    dns.clear_queries()
                    r = one_message(ex, CLIENT)
                    took[name] = r.elapsed * 1000.0
                    n = len(dns.queries())
                    if name == "module":
                        mod_ms.append(module_time_ms(r))
                        q_mod.append(n)
                        did = module_did_spf(r)
                        if spf_seen is None:
                            spf_seen = did
                        elif spf_seen != did:
                            raise BenchError("the module did SPF for some messages only")
                    else:
                        q_acl.append(n)
                        if not r.header("Received-SPF"):
                            raise BenchError("Exim's spf condition added no Received-SPF "
                                             "header: " + r.transcript())
                s_mod.append(took["module"])
                s_acl.append(took["acl"])
                ratios.append(took["module"] / took["acl"])
            log(f"dns D={d}: module time {median(mod_ms)} ms, sessions module "
                f"{median(s_mod):.0f} ms / acl {median(s_acl):.0f} ms "
                f"({rounds} rounds, {time.monotonic() - t_start:.0f} s)")
            path = scenario.CRITICAL_PATH_ANSWERS * d
            res.set(f"module_time_ms_d{d}", median(mod_ms), 1)
            res.set(f"critical_path_ms_d{d}", path)
            res.set(f"critical_path_ratio_d{d}", median(mod_ms) / path)
            res.set(f"session_module_ms_d{d}", median(s_mod), 1)
            res.set(f"session_acl_ms_d{d}", median(s_acl), 1)
            res.set(f"vs_exim_acl_ratio_d{d}", median(ratios))
            res.set(f"module_time_ms_min_d{d}", min(mod_ms))
            res.set(f"module_time_ms_max_d{d}", max(mod_ms))
            res.set(f"dns_rounds_d{d}", rounds)
        res.set("queries_module", int(median(q_mod)))
        res.set("queries_acl", int(median(q_acl)))
        res.set("spf_in_module", bool(spf_seen))
        if not spf_seen:
            res.note("The module did not evaluate SPF (no Received-SPF header, no SPF finding): "
                     "its longest chain is PTR -> A (2 D), while the critical path of the "
                     "scenario (3 D) and Exim's ACL include SPF.")
    return res
