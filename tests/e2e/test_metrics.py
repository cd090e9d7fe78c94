"""relaycheck --summary --prometheus (issue 15): the module's log lines as Prometheus metrics,
checked by Debian's promtool and read back value by value."""

import re
import shutil
import subprocess

from test_cli import SYNTHETIC_LOG, run, write


def metrics(text):
    """{(name, labels): value} of an exposition text (labels as written)."""
    out = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.fullmatch(r'([a-z_]+)(\{.*\})? (\S+)', line)
        assert m, line
        out[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return out


def test_prometheus_passes_promtool_and_counts(ctx):
    log = write(ctx, "mainlog", SYNTHETIC_LOG +
                '2026-01-02 10:00:09 1aaaaa-000009-AA relaycheck: ip=192.0.2.72 score=5 '
                'action=accept checks=dnsbl:we"ird\\zone(+5) queries=2 time=1ms\n')
    r = run(ctx, "--summary", "--prometheus", log)
    assert r.returncode == 0, r
    promtool = shutil.which("promtool")
    if promtool is None:
        raise AssertionError("promtool not installed (make deps installs prometheus)")
    p = subprocess.run([promtool, "check", "metrics"], input=r.stdout, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, (p.stdout, p.stderr, r.stdout)
    m = metrics(r.stdout)
    assert m[("relaycheck_messages_total", '{action="accept"}')] == 7, m
    assert m[("relaycheck_messages_total", '{action="tempreject"}')] == 1, m
    assert m[("relaycheck_messages_total", '{action="reject"}')] == 1, m
    assert m[("relaycheck_check_hits_total", '{check="ptr_missing"}')] == 4, m
    assert m[("relaycheck_check_temps_total", '{check="ptr_missing"}')] == 1, m
    assert m[("relaycheck_check_hits_total", '{check="no_server_check"}')] == 1, m
    assert m[("relaycheck_check_hits_total", '{check="dnsbl:we\\"ird\\\\zone"}')] == 1, m
    assert m[("relaycheck_allowlisted_total", "")] == 1, m
    assert m[("relaycheck_config_errors_total", "")] == 1, m
    assert m[("relaycheck_dns_seconds_total", "")] == 8.068, m
    # the histogram: scores 0,8,13,18,0,3,0,10,5 -> cumulative buckets
    assert m[("relaycheck_score_bucket", '{le="0"}')] == 3, m
    assert m[("relaycheck_score_bucket", '{le="5"}')] == 5, m
    assert m[("relaycheck_score_bucket", '{le="10"}')] == 7, m
    assert m[("relaycheck_score_bucket", '{le="15"}')] == 8, m
    assert m[("relaycheck_score_bucket", '{le="+Inf"}')] == 9, m
    assert m[("relaycheck_score_count", "")] == 9 and m[("relaycheck_score_sum", "")] == 57, m


def test_prometheus_usage(ctx):
    for args, message in [(["--prometheus", "--ip", "192.0.2.1"], "--prometheus goes with --summary"),
                          (["--summary", "--prometheus", "--json"],
                           "--json and --prometheus do not go together")]:
        r = run(ctx, *args)
        assert r.returncode == 64, (args, r)
        assert r.stderr == f"relaycheck: {message}\nTry 'relaycheck --help'.\n", (args, r.stderr)
