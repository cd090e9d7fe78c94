"""relaycheck --replay (issue 15): Exim main logs, plain, gzip and standard input, evaluated
again against the test NSD; every variant of Exim's arrival line (IPv6, H=name (helo) [ip]:port,
H=(helo) [ip], H=[ip], U=, P=esmtps, X= TLS fields, A= auth, quoted T= with field-like text,
local arrivals without H=, 4.97 message ids, milliseconds, time zone and pid), unreadable
arrival lines counted and quoted, each distinct relay evaluated once."""

import gzip
import json
import re

from test_cli import GENERIC, GOOD, NOPTR, V6, ZONES, ini, run, write

# (line, what it is)
LOG = [
    # 1, 2: the same relay and sender twice (one evaluation), TLS fields, a port
    "2026-03-02 09:00:01 1tAAAA-000001-AB <= a@good.example H=mail.good.example "
    "[192.0.2.10]:25123 I=[198.51.100.1]:25 P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 "
    "CV=no S=1200 id=1@good.example",
    "2026-03-02 09:10:01 1tAAAA-000002-AB <= a@good.example H=mail.good.example "
    "[192.0.2.10]:25124 P=esmtp S=1300 id=2@good.example",
    # 3: HELO in parentheses, no name; a subject that looks like fields
    '2026-03-02 10:00:04 1tAAAA-000003-AB <= spam@good.example H=(foo) [192.0.2.66]:4000 '
    'P=esmtp S=900 T="hi H=(x) [192.0.2.10] A=plain:x" from <spam@good.example> for u@x',
    # 4: a bounce, name and HELO
    "2026-03-02 10:20:05 1tAAAA-000004-AB <= <> H=nowhere.good.example (foo) [192.0.2.66]:4001 "
    "P=esmtp S=500",
    # 5: authenticated (A=, U=, esmtpsa): the module does not check it
    "2026-03-02 10:30:06 1tAAAA-000005-AB <= c@good.example H=r30-2-0-192.dialup.adsl.isp.example "
    "(laptop) [192.0.2.30]:51000 U=carol P=esmtpsa X=TLS1.2:ECDHE-RSA-AES128-GCM-SHA256:128 "
    "CV=no A=plain:carol S=3000",
    # 6: IPv6; milliseconds, time zone and pid
    "2026-03-02 11:00:07.123 +0100 [4242] 1tAAAA-000006-AB <= d@good.example "
    "H=mail6.good.example [2001:db8::25]:2525 P=esmtp S=100",
    # 7: no name, no HELO; a 4.97 message id
    "2026-03-02 11:00:08 1tAAAA-00000000007-ABCD <= e@good.example H=[192.0.2.66] P=smtp S=1",
    # 8: local
    "2026-03-02 11:00:09 1tAAAA-000008-AB <= root@mx.e2e.test U=root P=local S=400",
    # 9, 10: unreadable arrivals
    "2026-03-02 11:00:10 1tAAAA-000009-AB <= f@x H=(helo) 192.0.2.9 P=esmtp S=1",
    "2026-03-02 11:00:11 1tAAAA-000010-AB <= g@x H=(helo) [not-an-ip] P=esmtp S=1",
    # not arrivals
    "2026-03-02 11:00:12 1tAAAA-000001-AB => u@local R=local_user T=mail_spool",
    "2026-03-02 11:00:13 1tAAAA-000001-AB Completed",
    "2026-03-02 11:00:14 H=(foo) [192.0.2.66] F=<a <= b@x> rejected RCPT <u@x>: relay not permitted",
    # 14: a dial-up name, forward-confirmed
    "2026-03-02 12:00:15 1tAAAA-000015-AB <= h@good.example H=(r30-2-0-192.dialup.adsl.isp.example) "
    "[192.0.2.30]:1234 P=esmtp S=1",
]


def setup(ctx):
    ns = ctx.nsd(ZONES)
    return write(ctx, "relaycheck.ini", ini(ns, main="reject_score = 10"))


def test_replay_text(ctx):
    path = setup(ctx)
    log = write(ctx, "mainlog", "\n".join(LOG) + "\n")
    r = run(ctx, "--replay", "-c", path, log)
    assert r.returncode == 0, r
    out = r.stdout
    assert out.startswith("relaycheck replay: 14 log lines read, 8 arrivals over SMTP from 7 "
                          "distinct relays (address, HELO, sender)\n"), out
    assert re.search(r"^  local arrivals \(no H=, not checked\) +1$", out, re.M), out
    assert re.search(r"^  not checked: authenticated +1$", out, re.M), out
    assert re.search(r"^  unreadable arrival lines +2$", out, re.M), out
    assert f'    {log}:9: H=: no ") [" after the HELO name: 2026-03-02 11:00:10 ' in out, out
    assert f"    {log}:10: H=: not an IP address: 2026-03-02 11:00:11 " in out, out
    # the checked messages: 8 arrivals less the authenticated one
    assert "relaycheck summary: 7 messages, 2026-03-02 09:00:01 .. 2026-03-02 12:00:15\n" in out
    # 192.0.2.66 with HELO foo: no PTR 8 + not FQDN 2 + bl.test 5 = 15 >= 10, twice; without
    # HELO (not FQDN either) 15
    assert re.search(r"^  ptr_missing +3 ", out, re.M), out
    assert re.search(r"^  dnsbl:bl\.test +3 ", out, re.M), out
    assert re.search(r"^  helo_not_fqdn +3 ", out, re.M), out
    assert re.search(r"^  reject +3 +42\.9%$", out, re.M), out
    assert re.search(r"^  192\.0\.2\.66 +3 +0 +0 +3 +15$", out, re.M), out
    assert re.search(r"^  192\.0\.2\.10 +2 +2 +0 +0 +0$", out, re.M), out
    assert re.search(r"^  192\.0\.2\.0/24 +6 ", out, re.M), out
    assert re.search(r"^  2001:db8::/48 +1 +1 +0 +0 +0$", out, re.M), out


def test_replay_gzip_stdin_json_and_whatif(ctx):
    path = setup(ctx)
    plain = write(ctx, "mainlog", "\n".join(LOG[:7]) + "\n")
    gz = ctx.path("mainlog.1.gz")
    with gzip.open(gz, "wt") as f:
        f.write("\n".join(LOG[7:]) + "\n")
    r = run(ctx, "--replay", "-c", path, "--json", plain, gz)
    assert r.returncode == 0, r
    v = json.loads(r.stdout)
    rp = v["replay"]
    assert (rp["lines"], rp["arrivals"], rp["distinct"], rp["local"], rp["unreadable"]) == \
        (14, 8, 7, 1, 2), rp
    assert rp["skipped"] == {"authenticated": 1}, rp
    assert rp["unreadable_lines"][0].startswith(gz + ':2: H=: no ") [" after the HELO name: '), rp
    assert rp["unreadable_lines"][1].startswith(gz + ":3: H=: not an IP address: "), rp
    assert v["messages"] == 7 and v["actions"]["reject"] == 3, v
    assert v["distinct_relays"] == 4 and v["relays"][0]["ip"] == "192.0.2.66", v["relays"]
    assert v["relays"][0]["messages"] == 3 and v["relays"][0]["max_score"] == 15, v["relays"]
    assert {n["network"] for n in v["networks"]} == {"192.0.2.0/24", "2001:db8::/48"}, v

    # the same from standard input ("-"), plain and gzip alike; what-if thresholds
    with open(gz, "rb") as f:
        gzdata = f.read()
    text = "\n".join(LOG) + "\n"
    r1 = run(ctx, "--replay", "-c", path, "--reject-score", "16", "-", stdin=text)
    assert r1.returncode == 0, r1
    assert "what if: reject_score = 16, tempreject_score = 0\n" in r1.stdout, r1.stdout
    assert re.search(r"^ +configured +what-if$", r1.stdout, re.M), r1.stdout
    assert "3 messages reject -> accept" in r1.stdout, r1.stdout
    import subprocess
    from test_cli import cli_path
    p = subprocess.run([cli_path(ctx), "--replay", "-c", path, "--json"], input=gzdata,
                       capture_output=True, env={"PATH": "/usr/bin:/bin"}, timeout=60)
    assert p.returncode == 0, p
    assert json.loads(p.stdout)["replay"]["arrivals"] == 1, p.stdout   # lines 8..14: one over SMTP


def test_replay_errors(ctx):
    path = setup(ctx)
    r = run(ctx, "--replay", "-c", path, ctx.path("no-such-log"))
    assert r.returncode == 66, r
    assert r.stdout.startswith("relaycheck replay: 0 log lines read"), r.stdout
    cut = ctx.path("cut.gz")
    with open(cut, "wb") as f:
        f.write(gzip.compress(("\n".join(LOG) + "\n").encode())[:60])
    r = run(ctx, "--replay", "-c", path, cut)
    assert r.returncode == 66 and f"relaycheck: {cut}: " in r.stderr, r
    for args, message in [
            (["--replay", "--ip", GOOD],
             "--replay reads log files; --ip, --helo, --from, --auth do not apply"),
            (["--replay", "--batch"], "--replay does not go with --check-config, --summary or "
                                      "--batch"),
            (["--replay", "--summary"], "--replay does not go with --check-config, --summary or "
                                        "--batch")]:
        r = run(ctx, *args)
        assert r.returncode == 64, (args, r)
        assert r.stderr == f"relaycheck: {message}\nTry 'relaycheck --help'.\n", (args, r.stderr)
