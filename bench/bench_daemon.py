"""Benchmark 5 of issues 7 and 16: a real Exim daemon on loopback, K concurrent SMTP clients
from distinct 127.1.0.N source addresses, messages per second with the module against the
same daemon without it (local_scan_path unset), against the same daemon with a module that
does nothing (the floor: what Debian's per-connection dlopen() costs any local_scan module),
against the peer (no module; Exim makes the same checks itself with its ACL conditions:
host_lookup, verify = reverse_host_lookup, verify = helo, the same three dnslists with their
TXT, spf; scenario.EXIM_ACL_DATA), and with the module loaded by the daemon (the recipe of
README "Performance": smtp_accept_max_per_host = ${dlfunc{...}{relaycheck_acl}{preload}},
scenario.preload_option(); connection processes inherit it instead of loading it).

Each message is one SMTP connection (the case the module is dearest in: every connection is a
new Exim process that loads the module and its configuration), scenario "full" for its client
(names under cN.bench.test), answered by NSD with no delay.  queue_only: nothing is delivered.
Every run gets a fresh daemon and spool (tmpfs when /dev/shm is usable), a warm-up of 2 K
messages, then `messages` timed messages; each round runs the five daemons, in an order that
rotates from round to round (interleaved: each round's ratios compare runs made within
seconds of each other).  Each K gets `rounds`: a fixed count, or (min, max): at least min,
then one more at a time until the spreads of both ratios of issue 16's targets (with / empty,
with / ACL) are within 5%, or max rounds ran, or another round would overrun the K's time
budget (stop_reason; the full run: K = 8 from 9 to 25 rounds of 1000 messages, K = 1 and 32
one round each).  Shorter runs, more rounds: the noise of a shared machine (another build)
comes and goes over minutes, so a longer run should hardly narrow the scatter of the rounds'
ratios, while every round added narrows the interval of their median.  Stopping at the
first round whose spreads are within 5% picks a moment the interval is narrow, so the
reported interval covers a little less than 95%.

  throughput_T_kK          msgs/s, median over the rounds; T = with, without, empty, acl,
                           preload
  throughput_ratio_kK      median over the rounds of with / without
  throughput_ratio_empty_kK  median over the rounds of empty / without
  throughput_vs_floor_kK   median over the rounds of with / empty (issue 16: >= 0.90)
  throughput_ratio_vs_acl_kK  median over the rounds of with / acl (issue 16: >= 1.0)
  throughput_preload_vs_floor_kK  median over the rounds of preload / empty
  R_ci_lo_kK, R_ci_hi_kK   for each ratio R above: the distribution-free 95% confidence
                           interval of its median, from the order statistics of the rounds'
                           ratios (spread(); the whole range with fewer than 6 rounds)
  R_spread_kK              half the width of that interval relative to the median: R is
                           known to +-R_spread (issue 16: <= 0.05 at K = 8)
  R_min_kK, R_max_kK       the extremes of the rounds' ratios
  daemon_rounds_kK         rounds run (daemon_pairs_kK: the same, its old name)
  daemon_stop_kK           why the rounds stopped: spread (both target spreads within 5%),
                           cap (max rounds), budget (time), fixed (a fixed count)
  latency_T_ms_kK          median connect-to-250 time of one message
  cpu_T_ms_kK              CPU time (user + system) of Exim's receiving processes per message
                           (the daemon's reaped children, /proc/PID/stat cutime + cstime)
  faults_T_kK              page faults of those processes per message
  dns_cpu_ms_kK            CPU time of NSD per message (with the module)

libspf2 passes clients in 127.0.0.0/8 without looking anything up ("localhost is always
allowed"), so here the module's SPF check costs no DNS: 9 queries a message, not 12; Exim's
spf condition uses the same libspf2 and passes them the same way.  NSD listens on
127.0.0.1:53, which the namespace's /etc/resolv.conf names, so Exim's own lookups (the peer)
and the module's ask the same server.
"""

import asyncio
import glob
import math
import os
import shutil
import socket
import subprocess
import tempfile
import time

from common import BenchError, Results, harness, log, median, workdir
import scenario

MAX_CLIENTS = 32
MESSAGE = (b"From: Bench <user@bench.test>\r\nTo: u@example.org\r\nSubject: throughput\r\n"
           b"\r\n" + b"A message of the daemon throughput benchmark.\r\n" * 20 + b".\r\n")


def client_ip(i):
    return f"127.1.0.{i + 1}"


class BenchNsd(harness.Nsd):
    """harness.Nsd on port 53 (where the namespace's /etc/resolv.conf sends Exim's own
    resolver), without response rate limiting: Debian's NSD limits answers to 200 a
    second per /24 of clients by default, and the daemon runs ask a few thousand a second
    from 127.0.0.1, so blocked answers would turn into 2-second timeouts (TEMP findings)."""

    def _write(self):
        self.port = 53
        super()._write()
        with open(self.conf) as f:
            conf = f.read()
        limited = conf.replace("server:\n", "server:\n  rrl-ratelimit: 0\n"
                               "  rrl-whitelist-ratelimit: 0\n", 1)
        with open(self.conf, "w") as f:
            f.write(limited)
        chk = subprocess.run(["/usr/sbin/nsd-checkconf", self.conf], capture_output=True,
                             text=True, timeout=10)
        if chk.returncode != 0:                     # an NSD built without rate limiting
            with open(self.conf, "w") as f:
                f.write(conf)


class Daemon:
    """exim4 -bdf with its own configuration, spool and logs."""

    def __init__(self, base, tag, port, module_path, ini_path, acl_checks=False, preload=False):
        self.dir = tempfile.mkdtemp(prefix=f"daemon-{tag}-", dir=base)
        os.chmod(self.dir, 0o755)
        uid, gid = harness.exim_ids()
        for d in ("spool", "log"):
            p = os.path.join(self.dir, d)
            os.makedirs(p)
            os.chown(p, uid, gid)
            os.chmod(p, 0o750)
        self.port = port
        self.conf = os.path.join(self.dir, "exim.conf")
        daemon = {"port": port}
        if preload and preload != "ld":
            # the recipe (README "Performance"): the daemon expands this main option itself
            # for every connection, before it forks, so it loads the module through
            # ${dlfunc} once and keeps it, with the libraries it opens (yield "": no limit);
            # connection processes inherit them, and Exim's dlopen() finds the module loaded
            daemon["extra"] = scenario.preload_option(module_path)
        with open(self.conf, "w") as f:
            f.write(scenario.exim_conf(self.dir, module_path, acl_checks=acl_checks,
                                       daemon=daemon))
        os.chmod(self.conf, 0o644)
        self.env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"}
        if ini_path:
            self.env["RELAYCHECK_CONFIG"] = ini_path
        if preload == "ld":
            # the older recipe: the daemon maps the module (and binds it) once at start
            self.env["LD_PRELOAD"] = module_path
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(["/usr/sbin/exim4", "-C", self.conf, "-bdf"],
                                     env=self.env, cwd=self.dir, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.dir, "stderr"), "w"),
                                     start_new_session=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.recv(512)
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise BenchError(f"exim daemon did not start: {self.stderr()} {self.log('panic')}")

    def stderr(self):
        try:
            return open(os.path.join(self.dir, "stderr"), errors="replace").read()
        except OSError:
            return ""

    def log(self, kind="main"):
        try:
            return open(os.path.join(self.dir, "log", f"{kind}log"), errors="replace").read()
        except OSError:
            return ""

    def spool_headers(self):
        """The header files of the spooled messages (queue_only: nothing is delivered)."""
        return glob.glob(os.path.join(self.dir, "spool", "input", "*-H"))

    def stop(self):
        if self.proc is not None:
            harness._kill_group(self.proc, grace=5.0)
            self.proc = None

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


TICK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()     # fields from 3 (state) on


def children_usage(pid):
    """(CPU seconds, minor page faults) of the reaped children of pid."""
    f = _stat_fields(pid)
    return (int(f[13]) + int(f[14])) / TICK, int(f[8])


def group_cpu_s(pgid):
    """CPU seconds (user + system, own and reaped children) of a process group."""
    total = 0.0
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            f = _stat_fields(p)
        except (OSError, IndexError):
            continue
        if int(f[2]) == pgid:
            total += sum(int(x) for x in f[11:15]) / TICK
    return total


async def _send_one(port, i, timeout=30.0):
    """One connection, one message; returns seconds from connect to the 250 after DATA."""
    t0 = time.monotonic()
    reader, writer = await asyncio.wait_for(asyncio.open_connection(
        "127.0.0.1", port, local_addr=(client_ip(i), 0)), timeout)
    try:
        async def reply():
            while True:
                line = await asyncio.wait_for(reader.readline(), timeout)
                if not line:
                    raise BenchError("connection closed by the server")
                if line[3:4] != b"-":
                    return int(line[:3]), line

        async def cmd(text, want):
            writer.write(text)
            code, line = await reply()
            if code != want:
                raise BenchError(f"{text!r} -> {line!r}")

        code, line = await reply()
        if code != 220:
            raise BenchError(f"greeting {line!r}")
        await cmd(f"EHLO {scenario.helo_name(i)}\r\n".encode(), 250)
        await cmd(f"MAIL FROM:<{scenario.sender(i)}>\r\n".encode(), 250)
        await cmd(f"RCPT TO:<{scenario.RCPT}>\r\n".encode(), 250)
        await cmd(b"DATA\r\n", 354)
        await cmd(MESSAGE, 250)
        took = time.monotonic() - t0
        writer.write(b"QUIT\r\n")                 # and close at once (as Postfix does)
        return took
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass


async def _load(port, k, total):
    """k clients send `total` messages between them; returns (seconds, latencies)."""
    left = [total]
    lat = []

    async def client(i):
        while left[0] > 0:
            left[0] -= 1
            lat.append(await _send_one(port, i))

    t0 = time.monotonic()
    await asyncio.gather(*(client(i) for i in range(k)))
    return time.monotonic() - t0, lat


def _settle(d, timeout=5.0):
    """Wait until the daemon has reaped every receiving process."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kids = [p for p in os.listdir("/proc") if p.isdigit() and _is_child(p, d.proc.pid)]
        if not kids:
            return
        time.sleep(0.05)


def _is_child(p, ppid):
    try:
        return int(_stat_fields(p)[1]) == ppid
    except (OSError, IndexError, ValueError):
        return False


EMPTY_MODULE = """\
/* The floor of the daemon benchmark: a local_scan module that does nothing. Debian's Exim
 * still dlopen()s it in every connection process, as it does relaycheck. */
#include <local_scan.h>

int local_scan_version_major(void) { return LOCAL_SCAN_ABI_VERSION_MAJOR; }
int local_scan_version_minor(void) { return LOCAL_SCAN_ABI_VERSION_MINOR; }

int
local_scan(int fd, uschar **return_text)
{
    (void) fd;
    (void) return_text;
    return LOCAL_SCAN_ACCEPT;
}
"""


def empty_module(wd):
    """Compile the do-nothing module (as the Exim user can read it) and return its path."""
    src = os.path.join(wd, "empty_scan.c")
    with open(src, "w") as f:
        f.write(EMPTY_MODULE)
    return harness.compile_module(src, os.path.join(wd, "empty_scan.so"))


def one_run(base, tag, port, module_path, ini_path, k, messages, nsd_pgid, expect_log=True,
            acl_checks=False, preload=False):
    """-> (msgs/s, median latency ms, Exim CPU ms, NSD CPU ms, Exim page faults), the
    last three per message.  expect_log: module_path is relaycheck, which must have logged
    every message.  acl_checks: the peer (Exim's ACL conditions), whose headers every
    message must carry.  preload: the module loaded by the daemon (True: the recipe,
    smtp_accept_max_per_host; "ld": LD_PRELOAD)."""
    d = Daemon(base, tag, port, module_path, ini_path, acl_checks, preload).start()
    try:
        asyncio.run(_load(port, k, 2 * k))                      # warm-up
        _settle(d)
        (cpu0, flt0), dns0 = children_usage(d.proc.pid), group_cpu_s(nsd_pgid)
        secs, lat = asyncio.run(_load(port, k, messages))
        _settle(d)
        cpu1, flt1 = children_usage(d.proc.pid)
        cpu = (cpu1 - cpu0) * 1000.0 / messages
        faults = (flt1 - flt0) / messages
        dns = (group_cpu_s(nsd_pgid) - dns0) * 1000.0 / messages
        logtext = d.log()
        if module_path and expect_log:
            n = logtext.count("relaycheck: ip=")
            if n < messages:
                raise BenchError(f"the module logged {n} of {messages + 2 * k} messages")
            temp = logtext.count("(temp)")
            if temp:
                raise BenchError(f"{temp} TEMP findings: the DNS server did not answer in time")
        if acl_checks:
            _check_acl_headers(d)
        panic = d.log("panic")
        if panic.strip():
            raise BenchError(f"panic log: {panic[-2000:]}")
    finally:
        d.stop()
        d.remove()
    return messages / secs, median(lat) * 1000.0, cpu, dns, faults


ACL_HEADERS = ("X-ACL-DNSBL: listed on", "Received-SPF:")


def _check_acl_headers(d):
    """The peer did the checks: a spooled message carries the dnslists and SPF headers (and
    the scenario's names verify, so no X-ACL-Rdns or X-ACL-Helo)."""
    files = sorted(d.spool_headers())
    if not files:
        raise BenchError("the ACL daemon spooled no message")
    with open(files[-1], errors="replace") as f:
        text = f.read()
    missing = [h for h in ACL_HEADERS if h not in text]
    wrong = [h for h in ("X-ACL-Rdns", "X-ACL-Helo") if h in text]
    if missing or wrong or text.count("X-ACL-DNSBL") != len(scenario.LISTS):
        raise BenchError(f"the ACL daemon's message lacks {missing} or has {wrong}: {text}")


# (tag, module, ACL checks, preloaded); ratios: key -> (numerator, denominator)
CONFIGS = ("with", "without", "empty", "acl", "preload")
RATIOS = {"throughput_ratio": ("with", "without"), "throughput_ratio_empty": ("empty", "without"),
          "throughput_vs_floor": ("with", "empty"), "throughput_ratio_vs_acl": ("with", "acl"),
          "throughput_preload_vs_floor": ("preload", "empty")}


CI_COVERAGE = 0.95


def ci_rank(n, coverage=CI_COVERAGE):
    """The largest j >= 1 such that [x(j), x(n+1-j)], order statistics of n samples, covers
    the median of their distribution with probability >= coverage, whatever the distribution
    (continuous, samples independent): the interval misses it only if at most j - 1 samples
    fall on one side of it, so its coverage is 1 - 2 P(Binom(n, 1/2) <= j - 1).  0 when no j
    reaches coverage (n < 6 for 95%).  n = 9 -> 2, 15 -> 4, 25 -> 8."""
    def cover(j):
        return 1 - 2 * sum(math.comb(n, i) for i in range(j)) / 2 ** n
    j = 0
    while j + 1 <= (n + 1) // 2 and cover(j + 1) >= coverage:
        j += 1
    return j


def spread(xs):
    """(median, spread, min, max, interval low, interval high) of per-round ratios.

    The interval is the distribution-free 95% confidence interval of the median from order
    statistics (ci_rank), and the spread is half its width relative to the median: how sure
    the run is of the reported median.  It shrinks as rounds are added (the largest distance
    of a round from the median, reported before, can only grow).  With fewer than 6 rounds no
    interval reaches 95%: then the interval is the whole range [min, max] and the spread half
    of it relative to the median (a smoke run's 1 or 2 rounds; 0 for a single round), which
    says nothing about coverage."""
    s = sorted(xs)
    n = len(s)
    m = median(s)
    j = ci_rank(n)
    lo, hi = (s[j - 1], s[n - j]) if j else (s[0], s[-1])
    return m, (hi - lo) / 2 / m, s[0], s[-1], lo, hi


def _ci_text(st):
    """'0.812 (0.790..0.831, +-2.6%)' from a spread() tuple."""
    m, sp, _, _, lo, hi = st
    return f"{m:.3f} ({lo:.3f}..{hi:.3f}, +-{100 * sp:.1f}%)"


# the ratios of issue 16's targets: K's rounds stop once both are known to within SPREAD_TARGET
TARGET_RATIOS = ("throughput_vs_floor", "throughput_ratio_vs_acl")
SPREAD_TARGET = 0.05


def round_limits(spec):
    """(min, max) rounds from a count (fixed: min = max) or a (min, max) pair."""
    lo, hi = (spec, spec) if isinstance(spec, int) else spec
    if not 1 <= lo <= hi:
        raise BenchError(f"daemon rounds: want 1 <= min <= max, got {spec!r}")
    return lo, hi


def stop_reason(n, lo, hi, spreads, elapsed, budget, target=SPREAD_TARGET):
    """After n rounds of a K: None to run another, else (word, sentence) saying why not.

    lo, hi: the least and most rounds; spreads: the current spreads of TARGET_RATIOS;
    elapsed: seconds its rounds took so far; budget: seconds they may take in all (None: no
    limit).  Rounds stop once the spreads are within target, which needs at least lo rounds
    and enough for a 95% interval (ci_rank(n) > 0; below that the spread is the range of very
    few rounds and says nothing).  The budget stops them when one more round of the mean
    length so far would end past it: the benchmark must leave the rest of `make bench` its
    time under the watchdog.  The first lo rounds always run, budget or not."""
    if n < lo:
        return None
    if lo == hi:
        return "fixed", f"the fixed count of {hi} rounds"
    if ci_rank(n) and max(spreads) <= target:
        return "spread", f"both target spreads <= {100 * target:.0f}% after {n} rounds"
    if n >= hi:
        return "cap", f"the cap of {hi} rounds, spreads still over {100 * target:.0f}%"
    if budget is not None and elapsed + elapsed / n > budget:
        return "budget", (f"the budget: another round of ~{elapsed / n:.0f} s would end past "
                          f"{budget:.0f} s ({elapsed:.0f} s so far)")
    return None


def run(out_dir, module_path, ks=(1, 8, 32), messages=1000, rounds=None, budget=None):
    """rounds: K -> a count of rounds or (min, max) (default 1); budget: K -> seconds that
    K's rounds may take in all (stop_reason)."""
    res = Results(out_dir, "daemon")
    rounds = rounds or {}
    budget = budget or {}
    wd = workdir("daemon")
    base = wd
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        base = tempfile.mkdtemp(prefix="rc-bench-spool-", dir="/dev/shm")
        os.chmod(base, 0o755)
    clients = [(i, client_ip(i)) for i in range(max(ks))]
    if max(ks) > MAX_CLIENTS:
        raise BenchError(f"at most {MAX_CLIENTS} clients")
    try:
        with BenchNsd(scenario.nsd_zones(clients)) as ns:
            ini_path = os.path.join(wd, "relaycheck.ini")
            with open(ini_path, "w") as f:
                f.write(scenario.ini(ns.nameserver))
            os.chmod(ini_path, 0o644)
            port = harness.free_port(v6=False)
            empty = empty_module(wd)
            breakdown = {}
            for k in ks:
                got = {tag: [] for tag in CONFIGS}
                ratios = {key: [] for key in RATIOS}
                lo_n, hi_n = round_limits(rounds.get(k, 1))
                t0 = time.monotonic()
                for p in range(hi_n):
                    t1 = time.monotonic()
                    order = list(CONFIGS)
                    order = order[p % len(order):] + order[:p % len(order)]
                    one = {}
                    for tag in order:
                        mp = {"with": module_path, "preload": module_path,
                              "empty": empty}.get(tag)
                        one[tag] = one_run(base, tag, port, mp, ini_path, k, messages,
                                           os.getpgid(ns.proc.pid),
                                           expect_log=(tag in ("with", "preload")),
                                           acl_checks=(tag == "acl"),
                                           preload=(tag == "preload"))
                        got[tag].append(one[tag])
                    for key, (a, b) in RATIOS.items():
                        ratios[key].append(one[a][0] / one[b][0])
                    n = p + 1
                    spreads = [spread(ratios[key])[1] for key in TARGET_RATIOS]
                    elapsed = time.monotonic() - t0
                    log(f"daemon K={k} round {n}: with / empty "
                        f"{ratios['throughput_vs_floor'][-1]:.3f}, with / ACL "
                        f"{ratios['throughput_ratio_vs_acl'][-1]:.3f}; spreads "
                        + " / ".join(f"{100 * x:.1f}%" for x in spreads)
                        + ("" if ci_rank(n) else " (range)")
                        + f" ({time.monotonic() - t1:.0f} s, {elapsed:.0f} s in all)")
                    stop = stop_reason(n, lo_n, hi_n, spreads, elapsed, budget.get(k))
                    if stop:
                        break
                log(f"daemon K={k}: stopped after {n} rounds: {stop[1]}")

                def med(tag, i):
                    return median([r[i] for r in got[tag]])
                stats = {key: spread(xs) for key, xs in ratios.items()}
                log(f"daemon K={k}: msgs/s with {med('with', 0):.0f}, without "
                    f"{med('without', 0):.0f}, empty {med('empty', 0):.0f}, ACL "
                    f"{med('acl', 0):.0f}, preloaded {med('preload', 0):.0f}; with / empty "
                    f"{_ci_text(stats['throughput_vs_floor'])}, with / ACL "
                    f"{_ci_text(stats['throughput_ratio_vs_acl'])}, with / without "
                    f"{_ci_text(stats['throughput_ratio'])}; CPU per message "
                    + " / ".join(f"{med(t, 2):.2f}" for t in CONFIGS) + f" ms, NSD "
                    f"{med('with', 3):.2f} ms ({len(got['with'])} rounds, "
                    f"{time.monotonic() - t0:.0f} s)")
                for key, (m, sp, lo, hi, ci_lo, ci_hi) in stats.items():
                    res.set(f"{key}_k{k}", m)
                    res.set(f"{key}_spread_k{k}", sp, 4)
                    res.set(f"{key}_min_k{k}", lo)
                    res.set(f"{key}_max_k{k}", hi)
                    res.set(f"{key}_ci_lo_k{k}", ci_lo)
                    res.set(f"{key}_ci_hi_k{k}", ci_hi)
                for tag in CONFIGS:
                    res.set(f"throughput_{tag}_k{k}", med(tag, 0), 1)
                    res.set(f"latency_{tag}_ms_k{k}", med(tag, 1), 2)
                    res.set(f"cpu_{tag}_ms_k{k}", med(tag, 2), 3)
                    res.set(f"faults_{tag}_k{k}", med(tag, 4), 0)
                res.set(f"dns_cpu_ms_k{k}", med("with", 3), 3)
                res.set(f"daemon_rounds_k{k}", n)
                res.set(f"daemon_pairs_k{k}", n)          # its old name
                res.set(f"daemon_stop_k{k}", stop[0])
                breakdown[k] = (len(got["with"]), med("without", 2), med("empty", 2),
                                med("with", 2), med("without", 4), med("empty", 4),
                                med("with", 4), med("preload", 2), med("preload", 4))
            res.set("daemon_messages", messages)
            k = max(breakdown, key=lambda x: (breakdown[x][0], x))
            _, c0, c1, c2, f0, f1, f2, c3, f3 = breakdown[k]
            res.note(f"Where a connection's CPU goes (K = {k}, medians): Exim alone {c0:.2f} ms "
                     f"and {f0:.0f} page faults; Debian's dlopen() of any module (the empty one) "
                     f"adds {c1 - c0:.2f} ms and {f1 - f0:.0f} faults; relaycheck adds "
                     f"{c2 - c1:.2f} ms and {f2 - f1:.0f} faults more (loading its libraries, "
                     "reading its configuration, the DNS round trips, the checks). The forked "
                     "connection process has no page-table entries for the file-backed pages "
                     "of Exim and its libraries, so every page the module's loading and work "
                     "touch for the first time is a fault; the ratio is bounded by the empty "
                     "module's. Loaded by the daemon (smtp_accept_max_per_host), relaycheck costs "
                     f"{c3:.2f} ms and {f3:.0f} faults a connection.")
            res.note("Daemon runs: clients are in 127.0.0.0/8, which libspf2 passes without DNS "
                     "(\"localhost is always allowed\"): the module's SPF check costs no lookups "
                     "there (9 queries a message instead of 12).")
    finally:
        if base != wd:
            shutil.rmtree(base, ignore_errors=True)
        shutil.rmtree(wd, ignore_errors=True)
    return res
