"""Benchmark 3 of issue 7: CPU per message, as instructions counted by callgrind.

A one-message exim4 -bs -oMa session of scenario "full" (zero-delay responder) through a
configuration with local_scan_path, against the same session through the same configuration
without it.  valgrind refuses set-uid programs, so a plain copy of /usr/sbin/exim4 is run (as
root, as the setuid binary would be); the callgrind output file is created beforehand, owned by
the Exim user, because Exim has dropped root by the time callgrind writes it.

  instr_with, instr_without   instructions of the whole session (median of `reps` each)
  module_instr_share          (with - without) / with
  instr_dlopen                instructions from Exim's local_scan() wrapper to the module's
                              local_scan(): Debian's dlopen() of the module and its libraries
  instr_module_work           instructions inside the module's local_scan()
                              (both from a third run with --dump-before/--dump-after=local_scan,
                              which cuts the profile into parts at those points; the
                              callgrind_annotate tables of the two parts, self and inclusive,
                              are the profile of the module's own cost: cpu-profile-*.txt)
"""

import glob
import os
import re
import shutil
import subprocess

from common import (BenchExim, BenchError, Results, harness, log, median, module_log_line,
                    one_message, workdir)
import scenario
from responder import DNSResponder

CLIENT = "192.0.2.66"
LINE = re.compile(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)$")


def _callgrind(ex, wd, tag, extra=()):
    # Exim has given up root when callgrind writes its files: the directory is writable by
    # all, and the final file is created beforehand for the Exim user (valgrind creates it
    # as root at start and reopens it at exit).
    d = os.path.join(wd, f"callgrind-{tag}")
    os.makedirs(d)
    os.chmod(d, 0o1777)
    out = os.path.join(d, "callgrind.out")
    with open(out, "w"):
        pass
    os.chown(out, *harness.exim_ids())
    os.chmod(out, 0o666)
    ex.wrapper = ["valgrind", "--tool=callgrind", "--vgdb=no", "--quiet",
                  f"--callgrind-out-file={out}"] + list(extra)
    try:
        r = one_message(ex, CLIENT, timeout=300)
    finally:
        ex.wrapper = []
    parts = []                  # [(path, trigger, instructions)] in order
    for p in [out] + sorted(glob.glob(out + ".*"), key=lambda x: int(x.rsplit(".", 1)[1])):
        trigger, total = "", None
        with open(p, errors="replace") as f:
            for line in f:
                if line.startswith("desc: Trigger:"):
                    trigger = line.split(":", 2)[2].strip()
                elif line.startswith("totals:") or line.startswith("summary:"):
                    total = int(line.split()[1])
        if total is None:
            raise BenchError(f"callgrind wrote no totals to {p}: {r.stderr[-2000:]}")
        if p != out:
            parts.append((p, trigger, total))
    final = [(out, "end", total)]
    parts = parts + final if parts else final
    return sum(n for _, _, n in parts), parts, r


def annotate(path, inclusive, total, limit=15):
    """[(instructions, 'function [object]')] from callgrind_annotate, biggest first, without
    the frames that merely enclose the part (main, Exim's own callers, recursion doubles).
    callgrind_annotate splits a function by source file (code inlined from headers comes
    without an object): self costs are added up by function, inclusive ones taken once."""
    argv = ["callgrind_annotate", f"--inclusive={'yes' if inclusive else 'no'}",
            "--threshold=100", "--auto=no", path]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise BenchError(f"callgrind_annotate failed: {p.stderr[-1000:]}")
    by_func, label, started = {}, {}, False
    for line in p.stdout.splitlines():
        if "file:function" in line:
            started = True
            continue
        if not started:
            continue
        if line.startswith("-----") and by_func:
            break                               # end of the function table
        m = LINE.match(line)
        if not m or "=>" in line:
            continue
        n, fn = int(m.group(1).replace(",", "")), _short(m.group(2))
        if n > total or (not inclusive and n >= total) or _frame(fn):
            continue
        name = fn.split(" [", 1)[0].split("'", 1)[0]
        if " [" in fn:
            label[name] = fn
        by_func[name] = max(by_func.get(name, 0), n) if inclusive else by_func.get(name, 0) + n
    rows = sorted(((n, label.get(name, name)) for name, n in by_func.items()), reverse=True)
    return rows[:limit]


def _frame(fn):
    return (fn.startswith(("(below main)", "__libc_start_main", "local_scan [exim4]"))
            or re.match(r"^0x[0-9a-f]+ \[(exim4|ld-linux)", fn) is not None)


def _short(fn):
    """'./elf/dl-lookup.c:do_lookup_x [/usr/lib/.../ld-linux-x86-64.so.2]' ->
    'do_lookup_x [ld-linux-x86-64.so.2]'."""
    m = re.match(r"^(.*?)(?: \[(.*)\])?$", fn)
    func, obj = m.group(1), m.group(2)
    func = func.rsplit(":", 1)[-1] if ":" in func else func
    return f"{func} [{os.path.basename(obj)}]" if obj else func


def run(out_dir, module_path, reps=3):
    res = Results(out_dir, "cpu")
    wd = workdir("cpu")
    try:
        return _run(res, out_dir, module_path, reps, wd)
    finally:
        shutil.rmtree(wd, ignore_errors=True)


def _run(res, out_dir, module_path, reps, wd):
    exim_copy = os.path.join(wd, "exim4")
    shutil.copy("/usr/sbin/exim4", exim_copy)       # without the set-uid bit
    os.chmod(exim_copy, 0o755)
    ex_with = BenchExim(os.path.join(wd, "with"), module_path, scenario.ini(None),
                        exim_bin=exim_copy)
    ex_without = BenchExim(os.path.join(wd, "without"), None, None, exim_bin=exim_copy)
    with DNSResponder(scenario.zones([(None, CLIENT)]), port=53, hosts=["127.0.0.1"],
                      ipv6=False) as dns:
        dns.delay_ms = 0
        r = one_message(ex_with, CLIENT)
        if module_log_line(r) is None:
            raise BenchError("the module did not log: " + "\n".join(r.mainlog))
        one_message(ex_without, CLIENT)
        with_, without = [], []
        for i in range(reps):
            pair = [("with", ex_with, with_), ("without", ex_without, without)]
            for tag, ex, acc in (pair if i % 2 == 0 else pair[::-1]):
                n, _, r = _callgrind(ex, wd, f"{tag}{i}")
                if tag == "with" and module_log_line(r) is None:
                    raise BenchError("the module did not run under callgrind")
                acc.append(n)
        _, parts, _ = _callgrind(ex_with, wd, "parts", ["--dump-before=local_scan",
                                                         "--dump-after=local_scan"])
    w, wo = median(with_), median(without)
    res.set("instr_with", int(w))
    res.set("instr_without", int(wo))
    res.set("module_instr", int(w - wo))
    res.set("module_instr_share", (w - wo) / w, 4)
    # parts: ... | before wrapper | before module (dlopen) | after module (the module's work)
    # | after wrapper | end.  The first "after" part is the module's own work.
    after = [i for i, (_, trig, _) in enumerate(parts) if "dump-after" in trig]
    if not after or after[0] == 0:
        raise BenchError(f"unexpected callgrind parts: {[(t, n) for _, t, n in parts]}")
    work_path, _, work = parts[after[0]]
    load_path, _, load = parts[after[0] - 1]
    res.set("instr_dlopen", load)
    res.set("instr_module_work", work)
    res.set("cpu_reps", reps)
    top = {}
    for name, path, total in (("work", work_path, work), ("dlopen", load_path, load)):
        for kind in ("self", "inclusive"):
            rows = annotate(path, inclusive=(kind == "inclusive"), total=total, limit=25)
            top[(name, kind)] = rows
            with open(os.path.join(out_dir, f"cpu-profile-{name}-{kind}.txt"), "w") as f:
                f.write(f"# {kind} instructions, {'inside the module' if name == 'work' else 'dlopen of the module'}'s local_scan(), one message of scenario full; part total {total}\n")
                for n, fn in rows:
                    f.write(f"{n:>12,}  {100.0 * n / max(total, 1):5.1f}%  {fn}\n")
        shutil.copy(path, os.path.join(out_dir, f"callgrind.{name}.out"))
    res.set("cpu_top_self_work", "; ".join(f"{fn}={n}" for n, fn in top[("work", "self")][:6]))
    res.set("cpu_top_self_dlopen",
            "; ".join(f"{fn}={n}" for n, fn in top[("dlopen", "self")][:4]))
    log(f"cpu: with {w:,.0f}, without {wo:,.0f} instructions; module share "
        f"{(w - wo) / w:.3f}; dlopen {load:,}, module work {work:,}")
    return res
