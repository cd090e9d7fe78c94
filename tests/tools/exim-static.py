#!/usr/bin/python3
"""make exim-static: upstream Exim, of the version Debian packages, with relaycheck compiled in.

    exim-static.py ARCHIVE          (from the Makefile: ARCHIVE is build/librelaycheck.a)

1. The version is the upstream version of the installed exim4 (dpkg). Its upstream tarball
   (exim4_<version>.orig.tar.xz) comes from Debian's archive through debsrc.py: the tarball of any
   Debian revision of that upstream version the archive's Sources indexes list (the installed
   revision first), its SHA-256 checked against those apt-verified indexes, across every suite
   this machine lists; a private apt configuration under build/apt/ is derived from this
   machine's Debian sources. Neither a .dsc nor a Debian diff is needed, so a security revision
   whose .dsc is not (yet) downloadable does not stop the build. No system file is changed; no
   host name is written in the repository. No verified tarball -> one error line naming every
   candidate tried, and make exim-static fails (the static suite is never skipped silently).
2. Exim is built from that upstream tarball as it is:
   Debian's patches are not applied. The point is to build what an operator who compiles upstream
   Exim builds, and to prove that Local/Makefile is all it takes; Debian's own changes (the dlopen
   patch above all) would only blur that. The binary is a test fixture that is never installed.
3. Local/Makefile is tests/tools/exim-static.mk with exim-conf-examples/Local-Makefile.snippet
   inserted verbatim. The binary is left at build/exim-static/exim.

Cached: the tarball stays in build/exim-static/src with its SHA-256. build/exim-static/stamp
holds two keys. The tree key (Exim's upstream version, the Local/Makefile template, the snippet,
this script) changes -> a fresh source tree and a full build. The module key (the engine archive, the adapter source, the headers) changes -> the adapter is recompiled and
Exim relinked (Exim's makefile does not know that the archive is an input). Both unchanged and
the binary present -> nothing is done, not even apt.
"""

import glob
import hashlib
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import debsrc  # noqa: E402  (beside this script)

REPO = os.path.dirname(os.path.dirname(HERE))
BUILD = os.path.join(REPO, "build")
APT = os.path.join(BUILD, "apt")
OUT = os.path.join(BUILD, "exim-static")
SRC = os.path.join(OUT, "src")
STAMP = os.path.join(OUT, "stamp")
BINARY = os.path.join(OUT, "exim")
TEMPLATE = os.path.join(HERE, "exim-static.mk")
SNIPPET = os.path.join(REPO, "exim-conf-examples", "Local-Makefile.snippet")
EXIM_PACKAGES = ("exim4-base", "exim4-daemon-heavy", "exim4-daemon-light", "exim4-config")


def say(msg):
    print(f"exim-static: {msg}", flush=True)


def die(msg):
    print(f"exim-static: error: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def run(argv, **kw):
    r = subprocess.run(argv, **kw)
    if r.returncode != 0:
        die(f"{' '.join(argv)} failed (exit {r.returncode})")
    return r


def sha256_files(paths, extra=""):
    h = hashlib.sha256(extra.encode())
    for p in paths:
        h.update(os.path.relpath(p, REPO).encode() + b"\0")
        with open(p, "rb") as f:
            h.update(f.read())
        h.update(b"\0")
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# which Exim

def debian_exim_version():
    """Source version of the installed Debian exim4, e.g. 4.96-15+deb12u10."""
    for pkg in EXIM_PACKAGES:
        r = subprocess.run(["dpkg-query", "-W", "-f=${db:Status-Abbrev} ${source:Version}", pkg],
                           capture_output=True, text=True)
        if r.returncode == 0 and r.stdout.startswith("ii"):
            return r.stdout.split()[-1]
    die("Debian's exim4 is not installed (make deps installs it)")


def fetch_source(debver):
    """The verified upstream tarball of debver's upstream version, cached in build/exim-static/src.

    Any Debian revision of that upstream version will do (they all ship the same tarball), so
    this does not need debver's own .dsc or Debian diff to be downloadable; see debsrc.py."""
    try:
        return debsrc.fetch_orig("exim4", debver, SRC, APT, say=say)
    except debsrc.FetchError as e:
        die(str(e))


# --------------------------------------------------------------------------------------------
# build

def local_makefile(archive):
    with open(TEMPLATE) as f:
        text = f.read()
    with open(SNIPPET) as f:
        snippet = f.read()
    for must in ("HAVE_LOCAL_SCAN=yes", "LOCAL_SCAN_HAS_OPTIONS=yes", "LOCAL_SCAN_SOURCE=",
                 "EXTRALIBS_EXIM"):
        if must not in snippet:
            die(f"{SNIPPET} lacks {must}")
    return (text.replace("@SNIPPET@", "# --- exim-conf-examples/Local-Makefile.snippet ---\n"
                         + snippet.rstrip("\n") + "\n# --- end of the snippet ---")
            .replace("@BUILD@", OUT).replace("@LIB@", archive))


def clean_env():
    env = {k: v for k, v in os.environ.items()
           if k not in ("CFLAGS", "CPPFLAGS", "LDFLAGS", "CC", "MAKEFLAGS", "MFLAGS", "MAKELEVEL",
                        "MAKEOVERRIDES", "build", "EXIM_BUILD_SUFFIX")}
    env["LC_ALL"] = "C"
    return env


def exim_make(tree, log):
    jobs = str(os.cpu_count() or 2)
    with open(log, "a") as lf:
        r = subprocess.run(["make", f"-j{jobs}", "exim"], cwd=tree, env=clean_env(),
                           stdout=lf, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        with open(log, errors="replace") as f:
            tail = f.read().splitlines()[-60:]
        print("\n".join(tail), file=sys.stderr)
        die(f"building Exim failed; the whole log is {os.path.relpath(log, REPO)}")
    built = glob.glob(os.path.join(tree, "build-*", "exim"))
    if len(built) != 1:
        die(f"no build-*/exim in {tree}")
    return built[0]


def main(argv):
    if len(argv) != 1:
        die("usage: exim-static.py build/librelaycheck.a")
    archive = os.path.abspath(argv[0])
    if not os.path.exists(archive):
        die(f"{archive} does not exist")
    debver = debian_exim_version()
    up = debsrc.upstream_version(debver)
    tree_key = sha256_files([TEMPLATE, SNIPPET, os.path.abspath(__file__)], up)
    module_files = [archive, os.path.join(REPO, "local_scan", "relaycheck.c")] + \
        sorted(h for d in ("local_scan", "dnscheck", "allowlist")
               for h in glob.glob(os.path.join(REPO, d, "*.h")))
    module_key = sha256_files(module_files)
    want = f"exim {up} tree {tree_key} module {module_key}\n"
    have = open(STAMP).read() if os.path.exists(STAMP) else ""
    if have == want and os.access(BINARY, os.X_OK):
        say(f"build/exim-static/exim is up to date (Exim {up}, Debian {debver})")
        return 0

    t0 = time.monotonic()
    tree = os.path.join(SRC, f"exim-{up}")
    log = os.path.join(OUT, "build.log")
    os.makedirs(OUT, exist_ok=True)
    full = not have.startswith(f"exim {up} tree {tree_key} ") or not os.path.isdir(tree)
    if full:
        orig = fetch_source(debver)
        say(f"unpacking {os.path.basename(orig)} (upstream source, Debian patches not applied)")
        shutil.rmtree(tree, ignore_errors=True)
        run(["tar", "-xf", orig, "-C", SRC])
        if not os.path.isdir(tree):
            die(f"{orig} did not unpack to {tree}")
        with open(os.path.join(tree, "Local", "Makefile"), "w") as f:
            f.write(local_makefile(archive))
        open(log, "w").close()
        say(f"building Exim {up} with relaycheck compiled in (log: "
            f"{os.path.relpath(log, REPO)})")
    else:
        # Only the module changed: recompile the adapter and relink.
        for stale in glob.glob(os.path.join(tree, "build-*", "local_scan.o")) + \
                glob.glob(os.path.join(tree, "build-*", "exim")):
            os.unlink(stale)
        say("module changed: recompiling local_scan.o and relinking Exim")
    built = exim_make(tree, log)
    tmp = BINARY + ".tmp"
    shutil.copy2(built, tmp)
    os.chmod(tmp, 0o755)
    os.replace(tmp, BINARY)
    for d in ("spool", "log"):
        os.makedirs(os.path.join(OUT, d), exist_ok=True)
    with open(STAMP, "w") as f:
        f.write(want)
    say(f"built build/exim-static/exim (Exim {up}) in {time.monotonic() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
