"""No abort drops a session: an abort() inside the module's work ends the message with a
451 and a panic-log line, and the module declines further messages on that connection
(issue 8). Uses the test-only module build with fault-injection hooks."""

import os

from harness import Exim


def hooks_module(ctx):
    path = os.environ.get("RELAYCHECK_HOOKS_MODULE",
                          os.path.join(ctx.repo, "build", "test", "relaycheck-hooks.so"))
    if not os.path.exists(path):
        if os.environ.get("E2E_REQUIRE_MODULE"):
            raise AssertionError(f"{path} not built")
        ctx.skip(f"{path} not built (make build/test/relaycheck-hooks.so)")
    return path


def test_injected_abort_gives_451_not_a_dropped_session(ctx):
    mod = hooks_module(ctx)
    ex = Exim(ctx.path("exim"), mod, "[relaycheck]\nnameservers = 127.0.0.1:9\ndns_timeout = 200ms\n",
              extra_main_conf="")
    r = ex.session_multi("192.0.2.66", [dict(), dict()], helo="rc-test-abort.invalid")
    assert not r.lost, r.transcript()
    assert r.exit_status == 0, (r.exit_status, r.transcript())
    codes = [m.data_code for m in r.messages]
    assert codes == [451, 451], (codes, r.transcript())
    assert "internal error" in r.messages[0].data_text
    panic = "\n".join(r.paniclog)
    assert "relaycheck: internal error (SIGABRT) while checking a message from 192.0.2.66" in panic, panic
    assert any("declining message after an internal error" in l for l in r.mainlog), r.mainlog
    # The QUIT got its 221: the session ended normally.
    assert r.replies[-1][0] == 221, r.replies[-1]
