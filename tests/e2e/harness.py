"""End-to-end test harness for relaycheck: a real NSD and a real Debian exim4.

Standard library only (run with /usr/bin/python3, as root).

    with Nsd({"2.0.192.in-addr.arpa": "66 PTR mail.example.net."}) as ns:
        ex = Exim(tmpdir, module_path, f"[relaycheck]\\nnameservers = {ns.nameserver}\\n")
        r = ex.session("192.0.2.66")
        assert r.data_code == 250 and r.header("X-Relaycheck-Score") == ["0"]

Everything here is independent of the module's internals.  See README.md.
"""

import glob
import ipaddress
import os
import pwd
import random
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

EXIM_BIN = os.environ.get("E2E_EXIM_BIN", "/usr/sbin/exim4")   # test-valgrind: a non-setuid copy
NSD_BIN = "/usr/sbin/nsd"
EXIM_USER = "Debian-exim"
SESSION_TIMEOUT = 30.0      # seconds, whole SMTP session
NSD_START_TIMEOUT = 10.0


class HarnessError(Exception):
    """The harness itself could not do its job (setup problem, not a test verdict)."""


class SessionTimeout(HarnessError, TimeoutError):
    """An SMTP session did not finish within its time limit (Exim was killed)."""

    def __init__(self, msg, result=None):
        super().__init__(msg)
        self.result = result


# --------------------------------------------------------------------------------------------
# small helpers

def ptr_name(ip):
    """'192.0.2.66' -> '66.2.0.192.in-addr.arpa.'; IPv6 -> nibble form under ip6.arpa."""
    return ipaddress.ip_address(ip).reverse_pointer + "."


def ipv6_loopback_available():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        try:
            s.bind(("::1", 0))
        finally:
            s.close()
        return True
    except OSError:
        return False


def _port_free(port, v6):
    checks = [(socket.AF_INET, "127.0.0.1")]
    if v6:
        checks.append((socket.AF_INET6, "::1"))
    for fam, addr in checks:
        for typ in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(fam, typ)
            try:
                if fam == socket.AF_INET6:
                    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                s.bind((addr, port))
            except OSError:
                return False
            finally:
                s.close()
    return True


def free_port(v6=True):
    """A port that is currently free for UDP+TCP on 127.0.0.1 (and ::1 if v6)."""
    for _ in range(200):
        port = random.randint(20000, 60000)
        if _port_free(port, v6):
            return port
    raise HarnessError("no free port found")


def exim_ids():
    pw = pwd.getpwnam(EXIM_USER)
    return pw.pw_uid, pw.pw_gid


def readable_by_exim(path):
    """True if the Exim user can read `path` (checked by actually trying, as that user)."""
    uid, gid = exim_ids()
    r = subprocess.run(["/usr/bin/test", "-r", path], user=uid, group=gid,
                       extra_groups=[], stdin=subprocess.DEVNULL, timeout=10)
    return r.returncode == 0


def _kill_group(proc, grace=3.0):
    """Terminate a process we started with start_new_session=True, and its group."""
    if proc is None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    # children left in the group after the leader exited (NSD's xfrd and server processes
    # shut down on their own shortly after the leader): wait for the group to empty.
    deadline = time.monotonic() + grace + 5.0
    killed = False
    while True:
        try:
            os.killpg(proc.pid, 0)
        except (ProcessLookupError, PermissionError):
            return
        if not killed and time.monotonic() > deadline - 5.0:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                return
            killed = True
        if time.monotonic() > deadline:
            raise HarnessError(f"process group {proc.pid} did not go away")
        time.sleep(0.02)


# --------------------------------------------------------------------------------------------
# a listening exim4 daemon (the soak test, the daemon recipe's tests)

def start_daemon(exim_bin, conf_path, port, env, workdir, extra_args=(), timeout=60.0):
    """exim4 -C conf_path -bdf -oX port, started in workdir (its stderr in
    workdir/daemon.stderr, its own process group: stop it with _kill_group). Returns the
    process once the daemon has greeted a connection to 127.0.0.1:port (a probe that quits at
    once); HarnessError with its stderr and panic log if it exits or never greets."""
    errpath = os.path.join(workdir, "daemon.stderr")
    with open(errpath, "w") as err:
        proc = subprocess.Popen([exim_bin, "-C", conf_path, "-bdf", "-oX", str(port)]
                                + list(extra_args), stdin=subprocess.DEVNULL, stdout=err,
                                stderr=err, env=env, cwd=workdir, start_new_session=True)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            panic = ""
            for path in glob.glob(os.path.join(workdir, "**", "paniclog"), recursive=True):
                with open(path, errors="replace") as f:
                    panic += f.read()[-2000:]
            with open(errpath, errors="replace") as f:
                raise HarnessError(f"exim4 -bdf exited with {proc.returncode}: "
                                   + f.read()[-2000:] + panic)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                if s.recv(512).startswith(b"220"):
                    s.sendall(b"QUIT\r\n")
                    s.recv(512)
                    return proc
        except OSError:
            pass
        if time.monotonic() > deadline:
            _kill_group(proc)
            raise HarnessError(f"exim4 daemon did not answer on port {port}")
        time.sleep(0.1)                 # until it listens: the event waited for is a greeting


def connection_pid(daemon_pid, port, client_ip, client_port):
    """The pid of the daemon's child that serves the TCP connection client_ip:client_port ->
    127.0.0.1:port (the child holding that socket's inode, from /proc/net/tcp)."""
    def hexaddr(ip, p):
        return "%08X:%04X" % (struct.unpack("<I", socket.inet_aton(ip))[0], p)
    want = (hexaddr("127.0.0.1", port), hexaddr(client_ip, client_port))
    with open("/proc/net/tcp") as f:
        inode = next((l.split()[9] for l in f.readlines()[1:] if tuple(l.split()[1:3]) == want),
                     None)
    if inode is None:
        raise HarnessError("server socket not found in /proc/net/tcp")
    target = f"socket:[{inode}]"
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) != daemon_pid:
                    continue
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") == target
                   for fd in os.listdir(f"/proc/{pid}/fd")):
                return int(pid)
        except (OSError, ValueError, IndexError):
            continue
    raise HarnessError(f"no child of {daemon_pid} holds {target}")


# --------------------------------------------------------------------------------------------
# minimal DNS client (stdlib): enough for readiness checks and simple assertions

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28,
         "ANY": 255}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def _encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            b = label.encode("ascii")
            out += bytes([len(b)]) + b
    return out + b"\0"


def _decode_name(msg, off):
    labels, jumped, end, hops = [], False, None, 0
    while True:
        n = msg[off]
        if n & 0xC0 == 0xC0:
            if not jumped:
                end = off + 2
            off = ((n & 0x3F) << 8) | msg[off + 1]
            jumped = True
            hops += 1
            if hops > 64:
                raise ValueError("compression loop")
            continue
        if n == 0:
            off += 1
            break
        labels.append(msg[off + 1:off + 1 + n].decode("ascii", "backslashreplace"))
        off += 1 + n
    return ".".join(labels) + ".", (end if jumped else off)


class DnsAnswer:
    def __init__(self, rcode, flags, answers):
        self.rcode = rcode            # int
        self.flags = flags
        self.answers = answers        # list of (name, type name, ttl, value)

    @property
    def rcode_text(self):
        return RCODES.get(self.rcode, str(self.rcode))

    @property
    def aa(self):
        return bool(self.flags & 0x0400)

    def values(self, rtype=None):
        return [v for (_, t, _, v) in self.answers if rtype is None or t == rtype]

    def __repr__(self):
        return f"DnsAnswer({self.rcode_text}, {self.answers!r})"


def dns_query(name, rtype="A", port=53, server="127.0.0.1", timeout=2.0):
    """One UDP query; returns DnsAnswer.  Values: A/AAAA text, PTR/NS/CNAME name,
    TXT list of str, SOA tuple, others raw bytes."""
    qid = random.randint(0, 0xFFFF)
    qtype = TYPES[rtype.upper()]
    pkt = struct.pack(">HHHHHH", qid, 0x0000, 1, 0, 0, 0) + _encode_name(name) + \
        struct.pack(">HH", qtype, 1)
    fam = socket.AF_INET6 if ":" in server else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    try:
        s.settimeout(timeout)
        s.sendto(pkt, (server, port))
        deadline = time.monotonic() + timeout
        while True:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            msg, _ = s.recvfrom(65535)
            if len(msg) >= 12 and struct.unpack(">H", msg[:2])[0] == qid:
                break
    finally:
        s.close()
    _, flags, qd, an, _, _ = struct.unpack(">HHHHHH", msg[:12])
    off = 12
    for _ in range(qd):
        _, off = _decode_name(msg, off)
        off += 4
    answers = []
    for _ in range(an):
        rname, off = _decode_name(msg, off)
        t, _, ttl, rdlen = struct.unpack(">HHIH", msg[off:off + 10])
        off += 10
        rd = msg[off:off + rdlen]
        tn = TYPE_NAMES.get(t, str(t))
        if t == 1:
            val = socket.inet_ntop(socket.AF_INET, rd)
        elif t == 28:
            val = socket.inet_ntop(socket.AF_INET6, rd)
        elif t in (2, 5, 12):
            val, _ = _decode_name(msg, off)
        elif t == 16:
            val, i = [], 0
            while i < len(rd):
                val.append(rd[i + 1:i + 1 + rd[i]].decode("utf-8", "backslashreplace"))
                i += 1 + rd[i]
        elif t == 6:
            mname, o = _decode_name(msg, off)
            rname2, o = _decode_name(msg, o)
            val = (mname, rname2) + struct.unpack(">IIIII", msg[o:o + 20])
        else:
            val = rd
        answers.append((rname, tn, ttl, val))
        off += rdlen
    return DnsAnswer(flags & 0x000F, flags, answers)


# --------------------------------------------------------------------------------------------
# NSD

DEFAULT_SOA = ("@ 300 IN SOA ns.{zone}. hostmaster.{zone}. 1 3600 600 86400 300\n"
               "@ 300 IN NS ns.{zone}.\n")


class Nsd:
    """A private authoritative NSD on 127.0.0.1:<port> (and [::1]:<port> when available).

    zones: {"example.net": "<zone file text>", "2.0.192.in-addr.arpa": "..."}.  The text is
    relative to the zone origin ($ORIGIN and a default $TTL 300 are prepended); a SOA and NS are
    added when the text has no SOA record.
    """

    def __init__(self, zones, ipv6=None, keep=False):
        self.zones = {z.rstrip(".").lower(): text for z, text in zones.items()}
        if not self.zones:
            raise HarnessError("Nsd needs at least one zone")
        self.ipv6 = ipv6_loopback_available() if ipv6 is None else ipv6
        self.keep = keep
        self.port = None
        self.dir = None
        self.proc = None

    # addresses for the INI's nameservers = line
    @property
    def nameserver(self):
        return f"127.0.0.1:{self.port}"

    @property
    def nameserver6(self):
        return f"[::1]:{self.port}" if self.ipv6 else None

    @property
    def log(self):
        try:
            with open(os.path.join(self.dir, "nsd.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def query(self, name, rtype="A", v6=False, timeout=2.0):
        return dns_query(name, rtype, port=self.port, server="::1" if v6 else "127.0.0.1",
                         timeout=timeout)

    def _write(self):
        d = self.dir
        zone_stanzas = []
        for i, (zone, text) in enumerate(sorted(self.zones.items())):
            body = f"$ORIGIN {zone}.\n$TTL 300\n"
            if not re.search(r"(^|\s)SOA(\s|$)", text, re.I | re.M):
                body += DEFAULT_SOA.format(zone=zone)
            body += text if text.endswith("\n") else text + "\n"
            fn = f"zone{i}.zone"
            with open(os.path.join(d, fn), "w") as f:
                f.write(body)
            zone_stanzas.append(f'zone:\n  name: "{zone}"\n  zonefile: "{fn}"\n')
        addrs = f"  ip-address: 127.0.0.1@{self.port}\n"
        if self.ipv6:
            addrs += f"  ip-address: ::1@{self.port}\n"
        conf = (
            "server:\n" + addrs +
            f"  port: {self.port}\n"
            f"  do-ip6: {'yes' if self.ipv6 else 'no'}\n"
            '  username: ""\n'          # stay root: no need to make the tmpdir nsd-readable
            '  chroot: ""\n'
            f'  zonesdir: "{d}"\n'
            '  database: ""\n'
            f'  zonelistfile: "{d}/zone.list"\n'
            f'  xfrdfile: "{d}/xfrd.state"\n'
            f'  xfrdir: "{d}"\n'
            f'  pidfile: "{d}/nsd.pid"\n'
            f'  logfile: "{d}/nsd.log"\n'
            f'  cookie-secret-file: "{d}/cookiesecrets.txt"\n'
            "  server-count: 1\n"
            "  reuseport: no\n"
            "  rrl-ratelimit: 0\n"
            "  verbosity: 1\n"
            "  hide-version: yes\n"
            "  refuse-any: no\n"
            "remote-control:\n  control-enable: no\n\n" + "\n".join(zone_stanzas))
        self.conf = os.path.join(d, "nsd.conf")
        with open(self.conf, "w") as f:
            f.write(conf)
        chk = subprocess.run(["/usr/sbin/nsd-checkconf", self.conf], capture_output=True,
                             text=True, timeout=10)
        if chk.returncode != 0:
            raise HarnessError(f"nsd-checkconf failed: {chk.stdout}{chk.stderr}")

    def _ready(self):
        first = sorted(self.zones)[0]
        try:
            r = self.query(first, "SOA", timeout=0.3)
            if r.rcode != 0 or not r.aa:
                return False
            if self.ipv6:
                r = self.query(first, "SOA", v6=True, timeout=0.3)
                return r.rcode == 0
            return True
        except (OSError, ValueError):
            return False

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="e2e-nsd-")
        last_err = ""
        for _attempt in range(5):
            self.port = free_port(self.ipv6)
            self._write()
            self.proc = subprocess.Popen(
                [NSD_BIN, "-d", "-c", self.conf], cwd=self.dir, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, "stderr"), "w"),
                start_new_session=True)
            deadline = time.monotonic() + NSD_START_TIMEOUT
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                if self._ready():
                    return self
                time.sleep(0.05)
            with open(os.path.join(self.dir, "stderr"), errors="replace") as f:
                last_err = f.read() + self.log
            _kill_group(self.proc)
            self.proc = None
            if "zone" in last_err and "error" in last_err:
                break   # a zone file error does not go away by trying another port
        self.stop()
        raise HarnessError(f"NSD did not start: {last_err.strip()[-2000:]}")

    def stop(self):
        _kill_group(self.proc)
        self.proc = None
        if self.dir and not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


# --------------------------------------------------------------------------------------------
# Exim

def parse_spool_headers(data):
    """Parse the header section of a spool -H file.

    Returns a list of (flag, name, value) in order; flag is Exim's type character
    (' ' ordinary, '*' deleted, 'P' Received, 'F' From, 'T' To, 'I' Message-ID, ...).
    `value` is the raw text after 'Name:' with folding kept, without the final newline.
    """
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    start = data.find(b"\n\n")
    if start < 0:
        return []
    p, out = start + 2, []
    rx = re.compile(rb"(\d+)(.) ")
    while p < len(data):
        m = rx.match(data, p)
        if not m:
            break
        n = int(m.group(1))
        text = data[m.end():m.end() + n].decode("utf-8", "surrogateescape")
        p = m.end() + n
        name, _, value = text.partition(":")
        out.append((m.group(2).decode(), name, value.rstrip("\n")))
    return out


class MessageResult:
    """What happened to one message of an SMTP session."""

    def __init__(self):
        self.mail_reply = None      # (code, text)
        self.rcpt_replies = []      # [(code, text)]
        self.data_reply = None      # reply to DATA command (354 normally)
        self.data_code = None       # final reply after the "." (None if never reached)
        self.data_text = None       # full final reply text, all lines, codes stripped
        self.data_elapsed = None    # seconds from "." to final reply (≈ local_scan time)
        self.message_id = None
        self.spool_header = None    # content of the -H file (str) if accepted and found
        self.spool_path = None

    @property
    def accepted(self):
        return self.data_code is not None and 200 <= self.data_code < 300

    @property
    def spool_headers(self):
        return parse_spool_headers(self.spool_header) if self.spool_header else []

    def header(self, name, unfold=True, include_deleted=False):
        """Values of the (non-deleted) spool headers called `name`, in order."""
        vals = []
        for flag, n, v in self.spool_headers:
            if n.lower() == name.lower() and (include_deleted or flag != "*"):
                v = v.strip()
                if unfold:
                    v = re.sub(r"\n[ \t]+", " ", v)
                vals.append(v)
        return vals

    def header_names(self, include_deleted=False):
        return [n for f, n, _ in self.spool_headers if include_deleted or f != "*"]


class SessionResult:
    """One SMTP dialogue.  Attribute access falls through to the first message's result, so
    for single-message sessions `r.data_code`, `r.header(...)` etc. just work."""

    def __init__(self):
        self.dialogue = []          # [(command sent or "<greeting>", code, text)]
        self.messages = []          # [MessageResult]
        self.maps = None            # /proc/PID/maps at the greeting (session(maps=True))
        self.elapsed = None
        self.mainlog = []           # new lines in mainlog during this session
        self.paniclog = []
        self.rejectlog = []
        self.exit_status = None
        self.stderr = ""
        self.lost = False           # Exim closed the connection / died before QUIT reply
        self.argv = None

    @property
    def replies(self):
        return [(c, t) for (_, c, t) in self.dialogue]

    def __getattr__(self, name):
        if name.startswith("__") or name in ("messages",):
            raise AttributeError(name)
        msgs = self.__dict__.get("messages") or []
        if msgs and hasattr(msgs[0], name):
            return getattr(msgs[0], name)
        if name in MessageResult().__dict__ or hasattr(MessageResult, name):
            return getattr(MessageResult(), name)
        raise AttributeError(name)

    def log_lines(self, needle):
        return [line for line in self.mainlog if needle in line]

    def transcript(self):
        out = []
        for cmd, code, text in self.dialogue:
            out.append(f">>> {cmd}")
            out.append(f"<<< {code} {text}".replace("\n", "\n<<<     "))
        return "\n".join(out)

    def __repr__(self):
        return (f"SessionResult(data={[(m.data_code, m.data_text) for m in self.messages]}, "
                f"lost={self.lost}, exit={self.exit_status})")


DEFAULT_HEADERS = ["From: Alice <a@example.net>", "To: u@example.org", "Subject: e2e test"]


def _message_bytes(headers=None, body=None, data=None):
    if data is None:
        if headers is None:
            headers = DEFAULT_HEADERS
        if isinstance(headers, str):
            headers = headers.rstrip("\r\n").splitlines()
        if body is None:
            body = "This is an end-to-end test message.\n"
        data = "\n".join(list(headers)) + "\n\n" + body
    if isinstance(data, str):
        data = data.encode("utf-8")
    lines = data.replace(b"\r\n", b"\n").split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    out = b"".join((b"." + ln if ln.startswith(b".") else ln) + b"\r\n" for ln in lines)
    return out + b".\r\n"


class _Smtp:
    """Line-oriented pipe conversation with an exim4 -bs child, under one deadline."""

    def __init__(self, proc, deadline, result):
        self.proc, self.deadline, self.result = proc, deadline, result
        self.buf = b""
        self.eof = False
        os.set_blocking(proc.stdout.fileno(), False)

    def _readline(self):
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buf:
            if self.eof:
                return None
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise SessionTimeout("SMTP session timed out", self.result)
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                continue
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                self.eof = True
                if self.buf:
                    line, self.buf = self.buf, b""
                    return line.decode("utf-8", "replace").rstrip("\r\n")
                return None
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line.decode("utf-8", "replace").rstrip("\r")

    def reply(self, label):
        """Read one (possibly multi-line) reply. Returns (code, text) or (None, None) on EOF."""
        lines, code = [], None
        while True:
            line = self._readline()
            if line is None:
                self.result.lost = True
                if lines:
                    break
                self.result.dialogue.append((label, None, None))
                return None, None
            m = re.match(r"^(\d{3})([ -])(.*)$", line)
            if not m:
                lines.append(line)  # unexpected junk; keep it
                continue
            code = int(m.group(1))
            lines.append(m.group(3))
            if m.group(2) == " ":
                break
        text = "\n".join(lines)
        self.result.dialogue.append((label, code, text))
        return code, text

    def send(self, data):
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            self.result.lost = True
            return False

    def cmd(self, line):
        if not self.send(line.encode("utf-8", "surrogateescape") + b"\r\n"):
            self.result.dialogue.append((line, None, None))
            return None, None
        return self.reply(line)


class Exim:
    """A standalone Debian exim4 configuration inside `tmpdir` that loads `module_path`.

    ini_text: written to <tmpdir>/relaycheck.ini and passed as RELAYCHECK_CONFIG; None means the
    variable is not set at all (module falls back to its compiled default).
    extra_main_conf: appended to the main section (before `begin acl`).
    extra_conf: appended at the end of the file, e.g. "begin local_scan\nreject_score = 5\n".
    exim_bin: the Exim binary (default EXIM_BIN, Debian's exim4), e.g. build/exim-static/exim;
    module_path=None writes no local_scan_path (an Exim with the module compiled in).
    acl_rcpt: the RCPT ACL's statements; @MODULE@ in it becomes the module's path (the file
    local_scan_path names), for ${dlfunc}.
    acl_data: the DATA ACL's statements, @MODULE@ likewise (and in extra_main_conf).
    """

    def __init__(self, tmpdir, module_path, ini_text, extra_main_conf="",
                 local_domains="example.org", timeout=SESSION_TIMEOUT, env=None,
                 acl_rcpt=None, acl_data=None, check_access=True, extra_conf="",
                 exim_bin=None):
        self.dir = os.path.abspath(tmpdir)
        self.exim_bin = exim_bin or EXIM_BIN
        self.module_path = os.path.abspath(module_path) if module_path else None
        self.timeout = timeout
        self.extra_env = dict(env or {})
        uid, gid = exim_ids()
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o755)
        if self.module_path and os.path.exists(self.module_path):
            # The receiving process runs as the Exim user, which may not be able to reach the
            # build tree (a checkout under a 0700 directory): load a copy from here instead.
            copy = os.path.join(self.dir, "module-" + os.path.basename(self.module_path))
            shutil.copyfile(self.module_path, copy)
            os.chmod(copy, 0o644)
            self.module_path = copy
        self.spool = os.path.join(self.dir, "spool")
        self.logdir = os.path.join(self.dir, "log")
        for d in (self.spool, self.logdir):
            os.makedirs(d, exist_ok=True)
            os.chown(d, uid, gid)
            os.chmod(d, 0o750)
        self.ini_path = None
        if ini_text is not None:
            self.ini_path = os.path.join(self.dir, "relaycheck.ini")
            self.write_ini(ini_text)
        self.conf_path = os.path.join(self.dir, "exim.conf")
        acl_rcpt = acl_rcpt or ("  accept  domains = +local_domains\n"
                                "  accept  authenticated = *\n"
                                "  deny    message = relay not permitted\n")
        acl_data = acl_data or "  accept\n"
        if self.module_path:
            # ${dlfunc} in a test's ACL (or main option) names the module as @MODULE@: the
            # same file as local_scan_path, so Exim loads one copy of it.
            acl_rcpt = acl_rcpt.replace("@MODULE@", self.module_path)
            acl_data = acl_data.replace("@MODULE@", self.module_path)
            extra_main_conf = extra_main_conf.replace("@MODULE@", self.module_path)
        conf = f"""# generated by tests/e2e/harness.py
primary_hostname = mx.e2e.test
qualify_domain = example.org
domainlist local_domains = {local_domains}
spool_directory = {self.spool}
log_file_path = {self.logdir}/%slog
log_selector = +received_recipients
keep_environment = RELAYCHECK_CONFIG
tls_advertise_hosts =
host_lookup =
rfc1413_hosts =
acl_smtp_rcpt = acl_check_rcpt
acl_smtp_data = acl_check_data
"""
        if self.module_path:
            conf += f"local_scan_path = {self.module_path}\n"
        conf += extra_main_conf.rstrip("\n") + "\n" if extra_main_conf else ""
        conf += f"""
begin acl
acl_check_rcpt:
{acl_rcpt}
acl_check_data:
{acl_data}
begin routers
blackhole:
  driver = redirect
  data = :blackhole:

begin transports
"""
        if extra_conf:
            conf += "\n" + extra_conf.rstrip("\n") + "\n"
        with open(self.conf_path, "w") as f:
            f.write(conf)
        os.chmod(self.conf_path, 0o644)
        if check_access and self.module_path and not readable_by_exim(self.module_path):
            raise HarnessError(f"{self.module_path} is not readable by {EXIM_USER} "
                               "(the receiving process runs as that user)")

    def write_ini(self, ini_text):
        with open(self.ini_path, "w") as f:
            f.write(ini_text)
        os.chmod(self.ini_path, 0o644)

    # --- logs and spool ---------------------------------------------------------------------
    def _logfile(self, kind):
        return os.path.join(self.logdir, f"{kind}log")

    def _log_sizes(self):
        sizes = {}
        for kind in ("main", "panic", "reject"):
            try:
                sizes[kind] = os.path.getsize(self._logfile(kind))
            except OSError:
                sizes[kind] = 0
        return sizes

    def _log_since(self, kind, size):
        try:
            with open(self._logfile(kind), "rb") as f:
                f.seek(size)
                return f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return []

    def log(self, kind="main"):
        return self._log_since(kind, 0)

    def find_spool(self, msgid):
        for root, _, files in os.walk(os.path.join(self.spool, "input")):
            if msgid + "-H" in files:
                return os.path.join(root, msgid + "-H")
        return None

    # --- sessions ---------------------------------------------------------------------------
    def argv(self, client_ip=None, local=False, auth=False, auth_id=None, extra_args=()):
        argv = [self.exim_bin, "-C", self.conf_path, "-bs", "-odq"]
        if not local:
            if client_ip is None:
                raise HarnessError("client_ip required unless local=True")
            argv += ["-oMa", client_ip]
        if auth:
            argv += ["-oMaa", auth if isinstance(auth, str) else "PLAIN"]
            argv += ["-oMai", auth_id or "e2e-user"]
        return argv + list(extra_args)

    def session(self, client_ip, helo="mail.example.net", mail_from="a@example.net",
                rcpt="u@example.org", headers=None, body=None, data=None, auth=False,
                local=False, **kw):
        """One SMTP connection carrying one message.  See session_multi for keywords."""
        msg = dict(mail_from=mail_from, rcpt=rcpt, headers=headers, body=body, data=data)
        return self.session_multi(client_ip, [msg], helo=helo, auth=auth, local=local, **kw)

    def session_multi(self, client_ip, messages, helo="mail.example.net", ehlo=True,
                      auth=False, auth_id=None, local=False, timeout=None, extra_args=(),
                      quit=True, maps=False):
        """One SMTP connection carrying several messages.

        messages: list of dicts with keys mail_from, rcpt (str or list), headers (list of
        lines or str), body (str), data (complete message text, overrides headers/body).
        helo=None sends no HELO/EHLO.  auth=True or an authenticator name: the session counts
        as authenticated (-oMaa NAME -oMai ID).  local=True: local submission (no -oMa).
        maps=True: res.maps is /proc/PID/maps of the exim4 process read at its greeting (what
        it has mapped before any message).
        Raises SessionTimeout if the whole dialogue takes longer than `timeout`.
        """
        res = SessionResult()
        res.argv = self.argv(client_ip, local, auth, auth_id, extra_args)
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"}
        if self.ini_path:
            env["RELAYCHECK_CONFIG"] = self.ini_path
        env.update(self.extra_env)
        tool = _tool_env()
        if "LD_PRELOAD" in tool and "LD_PRELOAD" in self.extra_env:     # both: the tool's first
            tool["LD_PRELOAD"] += ":" + self.extra_env["LD_PRELOAD"]
        env.update(tool)
        res.argv = _tool_wrapper() + res.argv
        sizes = self._log_sizes()
        t0 = time.monotonic()
        deadline = t0 + (timeout or self.timeout)
        errf = tempfile.TemporaryFile()
        proc = subprocess.Popen(res.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=errf, env=env, cwd=self.dir, start_new_session=True)
        smtp = _Smtp(proc, deadline, res)
        smtp.maps = maps
        try:
            self._dialogue(smtp, res, messages, helo, ehlo, quit)
            try:
                proc.stdin.close()
            except OSError:
                pass
            left = deadline - time.monotonic()
            try:
                proc.wait(timeout=max(0.1, left))
            except subprocess.TimeoutExpired:
                raise SessionTimeout("exim4 did not exit after the session", res)
        except SessionTimeout:
            _kill_group(proc, grace=0.5)
            self._finish(res, proc, errf, sizes, t0)
            raise
        finally:
            if proc.poll() is None:
                _kill_group(proc, grace=0.5)
        self._finish(res, proc, errf, sizes, t0)
        return res

    def _finish(self, res, proc, errf, sizes, t0):
        res.elapsed = time.monotonic() - t0
        res.exit_status = proc.returncode
        errf.seek(0)
        res.stderr = errf.read().decode("utf-8", "replace")
        errf.close()
        for s in (proc.stdin, proc.stdout):
            try:
                s.close()
            except OSError:
                pass
        res.mainlog = self._log_since("main", sizes["main"])
        res.paniclog = self._log_since("panic", sizes["panic"])
        res.rejectlog = self._log_since("reject", sizes["reject"])
        for m in res.messages:
            if m.message_id:
                m.spool_path = self.find_spool(m.message_id)
                if m.spool_path:
                    with open(m.spool_path, errors="surrogateescape") as f:
                        m.spool_header = f.read()

    def _dialogue(self, smtp, res, messages, helo, ehlo, quit):
        code, _ = smtp.reply("<greeting>")
        if smtp.maps:
            with open(f"/proc/{smtp.proc.pid}/maps") as f:
                res.maps = f.read()
        if code is None or code >= 400:
            return
        if helo is not None:
            code, _ = smtp.cmd(f"{'EHLO' if ehlo else 'HELO'} {helo}")
            if code is None:
                return
        for spec in messages:
            m = MessageResult()
            res.messages.append(m)
            m.mail_reply = smtp.cmd(f"MAIL FROM:<{spec.get('mail_from', 'a@example.net')}>")
            if m.mail_reply[0] is None:
                return
            ok = m.mail_reply[0] < 400
            rcpts = spec.get("rcpt", "u@example.org")
            if isinstance(rcpts, str):
                rcpts = [rcpts]
            any_rcpt = False
            if ok:
                for r in rcpts:
                    rep = smtp.cmd(f"RCPT TO:<{r}>")
                    m.rcpt_replies.append(rep)
                    if rep[0] is None:
                        return
                    any_rcpt = any_rcpt or rep[0] < 400
            if ok and any_rcpt:
                m.data_reply = smtp.cmd("DATA")
                if m.data_reply[0] is None:
                    return
                if m.data_reply[0] == 354:
                    payload = _message_bytes(spec.get("headers"), spec.get("body"),
                                             spec.get("data"))
                    t1 = time.monotonic()
                    if not smtp.send(payload):
                        return
                    m.data_code, m.data_text = smtp.reply("<message data>")
                    m.data_elapsed = time.monotonic() - t1
                    if m.data_code is None:
                        return
                    mm = re.search(r"\bid=(\S+)", m.data_text or "")
                    if m.accepted and mm:
                        m.message_id = mm.group(1)
                    if m.data_code == 421:
                        return
                    continue
            code, _ = smtp.cmd("RSET")
            if code is None:
                return
        if quit:
            smtp.cmd("QUIT")


# --------------------------------------------------------------------------------------------
# building a throwaway local_scan module (self-tests)

def _tool_env():
    """Extra environment for exim4 under a checking tool: E2E_EXIM_ENV="K=V K2=V2" (e.g. the
    AddressSanitizer runtime preloaded for a sanitized module: `make test SANITIZE=1`)."""
    return dict(kv.split("=", 1) for kv in os.environ.get("E2E_EXIM_ENV", "").split() if "=" in kv)


def _tool_wrapper():
    """A command in front of exim4: E2E_EXIM_WRAPPER="valgrind --log-file=..." (test-valgrind)."""
    import shlex
    return shlex.split(os.environ.get("E2E_EXIM_WRAPPER", ""))


def compile_module(source_path, out_path, cc="cc"):
    r = subprocess.run([cc, "-Wall", "-shared", "-fPIC", "-I/usr/include/exim4", "-o",
                        out_path, source_path], capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise HarnessError(f"compiling {source_path} failed:\n{r.stdout}{r.stderr}")
    os.chmod(out_path, 0o755)
    return out_path


# An INI fragment for tests whose zones do not serve the senders' domains: the checks of the
# sender (SPF, sender_domain_unresolvable) score nothing.
NO_SENDER_CHECKS = """
[scores]
sender_domain_unresolvable = 0
spf_pass = 0
spf_fail = 0
spf_softfail = 0
spf_neutral = 0
spf_none = 0
spf_permerror = 0
spf_temperror = 0
"""
