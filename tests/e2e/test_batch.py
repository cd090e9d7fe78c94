"""relaycheck --batch (issue 15): many relays through one command, JSON lines and TSV in, one
JSON object per relay out in input order, error objects for bad lines, the exit status, and
the progress line only on a terminal. Against the same NSD zones as test_cli."""

import json
import os
import pty
import subprocess

from test_cli import (GENERIC, GOOD, NOPTR, V6, ZONES, cli_path, ini, run, write)

EX_DATAERR, EX_NOINPUT, EX_USAGE = 65, 66, 64

# the facts of each relay, and the fields of the --json object that do not depend on timing
STABLE = ("ip", "helo", "sender", "authenticated", "findings", "omitted", "score", "action",
          "skipped", "allowlisted", "temp", "reject_score", "tempreject_score", "note",
          "queries", "headers", "reply", "local_scan_data", "exit", "config", "version")


def setup(ctx):
    ns = ctx.nsd(ZONES)
    return write(ctx, "relaycheck.ini", ini(ns, main="reject_score = 10"))


def single(ctx, path, ip, helo="", sender="", auth=False):
    """The --json object of one check with the same facts."""
    args = ["-c", path, "--ip", ip, "--helo", helo, "--from", sender, "--json",
            "--hostname", "mx.e2e.test"]
    if auth:
        args.append("--auth")
    r = run(ctx, *args)
    return json.loads(r.stdout)


def objects(stdout):
    lines = stdout.split("\n")
    assert lines[-1] == "", stdout      # every object ends its line
    return [json.loads(line) for line in lines[:-1]]


def test_batch_json_and_tsv_in_input_order(ctx):
    path = setup(ctx)
    lines = [
        json.dumps({"ip": GOOD, "helo": "mail.good.example", "from": "a@good.example"}),
        f"{NOPTR}\tfoo\tb@good.example",
        "",                                                   # skipped, no output
        "# a comment",                                        # skipped, no output
        '{"ip": "192.0.2.999"}',                              # 5: not an address
        json.dumps({"ip": V6, "helo": "mail6.good.example", "auth": False}),
        f"{GENERIC}",                                         # TSV, ip alone
        '{"ip": "192.0.2.10", "hello": "x"}',                 # 8: unknown key
        f"{GOOD}\ta\tb\tc",                                   # 9: four fields
        '{"ip": "192.0.2.10", ',                              # 10: cut short
        json.dumps({"sender": "c@good.example", "ip": NOPTR, "authenticated": True,
                    "helo": "h\u00e9.example"}),
    ]
    infile = write(ctx, "relays.txt", "\n".join(lines) + "\n")
    r = run(ctx, "--batch", "-c", path, "--jobs", "3", "--hostname", "mx.e2e.test", infile)
    assert r.returncode == EX_DATAERR, r
    assert r.stderr == "", r.stderr        # no progress line: stderr is not a terminal
    out = objects(r.stdout)
    assert [o["input_line"] for o in out] == [1, 2, 5, 6, 7, 8, 9, 10, 11], out
    errors = {o["input_line"]: o["error"] for o in out if "error" in o}
    assert errors == {5: "ip: not an IPv4 or IPv6 address",
                      8: "unknown key (ip, helo, from, auth)",
                      9: "more than three fields (ip, helo, from)",
                      10: "expected a key"}, errors
    for o in out:
        if "error" in o:
            assert set(o) == {"input_line", "error"}, o
    good = [o for o in out if "error" not in o]
    facts = [(GOOD, "mail.good.example", "a@good.example", False),
             (NOPTR, "foo", "b@good.example", False),
             (V6, "mail6.good.example", "", False),
             (GENERIC, "", "", False),
             (NOPTR, "h\u00e9.example", "c@good.example", True)]
    assert len(good) == len(facts)
    for o, (ip, helo, sender, auth) in zip(good, facts):
        want = single(ctx, path, ip, helo, sender, auth)
        for k in STABLE:
            assert o[k] == want[k], (k, o[k], want[k])
    assert good[1]["action"] == "reject" and good[1]["exit"] == 1, good[1]
    assert good[4]["skipped"] == "authenticated", good[4]


def test_batch_stdin_many_relays_in_order(ctx):
    path = setup(ctx)
    relays = [GOOD, NOPTR, GENERIC, V6] * 10
    text = "".join(f"{ip}\thost{i}.example\tu{i}@good.example\n" for i, ip in enumerate(relays))
    for jobs in ("1", "8"):
        r = run(ctx, "--batch", "-c", path, "--jobs", jobs, stdin=text)
        assert r.returncode == 0, r
        out = objects(r.stdout)
        assert [o["input_line"] for o in out] == list(range(1, 41)), r.stdout
        assert [(o["ip"], o["helo"], o["sender"]) for o in out] == \
            [(ip, f"host{i}.example", f"u{i}@good.example") for i, ip in enumerate(relays)]
        assert [o["action"] for o in out[:4]] == ["accept", "reject", "accept", "accept"], out
    # "-" is standard input too; an empty input is no error
    r = run(ctx, "--batch", "-c", path, "-", stdin="")
    assert r.returncode == 0 and r.stdout == "", r


def test_batch_errors_and_usage(ctx):
    path = setup(ctx)
    r = run(ctx, "--batch", "-c", path, ctx.path("no-such-file"))
    assert r.returncode == EX_NOINPUT and r.stdout == "", r
    # a configuration error: no output at all, the check's exit status
    bad = write(ctx, "bad.ini", "[relaycheck]\nreject_score = x\n")
    r = run(ctx, "--batch", "-c", bad, stdin=f"{GOOD}\n")
    assert r.returncode == 78 and r.stdout == "", r
    rules = [
        (["--batch", "--ip", GOOD],
         "--batch reads relays from a file; --ip, --helo, --from, --auth do not apply"),
        (["--batch", "--summary"], "--batch does not go with --check-config or --summary"),
        (["--batch", "--reject-score", "5"],
         "--reject-score, --tempreject-score and --score go with --summary"),
        (["--batch", "a", "b"], 'unexpected argument "b"'),
        (["--jobs", "2", "--ip", GOOD], "--jobs goes with --batch or --replay"),
        (["--batch", "--jobs", "0"], '--jobs: "0" is not a number of jobs (1..256)'),
        (["--batch", "--jobs", "x"], '--jobs: "x" is not a number of jobs (1..256)'),
    ]
    for args, message in rules:
        r = run(ctx, *args)
        assert r.returncode == EX_USAGE, (args, r)
        assert r.stderr == f"relaycheck: {message}\nTry 'relaycheck --help'.\n", (args, r.stderr)
        assert r.stdout == "", (args, r.stdout)


def test_batch_progress_only_on_a_terminal(ctx):
    path = setup(ctx)
    infile = write(ctx, "relays.tsv", f"{GOOD}\tmail.good.example\n{NOPTR}\tfoo\n")
    master, slave = pty.openpty()
    p = subprocess.Popen([cli_path(ctx), "--batch", "-c", path, infile], stdout=subprocess.PIPE,
                         stderr=slave, env={"PATH": "/usr/bin:/bin", "LANG": "C"})
    os.close(slave)
    err = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:          # EIO: the last writer closed the terminal
            break
        if not chunk:
            break
        err += chunk
    os.close(master)
    out = p.stdout.read().decode()
    assert p.wait(timeout=60) == 0
    assert len(objects(out)) == 2, out
    err = err.decode()
    assert "relaycheck: 2/2 relays, " in err and err.endswith("\r\n"), repr(err)
    assert "\r" in err and "/s" in err, repr(err)
