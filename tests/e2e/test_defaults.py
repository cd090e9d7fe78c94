"""Every configuration example the project ships loads, and every default the documentation
states is the built-in one (issue 12, item 11).

The built-in defaults are what `relaycheck --check-config` prints for a file holding only the
section headers: the effective configuration, defaults included. Documents checked against it:
relaycheck.ini(5) (each key's "default ..."), README's tables, exim-conf-examples/relaycheck.ini
(which says its values are the built-in ones) and the packaged /etc/exim4/relaycheck.ini (its
list of built-in scores). And the other way round, from the option table itself
(build/tests/optrows prints its rows and the catalogue's scores): every row is documented with
its default, and no document names a key the table lacks."""

import glob
import os
import re
import shlex
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BARE = "[relaycheck]\n[scores]\n[no_server_check]\n[dnsbl bl.example]\n[rhsbl rh.example]\n"


def cli(ctx):
    path = os.environ.get("RELAYCHECK_CLI", os.path.join(REPO, "build", "relaycheck"))
    if not os.path.exists(path):
        if os.environ.get("E2E_REQUIRE_MODULE"):
            raise AssertionError(f"{path} not built")
        ctx.skip(f"{path} not built (run make)")
    return path


def option_rows(ctx):
    """The option table and the catalogue's scores, from build/tests/optrows: a list of
    (section kind, key, type, default), default None for a key without one."""
    path = os.environ.get("RELAYCHECK_OPTROWS", os.path.join(REPO, "build", "tests", "optrows"))
    if not os.path.exists(path):
        if os.environ.get("E2E_REQUIRE_MODULE"):
            raise AssertionError(f"{path} not built")
        ctx.skip(f"{path} not built (run make {os.path.relpath(path, REPO)})")
    r = subprocess.run([path], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    rows = [tuple(line.split("\t")) for line in r.stdout.splitlines()]
    assert rows and all(len(row) == 4 for row in rows), r.stdout
    return [(sec, key, typ, None if d == "-" else d) for sec, key, typ, d in rows]


def check_config(ctx, path):
    return subprocess.run([cli(ctx), "--check-config", path], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "LANG": "C"}, timeout=60)


def dump(ctx, text):
    """The effective configuration of `text`: {section kind: {key: value}}; list sections by
    kind (dnsbl, rhsbl), repeated keys joined with a space."""
    path = ctx.path("dump.ini")
    with open(path, "w") as f:
        f.write(text)
    r = check_config(ctx, path)
    assert r.returncode == 0, r.stdout + r.stderr
    out, sec = {}, None
    for line in r.stdout.splitlines():
        if line.startswith("["):
            sec = line.strip("[]").split(" ")[0]
            out.setdefault(sec, {})
        elif sec and " =" in line:
            key, _, value = line.partition(" =")
            value = value.strip()
            out[sec][key] = f"{out[sec][key]} {value}" if key in out[sec] else value
    return out


def builtin(ctx):
    d = dump(ctx, BARE)
    assert len(d["scores"]) >= 16 and "reject_score" in d["relaycheck"], d
    return d


def same(documented, actual, key):
    """Lists compare as sets (skip_hosts), "A to B" is the range "A-B", "the zone" the label."""
    documented = documented.strip().strip("`*").strip()
    if documented in ("(empty)", "empty"):
        documented = ""
    if key == "label" and documented == "the zone":
        documented = actual
    documented = re.sub(r"^(\S+) to (\S+)$", r"\1-\2", documented)
    return sorted(documented.replace(",", " ").split()) == sorted(actual.split())


# ---- every example loads ----

def examples():
    found = sorted(glob.glob(os.path.join(REPO, "exim-conf-examples", "**", "*.ini"), recursive=True))
    found += [os.path.join(REPO, "packaging", "deb", "relaycheck.ini")]
    return found


def test_every_shipped_example_loads(ctx):
    files = examples()
    assert len(files) >= 2, files
    for path in files:
        r = check_config(ctx, path)
        assert r.returncode == 0, f"{path}: {r.stdout}{r.stderr}"
        assert "configuration valid" in r.stdout + r.stderr, r.stdout + r.stderr


def test_every_ini_block_in_the_docs_loads(ctx):
    # README's ```ini blocks and the EXAMPLE of relaycheck.ini(5), each a file of its own
    blocks = re.findall(r"^```ini\n(.*?)^```", open(os.path.join(REPO, "README.md")).read(),
                        re.M | re.S)
    page = open(os.path.join(REPO, "man", "relaycheck.ini.5")).read()
    m = re.search(r'^\.SH "?EXAMPLE"?\n.*?^\.EX\n(.*?)^\.EE', page, re.M | re.S)
    assert m, "relaycheck.ini(5) has no EXAMPLE block"
    blocks.append(m.group(1).replace("\\-", "-").replace("\\&", "").replace("\\e", "\\"))
    for i, text in enumerate(blocks):
        if not re.search(r"^\[relaycheck\]", text, re.M):
            text = "[relaycheck]\n" + text      # a fragment of a larger file
        path = ctx.path(f"block{i}.ini")
        with open(path, "w") as f:
            f.write(text)
        r = check_config(ctx, path)
        assert r.returncode == 0, f"block {i}:\n{text}\n{r.stdout}{r.stderr}"


# ---- every documented default is the built-in one ----

def man_items(page):
    """(section kind, [keys], item text) for every .TP item of a [section] of the page."""
    sec, items = None, []
    cur = None
    for line in page.splitlines():
        if line.startswith(".SH"):
            m = re.match(r'\.SH "\[(\w+)', line)
            sec = m.group(1) if m else None
            cur = None
            continue
        if sec is None:
            continue
        if line in (".TP", ".PP") or line.startswith(".SS"):
            cur = None
            if line == ".TP":
                cur = (sec, [], [])
                items.append(cur)
            continue
        if cur is None:
            continue
        m = re.match(r'\.BI "(\w+) = ', line)
        if m and (not cur[2] or cur[2][-1] == ".TQ"):
            cur[1].append(m.group(1))
        cur[2].append(line)
    return [(s, k, lines) for s, k, lines in items if k]


def first_word(macro_line):
    """The first argument of a font macro line that is a value, not punctuation."""
    args = shlex.split(macro_line.split(" ", 1)[1]) if " " in macro_line else []
    for a in args:
        a = a.replace("\\-", "-").replace("\\&", "")
        if re.match(r"[\w:./\[\]-]", a):
            return a
    return None


def man_defaults(lines, nkeys):
    """The default values an item states, in key order, or None."""
    merged = []                                 # running text lines joined into one
    for line in lines:
        if merged and not line.startswith(".") and not merged[-1].startswith(".") \
                and not re.search(r"\b[Dd]efaults?$", merged[-1]):
            merged[-1] += " " + line
        else:
            merged.append(line)
    lines = merged
    for i, line in enumerate(lines):
        if re.search(r"\b[Dd]efaults?$", line):                 # "default" then .BR value
            vals = []
            for nxt in lines[i + 1:]:
                if nxt.startswith(".B"):
                    vals.append(first_word(nxt))
                    if len(vals) == nkeys:
                        return vals
                elif nxt not in ("and",):
                    break
            return vals or None
        m = re.search(r"\b[Dd]efault: (.*?)\.(?:\s|$)", line)    # "default: the zone."
        if m:
            return [m.group(1)]
        if re.search(r"\(the default\)|the default\)", line):     # .B accept / (the default)
            if re.search(r"(^|\s)Empty \(the default\)", line):
                return [""]
            for prev in reversed(lines[:i]):
                if prev.startswith(".B") or prev.startswith(".RB"):
                    return [first_word(prev)]
    return None


# keys whose item says what happens without them rather than naming a value
NO_VALUE = {("no_server_check", "ip"), ("no_server_check", "host"),
            ("no_server_check", "domain")}


def test_man_page_defaults_are_builtin(ctx):
    bi = builtin(ctx)
    page = open(os.path.join(REPO, "man", "relaycheck.ini.5")).read()
    seen, wrong = set(), []
    for sec, keys, lines in man_items(page):
        if sec not in bi:
            continue
        vals = man_defaults(lines, len(keys))
        for j, key in enumerate(keys):
            if (sec, key) in NO_VALUE:
                continue
            if vals is None or j >= len(vals):
                wrong.append(f"[{sec}] {key}: no default stated")
                continue
            seen.add((sec, key))
            if key not in bi[sec]:
                wrong.append(f"[{sec}] {key}: documented, but not in the effective configuration")
            elif not same(vals[j], bi[sec][key], key):
                wrong.append(f"[{sec}] {key}: page says {vals[j]!r}, built in {bi[sec][key]!r}")
    # [rhsbl zone]: "the keys of [dnsbl zone] (same defaults)"
    if re.search(r'^\.SH "\[rhsbl zone\] SECTIONS"\n.*?\(same defaults\)', page, re.M | re.S):
        for key in bi["dnsbl"]:
            if ("dnsbl", key) in seen and key in bi["rhsbl"]:
                seen.add(("rhsbl", key))
                if key != "label" and bi["rhsbl"][key] != bi["dnsbl"][key]:
                    wrong.append(f"[rhsbl] {key}: page says as [dnsbl], built in {bi['rhsbl'][key]!r}")
    missing = [f"[{s}] {k}" for s in bi for k in bi[s] if (s, k) not in seen]
    assert not wrong and not missing, "; ".join(wrong + [m + ": not on the page" for m in missing])


def test_readme_defaults_are_builtin(ctx):
    bi = builtin(ctx)
    readme = open(os.path.join(REPO, "README.md")).read()
    checked, wrong = 0, []
    for row in re.findall(r"^\| `(\w+)`(?: … `(\w+)`)? \| ([^|]+) \|", readme, re.M):
        first, last, value = row
        if first == "spf_pass" and last == "spf_temperror":
            keys = [k for k in bi["scores"] if k.startswith("spf_")]
            values = [v.strip() for v in value.split(",")]
        else:
            keys, values = [first], [value]
        for key, val in zip(keys, values):
            for sec in ("scores", "relaycheck", "no_server_check", "dnsbl"):
                if key in bi[sec] and re.match(r"\s*(`|\*\(|the |\d|-)", val):
                    val = re.sub(r" *\(default\)|:.*$", "", val) if sec == "no_server_check" else val
                    checked += 1
                    if not same(val, bi[sec][key], key):
                        wrong.append(f"{key}: README says {val.strip()!r}, built in {bi[sec][key]!r}")
                    break
    assert checked >= len(bi["scores"]) + len(bi["relaycheck"]), f"only {checked} defaults found"
    assert not wrong, "; ".join(wrong)


def test_example_ini_values_are_builtin(ctx):
    # exim-conf-examples/relaycheck.ini: "the built-in defaults, which are the values shown below
    # minus the example [dnsbl], [rhsbl] and [no_server_check] entries"
    bi = builtin(ctx)
    path = os.path.join(REPO, "exim-conf-examples", "relaycheck.ini")
    text = open(path).read()
    assert "built-in defaults, which are the\n# values shown below" in text
    ex = dump(ctx, text)
    for sec in ("relaycheck", "scores", "no_server_check"):
        diff = {k: (ex[sec].get(k), v) for k, v in bi[sec].items() if ex[sec].get(k) != v}
        diff.update({k: (v, None) for k, v in ex[sec].items() if k not in bi[sec] and k != "domain"
                     and k not in ("ip", "host")})
        assert not diff, f"[{sec}] example vs built in: {diff}"
    # the comments' "(default 5)", "(default no)", "(default: the zone)", "sender (default)"
    assert re.search(r"score .*\n#\s+\(default (\d+)\)", text).group(1) == bi["dnsbl"]["score"]
    assert re.search(r"\(default score (\d+)\)", text).group(1) == bi["rhsbl"]["score"]
    assert re.search(r"for the report \(default (\w+)\)", text).group(1) == bi["dnsbl"]["txt"]
    assert re.search(r"#\s+(\w+)\s+the envelope sender's domain \(default\)", text).group(1) \
        == bi["rhsbl"]["target"]


def test_packaged_ini_states_builtin_scores(ctx):
    bi = builtin(ctx)
    text = open(os.path.join(REPO, "packaging", "deb", "relaycheck.ini")).read()
    block = text[text.index("Built-in defaults:"):text.index("\n\n", text.index("Built-in defaults:"))]
    stated = dict(re.findall(r"(\w+) = (-?\d+)", block))
    zeros = re.search(r"\(([\w, ]+) = 0\)", block)
    for k in zeros.group(1).split(", "):
        stated[k] = "0"
    assert stated == bi["scores"], (stated, bi["scores"])
    # and its live values are the built-in ones
    live = dump(ctx, text)
    for sec in ("relaycheck", "scores", "no_server_check"):
        assert live[sec] == bi[sec], (sec, live[sec], bi[sec])


def test_documented_line_length_holds(ctx):
    # What the example and relaycheck.ini(5) say about the length of a line is what the parser
    # does: "at most N characters" (a line of N loads, N + 1 does not) or "of any length".
    example = open(os.path.join(REPO, "exim-conf-examples", "relaycheck.ini")).read()
    page = open(os.path.join(REPO, "man", "relaycheck.ini.5")).read()
    claims = re.findall(r"at most ([\d,]+)\s+(?:#\s+)?characters", example.split("\n[relaycheck]\n")[0])
    claims += re.findall(r"^A line may hold at most ([\d,]+) characters", page, re.M)
    anylen = "of any length" in example.split("\n[relaycheck]\n")[0] and \
        re.search(r"^(?:A line may be|Lines may be) of any length", page, re.M)
    assert claims or anylen, "neither the example nor the page says how long a line may be"

    def loads(n, comment):
        """Does a file with one line of exactly n characters (a comment or a list) load?"""
        if comment:
            line = "# " + "x" * (n - 2)
        else:
            line = "skip_hosts = 10.0.0.1"
            while len(line) + 9 <= n:
                line += " 10.0.0.1"
            line += " " * (n - len(line))         # blanks after a value are ignored
        assert len(line) == n
        path = ctx.path(f"len{n}.ini")
        with open(path, "w") as f:
            f.write(f"[relaycheck]\n{line}\n")
        return check_config(ctx, path).returncode == 0

    for c in claims:
        n = int(c.replace(",", ""))
        assert loads(n, False), f"documented: a line of {n} characters; it does not load"
    if anylen:
        for n in (250, 5000):
            assert loads(n, True), f"a comment of {n} characters does not load"
            assert loads(n, False), f"a list line of about {n} characters does not load"


# ---- every row of the option table, both ways ----

# sections of the page and of README that document rows; README's [rhsbl] is prose
KINDS = ("relaycheck", "no_server_check", "dnsbl", "rhsbl", "scores")
# documented in words that name no value: "any 127.x answer"
PROSE = {("dnsbl", "codes"), ("rhsbl", "codes")}


def page_docs(page):
    """{(section kind, key): stated default, None when the item names none}."""
    docs = {}
    for sec, keys, lines in man_items(page):
        vals = man_defaults(lines, len(keys))
        for j, key in enumerate(keys):
            docs[(sec, key)] = vals[j] if vals and j < len(vals) else None
    # [rhsbl zone]: "the keys of [dnsbl zone] (same defaults)"
    if re.search(r'^\.SH "\[rhsbl zone\] SECTIONS"\n.*?\(same defaults\)', page, re.M | re.S):
        for (sec, key), val in list(docs.items()):
            if sec == "dnsbl":
                docs.setdefault(("rhsbl", key), val)
    return docs


def defaults_block(page):
    """{(section kind, key): [values]} of the page's DEFAULTS block."""
    m = re.search(r'^\.SH "?DEFAULTS"?\n.*?^\.EX\n(.*?)^\.EE', page, re.M | re.S)
    assert m, "relaycheck.ini(5) has no DEFAULTS block"
    out, sec = {}, None
    for line in m.group(1).replace("\\-", "-").splitlines():
        if line.startswith("["):
            sec = line.strip("[]").split(" ")[0]
        elif " =" in line:
            key, _, value = line.partition(" =")
            out.setdefault((sec, key), []).extend(value.split())
    return out


def readme_docs(readme):
    """{(section kind, key): the README's default cell} of the INI file's tables."""
    docs = {}
    for heading, sec in (("`[relaycheck]`", "relaycheck"), ("`[dnsbl ZONE]`", "dnsbl"),
                         ("`[no_server_check]`", "no_server_check")):
        part = readme[readme.index("### " + heading):]
        part = part[:re.search(r"\n#", part[4:]).start() + 4]
        header = re.search(r"^\| key \|(.*)$", part, re.M).group(1)
        for key, cells in re.findall(r"^\| `(\w+)` \|(.*)$", part, re.M):
            cell = cells.split("|")[0].strip()
            if "default" not in header:             # [no_server_check]: "`yes` (default): ..."
                m = re.match(r"(`\w+`) \(default\)", cell)
                cell = m.group(1) if m else None
            docs[(sec, key)] = cell
    m = re.search(r"plus `(\w+) = [^`]*` \(default `(\w+)`\)", readme)
    assert m, "README does not give [rhsbl]'s own key"
    docs[("rhsbl", m.group(1))] = m.group(2)
    for sec, key in list(docs):
        if sec == "dnsbl":
            docs.setdefault(("rhsbl", key), docs[(sec, key)])
    return docs


def test_every_table_row_is_documented_with_its_default(ctx):
    # Every row of the option table (and every [scores] key of the catalogue) has an item
    # in relaycheck.ini(5) stating its default, its lines in the DEFAULTS block, and its
    # line in README; and no document names a key or a default the table does not have.
    rows = {(sec, key): default for sec, key, _, default in option_rows(ctx)}
    page = open(os.path.join(REPO, "man", "relaycheck.ini.5")).read()
    readme = open(os.path.join(REPO, "README.md")).read()
    docs, block, rdocs, wrong = page_docs(page), defaults_block(page), readme_docs(readme), []
    assert len(rows) >= 30 and len(docs) >= 30, (len(rows), len(docs))

    for (sec, key), default in rows.items():
        where = f"[{sec}] {key}"
        if (sec, key) not in docs:
            wrong.append(f"{where}: no item in relaycheck.ini(5)")
        elif default is None:
            if (sec, key) not in NO_VALUE and not (key == "label" and docs[(sec, key)] == "the zone"):
                wrong.append(f"{where}: the table has no default, the page says {docs[(sec, key)]!r}")
        elif docs[(sec, key)] is None:
            wrong.append(f"{where}: the page states no default (table: {default!r})")
        elif not same(docs[(sec, key)], default, key):
            wrong.append(f"{where}: page says {docs[(sec, key)]!r}, table {default!r}")
        if sec in ("relaycheck", "no_server_check", "scores") and default is not None:
            if sorted(block.get((sec, key), [])) != sorted(default.split()):
                wrong.append(f"{where}: DEFAULTS block {block.get((sec, key))!r}, table {default!r}")
        if sec != "scores":
            if (sec, key) not in rdocs:
                wrong.append(f"{where}: not in README's table of the section")
            elif (sec, key) not in PROSE and default is not None \
                    and not same(rdocs[(sec, key)] or "", default, key):
                wrong.append(f"{where}: README says {rdocs[(sec, key)]!r}, table {default!r}")
    for sec, key in sorted(set(docs) | set(block) | set(rdocs)):
        if sec in KINDS and (sec, key) not in rows:
            wrong.append(f"[{sec}] {key}: documented, but no row of the table")
    assert not wrong, "\n".join(wrong)
