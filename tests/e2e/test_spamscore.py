"""The site's spam score combined with relaycheck's (spam_score_header, spam_score_factor,
combined_reject_score; README "Use the score") through the real Debian exim4: the header as
local_scan() finds it, replaced by the combined score, the original kept, the Report header and
the log line saying so; what is not a number left alone; the ACL's `combined` yield.

The spam-score header comes from the message itself here, as a DATA ACL would have added it
(test_spamassassin.py has a real SpamAssassin add it). The client 192.0.2.77 has no PTR record:
relaycheck's score is 8, so +0.8 with the default factor 0.1.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "dnsresponder"))

from responder import DNSResponder  # noqa: E402
from harness import NO_SENDER_CHECKS  # noqa: E402

NOPTR = "192.0.2.77"
ZONES = {"mail.example.net": {"A": [NOPTR]}}    # the harness's HELO: no helo_mismatch



def ini(dns, main="spam_score_header = X-Spam-Score"):
    return (f"[relaycheck]\nnameservers = {dns.nameserver}\ndns_timeout = 2s\n{main}\n"
            + NO_SENDER_CHECKS)


def headers(*extra):
    return ["From: Alice <a@example.net>", "To: u@example.org", "Subject: spam score"] + \
        list(extra)


def module_lines(r):
    return [line for line in r.mainlog if "relaycheck: ip=" in line]


def send(ctx, ini_text, *extra, **kw):
    with DNSResponder(ZONES, ipv6=False) as dns:
        ex = ctx.exim(ini_text(dns) if callable(ini_text) else ini_text, **kw)
        return ex.session(NOPTR, headers=headers(*extra))


def test_spam_score_replaced_by_the_combined_score(ctx):
    r = send(ctx, ini, "X-Spam-Score: 4.7")
    assert r.data_code == 250, r.transcript()
    assert r.header("X-Spam-Score") == ["5.5"], r.spool_headers
    assert r.header("X-Spam-Score", include_deleted=True) == ["4.7", "5.5"], r.spool_headers
    assert r.header("X-Relaycheck-Original-Spam-Score") == ["4.7"], r.spool_headers
    report = r.header("X-Relaycheck-Report", unfold=False)
    assert len(report) == 1 and report[0].endswith("\n\tX-Spam-Score: 4.7 -> 5.5 (+8 x 0.1)"), \
        report
    lines = module_lines(r)
    assert len(lines) == 1, lines
    assert "score=8 action=accept checks=ptr_missing(+8)" in lines[0], lines[0]
    assert lines[0].endswith(" spam_score=4.7->5.5"), lines[0]
    assert r.paniclog == [], r.paniclog


def test_spam_score_numbers_and_junk(ctx):
    # One connection, one message per case: (header value, combined or None when left alone,
    # the log line's spam_score=).
    cases = [
        ("-0.1", "0.7", "-0.1->0.7"),
        ("-6.1", "-5.3", "-6.1->-5.3"),
        ("4.70", "5.50", "4.70->5.50"),
        ("12", "12.8", "12->12.8"),
        ("4.12345", "4.923", "4.12345->4.923"),
        ("999999", "999999.8", "999999->999999.8"),
        ("4.7abc", None, "not-a-number"),
        ("nan", None, "not-a-number"),
        ("1e309", None, "not-a-number"),
        ("1234567", None, "not-a-number"),
        ("", None, "not-a-number"),
    ]
    with DNSResponder(ZONES, ipv6=False) as dns:
        ex = ctx.exim(ini(dns))
        r = ex.session_multi(NOPTR, [dict(mail_from="a@example.net", rcpt="u@example.org",
                                          headers=headers(f"X-Spam-Score: {value}"))
                                     for value, _, _ in cases])
    lines = module_lines(r)
    assert len(lines) == len(cases), lines
    for (value, combined, field), m, line in zip(cases, r.messages, lines):
        assert m.data_code == 250, (value, r.transcript())
        assert line.endswith(f" spam_score={field}"), (value, line)
        if combined is None:
            assert m.header("X-Spam-Score") == [value], (value, m.spool_headers)
            assert m.header("X-Relaycheck-Original-Spam-Score") == [], m.spool_headers
            assert "X-Spam-Score" not in m.header("X-Relaycheck-Report")[0], m.spool_headers
        else:
            assert m.header("X-Spam-Score") == [combined], (value, m.spool_headers)
            assert m.header("X-Relaycheck-Original-Spam-Score") == [value], m.spool_headers
    assert r.paniclog == [], r.paniclog


def test_spam_score_missing_or_several_left_alone(ctx):
    with DNSResponder(ZONES, ipv6=False) as dns:
        ex = ctx.exim(ini(dns))
        r = ex.session_multi(NOPTR, [
            dict(mail_from="a@example.net", rcpt="u@example.org", headers=headers()),
            dict(mail_from="a@example.net", rcpt="u@example.org",
                 headers=headers("X-Spam-Score: -100", "x-spam-score: 4.7")),
        ])
    lines = module_lines(r)
    assert len(lines) == 2, lines
    assert lines[0].endswith(" spam_score=missing"), lines[0]
    assert lines[1].endswith(" spam_score=several"), lines[1]
    assert r.messages[0].header("X-Spam-Score") == []
    assert r.messages[1].header("X-Spam-Score") == ["-100", "4.7"], r.messages[1].spool_headers
    for m in r.messages:
        assert m.data_code == 250, r.transcript()
        assert m.header("X-Relaycheck-Original-Spam-Score") == [], m.spool_headers


def test_spam_score_header_off_by_default(ctx):
    r = send(ctx, lambda dns: ini(dns, main=""), "X-Spam-Score: 4.7")
    assert r.data_code == 250, r.transcript()
    assert r.header("X-Spam-Score") == ["4.7"], r.spool_headers
    assert r.header("X-Relaycheck-Original-Spam-Score") == []
    lines = module_lines(r)
    assert len(lines) == 1 and "spam_score=" not in lines[0], lines


def test_forged_original_removed(ctx):
    r = send(ctx, ini, "X-Spam-Score: 1.0", "X-Relaycheck-Original-Spam-Score: -50")
    assert r.header("X-Relaycheck-Original-Spam-Score") == ["1.0"], r.spool_headers
    assert r.header("X-Spam-Score") == ["1.8"], r.spool_headers


def test_combined_reject_score_rejects(ctx):
    # 4.5 alone is below 5, relaycheck's 8 below reject_score 15: together 5.3 >= 5.
    r = send(ctx, lambda dns: ini(dns, main="spam_score_header = X-Spam-Score\n"
                                             "combined_reject_score = 5"), "X-Spam-Score: 4.5")
    assert r.data_code == 550, r.transcript()
    assert r.data_text.startswith(
        f"Relay host {NOPTR} failed sender checks (combined spam score 5.3 >= 5.0)"), r.data_text
    assert f"+8 Relay Host: No DNS PTR record ({NOPTR})" in r.data_text, r.data_text
    lines = module_lines(r)
    assert len(lines) == 1, lines
    assert "score=8 action=reject checks=ptr_missing(+8)" in lines[0], lines[0]
    assert lines[0].endswith(" spam_score=4.5->5.3"), lines[0]


def test_combined_reject_score_below_accepts_and_spares_exempt(ctx):
    with DNSResponder(ZONES, ipv6=False) as dns:
        ex = ctx.exim(ini(dns, main="spam_score_header = X-Spam-Score\n"
                                    "combined_reject_score = 5.4"))
        r = ex.session_multi(NOPTR, [
            dict(mail_from="a@example.net", rcpt="u@example.org",
                 headers=headers("X-Spam-Score: 4.5")),
            dict(mail_from="a@example.net", rcpt="postmaster@example.org",
                 headers=headers("X-Spam-Score: 9.9")),
        ])
    assert [m.data_code for m in r.messages] == [250, 250], r.transcript()
    assert r.messages[0].header("X-Spam-Score") == ["5.3"]
    assert r.messages[1].header("X-Spam-Score") == ["10.7"]
    lines = module_lines(r)
    assert "action=accept" in lines[0] and lines[0].endswith(" spam_score=4.5->5.3"), lines
    assert "action=accept" in lines[1] and lines[1].endswith(" exempt=yes spam_score=9.9->10.7"), \
        lines


ACL_COMBINED = """  warn    add_header = X-Acl-Combined: ${dlfunc{@MODULE@}{relaycheck_acl}{combined}{4.7}}
  warn    add_header = X-Acl-Junk: ${dlfunc{@MODULE@}{relaycheck_acl}{combined}{4.7abc}}
  accept
"""


def test_acl_combined_yield(ctx):
    # The DATA ACL's yield is local_scan()'s figure; with spam_score_header off, local_scan()
    # leaves the site's header alone, so the two are not combined twice.
    r = send(ctx, lambda dns: ini(dns, main="spam_score_factor = 0.25"), "X-Spam-Score: 4.7",
             acl_data=ACL_COMBINED)
    assert r.data_code == 250, r.transcript()
    assert r.header("X-Acl-Combined") == ["6.7"], r.spool_headers
    assert r.header("X-Acl-Junk") == ["4.7abc"], r.spool_headers
    assert r.header("X-Spam-Score") == ["4.7"], r.spool_headers
    lines = module_lines(r)
    assert len(lines) == 1 and "reused=yes" in lines[0], lines


def test_acl_combined_needs_its_argument(ctx):
    acl = "  warn    add_header = X-Acl: ${dlfunc{@MODULE@}{relaycheck_acl}{combined}}\n  accept\n"
    r = send(ctx, ini, "X-Spam-Score: 4.7", acl_data=acl)
    assert r.data_code == 451, r.transcript()
    assert any("{combined}{$spam_score}" in line for line in r.paniclog), r.paniclog


ACL_RCPT_LOGS = """  warn    set acl_m_rc = ${dlfunc{@MODULE@}{relaycheck_acl}{verdict}{accept}}
  accept  domains = +local_domains
  deny    message = relay not permitted
"""


def test_spam_score_own_line_when_an_acl_logged(ctx):
    # The RCPT ACL wrote the message's line (acl=accept): local_scan() reuses the result and
    # writes the spam score on a line of its own, which --summary does not count as a message.
    r = send(ctx, ini, "X-Spam-Score: 4.7", acl_rcpt=ACL_RCPT_LOGS)
    assert r.data_code == 250, r.transcript()
    assert r.header("X-Spam-Score") == ["5.5"], r.spool_headers
    lines = module_lines(r)
    assert len(lines) == 1 and lines[0].endswith(" acl=accept"), lines
    own = r.log_lines("relaycheck: spam score of the message:")
    assert len(own) == 1 and own[0].endswith(" spam_score=4.7->5.5"), r.mainlog
