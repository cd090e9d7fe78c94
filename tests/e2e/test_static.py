"""relaycheck compiled into upstream Exim (issue 5): build/exim-static/exim, built by
`make exim-static` from the upstream source of the Exim version Debian packages, with
LOCAL_SCAN_HAS_OPTIONS, SUPPORT_SPF=yes and -export-dynamic.

* Every test of test_core.py runs again here, unchanged, against the static binary
  (test_static.test_static_*): the same test code serves both Exims.
* The options of Exim's `begin local_scan' section, and how they override the INI file.
* Symbols: the module's globals are static or rc_-prefixed, and nothing of the module or of
  its libraries binds to a name that Exim defines itself (dns_init, spf_*, ...).

The binary is $EXIM_STATIC or <repo>/build/exim-static/exim; without it every test SKIPs
(E2E_REQUIRE_STATIC=1 makes that a FAIL: `make test-static` sets it). The prefix check of
the archive needs no Exim and always runs.
"""

import glob
import inspect
import os
import re
import socket
import subprocess
import time

import harness
import test_core as core

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARCHIVE = os.path.join(REPO, "build", "librelaycheck.a")
SNIPPET = os.path.join(REPO, "exim-conf-examples", "Local-Makefile.snippet")
EXIM_CONF_EXAMPLE = os.path.join(REPO, "exim-conf-examples", "exim.conf")

# Exim's names for the module's own entry points and option table (local_scan.h, spec ch. 46).
API_NAMES = {"local_scan", "local_scan_version_major", "local_scan_version_minor", "relaycheck_acl",
             "local_scan_options", "local_scan_options_count"}
# Libraries the module links with (the snippet's EXTRALIBS_EXIM).
MODULE_LIBS = ("libudns", "libspf2", "libinih", "libpsl")
# opened by the module on first use, never linked (dnscheck/lazylib.c)
OPENED_LIBS = ("libudns", "libinih", "libpsl")


def static_exim(ctx):
    path = os.environ.get("EXIM_STATIC", os.path.join(REPO, "build", "exim-static", "exim"))
    if not os.access(path, os.X_OK):
        if os.environ.get("E2E_REQUIRE_STATIC"):
            raise AssertionError(f"{path} not built")
        ctx.skip(f"{path} not built (make exim-static)")
    return path


def exim_build_dir(exim):
    """Exim's build-<os>-<arch> directory next to the binary (make exim-static's layout)."""
    dirs = glob.glob(os.path.join(os.path.dirname(exim), "src", "exim-*", "build-*"))
    return dirs[0] if len(dirs) == 1 else None


class StaticContext:
    """The test context of run.py, with exim() building an Exim instance of the static binary:
    no local_scan_path, the module is compiled in. Everything else is the test's own ctx."""

    def __init__(self, ctx):
        self._ctx = ctx
        self.exim_bin = static_exim(ctx)

    def __getattr__(self, name):
        return getattr(self._ctx, name)

    def require_module(self):
        return self.exim_bin

    def exim(self, ini_text, module_path=None, subdir="exim", **kw):
        kw.setdefault("exim_bin", self.exim_bin)
        return harness.Exim(os.path.join(self._ctx.tmpdir, subdir), None, ini_text, **kw)


def _on_static(fn):
    def test(ctx):
        return fn(StaticContext(ctx))
    test.__name__ = test.__qualname__ = "test_static_" + fn.__name__[len("test_"):]
    test.__doc__ = fn.__doc__
    return test


# test_core's tests, in their order, each as test_static_<name> against the static Exim.
for _line, _name, _fn in sorted((f.__code__.co_firstlineno, n, f) for n, f in vars(core).items()
                                if n.startswith("test_") and inspect.isfunction(f)
                                and f.__module__ == core.__name__):
    _t = _on_static(_fn)
    globals()[_t.__name__] = _t
del _line, _name, _fn, _t


# --------------------------------------------------------------------------------------------
# options of `begin local_scan'

def setup(ctx, ini_main="", options="", **kw):
    sctx = StaticContext(ctx)
    ns = ctx.nsd(core.ZONES)
    ex = sctx.exim(core.ini(ns, main=ini_main),
                   extra_conf=("begin local_scan\n" + options) if options else "", **kw)
    return ns, ex


def bP_local_scan(exim, conf_path):
    r = subprocess.run([exim, "-C", conf_path, "-bP", "local_scan"], capture_output=True,
                       text=True, timeout=30, env={"PATH": "/usr/bin:/bin", "LANG": "C"})
    return r.returncode, r.stdout, r.stderr


def test_option_reject_score_overrides_ini(ctx):
    ns, ex = setup(ctx, ini_main="reject_score = 20", options="reject_score = 5\n")
    r = ex.session(core.NOPTR)
    assert r.data_code == 550, r.transcript()
    assert f"Relay host {core.NOPTR} failed sender checks (score 8 >= 5)" in r.data_text
    assert "action=reject" in core.one_log(r)


def test_option_tempreject_score_overrides_ini(ctx):
    ns, ex = setup(ctx, ini_main="reject_score = 20\ntempreject_score = 30",
                   options="tempreject_score = 8\n")
    r = ex.session(core.NOPTR)
    assert r.data_code == 451, r.transcript()
    assert "(score 8 >= 8)" in r.data_text
    assert "action=tempreject" in core.one_log(r)


def test_option_header_prefix_overrides_ini(ctx):
    ns, ex = setup(ctx, ini_main="header_prefix = X-From-Ini", options="header_prefix = X-Static\n")
    r = ex.session(core.NOPTR, headers=["X-Static-Score: -100", "Subject: forged"])
    assert r.data_code == 250, r.transcript()
    assert r.header("X-Static-Score") == ["8"], r.spool_header
    assert r.header("X-From-Ini-Score") == [] and r.header("X-Relaycheck-Score") == []
    assert "+8 Relay Host: No DNS PTR record" in (r.header("X-Static-Report") or [""])[0]


def test_options_not_set_leave_ini_values(ctx):
    # Only header_prefix is set in Exim: the INI's reject_score still applies.
    ns, ex = setup(ctx, ini_main="reject_score = 5", options="header_prefix = X-Static\n")
    r = ex.session(core.NOPTR)
    assert r.data_code == 550, r.transcript()
    assert "(score 8 >= 5)" in r.data_text


def test_option_dns_timeout_and_on_dns_failure_override_ini(ctx):
    sctx = StaticContext(ctx)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)   # a nameserver that never answers
    s.bind(("127.0.0.1", 0))
    try:
        ini = (f"[relaycheck]\nnameservers = 127.0.0.1:{s.getsockname()[1]}\n"
               "dns_timeout = 20s\non_dns_failure = accept\n")
        ex = sctx.exim(ini, extra_conf="begin local_scan\ndns_timeout = 1s\n"
                                       "on_dns_failure = tempreject\n")
        t0 = time.monotonic()
        r = ex.session(core.NOPTR)
        assert r.data_code == 451, r.transcript()
        assert "could not be checked" in r.data_text, r.data_text
        assert r.data_elapsed < 1.0 + 1.0, r.data_elapsed
        assert time.monotonic() - t0 < 10
        # the option's 1s, not the INI's 20s
        m = re.search(r"timeout after (\d+) ms", r.data_text)
        assert m and 1000 <= int(m.group(1)) < 1900, r.data_text
    finally:
        s.close()


def test_option_config_file_wins_over_environment(ctx):
    sctx = StaticContext(ctx)
    ns = ctx.nsd(core.ZONES)
    good = ctx.path("chosen.ini")
    with open(good, "w") as f:
        f.write(core.ini(ns, main="reject_score = 5"))
    os.chmod(good, 0o644)
    # RELAYCHECK_CONFIG names a broken file: it must not be read.
    ex = sctx.exim("[relaycheck]\nbogus_key = 1\n", extra_conf=f"begin local_scan\nconfig_file = {good}\n")
    r = ex.session(core.NOPTR)
    assert r.data_code == 550, r.transcript()
    assert r.paniclog == [], r.paniclog


def test_invalid_option_values_451_and_panic_log(ctx):
    ns, ex = setup(ctx, options="dns_timeout = 0s\nheader_prefix = X Bad\n"
                                "on_dns_failure = maybe\nreject_score = -1\n")
    r = ex.session(core.NOPTR)
    assert r.data_code == 451, r.transcript()
    assert "relaycheck: configuration error, see log" in r.data_text
    assert not r.lost and r.exit_status == 0
    panic = "\n".join(r.paniclog)
    for key, value, why in (("dns_timeout", "0s", "out of range"),
                            ("header_prefix", "X Bad", "may hold only letters, digits and '-'"),
                            ("on_dns_failure", "maybe", "must be accept or tempreject"),
                            ("reject_score", "-1", "not an integer in range")):
        want = f'relaycheck: configuration error: Exim configuration, begin local_scan: ' \
               f'{key}: "{value}": {why}'
        assert want in panic, f"{want!r} not in panic log:\n{panic}"
    # A good value in the INI file does not hide the bad option.
    ex.write_ini(core.ini(ns, main="on_dns_failure = accept"))
    assert ex.session(core.NOPTR).data_code == 451


def test_bP_local_scan_lists_the_options(ctx):
    ns, ex = setup(ctx, options="reject_score = 12\ndns_timeout = 8s\n"
                                "on_dns_failure = tempreject\nheader_prefix = X-RC\n")
    rc, out, err = bP_local_scan(ex.exim_bin, ex.conf_path)
    assert rc == 0, err
    lines = out.splitlines()
    assert lines == ["config_file = ", "dns_timeout = 8s", "header_prefix = X-RC",
                     "on_dns_failure = tempreject", "reject_score = 12",
                     "tempreject_score = 0"], out


def test_unknown_option_is_an_exim_configuration_error(ctx):
    ns, ex = setup(ctx, options="reject_scor = 5\n")
    r = subprocess.run([ex.exim_bin, "-C", ex.conf_path, "-bV"], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode != 0
    assert 'local_scan option "reject_scor" unknown' in r.stdout + r.stderr, r.stdout + r.stderr


def snippet_example():
    """The `begin local_scan' example in the Local/Makefile snippet's comments."""
    with open(SNIPPET) as f:
        text = f.read()
    m = re.search(r"^#   begin local_scan\n((?:#   \S.*\n)+)", text, re.M)
    assert m, "the snippet has no begin local_scan example"
    return "begin local_scan\n" + "".join(l[4:] + "\n" for l in m.group(1).splitlines())


def test_snippet_example_section_accepted(ctx):
    sctx = StaticContext(ctx)
    ns = ctx.nsd(core.ZONES)
    example = snippet_example()
    ini_path = ctx.path("example.ini")
    with open(ini_path, "w") as f:
        f.write(core.ini(ns))
    os.chmod(ini_path, 0o644)
    example = re.sub(r"(?m)^config_file = .*$", f"config_file = {ini_path}", example)
    ex = sctx.exim(None, extra_conf=example)
    rc, out, err = bP_local_scan(ex.exim_bin, ex.conf_path)
    assert rc == 0, err
    assert f"config_file = {ini_path}" in out and "reject_score = 12" in out, out
    r = ex.session(core.NOPTR)
    assert r.data_code == 250 and core.score(r) == "8", r.transcript()


def test_exim_conf_example_accepted(ctx):
    # The standalone exim.conf skips local_scan_path where Exim does not know it.
    exim = static_exim(ctx)
    r = subprocess.run([exim, "-C", EXIM_CONF_EXAMPLE, "-bV"], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr


def test_local_scan_options_not_in_debian_exim(ctx):
    # The same INI file serves Debian's exim4, which has no `begin local_scan' at all.
    ctx.require_module()
    ex = ctx.exim("[relaycheck]\n", extra_conf="begin local_scan\nreject_score = 5\n")
    r = subprocess.run([harness.EXIM_BIN, "-C", ex.conf_path, "-bV"], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode != 0
    assert "local_scan() options not supported" in r.stdout + r.stderr, r.stdout + r.stderr


# --------------------------------------------------------------------------------------------
# symbols

def nm(path, *opts):
    """[(type, name)] of `nm` output lines that have a symbol type and a name."""
    r = subprocess.run(["nm", *opts, path], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    out = []
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[-2]) == 1:
            out.append((parts[-2], parts[-1]))
    return out


def defined_globals(path):
    return {n for t, n in nm(path, "-g", "--defined-only") if t not in "Uw"}


def undefined(path):
    return {n for t, n in nm(path, "-u") if t in "Uw"}


def test_module_globals_static_or_prefixed(ctx):
    if not os.path.exists(ARCHIVE):
        if os.environ.get("E2E_REQUIRE_MODULE") or os.environ.get("E2E_REQUIRE_STATIC"):
            raise AssertionError(f"{ARCHIVE} not built")
        ctx.skip(f"{ARCHIVE} not built (make)")
    objs = [ARCHIVE]
    exim = os.environ.get("EXIM_STATIC", os.path.join(REPO, "build", "exim-static", "exim"))
    bdir = exim_build_dir(exim) if os.path.exists(exim) else None
    if bdir:
        objs.append(os.path.join(bdir, "local_scan.o"))   # the adapter, with the option table
    bad = sorted(n for o in objs for n in defined_globals(o)
                 if not n.startswith("rc_") and n not in API_NAMES)
    assert bad == [], f"module globals neither static nor rc_-prefixed: {bad}"


def test_no_symbol_clash_with_exim(ctx):
    exim = static_exim(ctx)
    bdir = exim_build_dir(exim)
    assert bdir, f"no Exim build directory next to {exim}"
    # The binary was built with SUPPORT_SPF and -export-dynamic.
    syms = dict((n, t) for t, n in nm(exim))
    for name in ("spf_server", "spf_request", "spf_response", "dns_init", "local_scan",
                 "local_scan_options"):
        assert name in syms, f"{name} missing from {exim}"
    dyn = {n for t, n in nm(exim, "-D", "--defined-only")}
    assert {"dns_init", "spf_server", "local_scan"} <= dyn, "built without -export-dynamic?"

    # Exim's own global names: every object of its build except the module's local_scan.o.
    exim_objs = [p for p in glob.glob(os.path.join(bdir, "**", "*.[oa]"), recursive=True)
                 if os.path.basename(p) != "local_scan.o"]
    exim_defs = set()
    for p in exim_objs:
        exim_defs |= defined_globals(p)
    assert "dns_init" in exim_defs and "spf_server" in exim_defs
    # dns_init in the binary is Exim's: dns.o defines it, the module references no dns_init.
    assert "dns_init" in defined_globals(os.path.join(bdir, "dns.o"))

    # The engine (the archive) refers to nothing of Exim's; the adapter (local_scan.o) only to
    # what local_scan.h declares (header_add, log_write, expand_string, ...).
    adapter = os.path.join(bdir, "local_scan.o")
    mod_defs = defined_globals(ARCHIVE) | defined_globals(adapter)
    assert not (mod_defs & exim_defs), f"defined by both: {sorted(mod_defs & exim_defs)}"
    engine_refs = undefined(ARCHIVE) - mod_defs
    assert not (engine_refs & exim_defs), \
        f"engine references bind to Exim's own definitions: {sorted(engine_refs & exim_defs)}"
    with open(os.path.join(os.path.dirname(bdir), "src", "local_scan.h")) as f:
        api = set(re.findall(r"\w+", f.read()))
    adapter_refs = undefined(adapter) - mod_defs
    stray = sorted((adapter_refs & exim_defs) - api)
    assert not stray, f"adapter references Exim names outside local_scan.h: {stray}"
    assert "dns_init" not in engine_refs | adapter_refs, "the module calls dns_init"

    # The libraries: any name they export that Exim also defines would be interposed by Exim's
    # (-export-dynamic) wherever the library calls it through its PLT/GOT.
    ldd = subprocess.run(["ldd", exim], capture_output=True, text=True, timeout=30).stdout
    linked = [n for n in MODULE_LIBS if n not in OPENED_LIBS]
    libs = re.findall(r"=>\s*(\S*(?:%s)\S*)\s" % "|".join(linked), ldd)
    assert len(libs) == len(linked), ldd
    # The ones the module opens on first use are not linked: the files it would open.
    cache = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, timeout=30).stdout
    for name in OPENED_LIBS:
        found = re.findall(r"^\s*%s\.so\.\d+ \(.*x86-64.*\) => (\S+)$" % name, cache, re.M) or \
            re.findall(r"^\s*%s\.so\.\d+ .*=> (\S+)$" % name, cache, re.M)
        assert found, f"{name} not in the loader's cache"
        assert name not in ldd, f"{name} is linked into {exim}: {ldd}"
        libs.append(found[0])
    for lib in libs:
        exports = {n for t, n in nm(lib, "-D", "--defined-only")}
        clash = exports & exim_defs
        if "libudns" in lib:
            assert clash == {"dns_init"}, f"{lib}: {sorted(clash)}"
        else:
            assert not clash, f"{lib} exports names Exim defines: {sorted(clash)}"
        relocs = subprocess.run(["objdump", "-R", lib], capture_output=True, text=True,
                                timeout=30).stdout
        used = {m.split("@")[0] for m in re.findall(r"\s(\S+)$", relocs, re.M)}
        assert not (used & clash), f"{lib} calls {sorted(used & clash)}, which Exim interposes"
