"""Benchmark 6 (issue 16): what one connection process pays for the module, in counts that do
not depend on what else the machine is doing.

bench/load_driver.c stands in for Debian's exim4 around local_scan(): linked against exim4's
own libraries (the same global scope for the dynamic linker to search), it forks a
"connection" that dlopen()s the module with RTLD_NOW, as Exim's wrapper does, then calls
local_scan() for two messages of scenario "full" from 192.0.2.66 (the zero-delay responder on
127.0.0.1:53 answers; SPF is evaluated).  For each module (relaycheck, the do-nothing module
of the daemon benchmark, and any --load-variants):

  load_instr_M, first_instr_M, second_instr_M
        instructions (callgrind, one connection) of the load (dlopen + dlsym), of the first
        message and of the second message on the same connection
  load_faults_M, first_faults_M, second_faults_M
        minor page faults of the same three steps (getrusage in the child; median over
        `conns` connections)
  pre_load_instr_M, pre_load_faults_M, pre_first_instr_M, pre_first_faults_M
        the same when the parent has loaded the module before forking (-p: the recipe of
        README, "Performance": relaycheck_acl's {preload} opens libudns, libinih and libpsl
        there too)
  conn_instr_M, conn_faults_M   load + first message: what a one-message connection pays

Names M: relaycheck, empty, and the variant names.
"""

import glob
import os
import shutil
import subprocess

from common import BenchError, Results, harness, log, median, workdir
import bench_daemon
import scenario
from responder import DNSResponder

CLIENT = "192.0.2.66"
STEPS = ("load", "first", "second")


def _argv(driver, module, spool, preload, conns):
    return [driver] + (["-p"] if preload else []) + ["-n", str(conns), module, CLIENT,
                                                     scenario.helo_name(), scenario.sender(),
                                                     spool]


def _env(ini_path):
    return {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C", "RELAYCHECK_CONFIG": ini_path}


def faults(driver, module, spool, ini_path, preload, conns):
    """{step: median minor faults} over `conns` forked connections."""
    p = subprocess.run(_argv(driver, module, spool, preload, conns), env=_env(ini_path),
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise BenchError(f"load_driver {module}: status {p.returncode}: {p.stderr[-2000:]}")
    got = {s: [] for s in STEPS}
    for line in p.stdout.splitlines():
        kv = dict(f.split("=", 1) for f in line.split())
        for s in STEPS:
            got[s].append(int(kv[f"faults_{s}"]))
    if len(got["load"]) != conns:
        raise BenchError(f"load_driver reported {len(got['load'])} of {conns} connections")
    return {s: median(v) for s, v in got.items()}


def instructions(driver, module, spool, ini_path, preload, wd, tag):
    """{step: instructions} of one connection, from the child's callgrind dumps."""
    d = os.path.join(wd, f"cg-{tag}")
    os.makedirs(d)
    out = os.path.join(d, "cg.%p")
    argv = ["valgrind", "--tool=callgrind", "--vgdb=no", "--quiet",
            f"--callgrind-out-file={out}"] + _argv(driver, module, spool, preload, 1)
    p = subprocess.run(argv, env=_env(ini_path), capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise BenchError(f"callgrind load_driver {module}: {p.stderr[-2000:]}")
    got = {}
    for path in glob.glob(os.path.join(d, "cg.*")):
        trigger, total = "", None
        with open(path, errors="replace") as f:
            for line in f:
                if line.startswith("desc: Trigger:"):
                    trigger = line.split(":", 2)[2].strip()
                elif line.startswith(("totals:", "summary:")):
                    total = int(line.split()[1])
        for s in STEPS:
            if trigger.endswith(f"'{s}'") or trigger.endswith(f" {s}"):
                got[s] = total
                shutil.copy(path, os.path.join(wd, f"callgrind.load-{tag}-{s}.out"))
    if set(got) != set(STEPS):
        raise BenchError(f"callgrind dumps of load_driver: found {sorted(got)} in {d}")
    return got


def run(out_dir, module_path, driver, variants=(), conns=9, callgrind=True):
    res = Results(out_dir, "load")
    wd = workdir("load")
    try:
        spool = os.path.join(wd, "spool")
        os.makedirs(spool)
        ini_path = os.path.join(wd, "relaycheck.ini")
        with open(ini_path, "w") as f:
            f.write(scenario.ini(None))
        modules = [("relaycheck", module_path), ("empty", bench_daemon.empty_module(wd))]
        modules += list(variants)
        with DNSResponder(scenario.zones([(None, CLIENT)]), port=53, hosts=["127.0.0.1"],
                          ipv6=False) as dns:
            dns.delay_ms = 0
            for name, path in modules:
                for pre in (False, True):
                    prefix = "pre_" if pre else ""
                    flt = faults(driver, path, spool, ini_path, pre, conns)
                    for s in STEPS:
                        res.set(f"{prefix}{s}_faults_{name}", flt[s], 1)
                    res.set(f"{prefix}conn_faults_{name}", flt["load"] + flt["first"], 1)
                    line = (f"load {name}{' (preloaded)' if pre else ''}: faults load "
                            f"{flt['load']:.0f}, first {flt['first']:.0f}, second "
                            f"{flt['second']:.0f}")
                    if callgrind:
                        ins = instructions(driver, path, spool, ini_path, pre, wd,
                                           f"{name}{'-pre' if pre else ''}")
                        for s in STEPS:
                            res.set(f"{prefix}{s}_instr_{name}", ins[s])
                        res.set(f"{prefix}conn_instr_{name}", ins["load"] + ins["first"])
                        line += (f"; instructions load {ins['load']:,}, first "
                                 f"{ins['first']:,}, second {ins['second']:,}")
                    log(line)
            for p in glob.glob(os.path.join(wd, "callgrind.load-*.out")):
                shutil.copy(p, out_dir)             # the profiles, for callgrind_annotate
        res.set("load_conns", conns)
    finally:
        shutil.rmtree(wd, ignore_errors=True)
    return res
