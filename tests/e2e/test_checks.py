"""Generic PTR names, HELO checks, DNS blocklists and domain lists through the real
exim4 against NSD, and the reuse of client results on one connection (issue 3); the two checks
added through the check table, helo_generic and sender_domain_unresolvable (issue 13)."""

import re

from harness import ptr_name


def nibbles(ip):
    # "...ip6.arpa" name without the ip6.arpa suffix
    name = ptr_name(ip).rstrip(".")
    assert name.endswith(".ip6.arpa"), name
    return name[: -len(".ip6.arpa")]


ZONES = {
    "2.0.192.in-addr.arpa": """
10      PTR   mail.good.example.
30      PTR   r30-2-0-192.dialup.adsl.isp.example.
31      PTR   mail-31-2-0-192.isp.example.
66      PTR   mail.good.example.
""",
    "8.b.d.0.1.0.0.2.ip6.arpa": f"""
{ptr_name("2001:db8::25")}  PTR  mail6.good.example.
""",
    "good.example": """
mail    A     192.0.2.10
mail    A     192.0.2.66
mail6   AAAA  2001:db8::25
helo    A     192.0.2.10
other   A     198.51.100.9
""",
    "isp.example": """
r30-2-0-192.dialup.adsl   A   192.0.2.30
mail-31-2-0-192           A   192.0.2.31
""",
    "bl.test": f"""
66.2.0.192      A     127.0.0.2
66.2.0.192      TXT   "Listed: see https://bl.test/lookup?ip=192.0.2.66"
67.2.0.192      A     127.255.255.254
68.2.0.192      A     10.0.0.1
69.2.0.192      A     127.0.0.10
{nibbles("2001:db8::25")}  A  127.0.0.3
""",
    "mailer.example": """
@       MX    10 mail.good.example.
""",
    "nullmx.example": """
@       MX    0 .
@       A     192.0.2.99
""",
    "nomail.example": """
www     A     192.0.2.99
""",
    "pbl.test": """
66.2.0.192      A     127.0.0.11
""",
    "dbl.test": """
spammer.example A     127.0.1.2
spammer.example TXT   "spam domain"
""",
}

HELO_OK = "helo.good.example"

from test_core import NO_SPF  # noqa: E402  (SPF is tested in test_spf.py)


def ini(ns, extra=""):
    return f"""[relaycheck]
nameservers = {ns.nameserver}
dns_timeout = 3s
reject_score = 0
{NO_SPF}
{extra}
"""


BL = """
[scores]
helo_mismatch = 0

[dnsbl bl.test]
score = 8
codes = 127.0.0.2-127.0.0.9, 127.0.0.10-127.0.0.11=2
label = Test BL
txt = yes
"""


def setup(ctx, extra=""):
    ctx.require_module()
    ns = ctx.nsd(ZONES)
    return ns, ctx.exim(ini(ns, extra))


from test_core import one_header as hdr, one_log as log_line, report  # noqa: E402


def test_generic_ptr_name(ctx):
    ns, ex = setup(ctx)
    r = ex.session("192.0.2.30", helo="r30-2-0-192.dialup.adsl.isp.example")
    assert "+3 Relay Host: generic/dynamic DNS PTR name (r30-2-0-192.dialup.adsl.isp.example: " \
           "embeds the address)" in report(r), report(r)
    assert "ptr_generic(+3)" in log_line(r)
    # a mail-server name with the address in it is vetoed
    r = ex.session("192.0.2.31", helo="mail-31-2-0-192.isp.example")
    assert "generic" not in report(r), report(r)
    assert hdr(r, "X-Relaycheck-Score") == "0", report(r)


def test_helo_bare_ip_and_literals(ctx):
    ns, ex = setup(ctx)
    r = ex.session("192.0.2.10", helo="[192.0.2.10]")
    assert "+3 HELO: address literal or bare IP ([192.0.2.10])" in report(r), report(r)
    r = ex.session("192.0.2.10", helo="[198.51.100.1]")
    assert "+5 HELO: address literal that is not the client's address " \
           "([198.51.100.1] is not the client address 192.0.2.10)" in report(r), report(r)
    r = ex.session("192.0.2.10", helo="[10.1.2.3]")
    assert "([10.1.2.3] is a private/reserved address)" in report(r), report(r)
    r = ex.session("192.0.2.10", helo="192.0.2.10")
    assert "helo_bare_ip(+3)" in log_line(r)


def test_helo_not_fqdn_and_mismatch(ctx):
    ns, ex = setup(ctx)
    r = ex.session("192.0.2.10", helo="workstation")
    assert "+2 HELO: not a fully qualified domain name (workstation: no dot)" in report(r), report(r)
    r = ex.session("192.0.2.10", helo="localhost.localdomain")
    assert "helo_not_fqdn(+2)" in log_line(r)
    r = ex.session("192.0.2.10", helo="other.good.example")
    assert "+1 HELO: name does not resolve to the IP " \
           "(other.good.example does not include 192.0.2.10)" in report(r), report(r)
    r = ex.session("192.0.2.10", helo="nothere.good.example")
    assert "(nothere.good.example has no address record, not 192.0.2.10)" in report(r), report(r)
    r = ex.session("192.0.2.10", helo=HELO_OK)
    assert hdr(r, "X-Relaycheck-Score") == "0", report(r)
    assert "+0 HELO: name resolves to the IP (helo.good.example)" in report(r)


def test_helo_claims_this_server(ctx):
    ns, ex = setup(ctx)
    r = ex.session("192.0.2.10", helo="mx.e2e.test")  # the harness's primary_hostname
    assert "+5 HELO: claims to be this server (mx.e2e.test is this server's name)" \
        in report(r), report(r)


def test_dnsbl_listing_with_txt(ctx):
    ns, ex = setup(ctx, BL)
    r = ex.session("192.0.2.66", helo=HELO_OK)
    rep = report(r)
    assert "+8 DNSBL: listed on Test BL (192.0.2.66: 127.0.0.2: " \
           "Listed: see https://bl.test/lookup?ip=192.0.2.66)" in rep, rep
    assert hdr(r, "X-Relaycheck-Score") == "8"
    assert "dnsbl:bl.test(+8)" in log_line(r)


def test_dnsbl_per_code_score_and_combined_lists(ctx):
    ns, ex = setup(ctx, BL + "\n[dnsbl pbl.test]\nscore = 1\nlabel = Test PBL\n")
    r = ex.session("192.0.2.69", helo=HELO_OK)  # 127.0.0.10 in bl.test scores 2
    assert "+2 DNSBL: listed on Test BL (192.0.2.69: 127.0.0.10)" in report(r), report(r)
    r = ex.session("192.0.2.66", helo=HELO_OK)
    assert hdr(r, "X-Relaycheck-Score") == "9", report(r)  # 8 + 1


def test_dnsbl_error_codes_are_temp_not_listings(ctx):
    ns, ex = setup(ctx, BL)
    r = ex.session("192.0.2.67", helo=HELO_OK)
    assert "+0 DNSBL: Test BL answered an error code " \
           "(192.0.2.67: 127.255.255.254, the list refused the query)" in report(r), report(r)
    assert hdr(r, "X-Relaycheck-Score") == "8", report(r)  # only ptr_missing
    assert "dnsbl:bl.test(temp)" in log_line(r)
    r = ex.session("192.0.2.68", helo=HELO_OK)
    assert "(192.0.2.68: 10.0.0.1, not a listing (outside 127.0.0.0/8))" in report(r), report(r)


def test_dnsbl_not_listed(ctx):
    ns, ex = setup(ctx, BL)
    r = ex.session("192.0.2.10", helo=HELO_OK)
    assert "+0 DNSBL: not listed on Test BL (192.0.2.10)" in report(r), report(r)
    assert hdr(r, "X-Relaycheck-Score") == "0"


def test_dnsbl_ipv6_client(ctx):
    ns, ex = setup(ctx, BL)
    r = ex.session("2001:db8::25", helo="mail6.good.example")
    assert "+8 DNSBL: listed on Test BL (2001:db8::25: 127.0.0.3)" in report(r), report(r)


def test_rhsbl_sender_domain(ctx):
    ns, ex = setup(ctx, "[rhsbl dbl.test]\nscore = 6\ntarget = sender\ntxt = yes\nlabel = Test DBL\n")
    r = ex.session("192.0.2.10", helo=HELO_OK, mail_from="x@spammer.example")
    assert "+6 DNSBL: listed on Test DBL (spammer.example: 127.0.1.2: spam domain)" in report(r), \
        report(r)
    assert "rhsbl:dbl.test(+6)" in log_line(r)
    r = ex.session("192.0.2.10", helo=HELO_OK, mail_from="x@good.example")
    assert "+0 DNSBL: not listed on Test DBL (good.example)" in report(r), report(r)


def test_second_message_reuses_client_results(ctx):
    ns, ex = setup(ctx, BL)
    r = ex.session_multi("192.0.2.66", [dict(), dict(mail_from="b@example.net")], helo=HELO_OK)
    assert len(r.messages) == 2
    lines = [l for l in r.mainlog if "relaycheck: ip=" in l]
    assert len(lines) == 2, lines
    assert "queries=" in lines[0] and " reused=yes" not in lines[0], lines[0]
    assert "queries=0 reused=yes" in lines[1], lines[1]
    s1 = [m.header("X-Relaycheck-Score") for m in r.messages]
    assert s1 == [["8"], ["8"]], s1
    assert report(r.messages[0]) == report(r.messages[1])


def test_seventy_listing_blocklists_all_count(ctx):
    # Issue 12 item 2: a message holds 64 findings; the listings beyond them
    # still count in the score, the action, the reply and the log line.
    ctx.require_module()
    zones = dict(ZONES)
    zones["many.test"] = "".join(f"66.2.0.192.bl{i:02d}  A  127.0.0.2\n" for i in range(70))
    ns = ctx.nsd(zones)
    lists = "".join(f"\n[dnsbl bl{i:02d}.many.test]\nscore = 1\n" for i in range(70))
    ex = ctx.exim(ini(ns, "[scores]\nhelo_mismatch = 0\n" + lists).replace(
        "reject_score = 0", "reject_score = 0\ntempreject_score = 0"))
    r = ex.session("192.0.2.66", helo=HELO_OK)
    assert hdr(r, "X-Relaycheck-Score") == "70", report(r)[-300:]
    assert report(r).count("+1 DNSBL: listed on") == 64, report(r)[-300:]
    # the 6 listings that did not fit, and the PASS findings they displaced
    assert re.search(r" \d+ more findings not shown \(\+6 of the score\)$", report(r)), report(r)[-300:]
    assert " score=70 " in log_line(r) and ",omitted(+6) " in log_line(r), log_line(r)
    ex.write_ini(ini(ns, "[scores]\nhelo_mismatch = 0\n" + lists).replace(
        "reject_score = 0", "reject_score = 70"))
    r = ex.session("192.0.2.66", helo=HELO_OK)
    assert r.data_code == 550, r.transcript()
    assert "(score 70 >= 70)" in r.data_text, r.data_text
    assert re.search(r"\d+ more findings not shown \(\+6 of the score\)", r.data_text), r.data_text


def test_helo_trailing_dot_is_the_same_name(ctx):
    # Issue 12 item 9: one trailing dot is normalised before every HELO rule;
    # "." alone is not a name.
    ns, ex = setup(ctx)
    r = ex.session("192.0.2.10", helo="192.0.2.10.")
    assert "helo_bare_ip(+3)" in log_line(r), log_line(r)
    r = ex.session("192.0.2.10", helo="host.123.")
    assert "+2 HELO: not a fully qualified domain name (host.123: numeric top-level label)" \
        in report(r), report(r)
    r = ex.session("192.0.2.10", helo="workstation.")
    assert "(workstation: no dot)" in report(r), report(r)
    r = ex.session("192.0.2.10", helo=".")
    assert "+2 HELO: not a fully qualified domain name (.: not a host name)" in report(r), report(r)
    r = ex.session("192.0.2.10", helo="host.example..")
    assert "(host.example.: empty label)" in report(r), report(r)
    r = ex.session("192.0.2.10", helo=HELO_OK + ".")
    assert "+0 HELO: name resolves to the IP (helo.good.example)" in report(r), report(r)
    assert hdr(r, "X-Relaycheck-Score") == "0", report(r)


def test_helo_generic_name(ctx):
    # Issue 13: the PTR classifier applied to the HELO name; client-only, so a second
    # message on the connection takes it from the cache.
    ns, ex = setup(ctx, "[scores]\nhelo_mismatch = 0\n")
    helo = "dsl-10-2-0-192.pool.isp.example"
    r = ex.session_multi("192.0.2.10", [dict(), dict()], helo=helo)
    assert len(r.messages) == 2
    rep = report(r.messages[0])
    assert f"+2 HELO: generic/dynamic host name ({helo}: " in rep, rep
    assert report(r.messages[1]) == rep
    lines = [l for l in r.mainlog if "relaycheck: ip=" in l]
    assert len(lines) == 2, lines
    assert "helo_generic(+2)" in lines[0] and "helo_generic(+2)" in lines[1], lines
    assert "queries=0 reused=yes" in lines[1], lines[1]
    assert [m.header("X-Relaycheck-Score") for m in r.messages] == [["2"], ["2"]]
    # a mail-server name is vetoed, a literal is helo_bare_ip's alone
    r = ex.session("192.0.2.10", helo="mail-10-2-0-192.isp.example")
    assert "generic" not in report(r), report(r)
    r = ex.session("192.0.2.10", helo="[192.0.2.10]")
    assert "helo_generic" not in log_line(r), log_line(r)


def test_sender_domain_unresolvable(ctx):
    # Issue 13: the sender's domain cannot receive a bounce; per message, TEMP on failure.
    ctx.require_module()
    ns = ctx.nsd(ZONES)
    ex = ctx.exim(ini(ns).replace("sender_domain_unresolvable = 0",
                                  "sender_domain_unresolvable = 3"))
    r = ex.session("192.0.2.10", helo=HELO_OK, mail_from="x@nullmx.example")
    assert "+3 Sender: domain cannot receive a bounce (nullmx.example: null MX (RFC 7505))" \
        in report(r), report(r)
    assert "sender_domain_unresolvable(+3)" in log_line(r), log_line(r)
    assert hdr(r, "X-Relaycheck-Score") == "3", report(r)
    r = ex.session("192.0.2.10", helo=HELO_OK, mail_from="x@nomail.example")
    assert "(nomail.example: no MX, A or AAAA record)" in report(r), report(r)
    r = ex.session("192.0.2.10", helo=HELO_OK, mail_from="x@gone.good.example")
    assert "(gone.good.example: no such domain (NXDOMAIN))" in report(r), report(r)
    for sender in ("x@mailer.example", "x@helo.good.example", ""):
        r = ex.session("192.0.2.10", helo=HELO_OK, mail_from=sender)
        assert "Sender:" not in report(r), (sender, report(r))
        assert hdr(r, "X-Relaycheck-Score") == "0", (sender, report(r))
    # a domain the nameserver refuses: TEMP, no score
    r = ex.session("192.0.2.10", helo=HELO_OK, mail_from="x@example.net")
    assert "+0 Sender: lookup of the domain failed (example.net: " in report(r), report(r)
    assert "sender_domain_unresolvable(temp)" in log_line(r), log_line(r)
    assert hdr(r, "X-Relaycheck-Score") == "0", report(r)
    # per message, never from the connection cache
    r = ex.session_multi("192.0.2.10", [dict(mail_from="x@nullmx.example"),
                                        dict(mail_from="x@mailer.example")], helo=HELO_OK)
    scores = [m.header("X-Relaycheck-Score") for m in r.messages]
    assert scores == [["3"], ["0"]], scores
