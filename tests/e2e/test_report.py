"""relaycheck --report (issue 15): the module's log lines as one self-contained HTML page, opened
in a real browser. Debian's chromium loads it headless: its DOM is dumped and the charts' bars
counted, a PNG is rendered, and the browser must report no error about the page. The page must
name no script, image, style sheet or font outside itself."""

import gzip
import html.parser
import os
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET

from test_cli import run, write

SVG = "{http://www.w3.org/2000/svg}"


_ids = iter(range(10000))


def line(when, ip, score, action, checks):
    return (f"2026-02-0{when} 1bbbbb-{next(_ids):06d}-AA relaycheck: "
            f"ip={ip} score={score} action={action} checks={checks} queries=3 time=5ms")


# Six hours, 10:00 to 15:00, with nothing at 13:00: six slots in the time chart.
LOG = [
    line("3 10:05:00", "192.0.2.10", 0, "accept", "none"),
    line("3 10:06:00", "192.0.2.10", 0, "accept", "none"),
    line("3 11:00:00", "192.0.2.66", 15, "reject", "ptr_missing(+8),helo_not_fqdn(+2),dnsbl:bl.test(+5)"),
    line("3 11:30:00", "198.51.100.7", 8, "accept", "ptr_missing(+8)"),
    line("3 12:00:00", "2001:db8:1:2::25", 3, "accept", "ptr_generic(+3)"),
    line("3 14:00:00", "192.0.2.66", 15, "reject", "ptr_missing(+8),helo_not_fqdn(+2),dnsbl:bl.test(+5)"),
    line("3 15:59:59", "192.0.2.70", 0, "tempreject", "ptr_missing(temp)"),
    "2026-02-03 15:59:59 1bbbbb-000099-AA <= a@b.example H=(x) [192.0.2.70] P=esmtp S=1",
]
SCORES = {0, 3, 8, 15}
CHECKS = {"ptr_missing", "helo_not_fqdn", "dnsbl:bl.test", "ptr_generic"}


class Dom(html.parser.HTMLParser):
    """The elements of a dumped DOM: (tag, attrs, ids of the enclosing elements)."""

    def __init__(self):
        super().__init__()
        self.stack, self.elements = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.elements.append((tag, a, [x.get("id") for _, x in self.stack]))
        if tag not in ("meta", "br", "hr", "img", "input", "link", "rect", "line"):
            self.stack.append((tag, a))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs), [x.get("id") for _, x in self.stack]))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def count(self, tag, inside, cls):
        return sum(1 for t, a, ids in self.elements
                   if t == tag and inside in ids and cls in a.get("class", "").split())


def chromium(ctx):
    path = shutil.which("chromium")
    if path is None:
        raise AssertionError("chromium not installed (make deps installs it)")
    return path


def browse(ctx, page, *args):
    profile = ctx.path("chromium-profile")
    env = {"PATH": "/usr/bin:/bin", "HOME": ctx.tmpdir, "LANG": "C"}
    return subprocess.run([chromium(ctx), "--headless", "--no-sandbox", "--disable-gpu",
                           "--disable-dev-shm-usage", f"--user-data-dir={profile}",
                           "--enable-logging=stderr", "--v=0", *args, "file://" + page],
                          capture_output=True, text=True, env=env, timeout=180)


def page_errors(stderr):
    """What the browser said about the page: console messages, failed loads."""
    return [l for l in stderr.splitlines()
            if "CONSOLE" in l or "net::ERR" in l or "Failed to load" in l or "Uncaught" in l]


def test_report_in_a_browser(ctx):
    log = ctx.path("mainlog.1.gz")
    with gzip.open(log, "wt") as f:
        f.write("\n".join(LOG) + "\n")
    cfg = write(ctx, "c.ini", "[relaycheck]\nreject_score = 15\n")
    page = ctx.path("report.html")
    r = run(ctx, "--report", page, "--config", cfg, log)
    assert r.returncode == 0 and r.stdout == "" and r.stderr == "", r
    text = open(page).read()

    # self-contained: nothing fetched, nothing run
    assert "<script" not in text.lower(), text
    assert not re.search(r"\b(src|href)\s*=|url\(|@import", text, re.I), text
    assert set(re.findall(r"https?://[^\s\"']+", text)) <= {
        "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xhtml"}, text

    # well-formed: the same counts through an XML parser
    root = ET.fromstring(text.split("\n", 1)[1])
    svgs = {s.get("id"): s for s in root.iter(SVG + "svg") if s.get("id")}
    assert set(svgs) == {"chart-time", "chart-scores", "chart-checks"}, svgs
    assert len(svgs["chart-time"].findall(SVG + "g[@class='slot']")) == 6

    # in the browser
    d = browse(ctx, page, "--dump-dom")
    assert d.returncode == 0, d.stderr[-2000:]
    assert page_errors(d.stderr) == [], page_errors(d.stderr)
    dom = Dom()
    dom.feed(d.stdout)
    assert dom.count("g", "chart-time", "slot") == 6, d.stdout
    # the hours' bars: 10:00 accept, 11:00 reject + accept, 12:00 accept, 13:00 none,
    # 14:00 reject, 15:00 tempreject
    assert dom.count("rect", "chart-time", "accept") == 3 + 1    # + the legend's key
    assert dom.count("rect", "chart-time", "reject") == 2 + 1
    assert dom.count("rect", "chart-time", "tempreject") == 1 + 1
    assert dom.count("rect", "chart-scores", "bar") == len(SCORES)
    assert dom.count("rect", "chart-scores", "reject") == 1      # score 15 at reject_score 15
    assert dom.count("rect", "chart-checks", "hit") == len(CHECKS)
    assert dom.count("rect", "chart-checks", "temp") == 1        # ptr_missing(temp)
    rows = [ids for t, a, ids in dom.elements if t == "tr" and "table-relays" in ids]
    assert len(rows) == 1 + 5, rows                              # header + five relays
    nets = [ids for t, a, ids in dom.elements if t == "tr" and "table-networks" in ids]
    assert len(nets) == 1 + 3, nets                  # 192.0.2.0/24, 198.51.100.0/24, /48
    assert "2001:db8:1::/48" in d.stdout and "192.0.2.0/24" in d.stdout, d.stdout
    assert "Actions per hour" in d.stdout and "7 messages, 2026-02-03 10:05:00" in d.stdout

    # rendered to a picture, without errors about the page
    png = ctx.path("report.png")
    s = browse(ctx, page, f"--screenshot={png}", "--window-size=1000,1600")
    assert s.returncode == 0, s.stderr[-2000:]
    assert page_errors(s.stderr) == [], page_errors(s.stderr)
    with open(png, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", head
    assert struct.unpack(">II", head[16:24]) == (1000, 1600), head
    assert os.path.getsize(png) > 10000, os.path.getsize(png)    # not a blank page


def test_report_days_and_errors(ctx):
    # more than 72 hours: one bar a day, every day from the first to the last
    log = write(ctx, "mainlog", "\n".join([
        line("1 10:00:00", "192.0.2.10", 0, "accept", "none"),
        line("5 23:00:00", "192.0.2.66", 15, "reject", "ptr_missing(+8)")]) + "\n")
    page = ctx.path("days.html")
    r = run(ctx, "--report", page, log)
    assert r.returncode == 0, r
    root = ET.fromstring(open(page).read().split("\n", 1)[1])
    svg = [s for s in root.iter(SVG + "svg") if s.get("id") == "chart-time"][0]
    titles = [g.find(SVG + "title").text for g in svg.findall(SVG + "g[@class='slot']")]
    assert [t.split(":")[0] for t in titles] == [f"2026-02-0{d}" for d in range(1, 6)], titles
    assert "Actions per day" in open(page).read()

    # a log that cannot be read: the page is still written, exit 66
    r = run(ctx, "--report", page, ctx.path("no-such-log"))
    assert r.returncode == 66 and os.path.exists(page), r
    # a page that cannot be written
    r = run(ctx, "--report", ctx.path("no-such-dir", "x.html"), log)
    assert r.returncode == 73, r
    for args, message in [(["--report", page, "--summary"],
                           "--report does not go with --check-config, --summary, --batch or "
                           "--replay"),
                          (["--report", page, "--ip", "192.0.2.1"],
                           "--report reads log files; --ip, --helo, --from, --auth do not apply"),
                          (["--report", page, "--json"],
                           "--report takes only --config and log files")]:
        r = run(ctx, *args)
        assert r.returncode == 64, (args, r)
        assert r.stderr == f"relaycheck: {message}\nTry 'relaycheck --help'.\n", (args, r.stderr)
