#!/usr/bin/python3
"""Tests of debsrc.py (the verified upstream-tarball fetch of make exim-static), offline.

    test_debsrc.py          (make test-fetch; prints 'N passed, N failed')

Each case builds a small Debian archive of its own in a temporary directory and names it to
debsrc.py with file:// deb-src entries, as the real archive looks when it has just moved exim4 to
a new security revision: bookworm lists 4.96-15+deb12u10 in pool/main, bookworm-security lists
4.96-15+deb12u11 in pool/updates/main, and both list the same exim4_4.96.orig.tar.xz. What each
pool really holds is then taken away or spoiled, case by case. The indexes are Trusted (the test
cannot sign them); one case leaves that out and shows an unverified index is never used.
"""

import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import debsrc  # noqa: E402

PKG = "exim4"
OLD = "4.96-15+deb12u10"        # bookworm
NEW = "4.96-15+deb12u11"        # bookworm-security; the installed revision
ORIG = "exim4_4.96.orig.tar.xz"


def tarball(text):
    """A small .tar.xz holding exim-4.96/README with the given text."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:xz") as t:
        data = text.encode()
        info = tarfile.TarInfo("exim-4.96/README")
        info.size = len(data)
        info.mtime = 0
        t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


GOOD = tarball("upstream Exim 4.96, as every Debian revision ships it\n")
BAD = tarball("not the tarball the index names\n")


def sha(data):
    return hashlib.sha256(data).hexdigest()


def revision_files(ver):
    """The files of one exim4 source revision: its .dsc, the shared tarball, its diff."""
    return {f"exim4_{ver}.dsc": b"dsc of " + ver.encode(), ORIG: GOOD,
            f"exim4_{ver}.debian.tar.xz": b"debian diff of " + ver.encode()}


class Archive:
    """Two file:// repositories (debian, debian-security) with one exim4 revision each."""

    def __init__(self, root):
        self.root = root
        self.repos = {"bookworm": ("debian", "pool/main/e/exim4", OLD),
                      "bookworm-security": ("debian-security", "pool/updates/main/e/exim4", NEW)}

    def build(self, pool_files, trusted=True):
        """pool_files: suite -> {file name: bytes} actually present in that suite's pool."""
        for suite, (repo, pooldir, ver) in self.repos.items():
            listed = revision_files(ver)
            stanza = [f"Package: {PKG}", "Binary: exim4, exim4-base", f"Version: {ver}",
                      "Maintainer: Test <test@example.invalid>", "Architecture: any",
                      "Format: 3.0 (quilt)", f"Directory: {pooldir}", "Checksums-Sha256:"]
            stanza += [f" {sha(d)} {len(d)} {n}" for n, d in listed.items()]
            other = ["Package: exim", "Version: 4.96-1", "Directory: pool/main/e/exim",
                     "Checksums-Sha256:",
                     f" {sha(GOOD)} {len(GOOD)} {ORIG}"]    # another package, same file name
            sources = "\n".join(other) + "\n\n" + "\n".join(stanza) + "\n"
            dists = os.path.join(self.root, repo, "dists", suite)
            os.makedirs(os.path.join(dists, "main", "source"), exist_ok=True)
            with open(os.path.join(dists, "main", "source", "Sources"), "w") as f:
                f.write(sources)
            data = sources.encode()
            with open(os.path.join(dists, "Release"), "w") as f:
                f.write(f"Origin: Test\nLabel: Test\nSuite: {suite}\nCodename: {suite}\n"
                        "Date: Thu, 03 Dec 2026 00:00:00 UTC\nArchitectures: amd64\n"
                        f"Components: main\nSHA256:\n {sha(data)} {len(data)} "
                        "main/source/Sources\n")
            pool = os.path.join(self.root, repo, pooldir)
            shutil.rmtree(pool, ignore_errors=True)
            os.makedirs(pool)
            for name, blob in pool_files.get(suite, {}).items():
                with open(os.path.join(pool, name), "wb") as f:
                    f.write(blob)
        return "\n\n".join(
            f"Types: deb-src\nURIs: file://{self.root}/{repo}\nSuites: {suite}\n"
            "Components: main" + ("\nTrusted: yes" if trusted else "")
            for suite, (repo, _, _) in self.repos.items()) + "\n"


def full_pool(suite):
    """Every file the suite's Sources index lists for its revision."""
    return revision_files({"bookworm": OLD, "bookworm-security": NEW}[suite])


class Case:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="test-debsrc-")
        self.archive = Archive(os.path.join(self.tmp, "archive"))
        self.dest = os.path.join(self.tmp, "dest")
        self.apt = os.path.join(self.tmp, "apt")
        self.said = []

    def fetch(self, sources):
        self.said = []
        return debsrc.fetch_orig(PKG, NEW, self.dest, self.apt, sources, say=self.said.append)

    def refused(self, sources):
        try:
            path = self.fetch(sources)
        except debsrc.FetchError as e:
            return str(e)
        raise AssertionError(f"fetch succeeded ({path}) where it must refuse")

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def only_tarball_in(dest):
    return sorted(os.listdir(dest)) if os.path.isdir(dest) else []


# --------------------------------------------------------------------------------------------

def test_exact_revision_without_dsc(c):
    """The installed revision's .dsc and diff are 404, its tarball is there: fetched, verified."""
    pools = {"bookworm": full_pool("bookworm"), "bookworm-security": {ORIG: GOOD}}
    sources = c.archive.build(pools)
    # What make exim-static used to do fails on this archive ...
    conf = debsrc.apt_configure(os.path.join(c.tmp, "apt-old"), sources)
    subprocess.run(["apt-get", *conf, "-q", "update"], capture_output=True, check=True)
    old = os.path.join(c.tmp, "old")
    os.makedirs(old)
    r = subprocess.run(["apt-get", *conf, "-q", "source", "--download-only", f"exim4={NEW}"],
                       cwd=old, capture_output=True, text=True)
    check(r.returncode != 0 and f"exim4_{NEW}.dsc" in r.stderr.replace("%2b", "+"),
          "apt-get source of the revision without .dsc did not fail on the .dsc: the archive "
          f"does not reproduce the failure (exit {r.returncode})")
    # ... and the fetch does not.
    path = c.fetch(sources)
    check(path == os.path.join(c.dest, ORIG), f"path {path}")
    check(not os.path.islink(path), "the tarball is a symlink into the archive, not a copy")
    with open(path, "rb") as f:
        check(f.read() == GOOD, "the bytes are not the archive's tarball")
    with open(path + ".sha256") as f:
        check(f.read().split()[0] == sha(GOOD), "the .sha256 file does not hold the hash")
    check(any("bookworm-security" in s and NEW in s for s in c.said),
          f"not taken from the installed revision first: {c.said}")
    check(only_tarball_in(c.dest) == [ORIG, ORIG + ".sha256"],
          f"left in dest: {only_tarball_in(c.dest)}")


def test_revision_gone_falls_back_to_another_suite(c):
    """Nothing of the installed revision is downloadable: the other suite's revision serves."""
    pools = {"bookworm": full_pool("bookworm"), "bookworm-security": {}}
    path = c.fetch(c.archive.build(pools))
    with open(path, "rb") as f:
        check(f.read() == GOOD, "wrong bytes")
    tried = [s for s in c.said if "of exim4" in s]
    check(len(tried) == 2 and NEW in tried[0] and OLD in tried[1],
          f"want {NEW} tried, then {OLD}: {tried}")
    check(any("failed" in s for s in c.said), f"the failed first try is not reported: {c.said}")


def test_checksum_mismatch_then_good(c):
    """The first candidate's bytes do not match its index: refused, the next one is used."""
    pools = {"bookworm": full_pool("bookworm"), "bookworm-security": {ORIG: BAD}}
    path = c.fetch(c.archive.build(pools))
    with open(path, "rb") as f:
        check(f.read() == GOOD, "the mismatching tarball was kept")
    check(any("failed" in s for s in c.said), f"no failure reported: {c.said}")


def test_checksum_mismatch_everywhere_refused(c):
    """Every candidate's bytes differ from the index: refused, nothing left, one line why."""
    pools = {"bookworm": {ORIG: BAD}, "bookworm-security": {ORIG: BAD}}
    msg = c.refused(c.archive.build(pools))
    check("\n" not in msg, f"more than one line: {msg!r}")
    for want in ("exim4_4.96.orig.tar.*", "bookworm-security " + NEW, "bookworm " + OLD):
        check(want in msg, f"{want!r} not named in: {msg}")
    check("mismatch" in msg.lower() or "SHA-256" in msg, f"the reason is not said: {msg}")
    check(only_tarball_in(c.dest) == [], f"left in dest: {only_tarball_in(c.dest)}")


def test_nothing_downloadable_refused(c):
    pools = {"bookworm": {}, "bookworm-security": {}}
    msg = c.refused(c.archive.build(pools))
    check("\n" not in msg and "tried:" in msg and f"bookworm-security {NEW} " in msg
          and f"bookworm {OLD} " in msg and "not found" in msg.lower(),
          f"want one line naming both tries and why: {msg}")


def test_unverified_index_is_not_used(c):
    """An index apt could not verify vouches for nothing, even once apt has been told to
    fetch it anyway (--allow-insecure-repositories: apt keeps it, marked untrusted)."""
    pools = {"bookworm": full_pool("bookworm"), "bookworm-security": full_pool("bookworm-security")}
    sources = c.archive.build(pools, trusted=False)
    msg = c.refused(sources)
    check("no verified Sources index lists exim4 4.96" in msg, msg)
    check(only_tarball_in(c.dest) == [], f"left in dest: {only_tarball_in(c.dest)}")
    conf = debsrc.apt_configure(c.apt, sources)
    subprocess.run(["apt-get", *conf, "-q", "--allow-insecure-repositories", "update"],
                   capture_output=True, check=True)
    r = subprocess.run(["apt-get", *conf, "indextargets", "--format", "$(TRUSTED) $(FILENAME)",
                        "Created-By: Sources"], capture_output=True, text=True, check=True)
    kept = [ln.split()[1] for ln in r.stdout.splitlines() if ln.startswith("no ")]
    check(len(kept) == 2 and all(os.path.exists(p) for p in kept),
          f"apt did not keep the two untrusted indexes: {r.stdout}")
    check(debsrc.sources_indexes(conf) == [], "an untrusted index is offered as verified")


def test_unknown_upstream_version_refused(c):
    pools = {"bookworm": full_pool("bookworm")}
    sources = c.archive.build(pools)
    try:
        debsrc.fetch_orig(PKG, "4.97-1", c.dest, c.apt, sources, say=c.said.append)
    except debsrc.FetchError as e:
        check("exim4 4.97-*" in str(e) and "bookworm-security" in str(e), str(e))
        return
    raise AssertionError("4.97 was fetched from an archive that has only 4.96")


def test_cache_is_used_and_checked(c):
    """A verified tarball is reused without apt; a spoiled one is fetched again."""
    pools = {"bookworm": full_pool("bookworm"), "bookworm-security": full_pool("bookworm-security")}
    path = c.fetch(c.archive.build(pools))
    gone = c.archive.build({})         # from now on the archive serves no tarball at all
    again = c.fetch(gone)
    check(again == path and any("cached" in s for s in c.said), f"cache not used: {c.said}")
    with open(path, "r+b") as f:
        f.write(b"X")
    msg = c.refused(gone)
    check("tried:" in msg, f"a spoiled cache was not fetched again: {msg}")
    path = c.fetch(c.archive.build(pools))
    with open(path, "rb") as f:
        check(f.read() == GOOD, "the spoiled tarball was not replaced")


def test_candidates_order(c):
    """The installed revision first, then newest first; one try per URL."""
    pools = {"bookworm": full_pool("bookworm"), "bookworm-security": full_pool("bookworm-security")}
    conf = debsrc.apt_configure(c.apt, c.archive.build(pools))
    subprocess.run(["apt-get", *conf, "-q", "update"], capture_output=True, check=True)
    idx = debsrc.sources_indexes(conf)
    check(sorted(s for s, _, _ in idx) == ["bookworm", "bookworm-security"], f"indexes {idx}")
    got = [c_["version"] for c_ in debsrc.candidates(idx, PKG, OLD)]
    check(got == [OLD, NEW], f"installed {OLD}: order {got}")
    got = [c_["version"] for c_ in debsrc.candidates(idx + idx, PKG, "4.96-14")]
    check(got == [NEW, OLD], f"installed 4.96-14 (not listed): order {got}")


def main():
    tests = [(n, f) for n, f in globals().items() if n.startswith("test_") and callable(f)]
    passed = failed = 0
    for name, fn in tests:
        c = Case()
        try:
            fn(c)
        except Exception as e:     # noqa: BLE001 - every failure is reported, the run goes on
            failed += 1
            print(f"FAIL debsrc.{name}: {e}")
            if not isinstance(e, AssertionError):
                traceback.print_exc()
        else:
            passed += 1
            print(f"PASS debsrc.{name}")
        finally:
            c.close()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
