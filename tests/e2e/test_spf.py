"""SPF through the real exim4 (issue 4): pass, fail, softfail, none, temperror from a TXT
lookup that times out, a bounce checked with the HELO identity, on_dns_failure = tempreject
giving 451 4.4.3, the Received-SPF header above Exim's Received:, and No Server Check
`domain` entries honoured only when SPF passes; loopback clients evaluated like any other
(issue 12)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "dnsresponder"))

from responder import DNSResponder  # noqa: E402

CLIENT = "192.0.2.66"
OTHER = "192.0.2.77"


def zones():
    return {
        "66.2.0.192.in-addr.arpa": {"PTR": ["mail.good.example."]},
        "77.2.0.192.in-addr.arpa": {"PTR": ["mail.other.example."]},
        "mail.good.example": {"A": [CLIENT]},
        "mail.other.example": {"A": [OTHER]},
        "pass.example": {"TXT": [f"v=spf1 ip4:{CLIENT} -all"]},
        "fail.example": {"TXT": ["v=spf1 ip4:198.51.100.0/24 -all"]},
        "soft.example": {"TXT": ["v=spf1 ~all"]},
        "neutral.example": {"TXT": ["v=spf1 ?all"]},
        "none.example": {"A": ["198.51.100.1"]},
        "slow.example": {"TIMEOUT": ["TXT"]},
        "chain.example": {"TXT": ["v=spf1 include:inc.chain.example -all"]},
        "inc.chain.example": {"TXT": ["v=spf1 a:host.chain.example -all"]},
        "host.chain.example": {"A": [CLIENT]},
        "partner.example": {"TXT": [f"v=spf1 ip4:{CLIENT} -all"]},
    }


def ini(dns, extra="", main="", reject=0):
    return f"""[relaycheck]
nameservers = 127.0.0.1:{dns.port}
dns_timeout = 1500ms
reject_score = {reject}
{main}

[scores]
helo_mismatch = 0
sender_domain_unresolvable = 0
{extra}
"""


from test_core import one_header as hdr, one_log as log_line, report  # noqa: E402


def session(ctx, dns, ex, sender, helo="mail.good.example", ip=CLIENT):
    r = ex.session(ip, helo=helo, mail_from=sender)
    assert r.data_code is not None and not r.lost, r.transcript()
    return r


def test_pass_fail_softfail_none_neutral(ctx):
    ctx.require_module()
    with DNSResponder(zones(), ipv6=False) as dns:
        ex = ctx.exim(ini(dns))
        r = session(ctx, dns, ex, "a@pass.example")
        assert r.data_code == 250
        spf = hdr(r, "Received-SPF")
        assert spf and spf.startswith("pass "), spf
        assert f"client-ip={CLIENT};" in spf and "envelope-from=a@pass.example;" in spf, spf
        assert hdr(r, "X-Relaycheck-Score") == "0", report(r)
        names = [n.lower() for n in r.header_names()]
        assert names.index("received-spf") < names.index("received"), names

        r = session(ctx, dns, ex, "a@fail.example")
        assert hdr(r, "Received-SPF").startswith("fail "), hdr(r, "Received-SPF")
        assert "+6 SPF: fail (fail.example" in report(r), report(r)
        assert "spf_fail(+6)" in log_line(r)

        r = session(ctx, dns, ex, "a@soft.example")
        assert "+2 SPF: softfail (soft.example" in report(r), report(r)

        r = session(ctx, dns, ex, "a@none.example")
        assert "+1 SPF: none (none.example" in report(r), report(r)

        r = session(ctx, dns, ex, "a@neutral.example")
        assert hdr(r, "X-Relaycheck-Score") == "0", report(r)
        assert hdr(r, "Received-SPF").startswith("neutral "), hdr(r, "Received-SPF")

        r = session(ctx, dns, ex, "a@chain.example")   # TXT -> include TXT -> a:
        assert hdr(r, "Received-SPF").startswith("pass "), hdr(r, "Received-SPF")


def test_fail_can_reject_with_the_reason(ctx):
    ctx.require_module()
    with DNSResponder(zones(), ipv6=False) as dns:
        ex = ctx.exim(ini(dns, reject=6))
        r = session(ctx, dns, ex, "a@fail.example")
        assert r.data_code == 550, r.transcript()
        assert "+6 SPF: fail" in r.data_text, r.data_text
        assert "does not authorise 192.0.2.66" in r.data_text, r.data_text


def test_temperror_from_timing_out_txt(ctx):
    ctx.require_module()
    with DNSResponder(zones(), ipv6=False) as dns:
        ex = ctx.exim(ini(dns))
        r = session(ctx, dns, ex, "a@slow.example")
        assert r.data_code == 250, r.transcript()
        assert r.data_elapsed < 1.5 + 0.5, r.data_elapsed
        assert "+0 SPF: temperror (slow.example" in report(r), report(r)
        assert "spf_temperror(temp)" in log_line(r)
        # RFC 7208 8.6: with on_dns_failure = tempreject a temperror is 451 4.4.3
        ex.write_ini(ini(dns, main="on_dns_failure = tempreject"))
        r = session(ctx, dns, ex, "a@slow.example")
        assert r.data_code == 451, r.transcript()
        assert r.data_text.startswith("4.4.3 "), r.data_text


def test_bounce_checked_with_helo_identity(ctx):
    ctx.require_module()
    z = zones()
    z["mail.good.example"]["TXT"] = [f"v=spf1 a -all"]
    with DNSResponder(z, ipv6=False) as dns:
        ex = ctx.exim(ini(dns))
        r = session(ctx, dns, ex, "", helo="mail.good.example")
        spf = hdr(r, "Received-SPF")
        assert spf and spf.startswith("pass "), spf
        assert "identity=helo" in spf, spf
        assert "SPF: pass (HELO identity)" in report(r) or hdr(r, "X-Relaycheck-Score") == "0", \
            report(r)
        # no usable HELO: SKIP, no header
        r = session(ctx, dns, ex, "", helo="[192.0.2.66]")
        assert hdr(r, "Received-SPF") is None, r.header_names()
        assert "SPF:" not in report(r), report(r)


def test_domain_allowlist_needs_spf_pass(ctx):
    ctx.require_module()
    with DNSResponder(zones(), ipv6=False) as dns:
        ex = ctx.exim(ini(dns, extra="[no_server_check]\ndomain = partner.example\n"))
        r = session(ctx, dns, ex, "x@partner.example")   # authorised: honoured
        assert report(r) == "+0 Relay Host: on No Server Check list " \
                            "(domain partner.example, SPF pass)", report(r)
        assert hdr(r, "X-Relaycheck-Score") == "0"
        assert hdr(r, "Received-SPF").startswith("pass ")
        # A spoofed sender from an unauthorised host is checked as usual.
        r = session(ctx, dns, ex, "x@partner.example", helo="mail.other.example", ip=OTHER)
        assert "No Server Check" not in report(r), report(r)
        assert "+6 SPF: fail (partner.example" in report(r), report(r)
        line = log_line(r)
        assert 'note="domain entry partner.example not honoured: SPF fail"' in line, line


LOOPBACK = ["127.0.0.1", "::1", "::ffff:127.0.0.5"]


def test_loopback_client_gets_no_free_pass(ctx):
    """libspf2 answers "pass (localhost is always allowed)" for any 127/8 or ::1 client
    without reading DNS. With a skip_hosts that does not list loopback (a same-host TLS proxy
    makes every client loopback) a `domain` entry must not be honoured on that: the record is
    evaluated like any other client's."""
    ctx.require_module()
    z = zones()
    z["lo.example"] = {"TXT": ["v=spf1 ip4:127.0.0.0/8 ip6:::1 -all"]}
    with DNSResponder(z, ipv6=False) as dns:
        ex = ctx.exim(ini(dns, main="skip_hosts = 192.0.2.250",
                          extra="[no_server_check]\ndomain = partner.example\n"
                                "domain_requires_spf = yes\n"))
        for ip in LOOPBACK:
            r = session(ctx, dns, ex, "x@partner.example", ip=ip)
            spf = hdr(r, "Received-SPF")
            assert spf and spf.startswith("fail "), (ip, spf, r.header_names(), r.mainlog)
            assert "localhost" not in spf, (ip, spf)
            assert "No Server Check" not in report(r), (ip, report(r))
            assert "+6 SPF: fail (partner.example" in report(r), (ip, report(r))
            assert 'note="domain entry partner.example not honoured: SPF fail"' \
                in log_line(r), (ip, log_line(r))
            # a record that does list loopback passes, as for any client
            r = session(ctx, dns, ex, "x@lo.example", ip=ip)
            spf = hdr(r, "Received-SPF")
            assert spf and spf.startswith("pass ") and "localhost" not in spf, (ip, spf)


def test_received_spf_folded_within_998(ctx):
    """The longest Received-SPF Exim's own limits allow (a 256-character sender, a
    252-character HELO, an IPv6 client, a permerror naming a long domain, a 26-character
    primary_hostname) is folded at "; " so no line of the spooled header exceeds 998
    characters (RFC 5322 2.1.1), and every part is there."""
    ctx.require_module()

    def name(n, suffix):
        s = "".join("." if i % 64 == 63 else chr(97 + i % 26) for i in range(n - len(suffix)))
        return (s[:-1] + "z" if s.endswith(".") else s) + suffix

    dom = name(191, ".example")
    sender = "l" * 64 + "@" + dom
    helo = name(252, ".helo.example")
    inc = name(250, ".inc.example")
    client = "2001:db8:ffff:ffff:ffff:ffff:ffff:fffe"
    z = zones()
    # permerror: "syntax error in the SPF record of <dom>: invalid domain "<inc...>" (...)"
    z[dom] = {"TXT": [f"v=spf1 a:{inc[:120]}.123 -all"]}
    with DNSResponder(z, ipv6=False) as dns:
        ex = ctx.exim(ini(dns))
        with open(ex.conf_path) as f:
            conf = f.read()
        host = "mx01.relay-cluster.example"
        assert len(host) == 26
        with open(ex.conf_path, "w") as f:
            f.write(conf.replace("primary_hostname = mx.e2e.test",
                                 f"primary_hostname = {host}"))
        r = session(ctx, dns, ex, sender, helo=helo, ip=client)
        vals = [v for f, n, v in r.spool_headers if f != "*" and n == "Received-SPF"]
        assert len(vals) == 1, r.header_names()
        text = "Received-SPF:" + vals[0]
        lines = text.split("\n")
        value = "".join(lines)
        assert value.startswith("Received-SPF: permerror ("), value
        assert f"({host}: " in value and "invalid domain" in value, value
        for part in (f"client-ip={client};", f"envelope-from={sender};", f"helo={helo};",
                     "identity=mailfrom;"):
            assert part in value, (part, value)
        assert value.endswith(";"), value
        assert all(len(l) <= 998 for l in lines), [len(l) for l in lines]
        assert all(l.startswith("\t") for l in lines[1:]), lines
        assert len(value) > 998, "this case no longer needs folding"
