"""Shared pieces of the benchmark drivers: paths, the private network namespace, Exim
instances built on the end-to-end harness, statistics and result files.

Standard library only (/usr/bin/python3, as root).
"""

import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))
sys.path.insert(0, os.path.join(REPO, "tests", "dnsresponder"))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

import harness  # noqa: E402
import scenario  # noqa: E402

NS_ENV = "RC_BENCH_IN_NAMESPACE"


class BenchError(Exception):
    """The benchmark could not produce its numbers (setup problem or a wrong result)."""


# ---------------------------------------------------------------------------------------------
# the private network and mount namespace

def in_namespace():
    return os.environ.get(NS_ENV) == "1"


def reexec_in_namespace(argv):
    """Run this script again inside fresh network and mount namespaces (root only); return its
    exit status.  --kill-child: if we are killed, so is everything inside."""
    if os.geteuid() != 0:
        raise BenchError("the benchmarks need root (exim4 -C/-bs -oMa, unshare, port 53)")
    if shutil.which("unshare") is None:
        raise BenchError("unshare (util-linux) not found")
    env = dict(os.environ)
    env[NS_ENV] = "1"
    cmd = ["unshare", "--net", "--mount", "--fork", "--kill-child",
           sys.executable, os.path.abspath(argv[0])] + list(argv[1:])
    return subprocess.call(cmd, env=env)


def _loopback_up():
    """`ip link set lo up` without needing iproute2: SIOCGIFFLAGS/SIOCSIFFLAGS."""
    import fcntl
    import socket
    import struct
    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        ifr = fcntl.ioctl(s, siocgifflags, struct.pack("16sh", b"lo", 0))
        flags = struct.unpack("16sh", ifr[:18])[1]
        fcntl.ioctl(s, siocsifflags, struct.pack("16sh", b"lo", flags | iff_up))


def setup_namespace(workdir):
    """Inside the namespaces: loopback up, and /etc/resolv.conf (bind-mounted, visible only in
    here) pointing at 127.0.0.1:53, where the benchmarks run their DNS server."""
    if not in_namespace():
        raise BenchError("setup_namespace outside the benchmark namespace")
    _loopback_up()
    rc = os.path.join(workdir, "resolv.conf")
    with open(rc, "w") as f:
        f.write("# benchmark namespace only\nnameserver 127.0.0.1\noptions timeout:5 attempts:1\n")
    os.chmod(rc, 0o644)
    subprocess.run(["mount", "--bind", rc, "/etc/resolv.conf"], check=True)
    with open("/etc/resolv.conf") as f:
        if "benchmark namespace only" not in f.read():
            raise BenchError("bind mount over /etc/resolv.conf did not take effect")


# ---------------------------------------------------------------------------------------------
# Exim through the e2e harness, with the benchmark's own configuration text

class BenchExim(harness.Exim):
    """harness.Exim with the configuration replaced by scenario.exim_conf(), and an optional
    command (valgrind) in front of exim4."""

    def __init__(self, workdir, module_path=None, ini_text=None, acl_checks=False,
                 wrapper=None, exim_bin=None, timeout=60.0, acl_rcpt=None):
        super().__init__(workdir, module_path, ini_text, timeout=timeout,
                         check_access=bool(module_path))
        self.wrapper = list(wrapper or [])
        self.bench_exim_bin = exim_bin
        with open(self.conf_path, "w") as f:
            f.write(scenario.exim_conf(self.dir, module_path, acl_checks, acl_rcpt=acl_rcpt))
        os.chmod(self.conf_path, 0o644)

    def argv(self, *a, **kw):
        v = super().argv(*a, **kw)
        if self.bench_exim_bin:
            v[0] = self.bench_exim_bin
        return self.wrapper + v

    def _dialogue(self, smtp, res, messages, helo, ehlo, quit):
        # QUIT is sent and the connection closed without waiting for the 221, as Postfix
        # does (smtp_skip_quit_response): Exim 4.96 holds the 221 for up to 200 ms hoping
        # the client closes first, which would add a constant 200 ms to every session.
        super()._dialogue(smtp, res, messages, helo, ehlo, False)
        if quit:
            smtp.send(b"QUIT\r\n")


def one_message(ex, ip, index=None, timeout=None):
    """One SMTP session carrying one message of the scenario; raises if it was not accepted."""
    r = ex.session(ip, helo=scenario.helo_name(index), mail_from=scenario.sender(index),
                   rcpt=scenario.RCPT, timeout=timeout)
    if r.data_code != 250:
        raise BenchError(f"message not accepted ({r.data_code}): {r.transcript()}\n"
                         f"stderr: {r.stderr}\npanic: {r.paniclog}")
    return r


def module_time_ms(r):
    """time=<ms> of the module's log line in this session's main log."""
    for line in r.mainlog:
        if "relaycheck: ip=" in line and " time=" in line:
            return int(line.rsplit("time=", 1)[1].split("ms")[0])
    raise BenchError(f"no relaycheck log line: {r.mainlog}")


def module_log_line(r):
    for line in r.mainlog:
        if "relaycheck: ip=" in line:
            return line
    return None


def module_did_spf(r):
    """Did the module evaluate SPF for this message?  A Received-SPF header, or an SPF
    finding in its report."""
    if r.header("Received-SPF"):
        return True
    return any("SPF:" in v for v in r.header("X-Relaycheck-Report"))


# ---------------------------------------------------------------------------------------------
# numbers

def median(xs):
    return statistics.median(xs) if xs else float("nan")


def fmt(x, digits=3):
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if x != x:
            return "nan"
        if abs(x) >= 1e6 or digits == 0:
            return f"{x:.0f}"
        return f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return str(x)


class Results:
    """key=value results of one benchmark, written to <out>/<name>.txt as they come."""

    def __init__(self, out_dir, name):
        self.path = os.path.join(out_dir, f"{name}.txt")
        self.values = {}
        self.notes = []
        os.makedirs(out_dir, exist_ok=True)

    def set(self, key, value, digits=3):
        self.values[key] = fmt(value, digits)
        self.flush()

    def note(self, text):
        self.notes.append(text)
        self.flush()

    def flush(self):
        with open(self.path, "w") as f:
            for k, v in self.values.items():
                f.write(f"{k}={v}\n")
        with open(self.path[:-4] + ".notes", "w") as f:
            for n in self.notes:
                f.write(n.rstrip("\n") + "\n")


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def machine_info():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = open("/proc/loadavg").read().split()[:3]
    except OSError:
        load = ["?"] * 3
    exim = subprocess.run(["/usr/sbin/exim4", "-bV"], capture_output=True, text=True)
    exim_ver = exim.stdout.splitlines()[0] if exim.stdout else "?"
    return {"nproc": os.cpu_count(), "cpu_model": cpu, "kernel": platform.release(),
            "loadavg_start": " ".join(load), "exim": exim_ver}


def workdir(prefix):
    d = tempfile.mkdtemp(prefix=f"rc-bench-{prefix}-")
    os.chmod(d, 0o755)
    return d

