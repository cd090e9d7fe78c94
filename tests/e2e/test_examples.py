"""exim-conf-examples/ as shipped: the commented relaycheck.ini covers every key with its default
and works in a real session; exim.conf, the Debian conf.d snippet and the template snippet are
accepted by the real exim4 (-bV) and load the module in a real SMTP session."""

import os
import re
import shutil
import subprocess

import harness
from harness import EXIM_BIN
from test_defaults import option_rows

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "exim-conf-examples")
INI = os.path.join(EXAMPLES, "relaycheck.ini")
EXIM_CONF = os.path.join(EXAMPLES, "exim.conf")
CONFD_SNIPPET = os.path.join(EXAMPLES, "conf.d", "main", "00_relaycheck")
TEMPLATE_SNIPPET = os.path.join(EXAMPLES, "exim4.conf.template.snippet")
CONFD_ACL_SNIPPET = os.path.join(EXAMPLES, "conf.d", "main", "00_relaycheck_acl")
ACL_RCPT = os.path.join(EXAMPLES, "acl-rcpt.conf")
INSTALLED_ACL_FILE = "/etc/exim4/relaycheck-acl-rcpt.conf"
INSTALLED_MODULE = "/usr/lib/exim4/local_scan/relaycheck.so"

NOPTR = "198.51.100.66"          # no PTR record; HELO name resolves to it
PARTNER = "198.51.100.13"        # PTR mx.partner.example, forward-confirmed
ZEN_SBL = "203.0.113.2"          # the ZEN test point: answers 127.0.0.2, .4 and .10
ZEN_XBL = "203.0.113.4"
ZEN_PBL = "203.0.113.10"
ZEN_REFUSED = "203.0.113.254"    # what Spamhaus tells a public resolver

ZONES = {
    "100.51.198.in-addr.arpa": """
13      PTR   mx.partner.example.
""",
    "113.0.203.in-addr.arpa": "",

    "partner.example": """
mx      A     198.51.100.13
""",
    "client.example": """
mail    A     198.51.100.66
mail    A     198.51.100.13
mail    A     203.0.113.2
mail    A     203.0.113.4
mail    A     203.0.113.10
mail    A     203.0.113.254
""",
    "zen.spamhaus.org": """
2.113.0.203     A     127.0.0.2
2.113.0.203     A     127.0.0.4
2.113.0.203     A     127.0.0.10
4.113.0.203     A     127.0.0.4
10.113.0.203    A     127.0.0.10
254.113.0.203   A     127.255.255.254
""",
    "dbl.spamhaus.org": """
spam.example    A     127.0.1.2
abused.example  A     127.0.1.102
""",
}

HELO = "mail.client.example"


# ------------------------------------------------------------------------------------------
# helpers

def read(path):
    with open(path) as f:
        return f.read()


def repo_file(*parts):
    return os.path.join(os.path.dirname(EXAMPLES), *parts)


def ini_sections(text):
    """{section header: {key: [values]}} of the active (uncommented) lines."""
    out, cur = {}, None
    for line in text.splitlines():
        s = line.strip()
        if not s or s[0] in "#;":
            continue
        if s.startswith("["):
            cur = s[1:s.index("]")].strip()
            out.setdefault(cur, {})
            continue
        key, _, value = s.partition("=")
        value = re.split(r"\s;", value, maxsplit=1)[0].strip()
        out[cur].setdefault(key.strip(), []).append(value)
    return out


def with_nameserver(text, ns):
    new, n = re.subn(r"(?m)^nameservers[ \t]*=.*$", f"nameservers = {ns.nameserver}", text)
    assert n == 1, f"the example should have exactly one nameservers line, has {n}"
    return new


def set_option(conf, name, value):
    """Replace the one `name = ...` line of an Exim configuration."""
    new, n = re.subn(rf"(?m)^(\s*){name}\s*=.*$", lambda m: f"{m.group(1)}{name} = {value}",
                     conf)
    assert n == 1, f"{name} is set {n} times, expected once"
    return new


def write_conf(path, text):
    """A -C file as Exim wants it: owned by root, not writable by group or others."""
    with open(path, "w") as f:
        f.write(text)
    os.chown(path, 0, 0)
    os.chmod(path, 0o644)
    return path


def exim_bv(path):
    r = subprocess.run([EXIM_BIN, "-bV", "-C", path], capture_output=True, text=True,
                       timeout=30, stdin=subprocess.DEVNULL)
    out = r.stdout + r.stderr
    assert r.returncode == 0, f"exim4 -bV -C {path} failed ({r.returncode}):\n{out}"
    assert f"Configuration file is {path}" in out, out
    return out


def relaycheck_log(r):
    return [ln for ln in r.mainlog if "relaycheck: ip=" in ln]


def assert_checked(r, ip, score=None):
    assert r.data_code == 250, r.transcript() + "\n" + "\n".join(r.mainlog + r.paniclog)
    got = r.header("X-Relaycheck-Score")
    assert len(got) == 1, f"want one X-Relaycheck-Score header, got {got}\n{r.spool_header}"
    if score is not None:
        assert got == [str(score)], (got, r.header("X-Relaycheck-Report"))
    assert len(relaycheck_log(r)) == 1 and f"ip={ip} " in relaycheck_log(r)[0], r.mainlog
    assert not r.paniclog, r.paniclog
    return r.header("X-Relaycheck-Report")[0]


def harness_main_conf(ex):
    """The main section of the harness's own configuration, without a module."""
    conf = read(ex.conf_path)
    assert "local_scan_path" not in conf
    return conf


def snippet_for(path, module):
    text = read(path)
    new, n = re.subn(r"(?m)^local_scan_path\s*=\s*" + re.escape(INSTALLED_MODULE) + r"\s*$",
                     f"local_scan_path = {module}", text)
    assert n == 1, f"{path}: want one local_scan_path = {INSTALLED_MODULE} line, found {n}"
    return new


# ------------------------------------------------------------------------------------------
# relaycheck.ini

def _source_keys(ctx):
    """Keys the parser accepts, per section kind, with their built-in defaults: the option
    table and the catalogue's [scores], as build/tests/optrows prints them."""
    tables, defaults = {}, {}
    kinds = {"relaycheck": "main", "no_server_check": "nsc", "dnsbl": "dnsbl", "rhsbl": "rhsbl"}
    for sec, key, _, default in option_rows(ctx):
        if sec in kinds:
            tables.setdefault(kinds[sec], []).append(key)
        defaults[(sec, key)] = default
    scores = {k: int(d) for (sec, k), d in defaults.items() if sec == "scores"}
    assert set(tables) == {"main", "nsc", "dnsbl", "rhsbl"}, tables.keys()
    assert len(scores) >= 14, scores
    return tables, scores, defaults


def test_example_ini_covers_every_key_with_defaults(ctx):
    tables, scores, defaults = _source_keys(ctx)
    secs = ini_sections(read(INI))
    where = {"main": ["relaycheck"], "nsc": ["no_server_check"],
             "dnsbl": [s for s in secs if s.startswith("dnsbl ")],
             "rhsbl": [s for s in secs if s.startswith("rhsbl ")]}
    assert "dnsbl zen.spamhaus.org" in secs, list(secs)
    assert where["rhsbl"], "no [rhsbl ...] example"
    missing = [f"[{sec}] {key}" for kind, keys in tables.items() for sec in where[kind]
               for key in keys if key not in secs.get(sec, {})]
    missing += [f"[scores] {k}" for k in scores if k not in secs.get("scores", {})]
    assert not missing, "keys not shown in the example: " + ", ".join(missing)
    wrong = [f"{k} = {secs['scores'][k]} (default {d})" for k, d in scores.items()
             if secs["scores"][k] != [str(d)]]
    assert not wrong, "[scores] not at their defaults: " + ", ".join(wrong)

    # The main and No Server Check sections show the built-in defaults (the option table).
    for sec in ("relaycheck", "no_server_check"):
        for (dsec, key), default in defaults.items():
            if dsec == sec and default is not None:
                shown = " ".join(secs[sec].get(key, []))
                assert sorted(shown.split()) == sorted(default.split()), (sec, key, shown, default)
    assert secs["no_server_check"]["domain_requires_spf"] == ["yes"]

    # ZEN with per-code scores: SBL high, XBL, PBL lower.
    zen = " ".join(secs["dnsbl zen.spamhaus.org"]["codes"])
    codes = dict(re.findall(r"(127\.0\.0\.\d+(?:-127\.0\.0\.\d+)?)=(\d+)", zen))
    assert int(codes["127.0.0.2-127.0.0.3"]) > int(codes["127.0.0.4-127.0.0.7"]) \
        > int(codes["127.0.0.10-127.0.0.11"]) > 0, codes
    assert "127.255.255.254" in read(INI)


def test_example_ini_as_shipped_loads(ctx):
    # Verbatim, nameservers = (empty: /etc/resolv.conf). Loopback is in skip_hosts, so the
    # session needs no DNS, but the file is parsed for it: an error would give a 451.
    ctx.require_module()
    ex = ctx.exim(read(INI))
    r = ex.session("127.0.0.1")
    assert r.data_code == 250, r.transcript() + "\n" + "\n".join(r.paniclog)
    assert not r.paniclog, r.paniclog
    assert not [ln for ln in r.mainlog if "relaycheck" in ln], r.mainlog
    assert r.header("X-Relaycheck-Score") == []          # skipped, as documented


def test_example_ini_in_a_session(ctx):
    ctx.require_module()
    ns = ctx.nsd(ZONES)
    ex = ctx.exim(with_nameserver(read(INI), ns))

    rep = assert_checked(ex.session(NOPTR, helo=HELO), NOPTR)
    assert f"+8 Relay Host: No DNS PTR record ({NOPTR})" in rep, rep
    assert "DNSBL: not listed on Spamhaus ZEN" in rep, rep

    # [no_server_check] ip = 192.0.2.0/24 and host = .partner.example
    rep = assert_checked(ex.session("192.0.2.55", helo=HELO), "192.0.2.55", 0)
    assert rep == "+0 Relay Host: on No Server Check list (ip 192.0.2.0/24)", rep
    rep = assert_checked(ex.session(PARTNER, helo="mx.partner.example"), PARTNER, 0)
    assert "on No Server Check list (host .partner.example (mx.partner.example))" in rep, rep

    # ZEN per-code scores (these clients have no PTR record either: +8). One listing alone
    # stays below the example's reject_score of 15 ...
    rep = assert_checked(ex.session(ZEN_PBL, helo=HELO), ZEN_PBL)
    assert f"+4 DNSBL: listed on Spamhaus ZEN ({ZEN_PBL}: 127.0.0.10)" in rep, rep
    assert f"+8 Relay Host: No DNS PTR record ({ZEN_PBL})" in rep, rep
    # ... with the missing PTR record an SBL or XBL listing rejects. Several codes: the
    # highest-scoring one counts.
    for ip, code, points in ((ZEN_SBL, "127.0.0.2", 10), (ZEN_XBL, "127.0.0.4", 8)):
        r = ex.session(ip, helo=HELO)
        assert r.data_code == 550, r.transcript()
        assert re.search(rf"Relay host {ip} failed sender checks \(score \d+ >= 15\)",
                         r.data_text), r.data_text
        want = f"+{points} DNSBL: listed on Spamhaus ZEN ({ip}: {code})"
        assert want in r.data_text, f"{want!r} not in {r.data_text!r}"
        assert "+8 Relay Host: No DNS PTR record" in r.data_text, r.data_text

    # A public resolver's refusal is TEMP, never a listing; the message is accepted.
    r = ex.session(ZEN_REFUSED, helo=HELO)
    rep = assert_checked(r, ZEN_REFUSED)
    assert "+0 DNSBL: Spamhaus ZEN answered an error code" in rep, rep
    assert "127.255.255.254, the list refused the query" in rep, rep
    assert "DNSBL: listed on" not in rep, rep
    assert "dnsbl:zen.spamhaus.org(temp)" in relaycheck_log(r)[0], relaycheck_log(r)

    # DBL on the sender domain: spam domains count, abused legitimate ones do not.
    rep = assert_checked(ex.session(NOPTR, helo=HELO, mail_from="x@spam.example"), NOPTR)
    assert "+6 DNSBL: listed on Spamhaus DBL (spam.example: 127.0.1.2)" in rep, rep
    rep = assert_checked(ex.session(NOPTR, helo=HELO, mail_from="x@abused.example"), NOPTR)
    assert "DNSBL: listed on" not in rep, rep
    assert "not listed on Spamhaus DBL (abused.example" in rep, rep


# ------------------------------------------------------------------------------------------
# exim.conf

def adapted_exim_conf(ex, module):
    conf = read(EXIM_CONF)
    conf = set_option(conf, "local_scan_path", module)
    conf = set_option(conf, "spool_directory", ex.spool)
    conf = set_option(conf, "log_file_path", f"{ex.logdir}/%slog")
    return conf


def test_exim_conf_accepted_by_exim(ctx):
    module = ctx.require_module()
    exim_bv(write_conf(ctx.path("exim.conf"), read(EXIM_CONF)))      # verbatim
    ex = ctx.exim("[relaycheck]\n")
    exim_bv(write_conf(ex.conf_path, adapted_exim_conf(ex, module)))


def test_exim_conf_session_adds_headers(ctx):
    module = ctx.require_module()
    ns = ctx.nsd(ZONES)
    ex = ctx.exim(f"[relaycheck]\nnameservers = {ns.nameserver}\ndns_timeout = 3s\n")
    write_conf(ex.conf_path, adapted_exim_conf(ex, module))
    r = ex.session(NOPTR, helo=HELO, rcpt="postmaster@localhost")
    rep = assert_checked(r, NOPTR, 8)
    assert f"+8 Relay Host: No DNS PTR record ({NOPTR})" in rep, rep
    # the example relays for nobody
    r = ex.session(NOPTR, helo=HELO, rcpt="someone@elsewhere.example")
    assert r.rcpt_replies and r.rcpt_replies[0][0] == 550, r.transcript()


# ------------------------------------------------------------------------------------------
# Debian snippets

def _snippet_session(ctx, snippet_path):
    module = ctx.require_module()
    ns = ctx.nsd(ZONES)
    ex = harness.Exim(ctx.path("exim"), None,
                      f"[relaycheck]\nnameservers = {ns.nameserver}\ndns_timeout = 3s\n")
    conf = snippet_for(snippet_path, module) + "\n" + harness_main_conf(ex)
    exim_bv(write_conf(ex.conf_path, conf))
    # the .ifdef guard must not hide the option from Debian's exim4: the module is loaded
    rep = assert_checked(ex.session(NOPTR, helo=HELO), NOPTR, 8)
    assert "No DNS PTR record" in rep, rep


def test_confd_snippet_in_minimal_config(ctx):
    _snippet_session(ctx, CONFD_SNIPPET)


def test_template_snippet_in_minimal_config(ctx):
    _snippet_session(ctx, TEMPLATE_SNIPPET)


def _generate(ctx, name, split, snippet=None, extra_main=None):
    """Run Debian's update-exim4.conf on a private copy of /etc/exim4 (output to tmpdir) with
    the snippet added (and extra_main: {file name: text} more conf.d/main files); returns the
    path of the generated configuration."""
    gen = "/usr/sbin/update-exim4.conf"
    if not (os.access(gen, os.X_OK) and os.path.isdir("/etc/exim4/conf.d")
            and os.path.isfile("/etc/exim4/exim4.conf.template")
            and os.path.isfile("/etc/exim4/update-exim4.conf.conf")):
        ctx.skip("Debian's exim4-config (update-exim4.conf, /etc/exim4) is not installed")
    confdir = ctx.path(name)
    os.makedirs(confdir)
    shutil.copytree("/etc/exim4/conf.d", os.path.join(confdir, "conf.d"))
    shutil.copy("/etc/exim4/exim4.conf.template", confdir)
    ue = read("/etc/exim4/update-exim4.conf.conf")
    ue = re.sub(r"(?m)^dc_use_split_config=.*$", "", ue)
    ue += f"\ndc_use_split_config='{'true' if split else 'false'}'\n"
    with open(os.path.join(confdir, "update-exim4.conf.conf"), "w") as f:
        f.write(ue)
    if split:
        with open(os.path.join(confdir, "conf.d", "main", "00_relaycheck"), "w") as f:
            f.write(snippet or read(CONFD_SNIPPET))
        for fname, text in (extra_main or {}).items():
            with open(os.path.join(confdir, "conf.d", "main", fname), "w") as f:
                f.write(text)
    else:
        tpl = os.path.join(confdir, "exim4.conf.template")
        text, n = re.subn(r"(?m)^(exim_path = .*\n)", lambda m: m.group(1) + "\n" +
                          read(TEMPLATE_SNIPPET), read(tpl), count=1)
        assert n == 1, "no exim_path line in Debian's template"
        with open(tpl, "w") as f:
            f.write(text)
    out = ctx.path(name + ".conf")
    r = subprocess.run([gen, "--confdir", confdir, "--output", out], capture_output=True,
                       text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, f"update-exim4.conf failed: {r.stdout}{r.stderr}"
    text = read(out)
    assert re.search(r"(?m)^local_scan_path = " + re.escape(INSTALLED_MODULE) + "$", text), \
        "local_scan_path missing from the generated configuration"
    write_conf(out, text)
    exim_bv(out)
    r = subprocess.run([EXIM_BIN, "-C", out, "-bP", "local_scan_path"], capture_output=True,
                       text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert r.stdout.strip() == f"local_scan_path = {INSTALLED_MODULE}", r.stdout + r.stderr
    return out


def test_debian_generator_split_config(ctx):
    _generate(ctx, "split", split=True)
    # The snippet's advice: defining MAIN_KEEP_ENVIRONMENT there reaches keep_environment.
    text, n = re.subn(r"(?m)^#\s*(MAIN_KEEP_ENVIRONMENT = RELAYCHECK_CONFIG)\s*$", r"\1",
                      read(CONFD_SNIPPET))
    assert n == 1, "the snippet should show MAIN_KEEP_ENVIRONMENT = RELAYCHECK_CONFIG"
    out = _generate(ctx, "split-env", split=True, snippet=text)
    r = subprocess.run([EXIM_BIN, "-C", out, "-bP", "keep_environment"], capture_output=True,
                       text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert r.stdout.strip() == "keep_environment = RELAYCHECK_CONFIG", r.stdout + r.stderr


def test_debian_generator_template(ctx):
    _generate(ctx, "template", split=False)


def test_debian_generator_split_config_with_rcpt_acl(ctx):
    # conf.d/main/00_relaycheck_acl names acl-rcpt.conf for Debian's RCPT ACL; exim4 -bV reads
    # the included statements (${dlfunc} and all) in the generated configuration.
    acl_file = write_conf(ctx.path("relaycheck-acl-rcpt.conf"), read(ACL_RCPT))
    text, n = re.subn(r"(?m)^CHECK_RCPT_LOCAL_ACL_FILE = " + re.escape(INSTALLED_ACL_FILE) + "$",
                      f"CHECK_RCPT_LOCAL_ACL_FILE = {acl_file}", read(CONFD_ACL_SNIPPET))
    assert n == 1, f"the snippet should name {INSTALLED_ACL_FILE} once"
    out = _generate(ctx, "split-acl", split=True, extra_main={"00_relaycheck_acl": text})
    assert f"CHECK_RCPT_LOCAL_ACL_FILE = {acl_file}" in read(out)
    assert ".include CHECK_RCPT_LOCAL_ACL_FILE" in read(out)
    r = subprocess.run([EXIM_BIN, "-C", out, "-bP", "macro", "CHECK_RCPT_LOCAL_ACL_FILE"],
                       capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert acl_file in r.stdout, r.stdout + r.stderr
    # acl-rcpt.conf names the module local_scan_path names: one loaded copy
    assert "{" + INSTALLED_MODULE + "}{relaycheck_acl}" in read(ACL_RCPT)
    assert "local_scan_path = " + INSTALLED_MODULE in read(CONFD_SNIPPET)


def test_daemon_preload_lines_are_the_tested_ones(ctx):
    """The recipe of README "Performance", as the conf.d and template snippets carry it
    (commented out) and README shows it, is the text test_acl's daemon test runs
    (test_acl.DAEMON_PRELOAD, with the installed module's path); uncommented, the real
    exim4 accepts it."""
    from test_acl import DAEMON_PRELOAD
    want = DAEMON_PRELOAD.replace("@MODULE@", INSTALLED_MODULE)
    readme = os.path.join(os.path.dirname(EXAMPLES), "README.md")
    with open(readme) as f:
        assert want in f.read(), f"README.md does not show:\n{want}"
    for path in (CONFD_SNIPPET, TEMPLATE_SNIPPET):
        with open(path) as f:
            lines = f.read().splitlines()
        start = [i for i, l in enumerate(lines) if l.startswith("# smtp_accept_max_per_host = ")]
        assert len(start) == 1, f"{path}: the recipe's first line, once"
        got = "".join(l[2:] + "\n" for l in lines[start[0]:start[0] + 2])
        assert got == want, f"{path}:\n{got}\nwant:\n{want}"
    conf = ctx.path("preload.conf")
    with open(conf, "w") as f:
        f.write(want)
    r = subprocess.run([EXIM_BIN, "-C", conf, "-bP", "smtp_accept_max_per_host"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "{relaycheck_acl}{preload}}}}" in r.stdout, r.stdout
