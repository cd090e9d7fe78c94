#!/usr/bin/python3
"""Load and soak test (issue #8 item 5): a real Exim daemon on loopback, loaded with relaycheck.

    /usr/bin/python3 tests/soak/soak.py --messages 20000 --module build/relaycheck.so \\
        --out build/soak [--clients 32] [--max-seconds 1800]      (make soak / make soak-ci)

Standard library only; needs root (Exim's daemon, spool ownership, the kernel's process
connector).  What it does:

* starts the programmable DNS responder (tests/dnsresponder/responder.py, standalone, in its
  own process so that the clients' threads never slow its answers) with PTR, A and blocklist
  data for 32 x 20 client hosts 127.0.10-29.<1-32>: good (PTR + matching A), no PTR, listed on
  [dnsbl bl.soak.test], no PTR + listed (score 16 >= reject_score 10: 550), allowlisted
  ([no_server_check] ip = 127.0.28.0/23, no PTR and listed, so only the allowlist lets them
  in).  One host in 27, across all kinds, has its PTR answer delayed past dns_timeout or
  dropped (by name, so deterministic), which with on_dns_failure = tempreject gives 451; with
  the module's retransmission and per-connection reuse that is about one DNS answer in ten
  (the report gives the measured share);
* writes a private Exim configuration (own spool, logs, port; queue_only, so nothing is
  delivered) and an INI that checks loopback clients (`skip_hosts =`), and runs
  `exim4 -C conf -bdf -oX port -oP pidfile` (-bdf: the -bd daemon in the foreground, so it
  stays our child).  The spool is on /dev/shm by default (--spool-base) and removed at the
  end: two files per accepted message on this machine's disk cost more than the module does;
* runs --clients threads, each owning twenty hosts (so concurrent connections always come from
  distinct 127.x source addresses), sending --messages messages in total, 1-9 per
  connection, recording the final reply to every DATA;
* runs one more connection (127.0.30.1, a good host, no DNS faults) carrying --mem-messages
  messages and samples the VmRSS of its Exim receiving process (found through /proc/net/tcp)
  every 100 messages: rss_growth_kb_per_1000 = (rss(N) - rss(100)) * 1000 / (N - 100).  Its
  later messages take the module's reuse path (client results computed once per connection);
  Exim 4.96 itself grows by about 65-75 kB per 1000 messages there (measured with a
  do-nothing local_scan), hence the default bound of 256;
* accounts for every message: sent = accepted + rejected + deferred + lost; each accepted id on
  the spool (-H with the message's own X-Soak-Seq header, and -D) and in the main log (`<=`);
  each 550/451 in the main log as `rejected by local_scan()` / `temporarily rejected by
  local_scan()` for that client address (counts per address and kind must match); one
  `relaycheck:` log line per message; every reply and score as the host's kind predicts; the
  panic log empty; no descendant of this driver (daemon, its children, the responder) killed by
  a signal before shutdown -- the kernel's process connector reports every exit status, as
  Exim does not log its children's -- nor "crashed with signal"/SIGSEGV lines in the logs;
  the daemon alive at the end; every connection ended by 221 to QUIT;
* writes <out>/summary.txt (one key=value per line: sent accepted rejected deferred lost panics
  signals rss_growth_kb_per_1000) and <out>/report.txt (timing, details, every check), prints
  the report, ending with `N passed, N failed`.  Exit status 1 if any check failed, 2 on a
  setup error or interruption.  Configuration, logs and the DNS query log stay in <out>/run.

Everything it starts is stopped at the end, on errors, on SIGINT/SIGTERM and at --max-seconds.
"""

import argparse
import collections
import errno
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

import harness  # noqa: E402  (exim_ids, free_port, readable_by_exim, _kill_group)

RESPONDER = os.path.join(ROOT, "tests", "dnsresponder", "responder.py")
EXIM_BIN = "/usr/sbin/exim4"

DOMAIN = "soak.test"
BL_ZONE = "bl." + DOMAIN
SENDER_DOMAIN = "sender." + DOMAIN
RCPT = "u@example.org"
REJECT_SCORE = 10
LISTED_SCORE = 8            # the [dnsbl] score
PTR_MISSING = 8             # the module's default ptr_missing score (set explicitly in the INI)
# the host slot (0-19) of a client thread -> kind; host address 127.0.(10+slot).(1+thread)
CATEGORIES = ["good"] * 6 + ["noptr"] * 4 + ["listed"] * 4 + ["noptr+listed"] * 4 + \
    ["allowlisted"] * 2
HOSTS_PER_CLIENT = len(CATEGORIES)
ALLOW_CIDR = "127.0.28.0/23"        # slots 18 and 19
# kind -> (has a PTR record (forward-confirmed), listed on the blocklist)
KINDS = {"good": (True, False), "noptr": (False, False), "listed": (True, True),
         "noptr+listed": (False, True),
         "allowlisted": (False, True)}    # would be rejected if the allowlist did not work
MEM_ADDR = "127.0.30.1"


# ---------------------------------------------------------------------------------------------
# the hosts and what the module must say about each

class Host:
    def __init__(self, addr, category, fault=None, tag=""):
        self.addr = addr
        self.category = category
        self.fault = fault                  # None, "delay" or "drop" (of its PTR answer)
        o = addr.split(".")
        self.rev = f"{o[3]}.{o[2]}.{o[1]}.{o[0]}.in-addr.arpa"
        self.has_ptr, self.listed = KINDS[category]
        self.allowlisted = category == "allowlisted"
        # mail-server names: never "generic"; the HELO name always resolves to the address
        if self.has_ptr:
            self.ptr = f"mta{tag}.{category.replace('+', '-')}.{DOMAIN}"
            self.helo = self.ptr
        else:
            self.ptr = None
            self.helo = f"smtp{tag}.{category.replace('+', '-')}.{DOMAIN}"

    @property
    def expected(self):
        """(SMTP code, score or None) the fixture predicts for every message of this host."""
        if self.allowlisted:
            return 250, 0
        if self.fault:
            return 451, None
        score = (0 if self.has_ptr else PTR_MISSING) + (LISTED_SCORE if self.listed else 0)
        return (550 if score >= REJECT_SCORE else 250), score


def make_hosts(nclients):
    """hosts[t] = the twenty hosts of client thread t (the same mix of kinds for every
    thread).  In three threads of four, one of them, in slot t % 18 (never an allowlisted
    one), has a DNS fault: its PTR answer is delayed past the deadline or dropped (alternately).
    The module retransmits an unanswered query once within the deadline and reuses a
    connection's clean results, so that one host in 27 makes about one DNS answer in ten
    late or missing (the report gives the measured share)."""
    hosts = []
    for t in range(nclients):
        mine = []
        for slot in range(HOSTS_PER_CLIENT):
            fault = None
            if t % 4 != 3 and slot == t % 18:
                fault = "delay" if (t - t // 4) % 2 == 0 else "drop"
            mine.append(Host(f"127.0.{10 + slot}.{1 + t}", CATEGORIES[slot], fault,
                             tag=f"{t}-{slot}"))
        hosts.append(mine)
    return hosts


def dns_data(all_hosts):
    zones = {
        SENDER_DOMAIN: {"TXT": ["v=spf1 ip4:127.0.0.0/8 -all"], "MX": [[10, f"mx.{DOMAIN}."]]},
        f"mx.{DOMAIN}": {"A": ["127.0.0.1"]},
    }
    rules = []
    for h in all_hosts:
        if h.has_ptr:
            zones[h.rev] = {"PTR": [h.ptr + "."]}
        zones[h.helo] = {"A": [h.addr]}
        if h.listed:
            zones[h.rev.replace("in-addr.arpa", BL_ZONE)] = {"A": ["127.0.0.2"]}
    return zones, rules


def fault_rules(all_hosts, delay_ms):
    rules = []
    for h in all_hosts:
        if h.fault == "delay":
            rules.append({"name": h.rev, "type": "PTR", "delay_ms": delay_ms})
        elif h.fault == "drop":
            rules.append({"name": h.rev, "type": "PTR", "action": "drop"})
    return rules


# ---------------------------------------------------------------------------------------------
# process exits, from the kernel (the Exim daemon does not log its children's exit status)

class ExitMonitor:
    """Follows fork/exit events of every process (NETLINK_CONNECTOR, CN_IDX_PROC) and records
    the exit status of every descendant of the pids given to watch()."""

    NETLINK_CONNECTOR, CN_IDX_PROC, CN_VAL_PROC = 11, 1, 1
    PROC_EVENT_FORK, PROC_EVENT_EXIT = 0x00000001, 0x80000000

    def __init__(self):
        self.error = None
        self.overruns = 0
        self.tracked = set()
        self.signalled = []         # (pid, signal number, core dumped)
        self.exits = 0
        self.counting = True
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sock = None
        self._thread = None

    def start(self):
        try:
            s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, self.NETLINK_CONNECTOR)
            try:
                s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)      # SO_RCVBUFFORCE
            except OSError:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
            s.bind((0, self.CN_IDX_PROC))
            cn = struct.pack("=IIIIHH", self.CN_IDX_PROC, self.CN_VAL_PROC, 0, 0, 4, 0) + \
                struct.pack("=I", 1)                                 # PROC_CN_MCAST_LISTEN
            s.send(struct.pack("=IHHII", 16 + len(cn), 3, 0, 0, 0) + cn)
            s.settimeout(0.2)
            self._sock = s
        except OSError as e:
            self.error = f"process connector unavailable: {e}"
            return self
        self._thread = threading.Thread(target=self._run, name="exit-monitor", daemon=True)
        self._thread.start()
        return self

    def watch(self, pid):
        with self._lock:
            self.tracked.add(pid)

    def _run(self):
        while not self._stop.is_set():
            try:
                data = self._sock.recv(65536)
            except socket.timeout:
                continue
            except OSError as e:
                if e.errno == errno.ENOBUFS:
                    self.overruns += 1
                    continue
                self.error = f"process connector: {e}"
                return
            off = 0
            while off + 16 <= len(data):
                ln = struct.unpack_from("=I", data, off)[0]
                if ln < 16:
                    break
                self._event(data, off + 16)
                off += (ln + 3) & ~3

    def _event(self, d, off):
        # cn_msg (20 bytes), then proc_event: what, cpu, timestamp_ns, event data
        if len(d) < off + 20 + 16 + 16:
            return
        what = struct.unpack_from("=I", d, off + 20)[0]
        ev = off + 20 + 16
        if what == self.PROC_EVENT_FORK:
            _ppid, ptgid, _cpid, ctgid = struct.unpack_from("=IIII", d, ev)
            with self._lock:
                if ptgid in self.tracked:
                    self.tracked.add(ctgid)
        elif what == self.PROC_EVENT_EXIT:
            pid, tgid, code, _sig = struct.unpack_from("=IIII", d, ev)
            with self._lock:
                if pid != tgid or tgid not in self.tracked or not self.counting:
                    return
                self.exits += 1
                termsig = code & 0x7F
                if termsig not in (0, 0x7F):
                    self.signalled.append((pid, termsig, bool(code & 0x80)))

    def freeze(self):
        """Stop counting (before we stop the daemon ourselves)."""
        time.sleep(0.3)                 # let the last exits arrive
        with self._lock:
            self.counting = False

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join(2)
        if self._sock:
            self._sock.close()


# ---------------------------------------------------------------------------------------------
# SMTP clients

class Lost(Exception):
    """The connection ended (or timed out) where a reply was due."""


class Conn:
    def __init__(self, src, port, timeout):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.bind((src, 0))
        self.sock.connect(("127.0.0.1", port))
        self.sport = self.sock.getsockname()[1]
        self.f = self.sock.makefile("rb")

    def reply(self):
        lines = []
        while True:
            try:
                line = self.f.readline(4096)
            except OSError as e:
                raise Lost(f"read: {e}")
            if not line:
                raise Lost("connection closed" + (f" after {lines!r}" if lines else ""))
            line = line.decode("utf-8", "replace").rstrip("\r\n")
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                break
        try:
            code = int(lines[-1][:3])
        except ValueError:
            raise Lost(f"unparsable reply {lines!r}")
        return code, "\n".join(lines)

    def cmd(self, text):
        try:
            self.sock.sendall(text.encode() + b"\r\n")
        except OSError as e:
            raise Lost(f"send: {e}")
        return self.reply()

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError as e:
            raise Lost(f"send: {e}")

    def close(self):
        for x in (self.f, self.sock):
            try:
                x.close()
            except OSError:
                pass

    def abort(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def message_bytes(seq, host):
    lines = [f"From: Soak <s{seq}@{SENDER_DOMAIN}>", f"To: {RCPT}", f"Subject: soak {seq}",
             f"Message-ID: <soak-{seq}@{SENDER_DOMAIN}>", f"X-Soak-Seq: {seq}",
             f"X-Soak-Host: {host.addr} {host.category}", "",
             f"Soak message {seq} from {host.addr}.",
             ".leading dot, to be dot-stuffed",
             "x" * 200]
    return ("\r\n".join("." + ln if ln.startswith(".") else ln for ln in lines)
            + "\r\n.\r\n").encode()


class Run:
    """Shared state of the clients."""

    def __init__(self, port, timeout):
        self.port = port
        self.timeout = timeout
        self.lock = threading.Lock()
        self.results = []          # (seq, host, code or None, text, msgid)
        self.conn_problems = []    # (addr, what)
        self.connections = 0
        self.clean_quits = 0
        self.seq = 0
        self.stop = threading.Event()
        self.active = set()
        self.rss = []              # (messages done, VmRSS kB, RssAnon kB)
        self.mem_pid = None
        self.mem_error = None

    def next_seq(self):
        with self.lock:
            self.seq += 1
            return self.seq

    def record(self, seq, host, code, text, msgid):
        with self.lock:
            self.results.append((seq, host, code, text, msgid))

    def session(self, host, nmsgs, on_message=None, on_connect=None):
        """One connection carrying up to nmsgs messages; returns how many were sent."""
        sent = 0
        conn = None
        try:
            conn = Conn(host.addr, self.port, self.timeout)
        except OSError as e:
            with self.lock:
                self.conn_problems.append((host.addr, f"connect: {e}"))
            return 0
        with self.lock:
            self.active.add(conn)
            self.connections += 1
        seq = None
        try:
            code, text = conn.reply()
            if code != 220:
                with self.lock:
                    self.conn_problems.append((host.addr, f"greeting {text!r}"))
                return 0
            if on_connect:
                on_connect(conn)
            code, text = conn.cmd(f"EHLO {host.helo}")
            if code != 250:
                with self.lock:
                    self.conn_problems.append((host.addr, f"EHLO: {text!r}"))
                return 0
            for _ in range(nmsgs):
                if self.stop.is_set():
                    break
                seq = self.next_seq()
                sent += 1
                code, text = conn.cmd(f"MAIL FROM:<s{seq}@{SENDER_DOMAIN}>")
                if code == 250:
                    code, text = conn.cmd(f"RCPT TO:<{RCPT}>")
                if code == 250:
                    code, text = conn.cmd("DATA")
                    if code == 354:
                        conn.send(message_bytes(seq, host))
                        code, text = conn.reply()
                elif code < 400 or code >= 600:
                    code = 500              # an unexpected reply to MAIL/RCPT: not a refusal
                m = re.search(r"\bid=(\S+)", text) if code == 250 else None
                self.record(seq, host, code, text, m.group(1) if m else None)
                seq = None
                if on_message:
                    on_message(sent)
                if code == 421:
                    with self.lock:
                        self.conn_problems.append((host.addr, f"421: {text!r}"))
                    return sent
            code, text = conn.cmd("QUIT")
            if code == 221:
                with self.lock:
                    self.clean_quits += 1
            else:
                with self.lock:
                    self.conn_problems.append((host.addr, f"QUIT: {text!r}"))
        except Lost as e:
            if seq is not None:
                self.record(seq, host, None, str(e), None)
            with self.lock:
                self.conn_problems.append((host.addr, f"lost: {e}"))
        finally:
            with self.lock:
                self.active.discard(conn)
            conn.close()
        return sent

    def abort_all(self):
        self.stop.set()
        with self.lock:
            for c in list(self.active):
                c.abort()


def client_thread(run, t, hosts, quota):
    """Thread t: connections j = 0, 1, ... to hosts[(j + t) % 20], 1-9 messages each."""
    j, failures = 0, 0
    while quota > 0 and not run.stop.is_set():
        host = hosts[(j + t) % len(hosts)]
        n = min(quota, 1 + (t + 4 * j) % 9)
        sent = run.session(host, n)
        quota -= sent
        j += 1
        if sent == 0:
            failures += 1
            if failures >= 20:
                with run.lock:
                    run.conn_problems.append((host.addr, "giving up after 20 failed connections"))
                return
            time.sleep(0.2)
        else:
            failures = 0


def read_rss(pid):
    vals = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "RssAnon"):
                vals[k] = int(v.split()[0])
    return vals.get("VmRSS"), vals.get("RssAnon")


def memory_thread(run, host, nmsgs, daemon_pid):
    state = {}

    def on_connect(conn):
        try:
            state["pid"] = run.mem_pid = harness.connection_pid(daemon_pid, run.port, MEM_ADDR,
                                                                  conn.sport)
        except (harness.HarnessError, OSError) as e:
            run.mem_error = str(e)

    def on_message(done):
        if done % 100 == 0 and "pid" in state:
            try:
                rss, anon = read_rss(state["pid"])
                with run.lock:
                    run.rss.append((done, rss, anon))
            except OSError as e:
                run.mem_error = f"reading /proc/{state['pid']}/status: {e}"

    sent = run.session(host, nmsgs, on_message=on_message, on_connect=on_connect)
    if sent < nmsgs and not run.mem_error:
        run.mem_error = f"the memory connection carried {sent} of {nmsgs} messages"


# ---------------------------------------------------------------------------------------------
# setup

def write_files(d, spool, module, dns_port, smtp_port, dns_timeout, allow_cidr):
    uid, gid = harness.exim_ids()
    logdir = os.path.join(d, "log")
    for x in (spool, logdir):
        os.makedirs(x)
        os.chown(x, uid, gid)
        os.chmod(x, 0o750)
    ini = os.path.join(d, "relaycheck.ini")
    with open(ini, "w") as f:
        f.write(f"""; generated by tests/soak/soak.py
[relaycheck]
reject_score     = {REJECT_SCORE}
tempreject_score = 0
dns_timeout      = {dns_timeout}
nameservers      = 127.0.0.1:{dns_port}
on_dns_failure   = tempreject
skip_hosts       =

[scores]
ptr_missing = {PTR_MISSING}

[dnsbl {BL_ZONE}]
score = {LISTED_SCORE}
codes = 127.0.0.2
label = Soak BL

[no_server_check]
ip = {allow_cidr}
""")
    os.chmod(ini, 0o644)
    conf = os.path.join(d, "exim.conf")
    with open(conf, "w") as f:
        f.write(f"""# generated by tests/soak/soak.py
primary_hostname = mx.{DOMAIN}
qualify_domain = example.org
domainlist local_domains = example.org
spool_directory = {spool}
log_file_path = {logdir}/%slog
log_selector = +smtp_connection +received_recipients
keep_environment = RELAYCHECK_CONFIG
local_scan_path = {module}
local_interfaces = <; 127.0.0.1
daemon_smtp_ports = {smtp_port}
tls_advertise_hosts =
host_lookup =
rfc1413_hosts =
queue_only = true
smtp_accept_max = 64
smtp_accept_reserve = 0
smtp_accept_queue = 0
smtp_accept_queue_per_connection = 0
smtp_accept_max_per_connection = 100000
smtp_accept_max_nonmail = 100
smtp_connect_backlog = 128
smtp_receive_timeout = 2m
acl_smtp_rcpt = acl_check_rcpt
acl_smtp_data = acl_check_data

begin acl
acl_check_rcpt:
  accept  domains = +local_domains
  deny    message = relay not permitted
acl_check_data:
  accept

begin routers
blackhole:
  driver = redirect
  data = :blackhole:

begin transports
""")
    os.chmod(conf, 0o644)
    return conf, ini, logdir


def start_responder(d, zones, rules):
    zf, bf = os.path.join(d, "zones.json"), os.path.join(d, "behaviours.json")
    with open(zf, "w") as f:
        json.dump(zones, f, indent=0)
    with open(bf, "w") as f:
        json.dump(rules, f, indent=0)
    err = open(os.path.join(d, "responder.stderr"), "w")
    proc = subprocess.Popen([sys.executable, RESPONDER, "--zones", zf, "--behaviours", bf,
                             "--log", os.path.join(d, "dns-queries.jsonl"), "--no-tcp"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                            start_new_session=True, text=True)
    err.close()
    line = proc.stdout.readline()
    if not line.strip().isdigit():
        harness._kill_group(proc)
        raise harness.HarnessError("DNS responder did not start: " +
                                   open(os.path.join(d, "responder.stderr")).read()[-2000:])
    port = int(line)
    r = harness.dns_query(f"{SENDER_DOMAIN}", "TXT", port=port, timeout=2.0)
    if r.rcode != 0:
        harness._kill_group(proc)
        raise harness.HarnessError(f"DNS responder answers {r}")
    return proc, port


def start_exim(d, conf, ini, port):
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C", "RELAYCHECK_CONFIG": ini}
    return harness.start_daemon(EXIM_BIN, conf, port, env, d, timeout=15,
                                extra_args=["-oP", os.path.join(d, "exim.pid")])


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def free_tcp_port():
    return harness.free_port(v6=False)


# ---------------------------------------------------------------------------------------------
# accounting

def remove_spool(spool, a):
    """The spool goes (it may be in RAM); its logs stay in <out>/run/log."""
    if a.keep_spool:
        print(f"soak: spool kept in {spool}", file=sys.stderr)
        return
    top = os.path.dirname(spool) if os.path.basename(os.path.dirname(spool)).startswith(
        "relaycheck-soak-") else spool
    shutil.rmtree(top, ignore_errors=True)


def analyse(run, spool, logdir, monitor, daemon_alive, all_hosts, dns_log, mem_expected,
            rss_bound, want_sent):
    info = []
    res = run.results
    sent = len(res)
    acc = [r for r in res if r[2] == 250]
    rej = [r for r in res if r[2] is not None and 500 <= r[2] < 600]
    dfr = [r for r in res if r[2] is not None and 400 <= r[2] < 500]
    lost = [r for r in res if r[2] is None]
    odd = [r for r in res if r[2] is not None and not (r[2] == 250 or 400 <= r[2] < 600)]

    main = read_text(os.path.join(logdir, "mainlog")).splitlines()
    panic = read_text(os.path.join(logdir, "paniclog")).splitlines()

    # accepted: spool -H (with its own X-Soak-Seq) and -D, and the <= line
    received = set()
    for ln in main:
        m = re.match(r"^\S+ \S+ (\S+) <= ", ln)
        if m:
            received.add(m.group(1))
    not_on_spool, wrong_seq, no_id, not_logged = [], [], [], []
    inp = os.path.join(spool, "input")
    for seq, host, _code, text, msgid in acc:
        if not msgid:
            no_id.append((seq, text))
            continue
        h, dd = os.path.join(inp, msgid + "-H"), os.path.join(inp, msgid + "-D")
        if not (os.path.exists(h) and os.path.exists(dd)):
            not_on_spool.append((seq, msgid))
            continue
        with open(h, "rb") as f:
            hdr = f.read()
        if f"X-Soak-Seq: {seq}\n".encode() not in hdr:
            wrong_seq.append((seq, msgid))
        if msgid not in received:
            not_logged.append((seq, msgid))
    on_spool = sum(1 for n in os.listdir(inp) if n.endswith("-H")) if os.path.isdir(inp) else 0

    # refusals: per address and kind, client's view vs the main log
    client_ref = collections.Counter()
    for _seq, host, code, _t, _id in rej + dfr:
        client_ref[(host.addr, "temp" if code < 500 else "perm")] += 1
    log_ref = collections.Counter()
    rx = re.compile(r"\[(\d+\.\d+\.\d+\.\d+)\](?::\d+)? .*?(temporarily )?rejected by local_scan\(\)")
    for ln in main:
        m = rx.search(ln)
        if m:
            log_ref[(m.group(1), "temp" if m.group(2) else "perm")] += 1
    ref_mismatch = {k: (client_ref[k], log_ref[k]) for k in set(client_ref) | set(log_ref)
                    if client_ref[k] != log_ref[k]}

    # the module's own line: one per message, per address and action
    mod = collections.Counter()
    mod_scores = collections.defaultdict(collections.Counter)
    rxm = re.compile(r"relaycheck: ip=(\S+) score=(-?\d+) action=(\w+)")
    for ln in main:
        m = rxm.search(ln)
        if m:
            mod[m.group(1)] += 1
            mod_scores[m.group(1)][(int(m.group(2)), m.group(3))] += 1
    client_per_addr = collections.Counter(r[1].addr for r in res if r[2] is not None)
    mod_mismatch = {a: (client_per_addr[a], mod[a]) for a in set(client_per_addr) | set(mod)
                    if client_per_addr[a] != mod[a]}

    # predictions
    unexpected = collections.Counter()
    examples = {}
    for seq, host, code, text, _id in res:
        want, _ = host.expected
        if code is not None and code != want:
            unexpected[(host.addr, host.category, host.fault, want, code)] += 1
            examples.setdefault((host.addr, code), text.replace("\n", " | ")[:300])
    score_mismatch = []
    for h in all_hosts:
        want_code, want_score = h.expected
        if want_score is None:
            continue
        for (score, _action), n in mod_scores.get(h.addr, {}).items():
            if score != want_score:
                score_mismatch.append((h.addr, h.category, want_score, score, n))

    # signals and panics
    crash_rx = re.compile(r"crashed with signal|killed by signal|SIGSEGV|SIGBUS|"
                          r"local_scan\(\) function (crashed|timed out)|signal exit", re.I)
    crash_lines = [ln for ln in main + panic if crash_rx.search(ln)]
    signals = len(monitor.signalled) + len(crash_lines)

    # memory
    rss_growth = None
    if run.rss:
        at = dict((n, (r, a)) for n, r, a in run.rss)
        if 100 in at and mem_expected in at:
            rss_growth = (at[mem_expected][0] - at[100][0]) * 1000.0 / (mem_expected - 100)

    # DNS: how many answers were late (past the deadline) or never sent
    dns_total = dns_faulty = 0
    try:
        with open(dns_log) as f:
            for line in f:
                q = json.loads(line)
                dns_total += 1
                if q.get("action") in ("drop", "timeout") or (q.get("delay_ms") or 0) > 0:
                    dns_faulty += 1
    except (OSError, ValueError) as e:
        info.append(f"dns log: {e}")

    summary = collections.OrderedDict([
        ("sent", sent), ("accepted", len(acc)), ("rejected", len(rej)),
        ("deferred", len(dfr)), ("lost", len(lost)), ("panics", len(panic)),
        ("signals", signals),
        ("rss_growth_kb_per_1000", "n/a" if rss_growth is None else f"{rss_growth:.1f}"),
    ])

    checks = []

    def check(name, ok, detail=""):
        checks.append((name, bool(ok), detail))

    check("lost == 0", not lost, "; ".join(f"seq {s} {h.addr}: {t}" for s, h, _, t, _ in lost[:10]))
    check("panics == 0", not panic, "\n    ".join(panic[:10]))
    check("signals == 0", signals == 0,
          "; ".join([f"pid {p} signal {s}{' (core)' if c else ''}"
                     for p, s, c in monitor.signalled[:10]] + crash_lines[:10]))
    check("sent == accepted + rejected + deferred",
          sent == len(acc) + len(rej) + len(dfr) and not odd,
          f"{sent} != {len(acc)} + {len(rej)} + {len(dfr)}; other replies: "
          + "; ".join(f"{h.addr} {c} {t!r}" for _, h, c, t, _ in odd[:5]))
    check(f"all {want_sent} messages sent", sent == want_sent, f"only {sent}")
    check("every accepted message on the spool (-H with its X-Soak-Seq, -D) and logged (<=)",
          not (not_on_spool or wrong_seq or no_id or not_logged) and on_spool == len(acc),
          f"missing {not_on_spool[:5]}, wrong seq {wrong_seq[:5]}, no id {no_id[:5]}, "
          f"no <= line {not_logged[:5]}; {on_spool} -H files for {len(acc)} accepted")
    check("every refusal logged (per address: 550 = rejected, 451 = temporarily rejected)",
          not ref_mismatch, "; ".join(f"{a} {k}: client {c}, log {l}"
                                      for (a, k), (c, l) in sorted(ref_mismatch.items())[:10]))
    check(f"rss growth < {rss_bound} kB per 1000 messages on one connection",
          rss_growth is not None and rss_growth < rss_bound,
          run.mem_error or f"samples {run.rss}")
    check("one relaycheck log line per message",
          not mod_mismatch, "; ".join(f"{a}: {c} replies, {m} lines"
                                      for a, (c, m) in sorted(mod_mismatch.items())[:10]))
    check("every reply and score as the host's fixture predicts",
          not unexpected and not score_mismatch,
          "; ".join(f"{a} ({c}, fault={f}) want {w} got {g} x{n}"
                    for (a, c, f, w, g), n in sorted(unexpected.items())[:10])
          + ("; examples: " + " || ".join(f"{k}: {v}" for k, v in list(examples.items())[:3])
             if examples else "")
          + "; ".join(f"{a} ({c}) score want {w} got {g} x{n}"
                      for a, c, w, g, n in score_mismatch[:10]))
    check("the daemon alive at the end", daemon_alive)
    check("every connection ended with 221 to QUIT",
          run.clean_quits == run.connections and not run.conn_problems,
          f"{run.clean_quits} of {run.connections}; " +
          "; ".join(f"{a}: {w}" for a, w in run.conn_problems[:10]))

    info.append(f"connections: {run.connections}, clean QUIT: {run.clean_quits}")
    info.append(f"DNS: {dns_total} queries, {dns_faulty} answered past the deadline or dropped "
                f"({100.0 * dns_faulty / dns_total if dns_total else 0:.1f}%)")
    info.append("process connector: "
                + (monitor.error or f"{monitor.exits} descendant exits seen, "
                   f"{len(monitor.signalled)} by a signal, {monitor.overruns} overruns"))
    if run.rss:
        info.append("memory connection (" + MEM_ADDR + f", pid {run.mem_pid}) VmRSS/RssAnon kB "
                    "after N messages: " + ", ".join(f"{n}:{r}/{a}" for n, r, a in run.rss))
    cats = collections.Counter()
    for _, h, c, _, _ in res:
        cats[(h.category + ("" if not h.fault else f" ({h.fault} PTR)"), c)] += 1
    info.append("replies by host kind: " + ", ".join(
        f"{k}={c}:{n}" for (k, c), n in sorted(cats.items(), key=lambda x: (x[0][0], str(x[0][1])))))
    return summary, checks, info


# ---------------------------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=2000, help="messages of the load (default 2000)")
    ap.add_argument("--clients", type=int, default=32, help="concurrent client threads")
    ap.add_argument("--mem-messages", type=int, default=1000,
                    help="messages on the memory connection (RSS sampled at 100 and at this)")
    ap.add_argument("--module", default=os.path.join(ROOT, "build", "relaycheck.so"))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "soak"))
    ap.add_argument("--dns-timeout", default="2s", help="the INI's dns_timeout (default 2s)")
    ap.add_argument("--delay-ms", type=int, default=3000,
                    help="delay of the delayed PTR answers (default 3000, past dns_timeout)")
    ap.add_argument("--rss-bound-kb", type=float, default=256.0,
                    help="fail if VmRSS grows by this much per 1000 messages (default 256; "
                    "Exim 4.96 itself grows by 76 kB per 1000 with a do-nothing module)")
    ap.add_argument("--max-seconds", type=float, default=1800.0,
                    help="abort the load after this long (default 1800)")
    ap.add_argument("--spool-base", default="/dev/shm" if os.path.isdir("/dev/shm") else None,
                    help="directory for Exim's spool (default /dev/shm: the spool holds two "
                    "files per accepted message, and the test is about the module, not the "
                    "disk); 'out' puts it under --out")
    ap.add_argument("--keep-spool", action="store_true",
                    help="keep the spool after the run (it is removed otherwise)")
    a = ap.parse_args(argv)
    if os.geteuid() != 0:
        print("soak: needs root (Exim daemon, spool ownership)", file=sys.stderr)
        return 2
    if not 1 <= a.clients <= 254:
        ap.error("--clients must be 1-254 (one 127.0.x.<1+client> address per client)")
    if a.mem_messages < 200 or a.mem_messages % 100:
        ap.error("--mem-messages must be a multiple of 100, at least 200")
    module = os.path.abspath(a.module)
    if not os.path.exists(module):
        print(f"soak: {module} does not exist (make)", file=sys.stderr)
        return 2

    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    lock = open(os.path.join(out, ".lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        print(f"soak: waiting for another run in {out} to finish", flush=True)
        fcntl.flock(lock, fcntl.LOCK_EX)
    d = os.path.join(out, "run")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    os.chmod(out, 0o755)
    os.chmod(d, 0o755)
    if not harness.readable_by_exim(d):
        # The build tree is out of the Exim user's reach (a checkout under a 0700
        # directory): run in a directory of our own, and say where.
        d = tempfile.mkdtemp(prefix="relaycheck-soak-run-")
        os.chmod(d, 0o755)
        print(f"soak: {out} is not reachable by {harness.EXIM_USER}; running in {d}", flush=True)
    # The daemon's receiving processes load the module as the Exim user: a copy here.
    copy = os.path.join(d, "relaycheck.so")
    shutil.copyfile(module, copy)
    os.chmod(copy, 0o644)
    module = copy
    for f in ("summary.txt", "report.txt"):
        try:
            os.unlink(os.path.join(out, f))
        except FileNotFoundError:
            pass

    if a.spool_base and a.spool_base != "out":
        spool = tempfile.mkdtemp(prefix="relaycheck-soak-", dir=a.spool_base)
        os.chmod(spool, 0o755)
        spool = os.path.join(spool, "spool")
    else:
        spool = os.path.join(d, "spool")

    t_start = time.monotonic()
    hosts = make_hosts(a.clients)
    all_hosts = [h for mine in hosts for h in mine]
    mem_host = Host(MEM_ADDR, "good", None, tag="-mem")
    all_hosts.append(mem_host)
    zones, _ = dns_data(all_hosts)
    rules = fault_rules(all_hosts, a.delay_ms)

    monitor = ExitMonitor().start()
    monitor.watch(os.getpid())          # the responder, the daemon and all their children
    responder = exim = None
    run = None
    interrupted = []

    def on_signal(signum, _frame):
        interrupted.append(signum)
        if run:
            run.abort_all()
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)

    daemon_alive = False
    timed_out = False
    try:
        responder, dns_port = start_responder(d, zones, rules)
        smtp_port = free_tcp_port()
        conf, ini, logdir = write_files(d, spool, module, dns_port, smtp_port, a.dns_timeout,
                                        ALLOW_CIDR)
        exim = start_exim(d, conf, ini, smtp_port)
        t_setup = time.monotonic() - t_start
        print(f"soak: exim4 daemon pid {exim.pid} on 127.0.0.1:{smtp_port}, DNS responder on "
              f"127.0.0.1:{dns_port}, {a.clients} clients, {a.messages} messages "
              f"+ {a.mem_messages} on one connection; files in {d}", flush=True)

        run = Run(smtp_port, timeout=60.0)
        threads = []
        for t in range(a.clients):
            quota = a.messages // a.clients + (1 if t < a.messages % a.clients else 0)
            threads.append(threading.Thread(target=client_thread, args=(run, t, hosts[t], quota),
                                            name=f"client-{t}", daemon=True))
        threads.append(threading.Thread(target=memory_thread,
                                        args=(run, mem_host, a.mem_messages, exim.pid),
                                        name="memory", daemon=True))
        t0 = time.monotonic()
        deadline = t_start + a.max_seconds
        for th in threads:
            th.start()
        last = 0
        while any(th.is_alive() for th in threads):
            if time.monotonic() > deadline:
                timed_out = True
                print(f"soak: --max-seconds {a.max_seconds:.0f} reached, aborting", flush=True)
                run.abort_all()
                for th in threads:
                    th.join(10)
                break
            for th in threads:
                th.join(0.5)
                if th.is_alive():
                    break
            if time.monotonic() - last >= 10:
                last = time.monotonic()
                n = len(run.results)
                el = last - t0
                print(f"soak: {el:5.0f}s {n} messages ({n / el if el else 0:.0f}/s)", flush=True)
        t_load = time.monotonic() - t0
        daemon_alive = exim.poll() is None
        monitor.freeze()
    except KeyboardInterrupt:
        print(f"soak: interrupted{' by signal %d' % interrupted[0] if interrupted else ''}",
              file=sys.stderr)
        if run:
            run.abort_all()
        remove_spool(spool, a)
        return 2
    except harness.HarnessError as e:
        print(f"soak: setup failed: {e}", file=sys.stderr)
        remove_spool(spool, a)
        return 2
    except BaseException:
        remove_spool(spool, a)
        raise
    finally:
        if monitor.counting:
            monitor.freeze()
        if run:
            run.abort_all()
        harness._kill_group(exim)
        harness._kill_group(responder)
        monitor.stop()

    try:
        summary, checks, info = analyse(run, spool, logdir, monitor, daemon_alive, all_hosts,
                                        os.path.join(d, "dns-queries.jsonl"), a.mem_messages,
                                        a.rss_bound_kb, a.messages + a.mem_messages)
    finally:
        remove_spool(spool, a)
    if timed_out:
        checks.append((f"finished within --max-seconds {a.max_seconds:.0f}", False, ""))
    total = time.monotonic() - t_start
    info.insert(0, f"time: setup {t_setup:.1f}s, load {t_load:.1f}s "
                   f"({len(run.results) / t_load:.0f} messages/s), total {total:.1f}s")
    info.insert(1, f"load: {a.messages} messages from {a.clients} clients x "
                   f"{HOSTS_PER_CLIENT} hosts + {a.mem_messages} on one connection from "
                   f"{MEM_ADDR}; dns_timeout {a.dns_timeout}, delayed answers {a.delay_ms} ms; "
                   f"rss bound {a.rss_bound_kb:g} kB per 1000 messages")

    text = "".join(f"{k}={v}\n" for k, v in summary.items())
    with open(os.path.join(out, "summary.txt"), "w") as f:
        f.write(text)
    npass = sum(1 for c in checks if c[1])
    nfail = len(checks) - npass
    lines = [text.rstrip("\n"), ""] + info + [""]
    for name, ok, detail in checks:
        lines.append(f"{'PASS' if ok else 'FAIL'} {name}" + (f": {detail}" if detail and not ok else ""))
    lines.append(f"{npass} passed, {nfail} failed")
    report = "\n".join(lines) + "\n"
    with open(os.path.join(out, "report.txt"), "w") as f:
        f.write(report)
    sys.stdout.write(report)
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
