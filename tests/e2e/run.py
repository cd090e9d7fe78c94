#!/usr/bin/python3
"""Run the end-to-end tests: /usr/bin/python3 tests/e2e/run.py [-v] [-k] [FILTER...]

Tests are functions `def test_xxx(ctx)` in tests/e2e/test_*.py, run in file order, then
definition order.  Output: one line per test (PASS/FAIL/SKIP name[: reason]) and a final
line `N passed, N failed[, N skipped]`.  Exit status 1 if anything failed.

FILTER: run only tests whose name ("file_stem.func", e.g. test_harness.test_reject) contains
any of the given substrings.
  -v / --verbose   print tracebacks and SMTP transcripts for failures
  -k / --keep      keep each test's temporary directory (path printed)
  --list           only list test names
  -x SUBSTR / --exclude SUBSTR   leave out tests whose name contains SUBSTR (repeatable)
Environment: RELAYCHECK_MODULE overrides the module path (default <repo>/build/relaycheck.so);
E2E_TEST_TIMEOUT overrides the per-test watchdog (default 180 s); E2E_REQUIRE_MODULE=1 turns
"module not built" from SKIP into FAIL.
"""

import contextlib
import importlib.util
import inspect
import os
import shutil
import signal
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True   # keep the source tree clean

import harness  # noqa: E402


class Skip(Exception):
    pass


class TestTimeout(Exception):
    pass


class Context:
    """Passed to every test.  Owns a fresh temp dir and cleans up what it started."""

    def __init__(self, name, keep=False):
        self.name = name
        self.repo = REPO
        self.here = HERE
        self.fixtures = os.path.join(HERE, "fixtures")
        self.module_path = os.environ.get("RELAYCHECK_MODULE",
                                          os.path.join(REPO, "build", "relaycheck.so"))
        self.keep = keep
        self.tmpdir = tempfile.mkdtemp(prefix=f"e2e-{name.split('.')[-1][:40]}-")
        os.chmod(self.tmpdir, 0o755)  # the Exim user must be able to traverse it
        self._stack = contextlib.ExitStack()
        self.harness = harness

    # --- helpers for tests ---
    def skip(self, reason):
        raise Skip(reason)

    def info(self, msg):
        """A measurement or remark worth reading in the test output."""
        print(f"INFO {self.name}: {msg}", flush=True)

    def require_module(self):
        """Path of build/relaycheck.so, or SKIP the test if it has not been built."""
        if not os.path.exists(self.module_path):
            if os.environ.get("E2E_REQUIRE_MODULE"):
                raise AssertionError(f"{self.module_path} not built")
            raise Skip(f"{self.module_path} not built (run make)")
        # A copy in this test's directory: the Exim user may not reach the build tree.
        copy = os.path.join(self.tmpdir, os.path.basename(self.module_path))
        if not os.path.exists(copy):
            shutil.copyfile(self.module_path, copy)
            os.chmod(copy, 0o644)
        return copy

    def setenv(self, name, value):
        """Set an environment variable for the rest of this test (restored afterwards)."""
        old = os.environ.get(name)
        os.environ[name] = value
        self._stack.callback(lambda: os.environ.__setitem__(name, old) if old is not None
                             else os.environ.pop(name, None))

    def nsd(self, zones, **kw):
        """Start an Nsd for the rest of this test."""
        return self._stack.enter_context(harness.Nsd(zones, **kw))

    def exim(self, ini_text, module_path=None, subdir="exim", **kw):
        """An Exim instance in a subdirectory of this test's tmpdir (default module: relaycheck)."""
        if module_path is None:
            module_path = self.require_module()
        return harness.Exim(os.path.join(self.tmpdir, subdir), module_path, ini_text, **kw)

    def path(self, *parts):
        return os.path.join(self.tmpdir, *parts)

    def close(self):
        self._stack.close()
        if self.keep:
            print(f"  (kept {self.tmpdir})")
        else:
            shutil.rmtree(self.tmpdir, ignore_errors=True)


def discover(filters, excludes=()):
    tests = []
    for fn in sorted(os.listdir(HERE)):
        if not (fn.startswith("test_") and fn.endswith(".py")):
            continue
        stem = fn[:-3]
        try:
            spec = importlib.util.spec_from_file_location(f"e2e_{stem}", os.path.join(HERE, fn))
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
        except Exception as e:  # an import error is a failure of that file
            tests.append((f"{stem}.<import>", None, f"{type(e).__name__}: {e}"))
            continue
        funcs = [(getattr(f, "__code__").co_firstlineno, n, f) for n, f in vars(mod).items()
                 if n.startswith("test_") and inspect.isfunction(f)
                 and f.__module__ == mod.__name__]
        for _, n, f in sorted(funcs):
            tests.append((f"{stem}.{n}", f, None))
    if filters:
        tests = [t for t in tests if any(s in t[0] for s in filters)]
    if excludes:
        tests = [t for t in tests if not any(s in t[0] for s in excludes)]
    return tests


def _alarm(signum, frame):
    raise TestTimeout("test exceeded its time limit")


def one_line(s):
    s = " ".join(str(s).split())
    return s if len(s) <= 600 else s[:600] + "..."


def main(argv):
    verbose = keep = list_only = False
    filters = []
    excludes = []
    args = iter(argv)
    for a in args:
        if a in ("-x", "--exclude"):
            x = next(args, None)
            if not x:
                print(f"{a} needs a name substring", file=sys.stderr)
                return 2
            excludes.append(x)
        elif a in ("-v", "--verbose"):
            verbose = True
        elif a in ("-k", "--keep"):
            keep = True
        elif a == "--list":
            list_only = True
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            filters.append(a)
    tests = discover(filters, excludes)
    if list_only:
        for name, _, _ in tests:
            print(name)
        return 0
    limit = int(os.environ.get("E2E_TEST_TIMEOUT", "180"))
    passed = failed = skipped = 0
    is_root = os.geteuid() == 0
    for name, func, import_error in tests:
        if import_error:
            print(f"FAIL {name}: {one_line(import_error)}", flush=True)
            failed += 1
            continue
        if not is_root:
            print(f"SKIP {name}: e2e tests need root (exim4 -C ... -bs -oMa is root-only)",
                  flush=True)
            skipped += 1
            continue
        ctx = Context(name, keep=keep)
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(limit)
        status, reason, tb = "PASS", "", None
        try:
            func(ctx)
        except Skip as e:
            status, reason = "SKIP", str(e)
        except AssertionError as e:
            status, reason, tb = "FAIL", str(e) or "assertion failed", traceback.format_exc()
            if not str(e):
                # show the failing assert line
                fr = traceback.extract_tb(e.__traceback__)[-1]
                reason = f"assertion failed at {os.path.basename(fr.filename)}:{fr.lineno}: " \
                         f"{fr.line}"
        except Exception as e:
            status, reason, tb = "FAIL", f"{type(e).__name__}: {e}", traceback.format_exc()
            res = getattr(e, "result", None)
            if res is not None and verbose:
                tb += "\n" + res.transcript()
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)
            try:
                ctx.close()
            except Exception as e:  # cleanup problems must not go unnoticed
                if status == "PASS":
                    status, reason = "FAIL", f"cleanup: {type(e).__name__}: {e}"
        print(f"{status} {name}" + (f": {one_line(reason)}" if reason else ""), flush=True)
        if status == "FAIL" and verbose and tb:
            print("  " + tb.replace("\n", "\n  "), flush=True)
        passed += status == "PASS"
        failed += status == "FAIL"
        skipped += status == "SKIP"
    tail = f"{passed} passed, {failed} failed"
    if skipped:
        tail += f", {skipped} skipped"
    print(tail, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
