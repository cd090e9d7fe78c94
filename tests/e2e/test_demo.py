"""make demo keeps working: tests/e2e/demo.py runs its six sessions through real Exim and exits 0
only when every one went as it says."""

import os
import subprocess
import sys


def test_demo_runs(ctx):
    module = ctx.require_module()
    env = dict(os.environ, RELAYCHECK_MODULE=module)
    r = subprocess.run([sys.executable, os.path.join(ctx.here, "demo.py")], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "demo: all 6 sessions went as expected" in r.stdout, r.stdout[-2000:]
    assert "+8 Relay Host: No DNS PTR record (192.0.2.66)" in r.stdout
