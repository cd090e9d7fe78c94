#!/usr/bin/env python3
"""check_sanitizer_logs.py [--exim] DIR - fail on any sanitizer report of ours in DIR.

DIR is the log_path directory of every sanitized process of a test run: unit-test children,
or exim4 processes that loaded the sanitized module with the runtime preloaded.

Without --exim every report counts (a unit-test binary is all our code).

With --exim (the e2e run) the processes are Exim's. Every AddressSanitizer error and every
UBSan report still counts: only the module is instrumented, so they are about our code. A
LeakSanitizer leak counts when a frame of its allocation stack is ours (OURS: the module's
file name or our source directories). Exim 4.96 itself leaves some blocks unreachable at
exit in some paths (its store and PCRE2 match data); such a leak, whose stack is whole (it
reaches the program's or a thread's entry) and holds no module frame, is Exim's and is
listed but not counted. A leak with a cut-short stack counts: it may hide the module. The
e2e run sets fast_unwind_on_malloc=0 so that stacks pass through Exim and the system
libraries (built without frame pointers) down to their entry.

Prints every report, then a verdict line and `N passed, N failed` (the run, and each log file).
"""
import argparse
import os
import re
import sys

LEAK_HEAD = re.compile(r"^(Direct|Indirect) leak of (\d+) byte")
FRAME = re.compile(r"^\s+#\d+ ")
OURS = re.compile(r"relaycheck[-a-z]*\.so|(^|[\s/])(dnscheck|allowlist|local_scan)/[a-z_]+\.c:")
ENTRY = re.compile(r" in (_start|__libc_start_main\w*|start_thread|clone3?) ")


def leak_blocks(text):
    """Yield (heading, [frame lines]) for every leak block of a LeakSanitizer report."""
    head, frames = None, []
    for line in text.splitlines():
        if LEAK_HEAD.match(line):
            if head:
                yield head, frames
            head, frames = line, []
        elif head and FRAME.match(line):
            frames.append(line)
        elif head and not line.strip():
            yield head, frames
            head, frames = None, []
    if head:
        yield head, frames


def judge(path, text, module):
    """Return (counted, foreign) lists of report excerpts from one log file."""
    if module is None or "ERROR: LeakSanitizer" not in text or \
            re.search(r"ERROR: AddressSanitizer|runtime error:", text):
        return [text], []
    counted, foreign = [], []
    for head, frames in leak_blocks(text):
        block = "\n".join([head] + frames)
        theirs = any(ENTRY.search(f) for f in frames) and not any(module.search(f) for f in frames)
        (foreign if theirs else counted).append(block)
    if not counted and not foreign:     # a leak report we could not read: count it whole
        return [text], []
    return counted, foreign


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exim", action="store_true",
                    help="exim4 processes: count only leaks whose stack holds a module frame")
    ap.add_argument("dir")
    a = ap.parse_args()
    module = OURS if a.exim else None
    ours = theirs = clean = dirty = 0
    for name in sorted(os.listdir(a.dir)):
        path = os.path.join(a.dir, name)
        if not os.path.isfile(path) or os.path.getsize(path) == 0:
            continue
        with open(path, errors="replace") as f:
            text = f.read()
        counted, foreign = judge(path, text, module)
        for block in counted:
            print(f"=== sanitizer report (counted): {path}\n{block}\n")
        for block in foreign:
            print(f"=== leak inside Exim, no module frame (not counted): {path}\n{block}\n")
        ours += len(counted)
        theirs += len(foreign)
        dirty += bool(counted)
        clean += not counted
    if ours:
        print(f"sanitizers: {ours} report(s) in {a.dir}; {theirs} leak(s) of Exim's own not counted")
    else:
        print(f"sanitizers: no reports of ours in {a.dir}; {theirs} leak(s) of Exim's own not counted")
    # one check for the run, plus one a log file (a clean run leaves no file)
    print(f"{clean + (not ours)} passed, {dirty + bool(ours)} failed")
    return 1 if ours else 0


if __name__ == "__main__":
    sys.exit(main())
