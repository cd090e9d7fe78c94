"""The INI file through the real Debian exim4: what an operator's editor can leave behind
(issue 12). An empty file, or one without [relaycheck], is a configuration error (451, file:line in the
logs), never a quiet run on built-in defaults."""

import re

import test_core as core


def _setup(ctx, text):
    ctx.require_module()
    ns = ctx.nsd(core.ZONES)
    return ns, ctx.exim(text(ns) if callable(text) else text)


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
