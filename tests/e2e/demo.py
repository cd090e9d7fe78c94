#!/usr/bin/python3
"""relaycheck demo: real SMTP sessions through Debian's real exim4 with the module.

    sudo make demo          (or: sudo /usr/bin/python3 tests/e2e/demo.py)

Starts a private NSD on 127.0.0.1:<free port> serving a few sample hosts, writes a private
Exim configuration and relaycheck.ini into a temporary directory, pushes one SMTP session per
host through `exim4 -C <conf> -bs -oMa <ip>` and shows, per host, the final SMTP reply, the
headers relaycheck added (from the spool -H file) and its main-log line.  Then one session with
a low reject_score, to show the 550 with the findings and the remedy.

Builds nothing (the Makefile builds build/relaycheck.so first; RELAYCHECK_MODULE overrides the
path), changes no system configuration, and removes everything it made.  Needs root (exim4 -C
with -oMa is root-only).  Exit status 0 if every session went as expected, 1 otherwise.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True   # keep the source tree clean

import harness  # noqa: E402

ZONES = {
    "2.0.192.in-addr.arpa": """
10   PTR   mail.good.example.
11   PTR   noaddr.good.example.
12   PTR   mail.elsewhere.example.
""",
    "good.example": """
@        TXT "v=spf1 ip4:192.0.2.10 ip4:192.0.2.11 -all"
@        MX  10 mail
mail     A   192.0.2.10
relay    A   192.0.2.11
""",
    "elsewhere.example": """
@        TXT "v=spf1 ip4:192.0.2.12 -all"
@        MX  10 smtp
mail     A   198.51.100.7
smtp     A   192.0.2.12
""",
    "dsl.example": """
@        TXT "v=spf1 a:mail.dsl.example -all"
@        MX  10 mail
mail     A   198.51.100.25
pc66     A   192.0.2.66
""",
    "partner.example": """
mx       A   192.0.2.13
""",
}

# (client IP, what it is, HELO, MAIL FROM, expected: (SMTP code, score, text in the log line))
HOSTS = [
    ("192.0.2.10", "a well-run mail server: PTR mail.good.example, whose A record points back",
     "mail.good.example", "alice@good.example", (250, "0", "action=accept checks=none")),
    ("192.0.2.66", "no PTR record at all (typical of an infected home PC), "
     "and dsl.example's SPF record does not authorise it",
     "pc66.dsl.example", "bob@dsl.example", (250, "14", "checks=ptr_missing(+8),spf_fail(+6)")),
    ("192.0.2.12", "PTR mail.elsewhere.example, but that name resolves to 198.51.100.7",
     "smtp.elsewhere.example", "carol@elsewhere.example", (250, "4", "checks=ptr_mismatch(+4)")),
    ("192.0.2.11", "PTR noaddr.good.example, a name with no address record",
     "relay.good.example", "dave@good.example", (250, "4", "checks=ptr_no_address(+4)")),
    ("192.0.2.13", "a partner's server without PTR, on the No Server Check list",
     "mx.partner.example", "erin@partner.example", (250, "0", "checks=no_server_check")),
]

INI = """[relaycheck]
nameservers = {ns}
dns_timeout = 3s
reject_score = {reject}

[no_server_check]
ip = 192.0.2.13
"""

WIDTH = 10  # label column


class DemoError(Exception):
    pass


def out(label, text=""):
    """Print `text` with a label in the left column; continuation lines are indented."""
    lines = str(text).split("\n")
    print(f"  {label:<{WIDTH - 2}}{lines[0]}")
    for line in lines[1:]:
        print(" " * WIDTH + line)


def smtp_reply(code, text):
    """The reply as it went over the wire: 550-first line / 550 last line."""
    lines = (text or "").split("\n")
    return "\n".join(f"{code}{'-' if i < len(lines) - 1 else ' '}{line}"
                     for i, line in enumerate(lines))


def relaycheck_log(res):
    lines = [ln for ln in res.mainlog if "relaycheck:" in ln]
    return [ln[ln.index("relaycheck:"):] for ln in lines]


def show(n, total, ip, what, helo, sender, res, expect):
    """Print one session; return a list of problems (empty when all is as expected)."""
    print(f"\n[{n}/{total}] {ip}  {what}")
    out("sent", f"EHLO {helo}, MAIL FROM:<{sender}>")
    problems = []
    if res.data_code is None:
        out("reply", "(none: the session ended before the message was answered)")
        problems.append("no reply to the message data")
    else:
        out("reply", smtp_reply(res.data_code, res.data_text))
    if res.accepted:
        hdrs = [(name, value) for flag, name, value in res.spool_headers
                if flag != "*" and (name.lower().startswith("x-relaycheck-")
                                    or name.lower() == "received-spf")]
        for name, value in hdrs:
            value = value.strip().replace("\n\t", "\n" + " " * (len(name) + 2))
            out("header", f"{name}: {value}")
        if not hdrs:
            out("header", "(none)")
    else:
        out("header", "(none: the message was not accepted)")
    logs = relaycheck_log(res)
    for line in logs or ["(no relaycheck line in the main log)"]:
        out("log", line)

    code, score, logtext, reply_text = (tuple(expect) + (None,))[:4]
    if res.data_code != code:
        problems.append(f"SMTP code {res.data_code}, expected {code}")
    elif reply_text and reply_text not in res.data_text:
        problems.append(f"the reply should contain {reply_text!r}")
    if res.accepted:
        got = res.header("X-Relaycheck-Score")
        if got != [score]:
            problems.append(f"X-Relaycheck-Score {got}, expected {score}")
        if len(res.header("X-Relaycheck-Report")) != 1:
            problems.append("no X-Relaycheck-Report header")
    if len(logs) != 1 or logtext not in logs[0]:
        problems.append(f"log line should contain {logtext!r}")
    if res.paniclog:
        problems.append("panic log: " + " | ".join(res.paniclog))
    if res.exit_status != 0:
        problems.append(f"exim4 exited with status {res.exit_status}: {res.stderr.strip()}")
    for p in problems:
        out("!!", p)
    return problems


def exim_version():
    r = subprocess.run([harness.EXIM_BIN, "-bV"], capture_output=True, text=True, timeout=30)
    first = (r.stdout or "").splitlines()[:1]
    return first[0].replace(" version", "").split(" #")[0] if first else "exim4"


def shown(path):
    rel = os.path.relpath(path, REPO)
    return path if rel.startswith("..") else rel


def prepare_module(tmpdir):
    """Copy the module where the Exim user can certainly read it."""
    src = os.environ.get("RELAYCHECK_MODULE", os.path.join(REPO, "build", "relaycheck.so"))
    if not os.path.isfile(src):
        raise DemoError(f"{shown(src)} not found: build it first (make)")
    dst = os.path.join(tmpdir, "relaycheck.so")
    shutil.copyfile(src, dst)
    os.chmod(dst, 0o755)
    return src, dst


def run(tmpdir):
    for prog, pkg in ((harness.EXIM_BIN, "exim4-daemon-heavy"), (harness.NSD_BIN, "nsd")):
        if not os.access(prog, os.X_OK):
            raise DemoError(f"{prog} not found: install {pkg} (make deps)")
    src, module = prepare_module(tmpdir)
    failures = 0
    with harness.Nsd(ZONES) as ns:
        ini = INI.format(ns=ns.nameserver, reject=15)
        ex = harness.Exim(os.path.join(tmpdir, "exim"), module, ini)
        print(f"relaycheck demo: {exim_version()} with {shown(src)}, "
              f"DNS from a private NSD on {ns.nameserver}")
        print("relaycheck.ini: " + "; ".join(
            ln.strip() for ln in ini.splitlines()
            if ln.strip() and not ln.startswith("[relaycheck")).replace("]; ", "] "))
        total = len(HOSTS) + 1
        for n, (ip, what, helo, sender, expect) in enumerate(HOSTS, 1):
            res = ex.session(ip, helo=helo, mail_from=sender)
            failures += bool(show(n, total, ip, what, helo, sender, res, expect))

        # The host without PTR again, with a low limit: a 550 its admin can act on.
        ex.write_ini(INI.format(ns=ns.nameserver, reject=5))
        ip, _, helo, sender, _ = HOSTS[1]
        res = ex.session(ip, helo=helo, mail_from=sender)
        failures += bool(show(total, total, ip, "no PTR record again, now with reject_score = 5",
                              helo, sender, res,
                              (550, None, "action=reject", "ask your Internet provider")))
    print()
    if failures:
        print(f"demo: {failures} of {total} sessions did not go as expected (see !! above)")
        return 1
    print(f"demo: all {total} sessions went as expected")
    return 0


def _terminate(signum, frame):
    raise KeyboardInterrupt


def main():
    if os.geteuid() != 0:
        print("demo: needs root: Exim runs a private configuration (-C) with a faked client "
              "address (-oMa) only for root.\n      Run: sudo make demo", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _terminate)
    tmpdir = tempfile.mkdtemp(prefix="relaycheck-demo-")
    os.chmod(tmpdir, 0o755)     # the Exim user must be able to traverse it
    try:
        return run(tmpdir)
    except (DemoError, harness.HarnessError, OSError, subprocess.SubprocessError) as e:
        print(f"\ndemo: FAILED: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ndemo: interrupted", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
