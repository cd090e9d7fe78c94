#!/usr/bin/python3
"""Check the man pages: no warnings from man/groff, and in step with the code.

    check_man.py CLI PAGE...    (CLI: build/relaycheck)

* `man --warnings` renders every page without a single warning.
* relaycheck.ini(5) documents every key of the option table in allowlist/options.c and every
  [scores] key (as an item: a `.B`/`.BI`/`.BR` line starting with the key), its DEFAULTS block is
  exactly what `relaycheck --check-config` prints for a file holding only [relaycheck], and its EXAMPLE is a valid
  configuration.
* relaycheck(8) mentions every long option of `relaycheck --help` and every exit status it lists.
"""

import difflib
import os
import re
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
failures = []


def fail(msg):
    failures.append(msg)
    print(f"FAIL {msg}")


def warnings(page):
    env = dict(os.environ, LC_ALL="C.UTF-8", MANROFFSEQ="", MANWIDTH="80")
    r = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", page],
                       env=env, capture_output=True, text=True)
    if r.returncode != 0 or r.stderr.strip():
        fail(f"{page}: man --warnings: rc={r.returncode} {r.stderr.strip()}")


def unroff(text):
    return text.replace("\\-", "-").replace("\\e", "\\").replace("\\&", "")


def block(src, section):
    """The first .EX ... .EE block of a .SH section."""
    m = re.search(r"^\.SH \"?" + re.escape(section) + r"\"?\n(.*?)(?=^\.SH )", src, re.M | re.S)
    if not m:
        return None
    b = re.search(r"^\.EX\n(.*?)^\.EE\n", m.group(1), re.M | re.S)
    return unroff(b.group(1)) if b else None


def check_config(cli, text):
    with tempfile.NamedTemporaryFile("w", suffix=".ini") as f:
        f.write(text)
        f.flush()
        return subprocess.run([cli, "--check-config", f.name], capture_output=True, text=True)


def ini_page(cli, page):
    src = open(page).read()
    keys = set()
    code = open(os.path.join(REPO, "allowlist", "options.c")).read()
    keys.update(re.findall(r'^\s*ROW\(RC_SEC_\w+,\s*"(\w+)"', code, re.M))
    if len(keys) < 10:
        fail(f"{page}: found only {sorted(keys)} in allowlist/options.c's option table")
    r = check_config(cli, "[relaycheck]\n")
    if r.returncode != 0:
        fail(f"{cli} --check-config of a file holding only [relaycheck]: rc={r.returncode} {r.stderr}")
        return
    dump = r.stdout
    section = None
    for line in dump.splitlines():
        if line.startswith("["):
            section = line
        elif " = " in line or line.endswith(" ="):
            keys.add(line.split(" ")[0])
    for key in sorted(keys):
        if not re.search(r"^\.B[IR]?\s+\"?" + re.escape(key) + r"\b", src, re.M):
            fail(f"{page}: key {key} is not documented (no .B/.BI item for it)")
    defaults = block(src, "DEFAULTS")
    want = dump[dump.index("[relaycheck]"):]
    if defaults is None:
        fail(f"{page}: no DEFAULTS block")
    elif defaults != want:
        diff = difflib.unified_diff(defaults.splitlines(), want.splitlines(), "page DEFAULTS",
                                    "relaycheck --check-config", lineterm="")
        fail(f"{page}: DEFAULTS block differs from relaycheck --check-config:\n" +
             "\n".join(diff))
    example = block(src, "EXAMPLE")
    if example is None:
        fail(f"{page}: no EXAMPLE block")
    else:
        r = check_config(cli, example)
        if r.returncode != 0:
            fail(f"{page}: the EXAMPLE is not a valid configuration: {r.stderr}")


def cmd_page(cli, page):
    src = unroff(open(page).read())
    r = subprocess.run([cli, "--help"], capture_output=True, text=True)
    opts = set(re.findall(r"(--[a-z][a-z-]+)", r.stdout))
    if len(opts) < 10:
        fail(f"{cli} --help lists only {sorted(opts)}")
    for o in sorted(opts):
        if o not in src:
            fail(f"{page}: option {o} (from relaycheck --help) is not documented")
    status = re.search(r"Exit status:(.*?)\n\n", r.stdout + "\n\n", re.S)
    codes = re.findall(r"\b(\d+) ", status.group(1)) if status else []
    if not codes:
        fail(f"{cli} --help lists no exit status")
    exit_sec = re.search(r"^\.SH \"EXIT STATUS\"\n(.*?)^\.SH ", src, re.M | re.S)
    for c in codes:
        if not exit_sec or not re.search(r"^\.B " + c + "$", exit_sec.group(1), re.M):
            fail(f"{page}: exit status {c} is not documented")


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    cli, pages = argv[0], argv[1:]
    npass = nfail = 0
    for page in pages:
        before = len(failures)
        warnings(page)
        if page.endswith(".ini.5"):
            ini_page(cli, page)
        elif page.endswith(".8"):
            cmd_page(cli, page)
        if len(failures) == before:
            print(f"PASS {page}")
            npass += 1
        else:
            print(f"FAIL {page}")
            nfail += 1
    print(f"{npass} passed, {nfail} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
