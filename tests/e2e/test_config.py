"""The INI file through the real Debian exim4: what an operator's editor can leave behind
(issue 12). A comment of any length never takes mail down; a long list line is read whole;
an empty file, or one without [relaycheck], is a configuration error (451, file:line in the
logs), never a quiet run on built-in defaults."""

import re

import test_core as core


def _setup(ctx, text):
    ctx.require_module()
    ns = ctx.nsd(core.ZONES)
    return ns, ctx.exim(text(ns) if callable(text) else text)


def test_long_comment_line_accepts_mail(ctx):
    """A 250-character comment (once "line too long" and a 451 for every message)."""
    comment = "# " + "x" * 248
    ns, ex = _setup(ctx, lambda ns: core.ini(ns, main=comment))
    assert len(comment) == 250
    r = ex.session(core.NOPTR)
    assert r.data_code == 250, r.transcript() + "\n".join(r.paniclog)
    assert core.score(r) == "8"
    assert not r.paniclog, r.paniclog


def test_long_list_line_is_read_whole(ctx):
    """A skip_hosts line of more than 1,000 characters: its last item still counts."""
    items = [f"198.18.{i}.0/24" for i in range(80)] + [core.NOPTR]
    line = "skip_hosts = " + ", ".join(items)
    assert len(line) > 1000
    ns, ex = _setup(ctx, lambda ns: core.ini(ns, main=line))
    r = ex.session(core.NOPTR)
    assert r.data_code == 250, r.transcript() + "\n".join(r.paniclog)
    assert core.score(r) is None, r.transcript()       # skipped: no headers, no log line
    assert not core.relaycheck_log(r), r.mainlog


def test_empty_config_file_451_with_file_line(ctx):
    """A 0-byte file (an editor half-way through saving) is an error, not the defaults."""
    ns, ex = _setup(ctx, "")
    r = ex.session(core.NOPTR)
    assert r.data_code == 451, r.transcript()
    assert "relaycheck: configuration error, see log" in r.data_text
    want = r"relaycheck\.ini:1: no \[relaycheck\] section"
    panic = "\n".join(r.paniclog)
    assert re.search(want, panic), panic
    assert re.search(want, "\n".join(r.mainlog)), r.mainlog


def test_config_without_relaycheck_section_451(ctx):
    ns, ex = _setup(ctx, "[scores]\nptr_missing = 3\n")
    r = ex.session(core.NOPTR)
    assert r.data_code == 451, r.transcript()
    panic = "\n".join(r.paniclog)
    assert re.search(r"relaycheck\.ini:1: no \[relaycheck\] section", panic), panic
