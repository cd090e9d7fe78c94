#!/usr/bin/python3
"""make exim-static: upstream Exim, of the version Debian packages, with relaycheck compiled in.

    exim-static.py ARCHIVE          (from the Makefile: ARCHIVE is build/librelaycheck.a)

1. The version is that of the installed exim4 (dpkg); its source package comes from Debian's
   archive with `apt-get source`, through a private apt configuration under build/apt/ whose
   deb-src entries are derived from this machine's configured Debian sources (deb822 .sources and
   one-line .list files). No system file is changed; no host name is written in the repository.
2. Exim is built from the package's upstream tarball (exim4_<version>.orig.tar.xz) as it is:
   Debian's patches are not applied. The point is to build what an operator who compiles upstream
   Exim builds, and to prove that Local/Makefile is all it takes; Debian's own changes (the dlopen
   patch above all) would only blur that. The binary is a test fixture that is never installed.
3. Local/Makefile is tests/tools/exim-static.mk with exim-conf-examples/Local-Makefile.snippet
   inserted verbatim. The binary is left at build/exim-static/exim.

Cached: build/exim-static/stamp holds two keys. The tree key (Exim's version, the Local/Makefile
template, the snippet, this script) changes -> a fresh source tree and a full build. The module
key (the engine archive, the adapter source, the headers) changes -> the adapter is recompiled and
Exim relinked (Exim's makefile does not know that the archive is an input). Both unchanged and
the binary present -> nothing is done, not even apt.
"""

import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
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
# deb-src entries are made for the Debian archive only (a third-party repository has no sources).
DEBIAN_URI = re.compile(r"/debian(-security|-ports|-backports|-debug)?/?$")


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


def upstream_version(debver):
    v = debver.split(":", 1)[-1]
    return v.rsplit("-", 1)[0] if "-" in v else v


# --------------------------------------------------------------------------------------------
# deb-src entries derived from the machine's sources

def _deb822_stanzas(text):
    for block in re.split(r"\n\s*\n", text):
        fields, key = {}, None
        lines = []
        for line in block.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            lines.append(line)
            if line[0] in " \t" and key:
                fields[key] += "\n" + line
            elif ":" in line:
                key, _, val = line.partition(":")
                key = key.strip().lower()
                fields[key] = val.strip()
        if lines:
            yield fields, lines


def derived_sources():
    """The machine's Debian 'deb' entries as deb822 'deb-src' stanzas (text)."""
    out = []
    etc = "/etc/apt"
    for path in sorted(glob.glob(f"{etc}/sources.list.d/*.sources")):
        with open(path) as f:
            for fields, lines in _deb822_stanzas(f.read()):
                if fields.get("enabled", "yes").lower() == "no":
                    continue
                if "deb" not in fields.get("types", "").split():
                    continue
                uris = fields.get("uris", "").split()
                if not any(DEBIAN_URI.search(u) for u in uris) and \
                        "debian-archive-keyring" not in fields.get("signed-by", ""):
                    continue
                stanza = [("Types: deb-src" if re.match(r"(?i)types\s*:", ln) else ln)
                          for ln in lines]
                out.append("\n".join(stanza))
    one_line = ([f"{etc}/sources.list"] if os.path.exists(f"{etc}/sources.list") else []) + \
        sorted(glob.glob(f"{etc}/sources.list.d/*.list"))
    for path in one_line:
        with open(path) as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                m = re.match(r"deb\s+(\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s*(.*)$", line)
                if not m:
                    continue
                opts, uri, suite, comps = m.groups()
                if not DEBIAN_URI.search(uri):
                    continue
                stanza = ["Types: deb-src", f"URIs: {uri}", f"Suites: {suite}"]
                if comps:
                    stanza.append(f"Components: {comps}")
                for opt in re.findall(r"([\w-]+)=(\S+)", (opts or "").strip("[] ")):
                    name = {"signed-by": "Signed-By", "arch": "Architectures"}.get(opt[0].lower())
                    if name:
                        stanza.append(f"{name}: {opt[1].replace(',', ' ')}")
                out.append("\n".join(stanza))
    if not out:
        die("no Debian archive entry found in /etc/apt/sources.list{,.d/*} to derive deb-src from")
    return "\n\n".join(out) + "\n"


def apt_configure():
    """Write build/apt/{apt.conf,sources.list.d/debian-src.sources}; returns apt-get's -c option."""
    for d in ("sources.list.d", "lists/partial", "cache/archives/partial"):
        os.makedirs(os.path.join(APT, d), exist_ok=True)
    with open(os.path.join(APT, "sources.list.d", "debian-src.sources"), "w") as f:
        f.write("# derived from /etc/apt by tests/tools/exim-static.py: deb-src of the same "
                "archive\n" + derived_sources())
    open(os.path.join(APT, "sources.list"), "w").close()
    with open(os.path.join(APT, "apt.conf"), "w") as f:
        f.write(f'''// private apt configuration of make exim-static (the system's is untouched)
Dir::Etc::SourceList "{APT}/sources.list";
Dir::Etc::SourceParts "{APT}/sources.list.d";
Dir::State::Lists "{APT}/lists";
Dir::Cache "{APT}/cache";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT::Sandbox::User "root";
''')
    return ["-c", os.path.join(APT, "apt.conf")]


def fetch_source(debver):
    """The source package in build/exim-static/src; returns the path of the orig tarball."""
    up = upstream_version(debver)
    os.makedirs(SRC, exist_ok=True)
    orig = glob.glob(os.path.join(SRC, f"exim4_{up}.orig.tar.*"))
    dsc = os.path.join(SRC, f"exim4_{debver.split(':', 1)[-1]}.dsc")
    if orig and os.path.exists(dsc):
        return [o for o in orig if not o.endswith(".asc")][0]
    conf = apt_configure()
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive", LC_ALL="C")
    say("apt-get update (deb-src, private lists under build/apt)")
    run(["apt-get", *conf, "-q", "update"], env=env, stdout=subprocess.DEVNULL)
    say(f"apt-get source --download-only exim4={debver}")
    run(["apt-get", *conf, "-q", "source", "--download-only", f"exim4={debver}"],
        cwd=SRC, env=env)
    orig = [o for o in glob.glob(os.path.join(SRC, f"exim4_{up}.orig.tar.*"))
            if not o.endswith(".asc")]
    if not orig:
        die(f"apt-get source left no exim4_{up}.orig.tar.* in {SRC}")
    return orig[0]


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
    up = upstream_version(debver)
    tree_key = sha256_files([TEMPLATE, SNIPPET, os.path.abspath(__file__)], debver)
    module_files = [archive, os.path.join(REPO, "local_scan", "relaycheck.c")] + \
        sorted(h for d in ("local_scan", "dnscheck", "allowlist")
               for h in glob.glob(os.path.join(REPO, d, "*.h")))
    module_key = sha256_files(module_files)
    want = f"exim {debver} tree {tree_key} module {module_key}\n"
    have = open(STAMP).read() if os.path.exists(STAMP) else ""
    if have == want and os.access(BINARY, os.X_OK):
        say(f"build/exim-static/exim is up to date (Exim {up}, Debian {debver})")
        return 0

    t0 = time.monotonic()
    tree = os.path.join(SRC, f"exim-{up}")
    log = os.path.join(OUT, "build.log")
    os.makedirs(OUT, exist_ok=True)
    full = not have.startswith(f"exim {debver} tree {tree_key} ") or not os.path.isdir(tree)
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
