"""The downstream examples of README "Use the score", each loaded by the program it is for, on
messages with a known X-Relaycheck-Score:

* exim-conf-examples/spamassassin/relaycheck.cf: `spamassassin --lint` is clean with Debian's
  shipped rules and this file, and `spamassassin -L -t` hits exactly the right tier;
* exim-conf-examples/filter/relaycheck.system-filter (`exim4 -bF`) flags 10 or more, and
  relaycheck.forward (`exim4 -bf`) files it into ~/Maildir/.Junk/;
* exim-conf-examples/sieve/relaycheck.sieve (`sieve-test`, Dovecot Pigeonhole) files 10 or more
  into Junk and keeps the rest in INBOX.
"""

import glob
import os
import re
import shutil
import subprocess

import harness

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
EXAMPLES = os.path.join(REPO, "exim-conf-examples")
SA_RULES = os.path.join(EXAMPLES, "spamassassin", "relaycheck.cf")
SYSTEM_FILTER = os.path.join(EXAMPLES, "filter", "relaycheck.system-filter")
FORWARD = os.path.join(EXAMPLES, "filter", "relaycheck.forward")
SIEVE = os.path.join(EXAMPLES, "sieve", "relaycheck.sieve")
TIERS = ["RELAYCHECK_1_4", "RELAYCHECK_5_9", "RELAYCHECK_10_14", "RELAYCHECK_15_UP"]


def require(ctx, *programs):
    for p in programs:
        if shutil.which(p, path="/usr/sbin:/usr/bin:/sbin:/bin") is None:
            if os.environ.get("E2E_REQUIRE_MODULE"):
                raise AssertionError(f"{p} is not installed (make deps)")
            ctx.skip(f"{p} is not installed (make deps)")


def message(ctx, score, name=None):
    """A message file as relaycheck leaves it; score None: no X-Relaycheck-Score."""
    path = ctx.path(name or f"msg-{score}.eml")
    lines = ["From: Alice <a@example.net>", "To: u@example.org", "Subject: downstream",
             "Date: Fri, 04 Dec 2026 10:00:00 +0000", "Message-ID: <downstream@example.net>"]
    if score is not None:
        lines.append(f"X-Relaycheck-Score: {score}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n\nA message.\n")
    os.chmod(path, 0o644)
    return path


# ---- SpamAssassin ----------------------------------------------------------------------------

def sa_site(ctx, extra=""):
    """A site configuration directory: Debian's /etc/spamassassin with relaycheck.cf added."""
    site = ctx.path("sa-site")
    shutil.rmtree(site, ignore_errors=True)
    os.makedirs(site)
    for f in glob.glob("/etc/spamassassin/*.pre") + glob.glob("/etc/spamassassin/*.cf"):
        shutil.copy(f, site)
    with open(SA_RULES) as f:
        rules = f.read()
    with open(os.path.join(site, "relaycheck.cf"), "w") as f:
        f.write(rules + extra)
    return site


def spamassassin(ctx, site, *args, stdin=None):
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C", "HOME": ctx.path("sa-home")}
    os.makedirs(env["HOME"], exist_ok=True)
    return subprocess.run(["spamassassin", "--siteconfigpath", site] + list(args), env=env,
                          stdin=stdin, capture_output=True, text=True, timeout=300)


def test_spamassassin_rules_lint_clean(ctx):
    require(ctx, "spamassassin")
    r = spamassassin(ctx, sa_site(ctx), "--lint")
    assert r.returncode == 0 and r.stdout == "" and r.stderr == "", r.stdout + r.stderr
    # and lint does see the file: a broken rule in it is reported
    r = spamassassin(ctx, sa_site(ctx, "header RELAYCHECK_BROKEN X-Relaycheck-Score =~ /(/\n"),
                     "--lint")
    assert r.returncode != 0 and "RELAYCHECK_BROKEN" in r.stderr, r.stdout + r.stderr


def test_spamassassin_rules_tiers(ctx):
    require(ctx, "spamassassin")
    site = sa_site(ctx)
    cases = [(12, "RELAYCHECK_10_14"), (3, "RELAYCHECK_1_4"), (15, "RELAYCHECK_15_UP"),
             (150, "RELAYCHECK_15_UP"), (-2, None), (None, None)]
    for score, tier in cases:
        with open(message(ctx, score)) as f:
            r = spamassassin(ctx, site, "-L", "-t", stdin=f)
        assert r.returncode in (0, 1), r.stderr
        hits = set(re.findall(r"^\s*-?[\d.]+ (RELAYCHECK_\w+)", r.stdout, re.M))
        assert hits == ({tier} if tier else set()), (score, hits, r.stdout[-1500:])
        if score == 12:
            ctx.info(re.search(r"^\s*[\d.]+ RELAYCHECK_10_14.*$", r.stdout, re.M).group(0).strip())


# ---- Exim filters ----------------------------------------------------------------------------

def exim_conf(ctx):
    d = ctx.path("exim-filter")
    os.makedirs(os.path.join(d, "spool"), exist_ok=True)
    conf = os.path.join(d, "exim.conf")
    with open(conf, "w") as f:
        f.write(f"primary_hostname = mx.e2e.test\nspool_directory = {d}/spool\n"
                f"log_file_path = {d}/%slog\n")
    return conf


def exim_filter(ctx, conf, mode, filter_file, score):
    with open(message(ctx, score)) as f:
        r = subprocess.run([harness.EXIM_BIN, "-C", conf, mode, filter_file], stdin=f,
                           capture_output=True, text=True, timeout=60,
                           env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"})
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_exim_system_filter_flags(ctx):
    conf = exim_conf(ctx)
    flag = 'Headers add "X-Relaycheck-Junk: yes"'
    for score, flagged in [(12, True), (10, True), (9, False), (-30, False), (None, False)]:
        out = exim_filter(ctx, conf, "-bF", SYSTEM_FILTER, score)
        assert 'Testing Exim filter file' in out, out
        assert (flag in out) == flagged, (score, out)
        assert "Normal delivery will occur." in out, (score, out)


def test_exim_forward_filter_files_into_junk(ctx):
    conf = exim_conf(ctx)
    for score, junk in [(12, True), (10, True), (9, False), (-30, False), (None, False)]:
        out = exim_filter(ctx, conf, "-bf", FORWARD, score)
        assert ("Save message to: Maildir/.Junk/" in out) == junk, (score, out)
        assert ("Normal delivery will occur." in out) == (not junk), (score, out)


# ---- Sieve ----------------------------------------------------------------------------------

def test_sieve_files_into_junk(ctx):
    require(ctx, "sieve-test", "runuser")
    # sieve-test will not run as root (mail_uid): as nobody, in a directory it may write
    # (it saves the compiled script next to it).
    d = ctx.path("sieve")
    os.makedirs(d)
    shutil.chown(d, "nobody")
    script = os.path.join(d, "relaycheck.sieve")
    shutil.copy(SIEVE, script)
    os.chmod(script, 0o644)
    for score, folder in [(12, "Junk"), (10, "Junk"), (1000, "Junk"), (9, "INBOX"),
                          (-30, "INBOX"), (None, "INBOX")]:
        msg = message(ctx, score, name=os.path.join("sieve", f"msg-{score}.eml"))
        r = subprocess.run(["runuser", "-u", "nobody", "--", "sieve-test", script, msg],
                           capture_output=True, text=True, timeout=60,
                           env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C",
                                "HOME": d})
        assert r.returncode == 0, r.stdout + r.stderr
        stores = re.findall(r"store message in folder: (\S+)", r.stdout)
        assert stores == [folder], (score, r.stdout)
