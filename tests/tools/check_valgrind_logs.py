#!/usr/bin/python3
"""check_valgrind_logs.py DIR - fail on any memcheck error or definite leak in module code.

Each exim4 process run under `valgrind --log-file=DIR/vg.%p.log` leaves one log. Exim's own
code is not ours to judge, so an error or a "definitely lost" record counts only when its
stack passes through the module (relaycheck.so or one of its source files). Prints what it
counts and ends with `N passed, N failed` (one check per log file)."""

import glob
import os
import re
import sys

OURS = re.compile(r"relaycheck[^ ]*\.so|\((?:engine|resolver|ptr|helo|dnsbl|generic|report|"
                  r"escape|checks|spf|spfrec|config|addr|iptable|nametable|nsccache|relaycheck)\.c:\d+\)")


def blocks(text):
    """Split a valgrind log into records separated by '==pid== ' blank lines."""
    cur = []
    for line in text.splitlines():
        body = re.sub(r"^==\d+== ?", "", line)
        if body.strip() == "":
            if cur:
                yield cur
            cur = []
        else:
            cur.append(body)
    if cur:
        yield cur


def main():
    d = sys.argv[1]
    logs = sorted(glob.glob(os.path.join(d, "vg.*.log")))
    passed = failed = 0
    for path in logs:
        bad = []
        with open(path, errors="replace") as f:
            text = f.read()
        for b in blocks(text):
            head = b[0]
            is_error = (head.startswith(("Invalid ", "Conditional jump", "Use of uninitialised",
                                         "Syscall param", "Mismatched free", "Source and destination"))
                        or "definitely lost" in head)
            if is_error and any(OURS.search(l) for l in b):
                bad.append("\n".join(b))
        if bad:
            failed += 1
            print(f"FAIL {path}: {len(bad)} error(s) in module code")
            for b in bad:
                print(b)
                print("--")
        else:
            passed += 1
    if not logs:
        print(f"no valgrind logs in {d}")
        failed += 1
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
