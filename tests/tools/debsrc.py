#!/usr/bin/python3
"""debsrc.py - the upstream tarball of a Debian source package, verified, from whatever revision
of that upstream version the archive still serves.

    debsrc.py [--sources FILE] [--apt-dir DIR] --dest DIR PACKAGE VERSION

VERSION is a Debian source version (4.96-15+deb12u11); what is fetched is PACKAGE_<upstream>.orig
.tar.* (exim4_4.96.orig.tar.xz), the one file every Debian revision of that upstream version
shares. `apt-get source PACKAGE=VERSION` would also need that revision's .dsc and Debian diff, and
when the archive has just moved to a new security revision those can be missing for a while
(404) although the tarball is there: a build that uses only the tarball must not depend on them.

How:
1. A private apt configuration under --apt-dir (default build/apt; the system's is untouched)
   with deb-src entries: those of --sources (a deb822 file; the tests use a file:// archive),
   else derived from this machine's Debian 'deb' entries (every suite it lists: bookworm,
   bookworm-updates, bookworm-security ...). `apt-get update` fetches their Sources indexes and
   verifies them against the signed InRelease files; an index apt does not call trusted is not
   used.
2. Every stanza of PACKAGE whose version has the same upstream version, in every suite, is a
   candidate: the installed revision first, then the newest. Each names the tarball, its pool
   directory and its SHA-256.
3. Candidates are tried in that order with apt's own downloader (apt-helper, so apt's proxy and
   transport settings apply); the bytes are hashed again here and must equal the index's
   SHA-256. The first that matches is kept in --dest with a PACKAGE_<up>.orig.tar.*.sha256 file;
   a later run whose cached tarball still has that hash does not touch apt at all.
4. If none can be had, one line names every candidate tried and why it failed; exit status 1.
"""

import argparse
import functools
import glob
import hashlib
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
APT_HELPER = "/usr/lib/apt/apt-helper"
# deb-src entries are made for the Debian archive only (a third-party repository has no sources).
DEBIAN_URI = re.compile(r"/debian(-security|-ports|-backports|-debug)?/?$")


class FetchError(Exception):
    """No verified tarball: the message is the one line to print."""


def upstream_version(debver):
    """4.96-15+deb12u11 -> 4.96; 1:2.3-1 -> 2.3 (epoch and Debian revision dropped)."""
    v = debver.split(":", 1)[-1]
    return v.rsplit("-", 1)[0] if "-" in v else v


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------------------------
# deb-src entries derived from the machine's sources

def deb822_fields(lines):
    """The fields of one deb822 stanza (keys in lower case; continuation lines joined by
    newlines, their leading blank kept). Comment and empty lines are skipped."""
    fields, key = {}, None
    for line in lines:
        if line.startswith("#") or not line.strip():
            continue
        if line[0] in " \t" and key:
            fields[key] += "\n" + line
        elif ":" in line:
            key, _, val = line.partition(":")
            key = key.strip().lower()
            fields[key] = val.strip()
    return fields


def _deb822_stanzas(text):
    for block in re.split(r"\n\s*\n", text):
        lines = [ln for ln in block.splitlines() if ln.strip() and not ln.startswith("#")]
        if lines:
            yield deb822_fields(lines), lines


def derived_sources(etc="/etc/apt"):
    """The machine's Debian 'deb' entries as deb822 'deb-src' stanzas (text)."""
    out = []
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
        raise FetchError("no Debian archive entry found in /etc/apt/sources.list{,.d/*} "
                         "to derive deb-src from")
    return "# derived from /etc/apt by tests/tools/debsrc.py: deb-src of the same archive\n" + \
        "\n\n".join(out) + "\n"


def apt_configure(apt_dir, sources_text):
    """A private apt configuration in apt_dir; returns the options that select it."""
    for d in ("sources.list.d", "lists/partial", "cache/archives/partial"):
        os.makedirs(os.path.join(apt_dir, d), exist_ok=True)
    with open(os.path.join(apt_dir, "sources.list.d", "debian-src.sources"), "w") as f:
        f.write(sources_text)
    open(os.path.join(apt_dir, "sources.list"), "w").close()
    conf = os.path.join(apt_dir, "apt.conf")
    with open(conf, "w") as f:
        f.write(f'''// private apt configuration of tests/tools/debsrc.py (the system's is untouched)
Dir::Etc::SourceList "{apt_dir}/sources.list";
Dir::Etc::SourceParts "{apt_dir}/sources.list.d";
Dir::State::Lists "{apt_dir}/lists";
Dir::Cache "{apt_dir}/cache";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT::Sandbox::User "root";
''')
    return ["-c", conf]


# --------------------------------------------------------------------------------------------
# the verified Sources indexes and the candidates they list

def sources_indexes(conf):
    """[(suite, repo_uri, index file)] of every Sources index apt fetched and trusts."""
    fmt = "$(RELEASE)\t$(REPO_URI)\t$(FILENAME)\t$(TRUSTED)"
    r = subprocess.run(["apt-get", *conf, "indextargets", "--format", fmt, "Created-By: Sources"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise FetchError(f"apt-get indextargets failed: {r.stderr.strip()[:200]}")
    out = []
    for line in r.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) != 4 or parts[3] != "yes" or not os.path.exists(parts[2]):
            continue    # not fetched, or not verified: nothing in it can vouch for a tarball
        out.append((parts[0], parts[1], parts[2]))
    return out


def read_index(path):
    """The text of an index as apt stored it (lz4, gz, xz ... or plain)."""
    r = subprocess.run([APT_HELPER, "cat-file", path], capture_output=True)
    if r.returncode != 0:
        raise FetchError(f"cannot read {path}: {r.stderr.decode(errors='replace').strip()}")
    return r.stdout.decode("utf-8", errors="replace")


def package_stanzas(text, package):
    """Yield the fields of every stanza of the source package (apt writes Sources with
    'Package:' first and one empty line between stanzas; only those stanzas are parsed)."""
    for block in text.split("\n\n"):
        if block.startswith(f"Package: {package}\n"):
            yield deb822_fields(block.splitlines())


def candidates(indexes, package, debver):
    """The orig tarballs of every revision of debver's upstream version, best first."""
    up = upstream_version(debver)
    name_re = re.compile(re.escape(f"{package}_{up}.orig.tar.") + r"[a-z0-9]+$")
    found = []
    for suite, repo_uri, path in indexes:
        for st in package_stanzas(read_index(path), package):
            ver = st.get("version", "")
            if upstream_version(ver) != up:
                continue
            for line in st.get("checksums-sha256", "").splitlines():
                parts = line.split()
                if len(parts) == 3 and name_re.match(parts[2]) and \
                        re.fullmatch(r"[0-9a-f]{64}", parts[0]):
                    url = repo_uri.rstrip("/") + "/" + st.get("directory", "").strip("/") + \
                        "/" + parts[2]
                    found.append({"suite": suite, "version": ver, "name": parts[2],
                                  "sha256": parts[0], "url": url})
    # The installed revision first, then the newest (a stable sort keeps the suites' order
    # among equal versions); one try per URL.
    found.sort(key=functools.cmp_to_key(lambda a, b: dpkg_compare(b["version"], a["version"])))
    found.sort(key=lambda c: c["version"] != debver)
    seen = set()
    return [c for c in found if not (c["url"] in seen or seen.add(c["url"]))]


def dpkg_compare(a, b):
    """-1, 0 or 1 as Debian orders versions a and b."""
    if a == b:
        return 0
    return -1 if subprocess.run(["dpkg", "--compare-versions", a, "lt", b]).returncode == 0 else 1


# --------------------------------------------------------------------------------------------
# download and verify

def download(cand, dest_dir):
    """Fetch cand into dest_dir, verified; returns its path or raises FetchError(reason)."""
    final = os.path.join(dest_dir, cand["name"])
    fetched = os.path.join(dest_dir, f".{cand['name']}.fetched")    # apt-helper's output
    kept = os.path.join(dest_dir, f".{cand['name']}.kept")          # our copy, being hashed
    try:
        for p in (fetched, kept):
            if os.path.lexists(p):
                os.unlink(p)
        r = subprocess.run([APT_HELPER, "-o", "APT::Sandbox::User=root", "-o",
                            "Debug::NoLocking=1", "download-file", cand["url"], fetched,
                            "SHA256:" + cand["sha256"]],
                           capture_output=True, text=True, env=dict(os.environ, LC_ALL="C"))
        if r.returncode != 0:
            m = re.search(r"^E: Failed to fetch \S+\s+(.*)$", r.stderr, re.M)
            raise FetchError(m.group(1).strip() if m else f"apt-helper exit {r.returncode}")
        # apt's file: method leaves a symlink to the source: keep a copy of our own, and hash
        # the bytes we keep rather than trust any one downloader.
        h = hashlib.sha256()
        with open(fetched, "rb") as src, open(kept, "wb") as dst:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                h.update(chunk)
                dst.write(chunk)
        if h.hexdigest() != cand["sha256"]:
            raise FetchError(f"SHA-256 {h.hexdigest()[:16]}... is not the index's "
                             f"{cand['sha256'][:16]}...")
        os.replace(kept, final)
        with open(final + ".sha256", "w") as f:
            f.write(f"{cand['sha256']}  {cand['name']}\n")
        return final
    finally:
        for p in (fetched, kept):
            if os.path.lexists(p):
                os.unlink(p)


def cached(package, up, dest_dir):
    """A tarball an earlier run verified, if its bytes still have the recorded hash."""
    for side in sorted(glob.glob(os.path.join(dest_dir, f"{package}_{up}.orig.tar.*.sha256"))):
        tarball = side[:-len(".sha256")]
        try:
            with open(side) as f:
                want = f.read().split()[0]
            if sha256_of(tarball) == want:
                return tarball
        except (OSError, IndexError):
            pass
    return None


def fetch_orig(package, debver, dest_dir, apt_dir, sources_text=None, say=print):
    """The verified PACKAGE_<up>.orig.tar.* in dest_dir (cached); raises FetchError."""
    up = upstream_version(debver)
    os.makedirs(dest_dir, exist_ok=True)
    hit = cached(package, up, dest_dir)
    if hit:
        say(f"{os.path.basename(hit)}: cached, SHA-256 as verified when fetched")
        return hit
    conf = apt_configure(apt_dir, sources_text if sources_text is not None else derived_sources())
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive", LC_ALL="C")
    say(f"apt-get update (deb-src indexes only, private lists under {apt_dir})")
    r = subprocess.run(["apt-get", *conf, "-q", "update"], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # A suite that failed to update is only one place less to look; the trusted ones count.
    for line in r.stderr.splitlines():
        if line.startswith(("E:", "W:")):
            say(f"apt-get update: {line}")
    indexes = sources_indexes(conf)
    suites = " ".join(s for s, _, _ in indexes) or "none"
    cands = candidates(indexes, package, debver)
    if not cands:
        raise FetchError(f"no verified Sources index lists {package} {up}-* with an orig "
                         f"tarball (indexes read: {suites}; apt-get update exit {r.returncode})")
    tried = []
    for c in cands:
        say(f"{c['name']} of {package} {c['version']} ({c['suite']}): {c['url']}")
        try:
            path = download(c, dest_dir)
        except FetchError as e:
            tried.append(f"{c['suite']} {c['version']} {c['url']}: {e}")
            say(f"  failed: {e}")
            continue
        say(f"  SHA-256 {c['sha256']} matches the {c['suite']} Sources index")
        return path
    raise FetchError(f"no verified {package}_{up}.orig.tar.* could be had; tried: " +
                     "; ".join(tried))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("package")
    ap.add_argument("version", help="Debian source version, e.g. 4.96-15+deb12u11")
    ap.add_argument("--dest", required=True, help="where the tarball is kept (the cache)")
    ap.add_argument("--apt-dir", default=os.path.join(REPO, "build", "apt"))
    ap.add_argument("--sources", help="a deb822 sources file to use instead of /etc/apt's")
    a = ap.parse_args(argv)
    text = None
    if a.sources:
        with open(a.sources) as f:
            text = f.read()
    try:
        path = fetch_orig(a.package, a.version, os.path.abspath(a.dest),
                          os.path.abspath(a.apt_dir), text,
                          say=lambda m: print(f"debsrc: {m}", flush=True))
    except FetchError as e:
        print(f"debsrc: error: {e}", file=sys.stderr, flush=True)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
