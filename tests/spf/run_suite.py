#!/usr/bin/python3
"""Run the RFC 7208 test suite (openspf.org, release 2014.04) through relaycheck's SPF path.

For every scenario (YAML document) of the suite, its zonedata is served by the project's
programmable DNS responder (tests/dnsresponder/responder.py, which loads the suite's zonedata
the way the reference driver does), and every case is run through tests/spf/spf_suite.c: one
resolver session, rc_spf_check(), exactly as the engine runs it.  The result is compared with
the case's expected result (or any of a list of them).

    run_suite.py [--suite FILE] [--driver PATH] [--sanitize] [--budget MS] [-v] [NAME ...]

Module policy that differs in form, not substance: a bounce whose HELO name cannot be a domain
(empty, address literal, single label) is not evaluated ("skip"); RFC 7208 4.3 says check_host()
returns "none" for it, so "skip" passes where "none" is expected.  Explanations are not compared
(the module reports its own texts; the suite's `explanation` keys are counted, not checked).

tests/spf/known-failures.txt lists the cases that still fail, one "name: reason" per line.  They
count as "known" and do not fail the run; a new failure, or a known one that now passes, does.
The last line is "N passed, N failed"; the exit status is 1 when anything failed.
"""

import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "dnsresponder"))

from responder import DNSResponder, load_spf_suite, load_spf_suite_zonedata  # noqa: E402

DEFAULT_SUITE = os.path.join(HERE, "rfc7208", "rfc7208-tests.yml")   # with its LICENSE
SOURCES = ["tests/spf/spf_suite.c", "dnscheck/spfcve.c", "dnscheck/spfguard.c",
           "dnscheck/spfreceived.c", "dnscheck/spfdns.c", "dnscheck/spffetch.c", "dnscheck/spfeval.c",
           "dnscheck/spfrec.c", "dnscheck/resolver.c", "dnscheck/escape.c", "dnscheck/checks.c",
           "dnscheck/dnsname.c", "dnscheck/strbuf.c", "dnscheck/lazylib.c"]
WARN = ("-Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes "
        "-Wpointer-arith -Wwrite-strings -Wvla -Wundef -Wnull-dereference -Wdouble-promotion "
        "-Wcast-align").split()


def find_suite(path):
    for p in [path, DEFAULT_SUITE]:
        if p and os.path.exists(p):
            return p
    sys.exit("run_suite: the suite file (rfc7208-tests.yml) was not found; use --suite")


def build_driver(path, sanitize):
    """Compile the driver from the sources when it is missing or older than them."""
    srcs = [os.path.join(ROOT, s) for s in SOURCES]
    hdrs = [os.path.join(ROOT, "dnscheck", h) for h in os.listdir(os.path.join(ROOT, "dnscheck"))
            if h.endswith(".h")]
    if os.path.exists(path):
        newest = max(os.path.getmtime(f) for f in srcs + hdrs + [os.path.abspath(__file__)])
        if os.path.getmtime(path) >= newest:
            return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    cmd = ["cc", "-std=c11", "-D_GNU_SOURCE", "-I" + ROOT, "-O1", "-g"] + WARN
    if sanitize:
        cmd += ["-fsanitize=address,undefined", "-fno-omit-frame-pointer",
                "-fno-sanitize-recover=all"]
    cmd += ["-o", path] + srcs + ["-ludns", "-lspf2"]
    subprocess.run(cmd, check=True, cwd=ROOT)


def load_known(path):
    known = {}
    if not os.path.exists(path):
        return known
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, reason = line.partition(":")
            known[name.strip()] = reason.strip()
    return known


def run_case(driver, nameserver, case, budget):
    args = [driver, "-t", str(budget), "-r", "receiver.test", nameserver,
            str(case.get("host", "")), str(case.get("helo", "")), str(case.get("mailfrom", ""))]
    p = subprocess.run(args, capture_output=True, timeout=60)
    out = {}
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        k, _, v = line.partition("=")
        out[k] = v
    out["_rc"] = p.returncode
    out["_stderr"] = p.stderr.decode("utf-8", "replace")
    # the counters line is "terms=N voids=N ..."
    if "terms" in out:
        for part in ("terms=" + out["terms"]).split():
            k, _, v = part.partition("=")
            out[k] = v
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", help="the openspf YAML file")
    ap.add_argument("--driver", default=os.path.join(ROOT, "build", "tests", "spf_suite"))
    ap.add_argument("--sanitize", action="store_true",
                    help="build the driver with ASan/UBSan (as build/tests/spf_suite-san)")
    ap.add_argument("--budget", type=int, default=1500,
                    help="dns_timeout of each check, ms (suite TIMEOUT cases wait this long)")
    ap.add_argument("--known", default=os.path.join(HERE, "known-failures.txt"))
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("names", nargs="*", help="run only these cases")
    a = ap.parse_args(argv)

    driver = a.driver + ("-san" if a.sanitize else "")
    build_driver(driver, a.sanitize)
    known = load_known(a.known)
    docs = load_spf_suite(find_suite(a.suite))

    passed = failed = known_failed = explanations = 0
    problems = []
    sections = []
    seen = set()
    t0 = time.monotonic()
    for doc in docs:
        tests = {n: t for n, t in doc["tests"].items() if not a.names or n in a.names}
        if not tests:
            continue
        zones = load_spf_suite_zonedata(doc.get("zonedata", {}))
        sp = sf = sk = 0
        with DNSResponder(zones) as dns:
            for name, case in tests.items():
                seen.add(name)
                want = case["result"]
                want = [want] if isinstance(want, str) else list(want)
                if "explanation" in case:
                    explanations += 1
                out = run_case(driver, dns.nameserver, case, a.budget)
                got = out.get("result", "(no result: exit %s)" % out["_rc"])
                ok = got in want or (got == "skip" and "none" in want)
                line = "%-36s want %-22s got %-10s %s" % (name, "|".join(want), got,
                                                         out.get("detail", ""))
                if ok and name in known:
                    failed += 1
                    sf += 1
                    problems.append("UNEXPECTED PASS " + line + "  (listed: %s)" % known[name])
                elif ok:
                    passed += 1
                    sp += 1
                    if a.verbose:
                        print("ok   " + line)
                elif name in known:
                    known_failed += 1
                    sk += 1
                    if a.verbose:
                        print("KNOWN " + line + "  (%s)" % known[name])
                else:
                    failed += 1
                    sf += 1
                    problems.append("FAIL " + line)
                if out["_rc"] != 0 or out["_stderr"].strip():
                    if "AddressSanitizer" in out["_stderr"] or "runtime error" in out["_stderr"] \
                            or out["_rc"] < 0 or out["_rc"] > 1:
                        failed += 1
                        sf += 1
                        problems.append("CRASH %s: exit %s\n%s" % (name, out["_rc"],
                                                                     out["_stderr"][-2000:]))
        sections.append((doc["description"], sp, sf, sk, len(tests)))

    for name in sorted(set(known) - seen):
        if not a.names:
            problems.append("STALE known failure %s (no such case)" % name)
            failed += 1

    for p in problems:
        print(p)
    print()
    print("%-44s %6s %6s %6s %6s" % ("section", "cases", "pass", "fail", "known"))
    for desc, sp, sf, sk, n in sections:
        print("%-44s %6d %6d %6d %6d" % (desc, n, sp, sf, sk))
    total = passed + failed + known_failed
    print("%d cases in %.1f s: %d pass (%.1f%%), %d known failures, %d explanation keys not "
          "compared" % (total, time.monotonic() - t0, passed,
                        100.0 * passed / total if total else 0, known_failed, explanations))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
