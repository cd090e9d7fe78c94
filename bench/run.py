#!/usr/bin/python3
"""relaycheck benchmarks (issue 7): run them, write <out>/summary.txt and a dated section of
BENCHMARKS.md.

    /usr/bin/python3 bench/run.py --module build/relaycheck.so \\
        --allowlist-bench build/obj/bench/allowlist_bench [--smoke] [--out DIR] [--md FILE]
        [--load-driver build/obj/bench/load_driver] [--load-variants NAME=SO,...]
        [--only dns,cpu,allowlist,daemon,load] [--daemon K:ROUNDS,... [--daemon-messages N]]

`make bench` and `make bench-smoke` call this.  Root only.  Everything except the allowlist
microbenchmark runs inside private network and mount namespaces made for the run (unshare
--net --mount): loopback only, and an /etc/resolv.conf bind-mounted there that names the
benchmark's DNS server on 127.0.0.1:53, so Exim's own resolver asks it too.  No system file is
changed; nothing outside the namespaces can reach the servers started here.

  dns        1 latency against the critical path, 2 the module against Exim's ACL conditions
  cpu        3 instructions per message (callgrind)
  allowlist  4 scale of the No Server Check list and of the configuration
  daemon     5 daemon throughput with K concurrent clients, against an empty module and
             against Exim's ACL conditions
  rcpt       6 a message refused at RCPT (the ACL) against one refused after DATA, 100 kB body
  load       7 instructions and page faults of one connection process (bench/load_driver.c)

--daemon 8:3 --daemon-messages 500 (with --only daemon) runs the daemon benchmark at chosen
sizes, a fixed count of rounds for each K given: a quick look at one K, or more rounds than the
full run's cap (the section written to --md shows rounds and messages per run).  The full run
adds rounds at K = 8 (9 to 25) until the spreads of throughput_vs_floor_k8 and
throughput_ratio_vs_acl_k8 are within 5%, or its time budget is spent.

--smoke runs every benchmark on tiny sizes (under a minute) and checks only that the numbers
are produced: `make test` runs it so the harness cannot rot.  Result files: <out>/summary.txt
(key=value), <out>/<benchmark>.txt, <out>/*.notes, the callgrind profiles cpu-profile-*.txt.
"""

import argparse
import datetime
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import traceback

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
from common import BenchError, log  # noqa: E402

BENCHMARKS = ("dns", "cpu", "allowlist", "daemon", "rcpt", "load")

FULL = {
    "dns": {"delays": (20, 100), "rounds": 21},
    "cpu": {"reps": 3},
    "allowlist": {"sizes": ("1000", "10000", "100000", "1000000")},
    # K = 8: 9 to 25 rounds, until the target ratios' spreads are within 5%, in at most 1500 s
    # (the other benchmarks take about 8 minutes, K = 1 and 32 about 2: under TIME_LIMIT)
    "daemon": {"ks": (1, 8, 32), "messages": 1000, "rounds": {1: 1, 8: (9, 25), 32: 1},
               "budget": {8: 1500}},
    "load": {"conns": 9},
    "rcpt": {"rounds": 21},
}
SMOKE = {
    "dns": {"delays": (20, 100), "rounds": 2},
    "cpu": {"reps": 1},
    "allowlist": {"sizes": ("1000:3", "10000:3"), "lookups": 100000},
    "daemon": {"ks": (1, 2), "messages": 20, "rounds": {}},
    "rcpt": {"rounds": 2},
    "load": {"conns": 2},
}
TIME_LIMIT = {"full": 2700, "smoke": 180}       # seconds, whole run (a watchdog, not a goal)

# (key, comparison, target, what) - the targets
TARGETS = [
    ("critical_path_ratio_d100", "<=", 1.15, "module time / critical path (3 D), D = 100 ms"),
    ("vs_exim_acl_ratio_d100", "<=", 0.5, "session time, module / Exim ACL conditions, D = 100"),
    ("module_instr_share", "<=", 0.20, "instructions of a session spent on the module"),
    ("allowlist_lookup_ns_1m", "<=", 1000, "No Server Check lookup, 1M entries (ns)"),
    ("config_load_ms_10k", "<=", 10, "configuration load per connection, 10k entries (ms)"),
    ("config_load_ms_100k", "<=", 50, "configuration load per connection, 100k entries (ms)"),
    ("throughput_ratio_k8", ">=", 0.85, "daemon msgs/s with / without the module, K = 8"),
    ("throughput_vs_floor_k8", ">=", 0.90, "daemon msgs/s with the module / with an empty "
     "module, K = 8"),
    ("throughput_ratio_vs_acl_k8", ">=", 1.0, "daemon msgs/s with the module / Exim's ACL "
     "conditions doing the same checks, K = 8"),
    # how sure the two ratios above are: half the 95% confidence interval of their median
    # over the rounds, relative to it (bench_daemon.spread()); the rounds go on until both
    # are met or a cap or the time budget stops them
    ("throughput_vs_floor_spread_k8", "<=", 0.05, "± of throughput_vs_floor_k8: half the "
     "width of the 95% confidence interval of its median over the rounds, relative to it"),
    ("throughput_ratio_vs_acl_spread_k8", "<=", 0.05, "± of throughput_ratio_vs_acl_k8: half "
     "the width of the 95% confidence interval of its median over the rounds, relative to it"),
]

REQUIRED = {
    "full": ["critical_path_ratio_d100", "critical_path_ratio_d20", "vs_exim_acl_ratio_d100",
             "module_instr_share", "allowlist_lookup_ns_1m", "config_load_ms_10k",
             "config_load_ms_100k", "throughput_ratio_k8", "throughput_ratio_empty_k8",
             "throughput_vs_floor_k8", "throughput_vs_floor_spread_k8",
             "throughput_vs_floor_ci_lo_k8", "throughput_vs_floor_ci_hi_k8",
             "throughput_ratio_vs_acl_k8", "throughput_ratio_vs_acl_spread_k8",
             "throughput_ratio_vs_acl_ci_lo_k8", "throughput_ratio_vs_acl_ci_hi_k8",
             "daemon_rounds_k8", "conn_instr_relaycheck", "conn_faults_relaycheck",
             "spf_in_module", "bench_rcpt_vs_data_ratio"],
    "smoke": ["critical_path_ratio_d100", "critical_path_ratio_d20", "vs_exim_acl_ratio_d100",
              "module_instr_share", "instr_module_work", "allowlist_lookup_ns_10k",
              "config_load_ms_10k", "throughput_ratio_k2", "throughput_ratio_empty_k2",
              "throughput_vs_floor_k2", "throughput_vs_floor_spread_k2",
              "throughput_vs_floor_ci_lo_k2", "throughput_vs_floor_ci_hi_k2",
              "throughput_ratio_vs_acl_k2", "throughput_ratio_vs_acl_spread_k2",
              "throughput_ratio_vs_acl_ci_lo_k2", "throughput_ratio_vs_acl_ci_hi_k2",
              "daemon_rounds_k2", "conn_instr_relaycheck", "conn_faults_relaycheck",
              "spf_in_module", "bench_rcpt_vs_data_ratio"],
}


# ---------------------------------------------------------------------------------------------
# inside the namespaces

def inner(args):
    """Run the selected benchmarks; each writes <out>/<name>.txt.  Exit 1 if any failed."""
    def on_term(signum, frame):
        raise SystemExit(f"benchmarks stopped by signal {signum}")
    signal.signal(signal.SIGTERM, on_term)
    wd = common.workdir("ns")
    common.setup_namespace(wd)          # (the bind mount keeps the file while wd goes)
    # Exim's receiving processes load the module as the Exim user, who may not reach the
    # build tree (a checkout under a 0700 directory): load a copy from the work directory.
    copy = os.path.join(wd, "relaycheck.so")
    shutil.copyfile(args.module, copy)
    os.chmod(copy, 0o644)
    args.module = copy
    variants = []
    for name, path in args.load_variants:
        copy = os.path.join(wd, f"variant-{name}.so")
        shutil.copyfile(path, copy)
        os.chmod(copy, 0o644)
        variants.append((name, copy))
    sizes = dict(SMOKE if args.smoke else FULL)
    if args.daemon:
        # a fixed count of rounds for each K given (min = max), and no time budget
        rounds = {int(k): int(r) for k, r in (x.split(":") for x in args.daemon.split(","))}
        sizes["daemon"] = dict(sizes["daemon"], ks=tuple(rounds), rounds=rounds, budget={})
    if args.daemon_messages:
        sizes["daemon"] = dict(sizes["daemon"], messages=args.daemon_messages)
    failed = []
    for name in args.only:
        t0 = time.monotonic()
        log(f"{name}: start")
        try:
            if name == "dns":
                import bench_dns
                bench_dns.run(args.out, args.module, **sizes["dns"])
            elif name == "cpu":
                import bench_cpu
                bench_cpu.run(args.out, args.module, **sizes["cpu"])
            elif name == "allowlist":
                import bench_allowlist
                bench_allowlist.run(args.out, args.allowlist_bench, **sizes["allowlist"])
            elif name == "daemon":
                import bench_daemon
                bench_daemon.run(args.out, args.module, **sizes["daemon"])
            elif name == "rcpt":
                import bench_rcpt
                bench_rcpt.run(args.out, args.module, **sizes["rcpt"])
            elif name == "load":
                import bench_load
                bench_load.run(args.out, args.module, args.load_driver, variants,
                               **sizes["load"])
        except Exception as e:      # one broken benchmark must not hide the others' numbers
            failed.append(name)
            log(f"{name}: FAILED: {type(e).__name__}: {e}")
            traceback.print_exc()
        with open(os.path.join(args.out, f"{name}.seconds"), "w") as f:
            f.write(f"{time.monotonic() - t0:.1f}\n")
        log(f"{name}: done in {time.monotonic() - t0:.0f} s")
    shutil.rmtree(wd, ignore_errors=True)
    return 1 if failed else 0


# ---------------------------------------------------------------------------------------------
# outside: start, watch, summarise

def read_kv(path):
    out = {}
    try:
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    out[k] = v
    except OSError:
        pass
    return out


def git_commit():
    try:
        h = subprocess.run(["git", "-C", common.REPO, "rev-parse", "--short", "HEAD"],
                           capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", common.REPO, "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True, text=True,
                               timeout=10).stdout.strip()
        return h + ("-dirty" if dirty else "") if h else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def verdicts(values):
    out = []
    for key, op, target, what in TARGETS:
        v = values.get(key)
        try:
            x = float(v)
            met = x <= target if op == "<=" else x >= target
            out.append((key, op, target, what, v, "met" if met else "missed"))
        except (TypeError, ValueError):
            out.append((key, op, target, what, v or "-", "not measured"))
    return out


def write_summary(path, meta, values, checks):
    with open(path, "w") as f:
        for k, v in list(meta.items()) + list(values.items()):
            v = re.sub(r"[\r\n]+", " ", str(v))
            f.write(f"{k}={v}\n")
        for key, _, _, _, _, verdict in checks:
            f.write(f"target_{key}={verdict.replace(' ', '_')}\n")


def profile_table(out_dir, name, limit=8):
    rows = []
    try:
        with open(os.path.join(out_dir, f"cpu-profile-{name}.txt")) as f:
            for line in f:
                if line.startswith("#"):
                    continue
                parts = line.split(None, 2)
                if len(parts) == 3:
                    rows.append(parts)
    except OSError:
        pass
    return rows[:limit]


def markdown_section(meta, values, checks, notes, out_dir, argv_text):
    v = values.get
    lines = [f"## {meta['date']} — commit {meta['commit']}", ""]
    lines.append(f"Machine: {meta['nproc']} CPUs, {meta['cpu_model']}, Linux {meta['kernel']}; "
                 f"load average at start {meta['loadavg_start']}, at end {meta['loadavg_end']}; "
                 f"{meta['exim']}; run took {meta['bench_seconds']} s. SPF evaluated by the "
                 f"module: **{v('spf_in_module', '?')}**.")
    lines += ["", "Reproduce (as root, on Debian 12):", "", "```", "make deps", argv_text, "```",
              "", "| target | measured | goal | verdict |", "|---|---|---|---|"]
    for key, op, target, what, val, verdict in checks:
        mark = {"met": "met", "missed": "**missed**"}.get(verdict, verdict)
        lines.append(f"| `{key}` — {what} | {val} | {op} {target} | {mark} |")

    def row(label, *keys):
        return f"| {label} | " + " | ".join(str(v(k, "-")) for k in keys) + " |"

    lines += ["", "**1–2. Latency** (scenario full; medians of "
              f"{v('dns_rounds_d100', '?')} sessions each, module and ACL sessions alternating; "
              f"DNS queries per message: module {v('queries_module', '?')}, "
              f"Exim ACL {v('queries_acl', '?')})", "",
              "| D | module time= (ms) | critical path 3·D (ms) | ratio | session, module (ms) "
              "| session, Exim ACL (ms) | module / ACL |", "|---|---|---|---|---|---|---|"]
    for d in (20, 100):
        lines.append(f"| {d} ms " + row("", f"module_time_ms_d{d}", f"critical_path_ms_d{d}",
                                          f"critical_path_ratio_d{d}",
                                          f"session_module_ms_d{d}", f"session_acl_ms_d{d}",
                                          f"vs_exim_acl_ratio_d{d}")[3:])
    lines += ["", "**3. CPU per message** (callgrind, one-message exim4 -bs session, zero-delay "
              "DNS)", "",
              "| with module | without | module share | of which dlopen | module's own work |",
              "|---|---|---|---|---|",
              row("", "instr_with", "instr_without", "module_instr_share", "instr_dlopen",
                  "instr_module_work")[3:], ""]
    for name, title in (("work-inclusive", "inside the module's local_scan(), inclusive"),
                        ("work-self", "inside the module's local_scan(), self"),
                        ("dlopen-self", "dlopen of the module, self")):
        rows = profile_table(out_dir, name)
        if rows:
            lines += [f"Top functions, {title}:", "", "| instructions | share | function |",
                      "|---|---|---|"]
            lines += [f"| {n} | {p} | `{fn.strip()}` |" for n, p, fn in rows]
            lines.append("")
    lines += ["**4. No Server Check list and configuration** (mixed IPv4/IPv6 prefixes, one "
              "`ip =` line each; parse = rc_config_load() of the INI file, load = "
              "rc_config_load_cached() as the module does it in every connection process, "
              "each timed in a fresh process, median; lookup = rc_iptable_lookup() on the table "
              "the module gets, mean over random addresses, median of 5 rounds)", "",
              "| entries | file | parse (ms) | load per connection (ms) | compiled form | "
              "lookup (ns) |", "|---|---|---|---|---|---|"]
    for s in ("1k", "10k", "100k", "1m"):
        if f"config_load_ms_{s}" in values:
            size = values.get(f"allowlist_file_bytes_{s}", "")
            size = f"{int(size) / 1e6:.2f} MB" if size.isdigit() else "-"
            lines.append(f"| {s} | {size} | {v(f'config_parse_ms_{s}', '-')} | "
                         f"{v(f'config_load_ms_{s}')} | {v(f'allowlist_compiled_{s}', '-')} | "
                         f"{v(f'allowlist_lookup_ns_{s}')} |")
    lines += ["", f"**5. Daemon throughput** ({v('daemon_messages', '?')} messages per run, one "
              "message per connection, zero-delay DNS from NSD; medians over interleaved rounds "
              "of runs; \"empty\" = the same daemon with a local_scan module that does nothing, "
              "which Debian's Exim still loads in every connection process; \"ACL\" = no "
              "module, Exim's own ACL conditions making the same checks; \"preload\" = the "
              "module loaded by the daemon through smtp_accept_max_per_host (README, "
              "Performance); CPU = user + system "
              "time of Exim's receiving processes per message, NSD = the DNS server's CPU per "
              "message)", "",
              "| K | msgs/s with / without / empty / ACL / preload | with / without | "
              "with / empty | with / ACL | preload / empty | "
              "latency with / without / empty / ACL / preload (ms) | "
              "CPU with / without / empty / ACL / preload (ms) | NSD CPU (ms) | "
              "page faults with / without / empty / ACL / preload | rounds |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]

    def five(key):
        return " / ".join(v(key.format(t), "-") for t in ("with", "without", "empty", "acl",
                                                          "preload"))

    def rounds(k):
        # how many, and (unless a fixed count) why no more: spread, cap or budget
        n = v(f"daemon_rounds_k{k}", v(f"daemon_pairs_k{k}", "-"))
        why = v(f"daemon_stop_k{k}", "fixed")
        return n if why == "fixed" else f"{n} ({why})"

    def ratio(key, k):
        # a single round has no spread: "±0.0%" would claim a certainty it does not have
        val = v(f"{key}_k{k}", "-")
        sp = values.get(f"{key}_spread_k{k}")
        if sp in (None, "nan") or rounds(k).split()[0] == "1":
            return val
        return f"{val} (±{100 * float(sp):.1f}%)"
    for k in (1, 8, 32):
        if f"throughput_ratio_k{k}" in values:
            lines.append(f"| {k} | {five('throughput_{}_k' + str(k))} | "
                         f"{ratio('throughput_ratio', k)} | {ratio('throughput_vs_floor', k)} | "
                         f"{ratio('throughput_ratio_vs_acl', k)} | "
                         f"{ratio('throughput_preload_vs_floor', k)} | "
                         f"{five('latency_{}_ms_k' + str(k))} | {five('cpu_{}_ms_k' + str(k))} | "
                         f"{v(f'dns_cpu_ms_k{k}')} | {five('faults_{}_k' + str(k))} | "
                         f"{rounds(k)} |")
    lines += ["", "Ratios are medians over the rounds; ± is the spread: half the width of the "
              "95% confidence interval of the median, in percent of the median. The interval "
              "is distribution-free, from the order statistics of the n rounds' ratios: "
              "[x(j), x(n+1−j)] of the sorted ratios, j the largest with coverage "
              "1 − 2·P(Binom(n, ½) ≤ j − 1) ≥ 95% (n = 9: the 2nd lowest and 2nd highest; "
              "15: the 4th; 25: the 8th). With fewer than 6 rounds no interval reaches 95% and "
              "± is half the range of the rounds' ratios; a single round has none. Where the "
              "rounds column gives a reason, rounds were added one at a time after a minimum "
              "until the spreads of both target ratios (with / empty, with / ACL) were within "
              "5% (spread), or the cap on rounds (cap) or the benchmark's time budget (budget) "
              "stopped them; elsewhere their count was fixed."]
    lines += ["", f"**6. Refused at RCPT or after DATA** (a client with no PTR record, "
              f"reject_score 1, a {v('rcpt_body_bytes', '?')}-byte body; medians of "
              f"{v('rcpt_rounds', '?')} sessions each, alternating; RCPT = the module from the "
              "RCPT ACL of exim-conf-examples/acl-rcpt.conf, the body never sent; DATA = "
              "local_scan() alone)", "",
              "| session refused at RCPT (ms) | session refused after DATA (ms) | ratio |",
              "|---|---|---|",
              row("", "session_rcpt_reject_ms", "session_data_reject_ms",
                  "bench_rcpt_vs_data_ratio")[3:]]
    if "conn_instr_relaycheck" in values:
        lines += ["", f"**7. One connection process** (bench/load_driver.c: exim4's libraries, "
                  f"dlopen(RTLD_NOW), two messages of scenario full from 192.0.2.66; "
                  f"instructions by callgrind, minor page faults median of "
                  f"{v('load_conns', '?')} connections)", "",
                  "| module | load: instructions / faults | first message | second message "
                  "| one-message connection | same, module preloaded |", "|---|---|---|---|---|---|"]
        for m in ("relaycheck", "empty"):
            def pair(step, pre=""):
                return f"{v(f'{pre}{step}_instr_{m}', '-')} / {v(f'{pre}{step}_faults_{m}', '-')}"
            lines.append(f"| {m} | {pair('load')} | {pair('first')} | {pair('second')} | "
                         f"{pair('conn')} | {pair('conn', 'pre_')} |")
    if notes:
        lines += ["", "Notes:", ""] + [f"* {n}" for n in notes]
    return "\n".join(lines) + "\n"


MD_HEADER = """# relaycheck benchmarks

What a message costs with relaycheck, measured by `make bench` (bench/, issue 7): the module's
own time against the longest chain of DNS lookups of a message, a whole SMTP session through the
module against the same checks done by Exim's own ACL conditions, instructions per message,
the scale of the No Server Check list, and the throughput of a real Exim daemon. Machines are
shared and noisy: every number is a median over repeated runs, and ratios are measured side by
side in one run. `build/bench/summary.txt` holds the numbers of the last run, one key=value a
line. Sections below are dated, newest first.

<!-- bench/run.py inserts new sections below this line -->
"""
MD_MARK = "<!-- bench/run.py inserts new sections below this line -->"


def update_markdown(path, section):
    text = open(path).read() if os.path.exists(path) else MD_HEADER
    if MD_MARK not in text:
        text = text.rstrip("\n") + "\n\n" + MD_MARK + "\n"
    head, tail = text.split(MD_MARK, 1)
    text = head + MD_MARK + "\n\n" + section + tail.lstrip("\n")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text if text.endswith("\n") else text + "\n")
    os.replace(tmp, path)


def outer(args, argv):
    mode = "smoke" if args.smoke else "full"
    os.makedirs(args.out, exist_ok=True)
    for fn in os.listdir(args.out):                      # no stale numbers
        if fn.endswith((".txt", ".notes", ".seconds", ".out")):
            os.unlink(os.path.join(args.out, fn))
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "mode": mode, "commit": git_commit()}
    meta.update(common.machine_info())
    t0 = time.monotonic()
    log(f"{mode} run on {meta['nproc']} CPUs ({meta['cpu_model']}), load {meta['loadavg_start']}")
    env = dict(os.environ)
    status = 0
    ns_benchmarks = [b for b in args.only if b != "allowlist"]
    if "allowlist" in args.only:             # needs no namespace
        try:
            import bench_allowlist
            bench_allowlist.run(args.out, args.allowlist_bench, **(SMOKE if args.smoke
                                                                   else FULL)["allowlist"])
        except Exception as e:
            log(f"allowlist: FAILED: {type(e).__name__}: {e}")
            status = 1
    if ns_benchmarks:
        cmd = ["unshare", "--net", "--mount", "--fork", "--kill-child=SIGTERM",
               sys.executable, os.path.abspath(__file__), "--inner", "--module", args.module,
               "--out", args.out, "--only", ",".join(ns_benchmarks)] + \
            (["--smoke"] if args.smoke else []) + \
            (["--load-driver", args.load_driver] if args.load_driver else []) + \
            (["--daemon", args.daemon] if args.daemon else []) + \
            (["--daemon-messages", str(args.daemon_messages)] if args.daemon_messages else []) + \
            (["--load-variants", ",".join(f"{n}={p}" for n, p in args.load_variants)]
             if args.load_variants else [])
        env[common.NS_ENV] = "1"
        proc = subprocess.Popen(cmd, env=env)
        try:
            rc = proc.wait(timeout=max(10, TIME_LIMIT[mode] - (time.monotonic() - t0)))
        except subprocess.TimeoutExpired:
            log(f"time limit of {TIME_LIMIT[mode]} s reached: stopping")
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            rc = 1
        status = status or rc
    values, notes = {}, []
    for name in BENCHMARKS:
        values.update(read_kv(os.path.join(args.out, f"{name}.txt")))
        try:
            notes += [n for n in open(os.path.join(args.out, f"{name}.notes")).read()
                      .splitlines() if n.strip()]
        except OSError:
            pass
    meta["loadavg_end"] = " ".join(open("/proc/loadavg").read().split()[:3])
    meta["bench_seconds"] = f"{time.monotonic() - t0:.0f}"
    checks = verdicts(values)
    summary = os.path.join(args.out, "summary.txt")
    write_summary(summary, meta, values, checks)
    missing = [k for k in REQUIRED[mode] if k not in values] if args.only == list(BENCHMARKS) \
        else []
    if args.md and not args.smoke:
        argv_text = "make bench    # = " + " ".join(
            ["/usr/bin/python3", "bench/run.py"] + [os.path.relpath(a, common.REPO)
                                                    if os.path.isabs(a) else a for a in argv])
        update_markdown(args.md, markdown_section(meta, values, checks, notes, args.out,
                                                  argv_text))
        log(f"wrote a section of {args.md}")
    log(f"summary: {summary} ({len(values)} values, {meta['bench_seconds']} s)")
    for key, op, target, _, val, verdict in checks:
        log(f"  {key} = {val} (target {op} {target}): {verdict}")
    if missing:
        log(f"MISSING results: {', '.join(missing)}")
    if args.smoke:          # what `make test` reads: every required key produced, every run ok
        required = REQUIRED[mode] if args.only == list(BENCHMARKS) else []
        print(f"{len(required) - len(missing) + (status == 0)} passed, "
              f"{len(missing) + (status != 0)} failed")
    return 1 if missing else status


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--module", required=True, help="build/relaycheck.so")
    ap.add_argument("--allowlist-bench", help="the compiled bench/allowlist_bench.c")
    ap.add_argument("--load-driver", help="the compiled bench/load_driver.c")
    ap.add_argument("--load-variants", default="",
                    help="more modules for the load benchmark: NAME=PATH,... (experiments)")
    ap.add_argument("--daemon", help="daemon benchmark sizes instead of the mode's: K:ROUNDS,... "
                    "(a fixed count of rounds)")
    ap.add_argument("--daemon-messages", type=int, help="messages per daemon run")
    ap.add_argument("--out", default=os.path.join(common.REPO, "build", "bench"))
    ap.add_argument("--md", help="BENCHMARKS.md to add a dated section to (not with --smoke)")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, under a minute")
    ap.add_argument("--only", default=",".join(BENCHMARKS),
                    help="comma-separated subset of " + ",".join(BENCHMARKS))
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.only = [b for b in args.only.split(",") if b]
    bad = [b for b in args.only if b not in BENCHMARKS]
    if bad:
        ap.error(f"unknown benchmark(s): {', '.join(bad)}")
    args.module = os.path.abspath(args.module)
    if args.daemon and not re.fullmatch(r"\d+:\d+(,\d+:\d+)*", args.daemon):
        ap.error("--daemon wants K:ROUNDS,...")
    variants = []
    for item in (v for v in args.load_variants.split(",") if v):
        name, sep, path = item.partition("=")
        if not sep or not name.isidentifier() or not os.path.exists(path):
            ap.error(f"--load-variants: {item!r} is not NAME=existing path")
        variants.append((name, os.path.abspath(path)))
    args.load_variants = variants
    if "load" in args.only and not args.load_driver:
        ap.error("--load-driver is needed for the load benchmark")
    if args.load_driver:
        args.load_driver = os.path.abspath(args.load_driver)
    args.out = os.path.abspath(args.out)
    if "allowlist" in args.only and not args.allowlist_bench:
        ap.error("--allowlist-bench is needed for the allowlist benchmark")
    if args.allowlist_bench:
        args.allowlist_bench = os.path.abspath(args.allowlist_bench)
    if not os.path.exists(args.module):
        ap.error(f"{args.module} not built (make)")
    if args.inner:
        if not common.in_namespace():
            ap.error("--inner is for the namespaced child")
        return inner(args)
    if os.geteuid() != 0:
        print("bench: must run as root (exim4 -C -bs -oMa, unshare, port 53)", file=sys.stderr)
        return 1
    return outer(args, argv)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BenchError as e:
        print(f"bench: {e}", file=sys.stderr)
        sys.exit(1)
