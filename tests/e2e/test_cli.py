"""The relaycheck command (build/relaycheck, issue 6) against a real NSD: exit codes, text and
JSON output, --check-config, --summary, and proof that it prints exactly the texts the module
gives Exim (headers, SMTP reply, log line) for the same facts."""

import json
import os
import shutil
import re
import subprocess

from harness import free_port, ptr_name

ZONES = {
    "2.0.192.in-addr.arpa": """
10      PTR   mail.good.example.
20      PTR   nowhere.good.example.
30      PTR   r30-2-0-192.dialup.adsl.isp.example.
""",
    "8.b.d.0.1.0.0.2.ip6.arpa": f"""
{ptr_name("2001:db8::25")}  PTR  mail6.good.example.
""",
    "good.example": """
@       TXT   "v=spf1 ip4:192.0.2.10 ip6:2001:db8::25 ?all"
@       MX    10 mail
mail    A     192.0.2.10
mail    TXT   "v=spf1 a ?all"
mail6   AAAA  2001:db8::25
mail6   TXT   "v=spf1 a ?all"
""",
    "isp.example": """
r30-2-0-192.dialup.adsl   A   192.0.2.30
""",
    "bl.test": """
66.2.0.192      A     127.0.0.2
66.2.0.192      TXT   "Listed: see https://bl.test/lookup?ip=192.0.2.66"
""",
}

GOOD = "192.0.2.10"        # forward-confirmed PTR
NOPTR = "192.0.2.66"       # no PTR record, listed on bl.test
GENERIC = "192.0.2.30"     # dial-up name, forward-confirmed
V6 = "2001:db8::25"
HOSTNAME = "mx.e2e.test"   # the harness Exim's primary_hostname

EXIT_ACCEPT, EXIT_REJECT, EXIT_TEMPREJECT, EX_USAGE, EX_CONFIG = 0, 1, 2, 64, 78


def cli_path(ctx):
    path = os.environ.get("RELAYCHECK_CLI", os.path.join(ctx.repo, "build", "relaycheck"))
    if not os.path.exists(path):
        if os.environ.get("E2E_REQUIRE_MODULE"):
            raise AssertionError(f"{path} not built")
        ctx.skip(f"{path} not built (run make)")
    return path


def run(ctx, *args, stdin=None, env=None):
    e = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"}
    e.update(env or {})
    return subprocess.run([cli_path(ctx), *args], input=stdin, capture_output=True, text=True,
                          env=e, timeout=60)


def ini(ns, extra="", main=""):
    return f"""[relaycheck]
nameservers = {ns.nameserver}
dns_timeout = 3s
{main}

[dnsbl bl.test]
score = 5
label = Test BL
txt = yes
{extra}
"""


def write(ctx, name, text):
    path = ctx.path(name)
    with open(path, "w") as f:
        f.write(text)
    return path


def setup(ctx, main="", extra=""):
    ns = ctx.nsd(ZONES)
    return ns, write(ctx, "relaycheck.ini", ini(ns, extra, main))


def version():
    with open(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__)))), "Makefile")) as f:
        return re.search(r"^VERSION\s*:=\s*(\S+)", f.read(), re.M).group(1)


# --------------------------------------------------------------------------------------------

def test_version_and_usage(ctx):
    r = run(ctx, "--version")
    assert r.returncode == 0 and r.stdout == f"relaycheck {version()}\n", r
    r = run(ctx, "--help")
    assert r.returncode == 0 and "--check-config" in r.stdout and "78" in r.stdout, r
    for args in ([], ["--ip", "not-an-ip"], ["--bogus"], ["--ip"], ["--ip", GOOD, "extra"],
                 ["--ip", GOOD, "--reject-score", "5"], ["--summary", "--ip", GOOD],
                 ["--summary", "--score", "nosuchcheck=3"], ["--summary", "--score", "ptr_missing"]):
        r = run(ctx, *args)
        assert r.returncode == EX_USAGE, (args, r)
        assert r.stderr.startswith("relaycheck: "), (args, r.stderr)
        assert r.stdout == "", (args, r.stdout)


# Every rule of the command line (tools/args.c) with its exact message: the rules are checked
# before any mode runs, in this order of precedence, whatever the order of the options.
USAGE_RULES = [
    ([], "--ip ADDR is required (or --check-config, --summary, --version)"),
    (["--bogus"], "unknown option --bogus"),
    (["-x"], "unknown option -x"),
    (["--ip"], "option --ip needs a value"),
    (["--summary", "--check-config"], "--check-config and --summary do not go together"),
    (["--check-config", "--ip", GOOD], "--check-config takes only a file name"),
    (["--json", "--check-config"], "--check-config takes only a file name"),
    (["--check-config", "--reject-score", "5"], "--check-config takes only a file name"),
    (["--check-config", "a.ini", "b.ini"], 'unexpected argument "b.ini"'),
    (["--check-config=a.ini", "b.ini"], 'unexpected argument "b.ini"'),
    (["--helo", "x.example", "--summary"],
     "--summary reads log files; --ip, --helo, --from, --auth do not apply"),
    (["--ip", GOOD, "--score", "ptr_missing=5"],
     "--reject-score, --tempreject-score and --score go with --summary"),
    (["--summary", "--reject-score", "-1"], '--reject-score: "-1" is not a score (0..100000)'),
    (["--summary", "--tempreject-score", "100001"],
     '--tempreject-score: "100001" is not a score (0..100000)'),
    (["--summary", "--score", "ptr_missing"],
     "--score wants CHECK=N, e.g. ptr_missing=5 or dnsbl:zen.spamhaus.org=10"),
    (["--summary", "--score", "ptr_missing=x"],
     "--score ptr_missing=x: not an integer score (-1000..1000)"),
    (["--summary", "--score", "ptr_missing:zone=3"],
     "--score ptr_missing:zone=3: unknown check (a [scores] key, dnsbl, rhsbl, dnsbl:ZONE or "
     "rhsbl:ZONE)"),
    (["--ip", GOOD, "extra"], 'unexpected argument "extra"'),
    (["--ip", "not-an-ip"], "--ip not-an-ip: not an IPv4 or IPv6 address"),
    (["--ip", GOOD, "--interface", "zz"], "--interface zz: not an IPv4 or IPv6 address"),
]


def test_usage_errors_name_the_rule(ctx):
    for args, message in USAGE_RULES:
        r = run(ctx, *args)
        assert r.returncode == EX_USAGE, (args, r)
        assert r.stderr == f"relaycheck: {message}\nTry 'relaycheck --help'.\n", (args, r.stderr)
        assert r.stdout == "", (args, r.stdout)


def test_accept_text(ctx):
    ns, path = setup(ctx)
    r = run(ctx, "--config", path, "--ip", GOOD, "--helo", "mail.good.example",
            "--from", "a@good.example")
    assert r.returncode == EXIT_ACCEPT, r
    out = r.stdout
    assert f"configuration: {path}\n" in out, out
    assert "  PASS +0 Relay Host: DNS PTR record forward-confirmed (mail.good.example)\n" in out
    assert "  PASS +0 DNSBL: not listed on Test BL (192.0.2.10)\n" in out, out
    assert "total: 0 (reject at 15)\n" in out, out
    assert "action: accept\n" in out, out
    assert "  PASS +0 SPF: pass (good.example: 192.0.2.10 authorised)\n" in out, out
    # Received-SPF first, as the module adds it above Exim's Received:
    assert re.search(r"\nheaders:\nReceived-SPF: pass \(.*\) client-ip=192\.0\.2\.10; "
                     r"envelope-from=a@good\.example; helo=mail\.good\.example; "
                     r"identity=mailfrom;\nX-Relaycheck-Score: 0\n"
                     r"X-Relaycheck-Report: \+0 Relay Host:", out), out
    assert "$local_scan_data: score=0 checks=none\n" in out, out
    assert "SMTP reply" not in out
    assert re.search(r"^relaycheck: ip=192\.0\.2\.10 score=0 action=accept checks=none "
                     r"queries=\d+ time=\d+ms$", out, re.M), out


def test_reject_text_and_reply(ctx):
    ns, path = setup(ctx, main="reject_score = 10")
    r = run(ctx, "--config", path, "--ip", NOPTR, "--helo", "foo", "--from", "a@good.example")
    assert r.returncode == EXIT_REJECT, r
    out = r.stdout
    assert "  HIT  +8 Relay Host: No DNS PTR record (192.0.2.66)\n" in out, out
    assert "  HIT  +2 HELO: not a fully qualified domain name (foo: no dot)\n" in out, out
    assert ("  HIT  +5 DNSBL: listed on Test BL (192.0.2.66: 127.0.0.2: Listed: see "
            "https://bl.test/lookup?ip=192.0.2.66)\n") in out, out
    assert "total: 15 (reject at 10)\naction: reject\n" in out, out
    reply = out.split("\nSMTP reply:\n", 1)[1].split("\n\n", 1)[0].split("\n")
    assert reply[0] == "550-Relay host 192.0.2.66 failed sender checks (score 15 >= 10)", reply
    assert all(line.startswith("550-") for line in reply[:-1]), reply
    assert reply[-1].startswith("550 +5 DNSBL: listed on Test BL"), reply
    assert ("550-+8 Relay Host: No DNS PTR record (192.0.2.66): ask your Internet provider to "
            "create a DNS PTR record for 192.0.2.66") in reply, reply
    assert "$local_scan_data" not in out
    assert ("relaycheck: ip=192.0.2.66 score=15 action=reject checks=ptr_missing(+8),"
            "helo_not_fqdn(+2),dnsbl:bl.test(+5) queries=") in out, out


def test_tempreject_exit_code(ctx):
    ns, path = setup(ctx, main="reject_score = 20\ntempreject_score = 8")
    r = run(ctx, "-c", path, "-i", NOPTR, "-H", "mail.example.net")
    assert r.returncode == EXIT_TEMPREJECT, r
    assert "action: tempreject\n" in r.stdout
    assert "\n451-Relay host 192.0.2.66 failed sender checks (score 13 >= 8)\n" in r.stdout, \
        r.stdout


def test_dns_failure_is_temp(ctx):
    # Nothing listens on this port: every lookup fails, nothing may score as "absent".
    port = free_port()
    path = write(ctx, "dead.ini", f"[relaycheck]\nnameservers = 127.0.0.1:{port}\n"
                                  "dns_timeout = 1s\non_dns_failure = tempreject\n")
    r = run(ctx, "-c", path, "--ip", NOPTR, "--helo", "mail.example.net", "--json")
    assert r.returncode == EXIT_TEMPREJECT, r
    v = json.loads(r.stdout)
    assert v["action"] == "tempreject" and v["score"] == 0 and v["temp"] is True, v
    assert any(f["status"] == "TEMP" and f["check"].startswith("ptr") for f in v["findings"]), v
    assert all(f["score"] == 0 for f in v["findings"]), v
    assert v["reply"]["code"] == 451, v
    assert v["reply"]["lines"][0].startswith("451-"), v["reply"]
    assert "Relay host 192.0.2.66 could not be checked" in v["reply"]["lines"][0], v["reply"]
    assert "(temp)" in v["log"], v["log"]


def test_json(ctx):
    ns, path = setup(ctx, main="reject_score = 10")
    r = run(ctx, "-c", path, "--ip", NOPTR, "--helo", "foo", "--json")
    assert r.returncode == EXIT_REJECT, r
    v = json.loads(r.stdout)
    assert v["action"] == "reject" and v["score"] == 15 and v["exit"] == 1, v
    assert v["ip"] == NOPTR and v["helo"] == "foo" and v["sender"] == "", v
    f = {x["check"]: x for x in v["findings"]}
    assert f["ptr_missing"] == {"check": "ptr_missing", "status": "HIT", "score": 8,
                                "text": "Relay Host: No DNS PTR record", "detail": NOPTR,
                                "label": "",
                                "line": "+8 Relay Host: No DNS PTR record (192.0.2.66)"}, f
    assert f["dnsbl"]["label"] == "bl.test" and f["dnsbl"]["score"] == 5, f
    names = [h["name"] for h in v["headers"]]
    assert names == ["X-Relaycheck-Score", "X-Relaycheck-Report"], v["headers"]
    assert v["headers"][0]["text"] == "X-Relaycheck-Score: 15\n"
    assert v["headers"][1]["text"].startswith("X-Relaycheck-Report: +8 Relay Host: No DNS PTR")
    assert v["headers"][1]["text"].count("\n\t") == 2, v["headers"][1]
    assert v["reply"]["code"] == 550 and len(v["reply"]["lines"]) == 4, v["reply"]
    assert v["reply"]["lines"][-1].startswith("550 "), v["reply"]
    assert v["reply"]["text"].split("\n") == [l[4:] for l in v["reply"]["lines"]]
    assert v["local_scan_data"] is None
    assert v["log"].startswith("relaycheck: ip=192.0.2.66 score=15 action=reject "), v["log"]

    # accepted, IPv6 client: $local_scan_data, no reply
    r = run(ctx, "-c", path, "--ip", V6, "--helo", "mail6.good.example", "--json")
    assert r.returncode == EXIT_ACCEPT, r
    v = json.loads(r.stdout)
    assert v["reply"] is None and v["local_scan_data"] == "score=0 checks=none", v
    assert any(f["status"] == "PASS" and f["detail"] == "mail6.good.example"
               for f in v["findings"]), v


def test_skips_and_allowlist(ctx):
    ns, path = setup(ctx, extra="[no_server_check]\nip = 192.0.2.64/28\n")
    r = run(ctx, "-c", path, "--ip", NOPTR, "--auth")
    assert r.returncode == EXIT_ACCEPT, r
    assert "not checked: authenticated\n" in r.stdout, r.stdout
    assert "$local_scan_data: skipped=authenticated\n" in r.stdout, r.stdout
    r = run(ctx, "-c", path, "--ip", "127.0.0.1", "--json")
    v = json.loads(r.stdout)
    assert r.returncode == 0 and v["skipped"] == "skip_hosts 127.0.0.0/8", v
    assert v["headers"] == [] and v["log"] is None, v
    r = run(ctx, "-c", path, "--ip", NOPTR)
    assert r.returncode == EXIT_ACCEPT, r
    assert ("  PASS +0 Relay Host: on No Server Check list (ip 192.0.2.64/28)\n") in r.stdout
    assert 'checks=no_server_check allowlisted="ip 192.0.2.64/28"' in r.stdout, r.stdout


def test_config_selection_and_errors(ctx):
    ns, path = setup(ctx, main="reject_score = 5")
    # $RELAYCHECK_CONFIG is used without --config, as the module does
    r = run(ctx, "--ip", NOPTR, env={"RELAYCHECK_CONFIG": path})
    assert r.returncode == EXIT_REJECT and f"configuration: {path}\n" in r.stdout, r
    # a broken file: exit 78, errors as file:line, nothing on stdout
    bad = write(ctx, "bad.ini", "[relaycheck]\nreject_score = many\n[scores]\nptr_nope = 3\n")
    r = run(ctx, "--config", bad, "--ip", NOPTR)
    assert r.returncode == EX_CONFIG and r.stdout == "", r
    assert f"{bad}:2: reject_score" in r.stderr and f"{bad}:4: unknown check" in r.stderr, r
    assert "451 relaycheck: configuration error, see log" in r.stderr, r.stderr
    r = run(ctx, "--config", ctx.path("missing.ini"), "--ip", NOPTR)
    assert r.returncode == EX_CONFIG and "missing.ini:0: cannot open" in r.stderr, r
    # readable by root and Debian-exim only: not a configuration error, but 77
    os.chmod(path, 0o640)
    cli = ctx.path("relaycheck-copy")      # reachable by "nobody" wherever the build tree is
    shutil.copyfile(cli_path(ctx), cli)
    os.chmod(cli, 0o755)
    r = subprocess.run([cli, "--config", path, "--ip", NOPTR], user="nobody",
                       group="nogroup", extra_groups=[], capture_output=True, text=True, timeout=60,
                       env={"PATH": "/usr/bin:/bin", "LANG": "C"})
    assert r.returncode == 77 and "not readable by this user" in r.stderr, r
    assert "451" not in r.stderr, r.stderr


def test_check_config(ctx):
    ns, path = setup(ctx, extra="""codes = 127.0.0.2-127.0.0.9, 127.0.0.10=2, &4

[rhsbl dbl.test]
target = helo

[no_server_check]
ip = 198.51.100.0/24
ip = 2001:db8:1::/48
domain = partner.example
host = .partner.example
host = mx.other.example
""", main="skip_hosts = 10.0.0.0/8")
    r = run(ctx, "--check-config", path)
    assert r.returncode == 0, r
    out = r.stdout
    for line in (f"nameservers = {ns.nameserver}", "dns_timeout = 3s", "reject_score = 15",
                 "skip_hosts = 10.0.0.0/8", "ptr_missing = 8", "spf_fail = 6",
                 "[dnsbl bl.test]", "codes = 127.0.0.2-127.0.0.9, 127.0.0.10=2, &4",
                 "label = Test BL", "txt = yes", "[rhsbl dbl.test]", "target = helo",
                 "ip = 2001:db8:1::/48",
                 "domain = partner.example", "host = .partner.example",
                 "host = mx.other.example", "domain_requires_spf = yes"):
        assert f"\n{line}\n" in out, (line, out)
    assert "skip_hosts = 127.0.0.0/8" not in out   # replaced by the file's own list
    assert "\n[rhsbl dbl.test]\nscore = 5\ncodes = 127." in out, out   # the default codes
    # the dump is itself a valid file that gives the same configuration
    again = write(ctx, "dump.ini", out)
    r2 = run(ctx, "--check-config", again)
    assert r2.returncode == 0, r2
    strip = lambda s: s.split("\n", 1)[1]          # first line names the file
    assert strip(r2.stdout) == strip(out)
    # $RELAYCHECK_CONFIG, and --check-config=FILE
    r3 = run(ctx, "--check-config", env={"RELAYCHECK_CONFIG": path})
    assert r3.returncode == 0 and strip(r3.stdout) == strip(out), r3
    r3 = run(ctx, f"--check-config={path}")
    assert r3.returncode == 0 and strip(r3.stdout) == strip(out), r3
    # durations keep their unit; IPv6 nameservers with a port keep their brackets
    other = write(ctx, "other.ini", "[relaycheck]\ndns_timeout = 2500ms\n"
                                    "nameservers = [::1]:5353, 127.0.0.1\nskip_hosts =\n")
    r4 = run(ctx, "-C", other)
    assert r4.returncode == 0, r4
    for line in ("dns_timeout = 2500ms", "nameservers = [::1]:5353", "nameservers = 127.0.0.1",
                 "skip_hosts ="):
        assert f"\n{line}\n" in r4.stdout, (line, r4.stdout)


def test_check_config_errors(ctx):
    bad = write(ctx, "bad.ini", "[relaycheck]\n"
                                "reject_score = 10\n"
                                "reject_score = 12\n"
                                "nameservers = 1.2.3.4:99999\n"
                                "[dnsbl bl.test]\n"
                                "codes = 10.0.0.1\n"
                                "[whatever]\n")
    r = run(ctx, "--check-config", bad)
    assert r.returncode == EX_CONFIG and r.stdout == "", r
    lines = [l for l in r.stderr.splitlines() if l.startswith(bad + ":")]
    assert [l.split(":")[1] for l in lines] == ["3", "4", "6", "7"], r.stderr
    assert "duplicate key" in lines[0] and "unknown section [whatever]" in lines[3], lines
    r = run(ctx, "--check-config", ctx.path("nope.ini"))
    assert r.returncode == EX_CONFIG and "nope.ini:0: cannot open" in r.stderr, r


SYNTHETIC_LOG = """\
2026-01-02 10:00:00 1aaaaa-000001-AA <= a@good.example H=mail.good.example [192.0.2.10] P=esmtp S=300
2026-01-02 10:00:00 1aaaaa-000001-AA relaycheck: ip=192.0.2.10 score=0 action=accept checks=none queries=5 time=12ms
2026-01-02 10:00:01 1aaaaa-000002-AA relaycheck: ip=192.0.2.66 score=8 action=accept checks=ptr_missing(+8),dnsbl:bl.test(temp) queries=4 time=3000ms
2026-01-02 10:00:02 1aaaaa-000003-AA relaycheck: ip=192.0.2.67 score=13 action=accept checks=ptr_missing(+8),dnsbl:bl.test(+5) queries=4 time=20ms
2026-01-02 10:00:03 1aaaaa-000004-AA relaycheck: ip=192.0.2.68 score=18 action=reject checks=ptr_missing(+8),helo_not_fqdn(+2),dnsbl:zen.test(+8) queries=6 time=30ms
2026-01-02 10:00:04 1aaaaa-000005-AA relaycheck: ip=192.0.2.69 score=0 action=accept checks=no_server_check allowlisted="ip 192.0.2.0/24" queries=0 time=0ms
2026-01-02 10:00:05 [1234] 1aaaaa-000006-AA relaycheck: ip=2001:db8::1 score=3 action=accept checks=ptr_generic(+3) queries=3 reused=yes time=1ms
2026-01-02 10:00:06 1aaaaa-000007-AA relaycheck: ip=192.0.2.70 score=0 action=tempreject checks=ptr_missing(temp) queries=1 time=5000ms
2026-01-02 10:00:07 relaycheck: configuration error: /etc/exim4/relaycheck.ini:3: unknown key "x" in this section
2026-01-02 10:00:08 1aaaaa-000008-AA relaycheck: ip=192.0.2.71 score=10 action=accept checks=ptr_missing(+8),helo_not_fqdn(+2) note="domain entry p.example not honoured" queries=3 time=4ms
"""


# Issue 12 item 10: lines that merely contain the module's words are not its lines.
FORGED_LOG = """\
2026-01-02 11:00:00 1aaaaa-000009-AA ** x@y.example F=<"relaycheck: ip=6.6.6.6 score=99 action=reject checks=ptr_missing(+99) queries=1 time=1ms"@evil.example> R=r T=t: rejected
2026-01-02 11:00:01 H=(evil) [6.6.6.6] F=<"relaycheck: ip=6.6.6.7 score=99 action=reject checks=none queries=1 time=1ms"@evil.example> rejected RCPT <a@b.example>
2026-01-02 11:00:02 1aaaaa-000010-AA <= "relaycheck: configuration error: forged"@evil.example H=(evil) [6.6.6.6] P=smtp S=1
relaycheck: ip=6.6.6.8 score=99 action=reject checks=none queries=1 time=1ms
2026-01-02 11:00:03 x relaycheck: ip=6.6.6.9 score=99 action=reject checks=none queries=1 time=1ms
2026-01-02 11:00:04.123 +0100 [77] 1aaaaa-000011-AA relaycheck: ip=192.0.2.80 score=2 action=accept checks=helo_not_fqdn(+2) queries=2 time=1ms
2026-01-02 11:00:05 1xZRmp-00000000011-0tAB relaycheck: ip=192.0.2.81 score=0 action=accept checks=none queries=2 time=1ms
2026-01-02 11:00:06 relaycheck: ip=192.0.2.82 score=0 action=accept checks=none queries=2 time=1ms
"""


def test_summary_counts_only_the_modules_own_lines(ctx):
    log = write(ctx, "mainlog", FORGED_LOG)
    cfg = write(ctx, "c.ini", "[relaycheck]\nreject_score = 15\n")
    r = run(ctx, "--summary", log, "--config", cfg)
    assert r.returncode == 0, r
    out = r.stdout
    # the three real lines: millisec + timezone + pid, a 4.97 message id, no id at all
    assert out.startswith("relaycheck summary: 3 messages, "), out
    assert re.search(r"^  accept +3 +100\.0%$", out, re.M), out
    assert re.search(r"^  reject +0 +0\.0%$", out, re.M), out
    assert "configuration error" not in out, out
    assert "ptr_missing" not in out, out


def test_summary(ctx):
    log = write(ctx, "mainlog", SYNTHETIC_LOG)
    cfg = write(ctx, "c.ini", "[relaycheck]\nreject_score = 15\n")   # the logging config
    r = run(ctx, "--summary", log, "--config", cfg)
    assert r.returncode == 0, r
    out = r.stdout
    assert out.startswith("relaycheck summary: 8 messages, 2026-01-02 10:00:00 .. "
                          "2026-01-02 10:00:08\n"), out
    assert re.search(r"^  accept +6 +75\.0%$", out, re.M), out
    assert re.search(r"^  tempreject +1 +12\.5%$", out, re.M), out
    assert re.search(r"^  reject +1 +12\.5%$", out, re.M), out
    assert re.search(r"^  allowlisted +1 ", out, re.M), out
    assert re.search(r"^  with TEMP +2 ", out, re.M), out
    assert re.search(r"^  reused +1 ", out, re.M), out
    assert "configuration errors logged: 1" in out, out
    assert re.search(r"^  ptr_missing +4 +50\.0% +1 +\+8$", out, re.M), out
    assert re.search(r"^  dnsbl:bl\.test +1 +12\.5% +1 +\+5$", out, re.M), out
    assert re.search(r"^  no_server_check +1 ", out, re.M), out
    # cumulative "at or above" column: 2 messages scored 13 or more
    assert re.search(r"^ +13 +1 +2 +#", out, re.M), out
    assert "what if" not in out

    # stdin works the same
    r2 = run(ctx, "--summary", "--config", cfg, stdin=SYNTHETIC_LOG)
    assert r2.returncode == 0 and r2.stdout == out, r2

    # what a lower reject_score would have done
    r = run(ctx, "--summary", "--config", cfg, "--reject-score", "10", log)
    assert r.returncode == 0, r
    assert "what if: reject_score = 10, tempreject_score = 0\n" in r.stdout, r.stdout
    assert re.search(r"^  reject +1 +3 +\+2$", r.stdout, re.M), r.stdout
    assert "2 messages accept -> reject" in r.stdout, r.stdout

    # re-scoring a check: ptr_missing 8 -> 12 with the logged threshold 15
    r = run(ctx, "--summary", "--config", cfg, "--score", "ptr_missing=12",
            "--score", "dnsbl:bl.test=0", "--json", log)
    assert r.returncode == 0, r
    v = json.loads(r.stdout)
    assert v["messages"] == 8 and v["actions"] == {"accept": 6, "tempreject": 1, "reject": 1}
    assert v["checks"]["ptr_missing"] == {"hits": 4, "temps": 1, "listed": 0}, v["checks"]
    w = v["whatif"]
    assert w["reject_score"] == 15 and w["rescore"] == {"ptr_missing": 12, "dnsbl:bl.test": 0}
    # 192.0.2.67: 13 - 8 + 12 - 5 = 12 (accept); .71: 10 + 4 = 14 (accept); .68: 22 (reject)
    assert w["actions"] == {"accept": 6, "tempreject": 1, "reject": 1}, w
    assert w["scores"]["22"] == 1 and w["scores"]["14"] == 1 and w["scores"]["12"] == 2, w

    r = run(ctx, "--summary", ctx.path("no-such-log"))
    assert r.returncode == 66, r


def test_same_texts_as_the_module(ctx):
    """The CLI's headers, SMTP reply and log line are the module's, byte for byte."""
    ctx.require_module()
    ns = ctx.nsd(ZONES)
    text = ini(ns, main="reject_score = 10")
    path = write(ctx, "same.ini", text)
    ex = ctx.exim(text)
    cases = [(GOOD, "mail.good.example", "a@good.example"),
             (GENERIC, "foo", "b@good.example"),
             (NOPTR, "[192.0.2.66]", "c@good.example"),
             (V6, "mail6.good.example", "")]
    exim_lines = []
    for ip, helo, sender in cases:
        r = ex.session(ip, helo=helo, mail_from=sender)
        c = run(ctx, "-c", path, "--ip", ip, "--helo", helo, "--from", sender,
                "--hostname", HOSTNAME, "--json")
        v = json.loads(c.stdout)
        assert c.returncode == {"accept": 0, "reject": 1, "tempreject": 2}[v["action"]]
        logs = r.log_lines("relaycheck: ip=")
        assert len(logs) == 1, logs
        exim_lines.append(logs[0])
        strip_time = lambda s: re.sub(r" time=\d+ms$", "", s)
        assert strip_time(logs[0].split(" ", 3)[3]) == strip_time(v["log"]), (logs, v["log"])
        if v["action"] == "accept":
            assert r.data_code == 250, r.transcript()
            # every header the module adds (Received-SPF too, once the module adds it)
            ours = [f"{n}:{val}\n" for f, n, val in r.spool_headers
                    if f != "*" and (n.startswith("X-Relaycheck-") or n == "Received-SPF")]
            assert ours == [h["text"] for h in v["headers"]], (ours, v["headers"])
        else:
            assert r.data_code == v["reply"]["code"], (r.transcript(), v["reply"])
            assert r.data_text == v["reply"]["text"], (r.data_text, v["reply"]["text"])

    # and --summary reads what the module wrote
    log = write(ctx, "mainlog", "\n".join(exim_lines) + "\n")
    s = run(ctx, "--summary", "--json", log)
    v = json.loads(s.stdout)
    assert s.returncode == 0 and v["messages"] == len(cases), (s, v)
    assert v["actions"]["reject"] == 1 and v["checks"]["ptr_missing"]["hits"] == 1, v
