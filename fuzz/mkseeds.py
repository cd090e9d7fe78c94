#!/usr/bin/python3
"""mkseeds.py - write the checked-in seed corpora, fuzz/corpus/<target>/

Run from the top of the tree: python3 fuzz/mkseeds.py. Each seed is a
small, valid (or deliberately almost valid) input in the format its target
documents at the top of fuzz/<target>.c; the fuzzer mutates from there.
Existing seed files of the same name are overwritten, others are kept.
"""

import ipaddress
import os
import struct
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(TOP, "fuzz", "corpus")


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("latin-1")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- config

def config_seeds():
    with open(os.path.join(TOP, "exim-conf-examples", "relaycheck.ini"), "rb") as f:
        write("fuzz_config", "example.ini", f.read())
    seeds = {
        "minimal.ini": "[relaycheck]\n",
        "all-keys.ini": (
            "[relaycheck]\nreject_score = 20\ntempreject_score = 10\ndns_timeout = 2500ms\n"
            "nameservers = 127.0.0.1, 192.0.2.53:5353 [2001:db8::53]:53 ::1\n"
            "on_dns_failure = tempreject\nheader_prefix = X-Spam-Relay\n"
            "skip_authenticated = no\nskip_hosts = 10.0.0.0/8, 2001:db8::/32\n"
            "max_ptr_names = 32\n"
            "[scores]\nptr_missing = 8\nptr_no_address = -4\nptr_mismatch = 0\n"
            "ptr_generic = 3\nhelo_bare_ip = 3\nhelo_not_fqdn = 2\nhelo_mismatch = 1\n"
            "helo_wrong_ip = 5\nhelo_is_us = 5\nspf_pass = -2\nspf_fail = 6\n"
            "spf_softfail = 2\nspf_neutral = 0\nspf_none = 1\nspf_permerror = 1\n"
            "spf_temperror = 0\n"
            "[dnsbl zen.spamhaus.org]\nscore = 8\ncodes = 127.0.0.2-127.0.0.11, &0x80=3\n"
            "label = Spamhaus ZEN\ntxt = yes\n"
            "[rhsbl dbl.spamhaus.org.]\ntarget = ptr\ncodes = 127.0.1.2-127.0.1.99\n"
            "[rhsbl senders.example]\ntarget = sender\n[rhsbl helo.example]\ntarget = helo\n"
            "[no_server_check]\nip = 192.0.2.0/24\nip = 2001:db8:1::/48 198.51.100.7\n"
            "domain = partner.example\nhost = .partner.example, mx.example\n"
            "domain_requires_spf = no\n"),
        "errors.ini": (
            "key = outside\n[relaycheck]\nreject_score = x\nreject_score = 5\n"
            "reject_score = 6\ndns_timeout = 99ms\nnameservers = 1.2.3.4:0 [::1 host\n"
            "  continued line\nno equals here\n[unknown]\nfoo = bar\n[dnsbl]\n"
            "[dnsbl bad..zone]\n[dnsbl ok.example]\ncodes = 128.0.0.1, 127.0.0.9-127.0.0.2, &0\n"
            "label = \x01bad\x7f\n[scores]\nno_such = 1\nptr_missing = 100000\n"
            "[relaycheck] trailing\n[no_server_check\n"),
        "bom-crlf.ini": "\xef\xbb\xbf[relaycheck]\r\nreject_score = 7 ; comment\r\n# c\r\n",
        "long-line.ini": "[relaycheck]\nskip_hosts = " + "10.0.0.0/8 " * 120 + "\n",
        "nul.ini": "[relaycheck]\nreject_score = 5\x00\nheader_prefix = X\n",
        "empty-lists.ini": "[relaycheck]\nnameservers =\nskip_hosts =\n[no_server_check]\nip =\n",
        "dup-sections.ini": "[dnsbl a.example]\n[dnsbl A.EXAMPLE]\n[rhsbl a.example]\n"
                            "target = nowhere\ntxt = maybe\nscore = 1001\n",
        "many-errors.ini": "[relaycheck]\n" + "bogus = 1\n" * 60,
    }
    for name, text in seeds.items():
        write("fuzz_config", name, text)


# ---------------------------------------------------------------- cidr

def cidr_seeds():
    seeds = {
        "v4.txt": "10.0.0.0/8\n10.1.0.0/16\n10.1.2.0/24\n10.1.2.3\n192.0.2.0/24\n0.0.0.0/0\n\n"
                  "10.1.2.3\n10.1.2.4\n10.2.0.0\n11.0.0.0\n9.255.255.255\n",
        "v6.txt": "2001:db8::/32\n2001:db8:1::/48\n::1\n::/0\n::ffff:0:0/96\nfe80::/10\n\n"
                  "2001:db8:1::1\n2001:db8:2::\n::ffff:192.0.2.1\nfe80::1%eth0\n::2\n",
        "mixed.txt": "::ffff:192.0.2.0/120\n192.0.2.128/25\n192.0.2.0/24\n192.0.2.0/24\n"
                     "::ffff:0.0.0.0/80\n.example.com\nexample.org\nMX.Example.NET\n\n"
                     "192.0.2.200\n::ffff:192.0.2.1\nmail.example.com\nexample.org.\n"
                     "a.b.example.org\nmx.example.net\n",
        "bad.txt": "10.0.0.1/8\n10.0.0.0/33\n10.0.0.0/-1\n/8\n1.2.3\n::ffff:1.2.3.4/24\n"
                   "10.0.0.0/08\n::/129\n1.2.3.4/ 8\n\n1.2.3.4\n",
        "names.txt": ".a.example\nb.a.example\n.b.a.example\nA.EXAMPLE\nx_y.example\n-a.example\n\n"
                     "c.b.a.example\nb.a.example\na.example\nexample\n.a.example\nB.A.EXAMPLE.\n",
    }
    for name, text in seeds.items():
        write("fuzz_cidr", name, text)


# ---------------------------------------------------------------- generic

def generic_seed(ip, name, whylen=96):
    a = ipaddress.ip_address(ip)
    if a.version == 4:
        head = b"\x00" + a.packed
    else:
        head = b"\x01" + a.packed
    return head + bytes([whylen]) + name.encode("latin-1")


def generic_seeds():
    rows = []
    with open(os.path.join(TOP, "tests", "unit", "generic_names.tsv")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3:
                rows.append(parts)
    step = max(1, len(rows) // 24)
    for i, (label, ip, name) in enumerate(rows[::step]):
        write("fuzz_generic", "tsv-%02d-%s" % (i, label), generic_seed(ip, name))
    extra = [
        ("192.0.2.66", "MAIL.Example.COM.", 96),
        ("192.0.2.66", "192-0-2-66.example.net", 0),
        ("192.0.2.66", "host066002000192.pool.example.net", 5),
        ("2001:db8::1:2:3:4", "2001-db8--1-2-3-4.dyn.example.net", 96),
        ("2001:db8::a1b2:c3d4", "ip6-00000000a1b2c3d4.cust.example.org", 96),
        ("192.0.2.66", "c0000242.dip.t-dialin.net", 96),
        ("192.0.2.66", "mx\\0001.example.com", 96),
        ("192.0.2.66", "a" * 63 + "." + "b" * 63 + "." + "c" * 63 + "." + "d" * 61, 96),
        ("192.0.2.66", "66.2.0.192.in-addr.arpa", 96),
        ("192.0.2.66", "example.co.uk", 96),
    ]
    for i, (ip, name, wl) in enumerate(extra):
        write("fuzz_generic", "extra-%02d" % i, generic_seed(ip, name, wl))


# ---------------------------------------------------------------- codes

def codes_seeds():
    seeds = [
        "127.0.0.2-127.0.0.11",
        "127.0.0.2, 127.0.0.3=5, &0x80=3, &4",
        "127.0.1.0-127.0.1.255=-1000 127.0.0.10=1000",
        "&4294967295",
        "127.0.0.2-127.0.0.1",
        "128.0.0.1",
        "&0",
        "127.0.0.2=",
        "127.0.0.2=1001",
        "\t,, 127.0.0.4 ,",
        "",
    ]
    for i, s in enumerate(seeds):
        answers = struct.pack(">IIII", 0x7f000002, 0x7f000080, 0x7fffff01, 0xc0000201)
        write("fuzz_codes", "codes-%02d" % i, s + "\n" + answers.decode("latin-1"))


# ---------------------------------------------------------------- escape

def escape_seed(dstlen, src, report=b""):
    return struct.pack(">HH", dstlen, len(src)) + src + report


def escape_report(nfindings=3):
    """flags, nf, reject(2), tempreject, then findings, then verdict fields."""
    out = bytes([0x01, nfindings]) + struct.pack(">H", 15) + bytes([10])
    for i in range(nfindings):
        text = b"Relay Host: \x00\x1b[31m\n%s%n"
        detail = b"bad\r\nX-Injected: yes\t\xff" * 4
        out += bytes([i % 21, i % 4]) + struct.pack(">H", 8 + i) + bytes([7]) + b"zenexam"
        out += struct.pack(">H", len(text)) + text + struct.pack(">H", len(detail)) + detail
    out += struct.pack(">H", 3) + struct.pack(">I", 42)
    out += struct.pack(">H", 4) + b"auth" + struct.pack(">H", 5) + b"n\note"
    out += bytes([11]) + b"192.0.2.66\n"
    for n in (8192, 0x8001, 0x8000, 0x8002, 200, 40, 0x8010, 3000):
        out += struct.pack(">H", n)
    return out


def escape_seeds():
    write("fuzz_escape", "plain", escape_seed(64, b"hello world"))
    write("fuzz_escape", "binary", escape_seed(40, bytes(range(256))))
    write("fuzz_escape", "cut-exact", escape_seed(8, b"abcd\x01"))
    write("fuzz_escape", "tiny", escape_seed(1, b"x"))
    write("fuzz_escape", "report", escape_seed(300, b"%s%n\\x41", escape_report(3)))
    write("fuzz_escape", "report-full", escape_seed(10, b"...", escape_report(66)))


# ---------------------------------------------------------------- spfscreen

def spf_seeds():
    macro_record = "v=spf1 exists:" + "%{d}" * 127 + "xxxx -all"
    below = "v=spf1 exists:" + "%{d}" * 126 + "xxxx -all"
    seeds = {
        "simple": "\x01v=spf1 ip4:192.0.2.0/24 include:_spf.example.com ~all",
        "macros": "\x01v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} a:%{d2}.example mx/24 -all",
        "redirect": "\x01v=spf1 redirect=_spf.%{d}",
        "exp": "\x01v=spf1 -all exp=explain.%{d}",
        "cve-record": "\x01" + macro_record,
        "cve-below": "\x01" + below,
        "cve-modifier": "\x01v=spf1 -all exp=" + "%{d}" * 127 + "%%%_%-zz",
        "explanation": "\x00%{i} is not one of %{d}'s designated mail servers.",
        "cve-explanation": "\x00" + "%{s}" * 127 + "See http://example.com/why",
        "long-literal": "\x01v=spf1 a:" + "x" * 300,
        "percent-junk": "\x01v=spf1 a:%{" + "%" * 200,
    }
    for name, text in seeds.items():
        write("fuzz_spfscreen", name, text)


# ---------------------------------------------------------------- dnsanswer
#
# Query order for a v4 client whose HELO is a plausible FQDN and with a
# sender domain (flags bit 1), with fuzz_dnsanswer's built-in configuration
# (udns sends the queries of one round newest first):
#   round 1: senders.example A, dbl.example TXT, dbl.example A, plain A,
#            zen TXT, zen A, HELO A/AAAA, PTR
#   round 2: the forward lookups of the PTR names, last name first
#   round 3: names.example TXT, A of the confirmed name
# Without a sender domain the first query is left out; with a HELO that
# is not a usable name, the dbl.example and HELO queries are.

A, NS, CNAME, PTR, TXT, AAAA = 1, 2, 5, 12, 16, 28


def rr(kind, data):
    data = data.encode("latin-1") if isinstance(data, str) else data
    return bytes([kind, len(data)]) + data


def built(*records, rcode=0, tc=False, aa=False):
    mode = (rcode & 15) | (0x40 if tc else 0) | (0x20 if aa else 0)
    return bytes([mode]) + b"".join(records)


def raw(flags, an, ns, ar, body):
    return bytes([0x80]) + struct.pack(">H", flags) + bytes([an, ns, ar]) + body


def nxdomain():
    return built(rcode=3)


def nodata():
    return built()


def chunk(c):
    return struct.pack(">H", len(c)) + c


def facts(ip, helo, domain=None):
    a = ipaddress.ip_address(ip)
    flags = (1 if a.version == 6 else 0) | (2 if domain is not None else 0)
    out = bytes([flags]) + a.packed
    for s in (helo, domain or ""):
        s = s.encode("latin-1")
        out += bytes([len(s)]) + s
    return out


def dns_seed(name, head, chunks):
    write("fuzz_dnsanswer", name, head + b"".join(chunk(c) for c in chunks))


def a4(ip):
    return rr(0, ipaddress.ip_address(ip).packed)


def dnsanswer_seeds():
    ok = "192.0.2.66"
    # A well-run server: PTR confirms, HELO resolves, nothing listed.
    dns_seed("clean", facts(ok, "mail.example.com", "example.org"), [
        nxdomain(), nxdomain(), nxdomain(), nxdomain(), nxdomain(), nxdomain(),
        built(a4(ok)),
        built(rr(0, "mail.example.com")),
        built(a4(ok)),
        nxdomain(), nxdomain(),
    ])
    # A dial-up host: generic name, mismatching forward, listed with a TXT.
    dns_seed("listed", facts(ok, "r66-2-0-192.dsl.example.net"), [
        built(rr(0, "Listed \x00\x1b[1m see https://example/q?66.2.0.192\r\nX: y")),
        built(a4("127.0.0.2"), a4("127.0.0.130")),
        built(a4("127.0.0.1")),
        built(rr(0, "https://zen.example/query/ip/192.0.2.66")),
        built(a4("127.0.0.4"), a4("127.255.255.254"), a4("10.0.0.1")),
        built(a4("192.0.2.67")),
        built(rr(0, "r66-2-0-192.dsl.example.net"), rr(0, "c0000242.dip.example.de"),
              rr(0, "192-0-2-66.static.example.com")),
        built(a4("192.0.2.1")), nodata(), built(a4("192.0.2.67"), a4("198.51.100.1")),
    ])
    # PTR names with escapes and a CNAME chain; forward answers fail in
    # every way udns knows (TC, SERVFAIL, REFUSED, garbage).
    dns_seed("hostile-ptr", facts(ok, "[192.0.2.66]"), [
        nxdomain(), built(rcode=2), nxdomain(),
        built(rr(0, "we\\.ird\\000name.example"),
              rr(0, "a\\\\b.example"), rr(0, "\\@\\;\\$.example"), rr(0, "x" * 63 + ".example")),
        built(tc=True), built(rcode=5), raw(0x8180, 1, 0, 0, b"\xc0\x0c\x00\x01\x00\x01\x00"),
    ])
    # A CNAME (RFC 2317 classless delegation) whose target's PTR is in the
    # answer: udns follows CNAMEs inside the answer section only.
    cname = (b"\xc0\x0c\x00\x05\x00\x01\x00\x00\x0e\x10\x00\x09\x02" + b"66" + b"\x03" + b"sub"
             + b"\xc0\x0c"
             + b"\xc0\x35\x00\x0c\x00\x01\x00\x00\x0e\x10\x00\x0e\x04mail\x07example\x00")
    dns_seed("cname-ptr", facts(ok, "[10.0.0.1]"), [
        nxdomain(), nxdomain(), nxdomain(), raw(0x8180, 2, 0, 0, cname), built(a4(ok)),
    ])
    # Confirmed name on the PTR-name list, with a TXT reason; trusted host.
    dns_seed("ptr-listed", facts(ok, "localhost"), [
        nxdomain(), nxdomain(), nxdomain(),
        built(rr(0, "mx.trusted.example")),
        built(a4(ok)),
        built(rr(0, "abused \"domain\"; see %s %n")),
        built(a4("127.0.1.2")),
    ])
    # An IPv6 client, AAAA confirmation, a bare IP HELO.
    v6 = "2001:db8::66"
    dns_seed("ipv6", facts(v6, v6), [
        nxdomain(), built(a4("127.0.0.3")), nxdomain(),
        built(rr(0, "host.example.net"), rr(0, "2001-db8--66.dyn.example.net")),
        built(rr(0, ipaddress.ip_address("2001:db8::67").packed)),
        built(rr(0, ipaddress.ip_address(v6).packed)),
    ])
    # Raw packets: compression loops, truncated records, bad rdlength,
    # records of other types, an oversized TXT, answers in the wrong section.
    loop = b"\xc0\x0c\x00\x0c\x00\x01\x00\x00\x0e\x10\x00\x02\xc0\x2a"
    dns_seed("raw", facts(ok, "mail.example.com", "example.org"), [
        raw(0x8180, 1, 0, 0, b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\x7f\x00"),
        raw(0x8180, 2, 0, 0, b"\xc0\x0c\x00\x10\x00\x01\x00\x00\x0e\x10\x01\x00\xff" + b"T" * 300),
        raw(0x8180, 1, 0, 0, b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\xff\xff\x7f\x00\x00\x02"),
        raw(0x8180, 0, 1, 0, b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\x7f\x00\x00\x02"),
        raw(0x8180, 1, 0, 0, b"\xc0\x0c\x00\x10\x00\x01\x00\x00\x0e\x10\x00\x05\x03abc\x05"),
        raw(0x8180, 3, 0, 0, b"\xc0\x0c\x00\x05\x00\x01\x00\x00\x0e\x10\x00\x02\xc0\x0c"
            + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\xc0\x00\x02\x42"),
        raw(0x8180, 1, 0, 0, b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\xc0\x00\x02\x42"),
        raw(0x8180, 1, 0, 0, loop),
    ])
    # FORMERR to the EDNS query (udns asks again without EDNS), then answers.
    dns_seed("formerr", facts(ok, "mail.example.com"), [
        built(rcode=1), nxdomain(), nxdomain(), nxdomain(), nxdomain(), nxdomain(),
        built(rcode=1), built(rcode=1),
    ])
    # Nothing at all: every query NXDOMAIN.
    dns_seed("nxdomain", facts(ok, ""), [])


# ---------------------------------------------------------------- nsccache

NSC_PATH = b"/etc/exim4/relaycheck.ini"     # FUZZ_PATH in fuzz_nsccache.c
NSC_HEADER = struct.Struct("<8s4I3Q2q8Q")   # RC_NSC_HEADER, 128 bytes
NSC_ENTRY = struct.Struct("<16sB3xi16sB7xqi4x")  # RC_IPENTRY, 64 bytes
NSC_BITS = 16                               # RC_IPTABLE_BITS_MIN
V4MAPPED = bytes(10) + b"\xff\xff"


def nsc_cidr(text):
    """(16-byte address, prefix length in the 128-bit form, IPv4 flag) as rc_cidr_parse."""
    net = ipaddress.ip_network(text)
    if net.version == 4:
        addr, plen = V4MAPPED + net.network_address.packed, net.prefixlen + 96
    else:
        addr, plen = net.network_address.packed, net.prefixlen
    return addr, plen, int(plen >= 96 and addr[:12] == V4MAPPED)


def nsc_last(addr, plen):
    n = int.from_bytes(addr, "big") | ((1 << (128 - plen)) - 1)
    return n.to_bytes(16, "big")


def nsc_bucket(addr, bits):
    """rc_iptable_bucket()"""
    nb = 1 << bits
    top = int.from_bytes(addr[:3], "big") >> (24 - bits)
    if top:
        return nb + 1 + top
    if addr[:12] < V4MAPPED:
        return 0
    if addr[:12] == V4MAPPED:
        return 1 + (int.from_bytes(addr[12:15], "big") >> (24 - bits))
    return nb + 1


def nsc_image(cidrs, text=b"[relaycheck]\n", index=False, damage=None):
    """A compiled file as nsccache.c writes it (rc_iptable_seal's table);
    damage(entries, index) may break it before it is packed."""
    ents = sorted({nsc_cidr(c) for c in cidrs}, key=lambda e: (e[0], e[1]))
    parents, stack = [], []
    for i, (addr, plen, _) in enumerate(ents):
        while stack:
            paddr, pplen, _ = ents[stack[-1]]
            mask = ((1 << 128) - 1) ^ ((1 << (128 - pplen)) - 1)
            if int.from_bytes(addr, "big") & mask == int.from_bytes(paddr, "big"):
                break
            stack.pop()
        parents.append(stack[-1] if stack else -1)
        stack.append(i)
    rows = [[a, f, p, nsc_last(a, p), f, parents[i], i + 3] for i, (a, p, f) in enumerate(ents)]
    idx = None
    if index:
        keys = (2 << NSC_BITS) + 1
        idx, j = [], 0
        for k in range(keys + 1):
            while j < len(rows) and nsc_bucket(rows[j][0], NSC_BITS) < k:
                j += 1
            idx.append(j)
    bits = NSC_BITS if index else 0
    if damage:
        bits = damage(rows, idx) or bits
    align = lambda x: (x + 63) // 64 * 64
    path_off = NSC_HEADER.size
    text_off = path_off + len(NSC_PATH) + 1
    table_off = align(text_off + len(text) + 1)
    table_end = table_off + len(rows) * NSC_ENTRY.size
    index_off = align(table_end) if idx is not None else 0
    size = index_off + 4 * len(idx) if idx is not None else table_end
    head = NSC_HEADER.pack(b"RCNSC\r\n\x1a", 1, NSC_ENTRY.size, bits, 0, 0, 0, 0, 0, 0,
                           len(rows), path_off, len(NSC_PATH), text_off, len(text),
                           table_off, index_off, size)
    out = bytearray(head + NSC_PATH + b"\0" + text + b"\0")
    out += bytes(table_off - len(out))
    for r in rows:
        out += NSC_ENTRY.pack(*r)
    if idx is not None:
        out += bytes(index_off - len(out))
        out += struct.pack("<%dI" % len(idx), *idx)
    assert len(out) == size
    return bytes(out)


NSC_NESTED = ["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32", "10.2.0.0/16",
              "192.0.2.0/24", "2001:db8::/32", "2001:db8:1::/48", "2001:db8:1::25/128",
              "::/0", "0.0.0.0/0"]


def nsccache_seeds():
    write("fuzz_nsccache", "nested", nsc_image(NSC_NESTED))
    write("fuzz_nsccache", "one-entry", nsc_image(["192.0.2.7/32"]))
    write("fuzz_nsccache", "empty-table", nsc_image([], text=b"[relaycheck]\nreject_score = 9\n"))
    write("fuzz_nsccache", "indexed", nsc_image(NSC_NESTED + ["198.51.100.0/24", "fe80::/10"],
                                                index=True))


def nsccache_regressions():
    """One input per crash or hang fixed in nsccache.c/iptable.c (issue 12)."""
    d = os.path.join(TOP, "fuzz", "regressions", "fuzz_nsccache")
    os.makedirs(d, exist_ok=True)

    def self_parent(rows, idx):
        rows[4][5] = 4                      # 10.2.0.0/16 is its own parent

    def parent_out_of_range(rows, idx):
        rows[4][5] = 1 << 40

    def parent_after_child(rows, idx):
        rows[4][5] = 5
        rows[5][5] = 4

    def bucket_out_of_range(rows, idx):
        for k in range(1, len(idx) - 1):
            idx[k] = len(rows) + 100000

    def bits_200(rows, idx):
        return 200

    def plen_200(rows, idx):
        rows[2][2] = 200

    cases = {"self-parent": (self_parent, False), "parent-out-of-range": (parent_out_of_range, False),
             "parent-after-child": (parent_after_child, False),
             "bucket-out-of-range": (bucket_out_of_range, True), "bits-200": (bits_200, True),
             "prefix-length-200": (plen_200, False)}
    for name, (fn, index) in cases.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(nsc_image(NSC_NESTED, index=index, damage=fn))


def main():
    config_seeds()
    cidr_seeds()
    generic_seeds()
    codes_seeds()
    escape_seeds()
    spf_seeds()
    dnsanswer_seeds()
    nsccache_seeds()
    nsccache_regressions()
    for t in sorted(os.listdir(CORPUS)):
        print("%-16s %3d seeds" % (t, len(os.listdir(os.path.join(CORPUS, t)))))


if __name__ == "__main__":
    sys.exit(main())
