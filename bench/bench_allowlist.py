"""Benchmark 4 of issue 7: scale of the No Server Check list and of the configuration.

Runs bench/allowlist_bench (C, linked with build/librelaycheck.a) on generated INI files of
1k, 10k, 100k and 1M mixed IPv4/IPv6 prefixes; see the comment at the top of
allowlist_bench.c for what is timed and how.
"""

import shutil
import subprocess

from common import BenchError, Results, log, workdir


def run(out_dir, binary, sizes=("1000", "10000", "100000", "1000000"), lookups=None,
        timeout=400):
    res = Results(out_dir, "allowlist")
    wd = workdir("allowlist")
    argv = [binary] + (["-l", str(lookups)] if lookups else []) + [wd] + list(sizes)
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        if p.returncode != 0:
            raise BenchError(f"{' '.join(argv)} failed ({p.returncode}): {p.stderr[-2000:]}")
        for line in p.stdout.splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                res.values[k.strip()] = v.strip()
        res.flush()
        other = [ln for ln in p.stderr.splitlines()
                 if ln.strip() and "compiled the No Server Check list" not in ln]
        if other:
            res.note("allowlist_bench: " + " ".join(other))
    finally:
        shutil.rmtree(wd, ignore_errors=True)
    log("allowlist: " + ", ".join(f"{k}={v}" for k, v in res.values.items()
                                  if k.startswith(("config_load", "allowlist_lookup"))))
    return res
