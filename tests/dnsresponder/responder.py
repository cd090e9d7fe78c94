#!/usr/bin/python3
"""Programmable test DNS responder for relaycheck's tests (standard library only).

It answers from a small in-memory data model and can be told, at run time, to misbehave in the
ways a real authoritative server (NSD) cannot: stay silent, SERVFAIL/REFUSED/FORMERR, set TC,
send garbage, short packets, the wrong ID or question, oversized answers, slow answers.

In process (one thread; answers are scheduled on a heap, so delays never block other queries):

    from responder import DNSResponder
    with DNSResponder({"66.2.0.192.in-addr.arpa": {"PTR": ["mail.example.net."]},
                       "mail.example.net": {"A": ["192.0.2.66"]}}) as dns:
        ini = f"nameservers = {dns.nameserver}"          # "127.0.0.1:<port>"
        dns.set_behaviour("mail.example.net", "A", action="servfail")
        dns.set_delay(300, name="slow.example")          # per name; dns.delay_ms is global
        ...
        dns.queries()   # [{"t_ms": 12.3, "name": "mail.example.net.", "type": "A", ...}, ...]

Standalone (for C benchmarks and shell scripts):

    responder.py --zones zones.json [--port N] [--delay-ms D] [--log queries.jsonl]
                 [--behaviours rules.json] [--address 127.0.0.1] [--ipv6] [--no-tcp]
                 [--spf-suite rfc7208-tests.yml --spf-scenario N|DESCRIPTION]

prints the port on stdout line 1 (flushed), serves until SIGTERM/SIGINT; SIGHUP re-reads the
--zones and --behaviours files.  --log gets one JSON object per query (see DNSResponder.queries).

Data model ({name: {TYPE: value}}, names case-insensitive, trailing dot optional):
    "A": ["192.0.2.1"], "AAAA": ["2001:db8::1"], "PTR": ["mail.example."], "NS": [...],
    "CNAME": "target.example.", "MX": [[10, "mx.example."]] (or ["10 mx.example."]),
    "TXT": ["one string", ["part1", "part2"], []],  "SPF": same as TXT,
    "SOA": [mname, rname, serial, refresh, retry, expire, minimum],
    "TYPE65": ["hex rdata"],  "TTL": 300,
    "TIMEOUT": true     -> never answer queries for types this name has no records for
    "TIMEOUT": ["TXT"]  -> never answer queries for these types
Strings (names, TXT) become bytes as latin-1 when every character is <= U+00FF, else UTF-8, so
"\\u0000", "\\r", "\\u00ff" give exactly those bytes.  In names, "\\." is a dot inside a label and
"\\DDD" a decimal byte (master-file escapes); a name may also be given as a list of labels
(str or bytes).  A TXT string longer than 255 bytes is split into 255-byte pieces.
"*.zone" entries are wildcards (the nearest "*.<ancestor>" of an unknown name is used).
Ancestors of data names that are not themselves in the data answer NODATA (empty non-terminals).

Behaviours: see DNSResponder.set_behaviour.
"""

import heapq
import json
import random
import selectors
import signal
import socket
import struct
import sys
import threading
import time

__all__ = ["DNSResponder", "load_spf_suite_zonedata", "load_spf_suite", "spf_suite_zones",
           "parse_name", "name_text", "long_name", "TYPES", "ACTIONS"]

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28,
         "SRV": 33, "OPT": 41, "SPF": 99, "ANY": 255}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
RCODES = {"NOERROR": 0, "FORMERR": 1, "SERVFAIL": 2, "NXDOMAIN": 3, "NOTIMP": 4, "REFUSED": 5,
          "BADVERS": 16}
CNAME, OPT, ANY = 5, 41, 255
NAME_TYPES = (2, 5, 12)          # rdata is one (compressible) domain name
TXT_TYPES = (16, 99)
MAX_CNAME_CHAIN = 16

# action -> rcode for the "error answer" actions
_RCODE_ACTIONS = {"servfail": 2, "refused": 5, "formerr": 1, "notimp": 4, "nxdomain": 3}
ACTIONS = ("answer", "drop", "timeout", "truncate", "garbage", "short", "wrong_name",
           "wrong_id", "oversize") + tuple(_RCODE_ACTIONS)
# behaviour option names accepted by set_behaviour (besides the matching keys)
_OPTIONS = {"action", "delay_ms", "tc", "aa", "rcode", "id", "records", "wrong_name", "payload",
            "garbage_len", "short_len", "oversize_bytes", "ignore_size", "no_opt", "swap_case",
            "edns_size", "compress", "ttl"}


# ---------------------------------------------------------------------------------------------
# names and types

def type_code(t):
    """'A' / 'a' / 'TYPE65' / 65 -> int."""
    if isinstance(t, int):
        return t
    u = str(t).upper()
    if u in TYPES:
        return TYPES[u]
    if u.startswith("TYPE") and u[4:].isdigit():
        return int(u[4:])
    raise ValueError(f"unknown RR type {t!r}")


def type_name(code):
    return TYPE_NAMES.get(code, f"TYPE{code}")


def to_bytes(s):
    """str -> bytes: latin-1 when every character is <= U+00FF, else UTF-8.  bytes unchanged."""
    if isinstance(s, (bytes, bytearray, memoryview)):
        return bytes(s)
    s = str(s)
    try:
        return s.encode("latin-1")
    except UnicodeEncodeError:
        return s.encode("utf-8")


def parse_name(name):
    """A name (text with master-file escapes, or a list of labels) -> tuple of bytes labels.

    The root is () (from "", "." or []).  Labels longer than 63 bytes are rejected; the total
    length is not checked, so over-long names can be served on purpose.
    """
    if isinstance(name, (list, tuple)):
        labels = tuple(to_bytes(x) for x in name)
    else:
        b = to_bytes(name)
        labels, cur, i, n = [], bytearray(), 0, len(b)
        if b in (b"", b"."):
            return ()
        while i < n:
            c = b[i]
            if c == 0x5C and i + 1 < n:             # backslash escape
                if len(b[i + 1:i + 4]) == 3 and b[i + 1:i + 4].isdigit():
                    v = int(b[i + 1:i + 4])
                    if v > 255:
                        raise ValueError(f"bad escape in name {name!r}")
                    cur.append(v)
                    i += 4
                else:
                    cur.append(b[i + 1])
                    i += 2
                continue
            if c == 0x2E:                            # '.'
                if not cur:
                    raise ValueError(f"empty label in name {name!r}")
                labels.append(bytes(cur))
                cur = bytearray()
            else:
                cur.append(c)
            i += 1
        if cur:
            labels.append(bytes(cur))
        labels = tuple(labels)
    for lab in labels:
        if not lab or len(lab) > 63:
            raise ValueError(f"label of {len(lab)} bytes in name {name!r}")
    return labels


def name_text(labels):
    """Labels -> presentation text with a trailing dot; odd bytes as \\DDD, '.' and '\\' escaped."""
    if not labels:
        return "."
    out = []
    for lab in labels:
        s = []
        for c in lab:
            if c in (0x2E, 0x5C, 0x22):
                s.append("\\" + chr(c))
            elif 0x21 <= c <= 0x7E:
                s.append(chr(c))
            else:
                s.append("\\%03d" % c)
        out.append("".join(s))
    return ".".join(out) + "."


def _lower(labels):
    return tuple(lab.lower() for lab in labels)      # bytes.lower(): ASCII only, as DNS


def wire_len(labels):
    return sum(len(x) + 1 for x in labels) + 1


def long_name(total=255, suffix="example.", fill=b"a"):
    """A name of exactly `total` wire bytes (255 is the RFC 1035 maximum) ending in `suffix`."""
    suf = parse_name(suffix)
    need = total - wire_len(suf)
    if need < 0:
        raise ValueError("suffix longer than total")
    labels = []
    while need > 0:
        take = min(64, need)
        if need - take == 1:                         # a 1-byte remainder cannot be a label
            take -= 1
        labels.append(fill * (take - 1))
        need -= take
    return tuple(labels) + suf


def _read_name(buf, off):
    """Decode a (possibly compressed) name at off -> (labels, offset after the name)."""
    labels, end, jumps = [], None, 0
    while True:
        if off >= len(buf):
            raise ValueError("name runs past end")
        ln = buf[off]
        if ln & 0xC0 == 0xC0:
            if off + 1 >= len(buf):
                raise ValueError("truncated pointer")
            if end is None:
                end = off + 2
            off = ((ln & 0x3F) << 8) | buf[off + 1]
            jumps += 1
            if jumps > 64:
                raise ValueError("pointer loop")
            continue
        if ln & 0xC0:
            raise ValueError("bad label type")
        off += 1
        if ln == 0:
            break
        if off + ln > len(buf):
            raise ValueError("label runs past end")
        labels.append(bytes(buf[off:off + ln]))
        off += ln
    return tuple(labels), (end if end is not None else off)


# ---------------------------------------------------------------------------------------------
# the data model

class _Node:
    __slots__ = ("labels", "rrsets", "cname", "ttl", "timeout")

    def __init__(self, labels):
        self.labels = labels
        self.rrsets = {}         # type code -> [normalised values]
        self.cname = None        # labels
        self.ttl = 300
        self.timeout = None      # None, True, or a set of type codes

    def times_out(self, qtype):
        if self.timeout is True:
            return qtype not in self.rrsets and self.cname is None
        return bool(self.timeout) and qtype in self.timeout


def _listify(v):
    return list(v) if isinstance(v, (list, tuple)) else [v]


def _compile_txt(value):
    recs = []
    items = [value] if isinstance(value, (str, bytes, bytearray)) else list(value)
    for rec in items:
        parts = [rec] if isinstance(rec, (str, bytes, bytearray)) else list(rec)
        strings = []
        for p in parts:
            b = to_bytes(p)
            if not b:
                strings.append(b"")
            while b:
                strings.append(b[:255])
                b = b[255:]
        recs.append(tuple(strings))
    return recs


def _compile_mx(value):
    if isinstance(value, (list, tuple)) and len(value) == 2 and isinstance(value[0], int):
        value = [value]
    out = []
    for mx in _listify(value):
        if isinstance(mx, str):
            pref, target = mx.split(None, 1)
        else:
            pref, target = mx
        out.append((int(pref), parse_name(target)))
    return out


def _compile_soa(value):
    if value and not isinstance(value[0], (list, tuple)):
        value = [value]
    return [(parse_name(s[0]), parse_name(s[1])) + tuple(int(x) for x in s[2:7]) for s in value]


def _compile_node(name, spec):
    labels = parse_name(name)
    node = _Node(labels)
    if spec is None:
        return node
    if not isinstance(spec, dict):
        raise ValueError(f"{name!r}: data must be a dict of TYPE: values")
    for key, value in spec.items():
        k = str(key).upper()
        if k == "TTL":
            node.ttl = int(value)
            continue
        if k == "TIMEOUT":
            if value is True:
                node.timeout = True
            elif value:
                node.timeout = {type_code(t) for t in _listify(value)}
            continue
        t = type_code(k)
        if t == CNAME:
            v = _listify(value)
            if len(v) != 1:
                raise ValueError(f"{name!r}: exactly one CNAME target")
            node.cname = parse_name(v[0])
            continue
        if t == 1:
            vals = [socket.inet_pton(socket.AF_INET, str(v)) for v in _listify(value)]
        elif t == 28:
            vals = [socket.inet_pton(socket.AF_INET6, str(v)) for v in _listify(value)]
        elif t in NAME_TYPES:
            vals = [parse_name(v) for v in _listify(value)]
        elif t == 15:
            vals = _compile_mx(value)
        elif t in TXT_TYPES:
            vals = _compile_txt(value)
        elif t == 6:
            vals = _compile_soa(value)
        else:
            vals = [bytes(v) if isinstance(v, (bytes, bytearray)) else bytes.fromhex(v)
                    for v in _listify(value)]
        node.rrsets.setdefault(t, []).extend(vals)
    return node


class _Zones:
    """Compiled, immutable snapshot of the data model."""

    def __init__(self, data):
        self.nodes, self.ents = {}, set()
        for name, spec in (data or {}).items():
            node = _compile_node(name, spec)
            key = _lower(node.labels)
            if key in self.nodes:                     # same name in another case: merge
                old = self.nodes[key]
                for t, v in node.rrsets.items():
                    old.rrsets.setdefault(t, []).extend(v)
                old.cname = node.cname or old.cname
                old.timeout = node.timeout or old.timeout
            else:
                self.nodes[key] = node
            for i in range(1, len(key)):
                self.ents.add(key[i:])

    def lookup(self, labels):
        """-> (node or None, exists) ; wildcards give the '*' node."""
        key = _lower(labels)
        node = self.nodes.get(key)
        if node is not None:
            return node, True
        if key in self.ents:
            return None, True
        for i in range(1, len(key) + 1):
            w = self.nodes.get((b"*",) + key[i:])
            if w is not None:
                return w, True
            if key[i:] in self.nodes or key[i:] in self.ents:
                break                                  # closest encloser exists, no wildcard
        return None, False


# ---------------------------------------------------------------------------------------------
# messages

class _Query:
    __slots__ = ("id", "flags", "opcode", "rd", "qdcount", "labels", "qtype", "qclass",
                 "edns", "edns_version", "edns_flags", "raw")


def _parse_query(data):
    if len(data) < 12:
        raise ValueError("shorter than a header")
    q = _Query()
    q.raw = data
    q.id, q.flags, q.qdcount, an, ns, ar = struct.unpack("!HHHHHH", data[:12])
    q.opcode = (q.flags >> 11) & 0xF
    q.rd = bool(q.flags & 0x0100)
    q.labels, q.qtype, q.qclass = None, None, None
    q.edns = q.edns_version = q.edns_flags = None
    if q.qdcount < 1:
        return q
    off = 12
    q.labels, off = _read_name(data, off)
    if off + 4 > len(data):
        raise ValueError("truncated question")
    q.qtype, q.qclass = struct.unpack("!HH", data[off:off + 4])
    off += 4
    if q.qdcount != 1:
        return q
    # skip answer/authority, look for OPT in additional
    for i in range(an + ns + ar):
        _, off = _read_name(data, off)
        if off + 10 > len(data):
            raise ValueError("truncated RR")
        t, cls, ttl, rdlen = struct.unpack("!HHIH", data[off:off + 10])
        off += 10 + rdlen
        if off > len(data):
            raise ValueError("truncated rdata")
        if t == OPT and i >= an + ns:
            q.edns = cls
            q.edns_version = (ttl >> 16) & 0xFF
            q.edns_flags = ttl & 0xFFFF
    return q


class _Reply:
    """Structured reply; encode() turns it into wire format."""

    def __init__(self, q):
        self.id = q.id
        self.opcode = q.opcode if q.opcode is not None else 0
        self.rd = q.rd
        self.aa = True
        self.tc = False
        self.rcode = 0
        self.question = (q.labels, q.qtype, q.qclass) if q.labels is not None else None
        self.an, self.ns, self.ar = [], [], []       # (owner labels, type, ttl, value)
        self.opt = None                               # our UDP size when echoing EDNS

    def encode(self, compress=True):
        w = _Writer(compress)
        ext_rcode = self.rcode >> 4
        flags = 0x8000 | (self.opcode << 11) | (0x0400 if self.aa else 0) | \
            (0x0200 if self.tc else 0) | (0x0100 if self.rd else 0) | (self.rcode & 0xF)
        w.buf += struct.pack("!HHHHHH", self.id & 0xFFFF, flags, 1 if self.question else 0,
                             len(self.an), len(self.ns), len(self.ar) + (self.opt is not None))
        if self.question:
            w.name(self.question[0])
            w.buf += struct.pack("!HH", self.question[1], self.question[2])
        for rr in self.an + self.ns + self.ar:
            w.rr(*rr)
        if self.opt is not None:
            w.buf += b"\0" + struct.pack("!HHIH", OPT, self.opt, ext_rcode << 24, 0)
        return bytes(w.buf)


class _Writer:
    def __init__(self, compress=True):
        self.buf = bytearray()
        self.comp = {} if compress else None

    def name(self, labels, compressible=True):
        labels = tuple(labels)
        for i in range(len(labels)):
            suffix = labels[i:]
            if self.comp is not None and compressible:
                ptr = self.comp.get(suffix)
                if ptr is not None:
                    self.buf += struct.pack("!H", 0xC000 | ptr)
                    return
                if len(self.buf) < 0x4000:
                    self.comp[suffix] = len(self.buf)
            self.buf.append(len(labels[i]))
            self.buf += labels[i]
        self.buf.append(0)

    def rr(self, owner, rtype, ttl, value):
        self.name(owner)
        self.buf += struct.pack("!HHI", rtype, 1, ttl & 0xFFFFFFFF)
        pos = len(self.buf)
        self.buf += b"\0\0"
        if rtype in (1, 28):
            self.buf += value
        elif rtype in NAME_TYPES:
            self.name(value)
        elif rtype == 15:
            self.buf += struct.pack("!H", value[0])
            self.name(value[1])
        elif rtype in TXT_TYPES:
            for s in value:
                self.buf.append(len(s))
                self.buf += s
        elif rtype == 6:
            self.name(value[0])
            self.name(value[1])
            self.buf += struct.pack("!IIIII", *value[2:7])
        else:
            self.buf += value
        struct.pack_into("!H", self.buf, pos, len(self.buf) - pos - 2)


def _swap_case(labels):
    return tuple(lab.swapcase() for lab in labels)


# ---------------------------------------------------------------------------------------------
# the responder

class DNSResponder:
    """A programmable DNS responder on 127.0.0.1 (and ::1) : port, run by one thread.

    DNSResponder(zones=None, port=0, delay_ms=0, ipv6=None, tcp=True, hosts=None, log_path=None,
                 edns_size=4096)
      zones     the data model (see the module docstring)
      port      0 = a free port (the same one on every address), reported in .port
      delay_ms  global default delay of every answer (also settable: .delay_ms = D)
      ipv6      also serve [::1] (None: when the host has IPv6 loopback)
      hosts     explicit list of addresses instead of 127.0.0.1 / ::1
      log_path  also write one JSON line per query there
    start()/stop(), or use as a context manager.  Attributes: port, nameserver ("127.0.0.1:P"),
    nameserver6 ("[::1]:P" or None), addresses, errors (exceptions caught in the server thread).
    """

    def __init__(self, zones=None, port=0, delay_ms=0, ipv6=None, tcp=True, hosts=None,
                 log_path=None, edns_size=4096):
        if hosts is None:
            if ipv6 is None:
                ipv6 = _ipv6_loopback()
            hosts = ["127.0.0.1"] + (["::1"] if ipv6 else [])
        self.hosts = list(hosts)
        self.requested_port = port
        self.port = None
        self.tcp = tcp
        self.delay_ms = delay_ms
        self.edns_size = edns_size
        self.log_path = log_path
        self.errors = []
        self._lock = threading.RLock()
        self._zones = _Zones(zones)
        self._zone_data = dict(zones or {})
        self._rules = []
        self._rule_seq = 0
        self._log = []
        self._log_file = None
        self._seq = 0
        self._heap = []
        self._t0 = None
        self._thread = None
        self._stopping = False
        self._socks = []
        self._cond = threading.Condition(self._lock)

    # ---- life cycle
    def start(self):
        if self._thread:
            raise RuntimeError("already started")
        self._bind()
        if self.log_path:
            self._log_file = open(self.log_path, "w", buffering=1)
        self._t0 = time.monotonic()
        self._stopping = False
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread = threading.Thread(target=self._run, name=f"dnsresponder:{self.port}",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if not self._thread:
            return
        self._stopping = True
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        self._thread.join(5)
        self._thread = None
        for s in self._socks + [self._wake_r, self._wake_w]:
            try:
                s.close()
            except OSError:
                pass
        self._socks = []
        with self._lock:
            for item in self._heap:                 # never answered
                self._finish(item[3], None)
            self._heap = []
            if self._log_file:
                self._log_file.close()
                self._log_file = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def nameserver(self):
        return f"127.0.0.1:{self.port}"

    @property
    def nameserver6(self):
        return f"[::1]:{self.port}" if "::1" in self.hosts else None

    @property
    def addresses(self):
        return [(h, self.port) for h in self.hosts]

    # ---- data
    def set_zones(self, zones):
        """Replace the whole data model (takes effect for queries arriving from now on)."""
        compiled = _Zones(zones)
        with self._lock:
            self._zone_data = dict(zones or {})
            self._zones = compiled

    def update_zones(self, zones):
        """Add or replace names (whole per-name entries)."""
        with self._lock:
            data = dict(self._zone_data)
            data.update(zones)
            self.set_zones(data)

    def remove_names(self, *names):
        with self._lock:
            keys = {_lower(parse_name(n)) for n in names}
            self.set_zones({k: v for k, v in self._zone_data.items()
                            if _lower(parse_name(k)) not in keys})

    @property
    def zones(self):
        with self._lock:
            return dict(self._zone_data)

    # ---- behaviours
    def set_behaviour(self, name=None, qtype=None, *, zone=None, transport=None, times=None,
                      **options):
        """Add a rule; returns its id (for clear_behaviours(id)).

        Matching: name (exact, case-insensitive) or zone (the zone and everything under it) or
        neither (global); qtype ("A", 28, ...) or None (any); transport "udp"/"tcp"/None;
        times=N: only the next N matching queries, then the rule disappears.
        All matching rules are merged, least specific first (global < zone (shorter first) <
        name; then any type < one type; then any transport < one; then older < newer), so e.g.
        a per-name delay and a per-type action combine.  A new rule with exactly the same
        name/zone/qtype/transport replaces the old one.

        Options:
          action   "answer" (default) | "drop"/"timeout" (never answer) | "servfail" |
                   "refused" | "formerr" | "notimp" | "nxdomain" (that rcode, no records) |
                   "truncate" (TC, no records) | "garbage" (random bytes, or `payload`) |
                   "short" (the normal answer cut to `short_len` bytes, default half) |
                   "wrong_name" (question and owners renamed to `wrong_name`, default
                   "wrong-name.invalid.") | "wrong_id" (ID+1, or `id`) |
                   "oversize" (normal answer padded with 255-byte TXT records, in the answer
                   section for TXT/ANY queries else in additional, to > `oversize_bytes`
                   (default 5000), sent whatever the client's size, TC only if `tc`=True) |
                   a callable(query_dict, wire_bytes_or_None) -> bytes or None (raw reply)
          delay_ms D        answer D ms after arrival (the global .delay_ms otherwise)
          records {...}     answer from this data instead (e.g. {"A": ["127.0.0.1"]} under
                            a zone: a broken blocklist that lists everything)
          tc / aa bool      force the TC / AA bit;  rcode N: force the rcode;  id N: force ID
          ignore_size       send UDP answers larger than the client's size without TC
          no_opt            do not echo the OPT record;  edns_size N: our advertised size
          swap_case         echo the question (and owners) with ASCII case swapped
          compress False    no name compression;  ttl N: TTL of the answer records
          payload / garbage_len / short_len / wrong_name / oversize_bytes  (see actions)
        """
        bad = set(options) - _OPTIONS
        if bad:
            raise ValueError(f"unknown behaviour options {sorted(bad)}")
        act = options.get("action", "answer")
        if not callable(act) and act not in ACTIONS:
            raise ValueError(f"unknown action {act!r}; one of {ACTIONS}")
        if name is not None and zone is not None:
            raise ValueError("give name or zone, not both")
        if transport not in (None, "udp", "tcp"):
            raise ValueError("transport must be 'udp', 'tcp' or None")
        opts = dict(options)
        if "records" in opts:
            opts["records"] = _compile_node(".", opts["records"])
        with self._lock:
            self._rule_seq += 1
            rule = {"id": self._rule_seq,
                    "name": _lower(parse_name(name)) if name is not None else None,
                    "zone": _lower(parse_name(zone)) if zone is not None else None,
                    "qtype": type_code(qtype) if qtype is not None else None,
                    "transport": transport, "times": times, "opts": opts}
            match = ("name", "zone", "qtype", "transport")
            self._rules = [r for r in self._rules                      # same key: replace
                           if any(r[k] != rule[k] for k in match)]
            self._rules.append(rule)
            return rule["id"]

    def set_delay(self, ms, name=None, qtype=None, zone=None, **kw):
        """Delay answers by ms: globally (no name/zone/qtype), per name, zone and/or type."""
        if name is None and zone is None and qtype is None and not kw:
            self.delay_ms = ms
            return None
        return self.set_behaviour(name, qtype, zone=zone, delay_ms=ms, **kw)

    def broken_blocklist(self, zone, address="127.0.0.1", txt=None):
        """Answer `address` (and TXT txt) for every name under zone (a list that lists all)."""
        rec = {"A": [address]}
        if txt is not None:
            rec["TXT"] = [txt]
        return self.set_behaviour(zone=zone, records=rec)

    def clear_behaviours(self, rule_id=None):
        with self._lock:
            if rule_id is None:
                self._rules = []
            else:
                self._rules = [r for r in self._rules if r["id"] != rule_id]

    def _effective(self, labels, qtype, transport):
        key = _lower(labels) if labels is not None else None
        matched = []
        with self._lock:
            for r in self._rules:
                if r["name"] is not None and r["name"] != key:
                    continue
                if r["zone"] is not None and (key is None or len(key) < len(r["zone"]) or
                                              key[len(key) - len(r["zone"]):] != r["zone"]):
                    continue
                if r["qtype"] is not None and r["qtype"] != qtype:
                    continue
                if r["transport"] is not None and r["transport"] != transport:
                    continue
                spec = (2 if r["name"] is not None else 1 if r["zone"] is not None else 0,
                        len(r["zone"]) if r["zone"] is not None else 0,
                        r["qtype"] is not None, r["transport"] is not None, r["id"])
                matched.append((spec, r))
            matched.sort(key=lambda m: m[0])
            opts = {"delay_ms": self.delay_ms}
            for _, r in matched:
                opts.update(r["opts"])
                if r["times"] is not None:
                    r["times"] -= 1
                    if r["times"] <= 0:
                        self._rules.remove(r)
            return opts

    # ---- query log
    def queries(self, name=None, qtype=None):
        """Copies of the log entries, in arrival order, optionally filtered by name/type.

        Entry: seq, t_ms (arrival, monotonic ms since start), name (presentation, trailing
        dot), type ("A", "TYPE65"), qtype, id, transport, src, sport, edns (client UDP size
        or None), action, rcode, tc, size (bytes sent), delay_ms, answered_ms (ms since start
        when sent; None if never), done (answered or given up), error (unparseable queries).
        """
        with self._lock:
            out = [dict(e) for e in self._log]
        if name is not None:
            want = name_text(parse_name(name)).lower()
            out = [e for e in out if e["name"] is not None and e["name"].lower() == want]
        if qtype is not None:
            t = type_code(qtype)
            out = [e for e in out if e["qtype"] == t]
        return out

    @property
    def log(self):
        return self.queries()

    def clear_queries(self):
        with self._lock:
            self._log = []

    def wait_for_queries(self, n, timeout=5.0, answered=False):
        """Wait until at least n queries arrived (and were answered/dropped if answered=True)."""
        end = time.monotonic() + timeout
        with self._cond:
            while True:
                es = self._log if not answered else [e for e in self._log if e["done"]]
                if len(es) >= n:
                    return True
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)

    def now_ms(self):
        return (time.monotonic() - self._t0) * 1000.0

    # ---- internals
    def _bind(self):
        last = None
        for _ in range(50):
            port, socks = self.requested_port, []
            try:
                for h in self.hosts:
                    fam = socket.AF_INET6 if ":" in h else socket.AF_INET
                    kinds = [socket.SOCK_DGRAM] + ([socket.SOCK_STREAM] if self.tcp else [])
                    for kind in kinds:
                        s = socket.socket(fam, kind)
                        socks.append(s)
                        if fam == socket.AF_INET6:
                            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                        if kind == socket.SOCK_STREAM:
                            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                        s.bind((h, port))
                        if port == 0:
                            port = s.getsockname()[1]
                        if kind == socket.SOCK_STREAM:
                            s.listen(128)
                        s.setblocking(False)
                self._socks, self.port = socks, port
                return
            except OSError as e:
                last = e
                for s in socks:
                    s.close()
                if self.requested_port:
                    raise
        raise last

    def _run(self):
        sel = selectors.DefaultSelector()
        sel.register(self._wake_r, selectors.EVENT_READ, ("wake", None))
        for s in self._socks:
            kind = "udp" if s.type == socket.SOCK_DGRAM else "listen"
            sel.register(s, selectors.EVENT_READ, (kind, s))
        self._sel = sel
        conns = {}
        try:
            while not self._stopping:
                with self._lock:
                    due = self._heap[0][0] if self._heap else None
                timeout = None if due is None else max(0.0, due - time.monotonic())
                for key, mask in sel.select(timeout):
                    kind, obj = key.data
                    try:
                        if kind == "wake":
                            self._wake_r.recv(64)
                        elif kind == "udp":
                            self._on_udp(obj)
                        elif kind == "listen":
                            self._on_accept(obj, conns)
                        else:
                            self._on_conn(obj, mask, conns)
                    except Exception as e:     # keep serving; tests can check .errors
                        self._error(e)
                self._send_due()
        finally:
            for c in list(conns.values()):
                self._close_conn(c, conns)
            sel.close()

    def _error(self, e):
        import traceback
        self.errors.append(e)
        sys.stderr.write("dnsresponder: " + "".join(traceback.format_exception(e)))

    def _on_udp(self, sock):
        for _ in range(256):
            try:
                data, addr = sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return      # e.g. ICMP-induced errors
            self._handle(data, "udp", addr, (sock, addr))

    def _on_accept(self, lsock, conns):
        try:
            s, addr = lsock.accept()
        except (BlockingIOError, InterruptedError):
            return
        s.setblocking(False)
        c = {"sock": s, "addr": addr, "inbuf": bytearray(), "outbuf": bytearray(),
             "eof": False, "pending": 0, "closed": False, "registered": True, "conns": conns}
        conns[id(c)] = c
        self._sel.register(s, selectors.EVENT_READ, ("conn", c))

    def _on_conn(self, c, mask, conns):
        if mask & selectors.EVENT_READ and not c["eof"]:
            try:
                data = c["sock"].recv(65536)
            except (BlockingIOError, InterruptedError):
                data = None
            except OSError:
                data = b""
            if data == b"":
                c["eof"] = True
            elif data:
                c["inbuf"] += data
                while len(c["inbuf"]) >= 2:
                    ln = struct.unpack("!H", c["inbuf"][:2])[0]
                    if len(c["inbuf"]) < 2 + ln:
                        break
                    msg = bytes(c["inbuf"][2:2 + ln])
                    del c["inbuf"][:2 + ln]
                    self._handle(msg, "tcp", c["addr"], c)
        if mask & selectors.EVENT_WRITE and c["outbuf"]:
            try:
                n = c["sock"].send(c["outbuf"])
                del c["outbuf"][:n]
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                self._close_conn(c, conns)
                return
        self._update_conn(c, conns)

    def _update_conn(self, c, conns):
        if c["closed"]:
            return
        if c["eof"] and not c["outbuf"] and c["pending"] == 0:
            self._close_conn(c, conns)
            return
        ev = (0 if c["eof"] else selectors.EVENT_READ) | \
            (selectors.EVENT_WRITE if c["outbuf"] else 0)
        if ev and c["registered"]:
            self._sel.modify(c["sock"], ev, ("conn", c))
        elif ev:
            self._sel.register(c["sock"], ev, ("conn", c))
            c["registered"] = True
        elif c["registered"]:
            self._sel.unregister(c["sock"])      # half-closed, waiting for a delayed answer
            c["registered"] = False

    def _close_conn(self, c, conns):
        if c["closed"]:
            return
        c["closed"] = True
        if c["registered"]:
            try:
                self._sel.unregister(c["sock"])
            except (KeyError, ValueError):
                pass
        c["sock"].close()
        conns.pop(id(c), None)

    def _handle(self, data, transport, addr, dest):
        arrival = time.monotonic()
        with self._lock:
            self._seq += 1
            seq = self._seq
        entry = {"seq": seq, "t_ms": round((arrival - self._t0) * 1000.0, 3),
                 "transport": transport, "src": addr[0], "sport": addr[1], "id": None,
                 "name": None, "type": None, "qtype": None, "edns": None, "action": None,
                 "rcode": None, "tc": False, "size": None, "delay_ms": 0,
                 "answered_ms": None, "done": False}
        with self._cond:
            self._log.append(entry)
            self._cond.notify_all()
        wire, delay = self._respond(data, transport, entry)
        entry["delay_ms"] = delay
        if wire is None:
            self._finish(entry, None)
            return
        if transport == "tcp":
            wire = struct.pack("!H", len(wire) & 0xFFFF) + wire
            dest["pending"] += 1
        due = arrival + delay / 1000.0
        with self._lock:
            heapq.heappush(self._heap, (due, seq, (transport, dest, wire), entry))

    def _send_due(self):
        while True:
            with self._lock:
                if not self._heap or self._heap[0][0] > time.monotonic():
                    return
                _, _, (transport, dest, wire), entry = heapq.heappop(self._heap)
            sent = None
            if transport == "udp":
                sock, addr = dest
                try:
                    sock.sendto(wire, addr)
                    sent = len(wire)
                except OSError as e:
                    entry["error"] = f"sendto: {e}"
            else:
                c = dest
                c["pending"] -= 1
                if not c["closed"]:
                    c["outbuf"] += wire
                    sent = len(wire) - 2
                    self._update_conn(c, c["conns"])
            self._finish(entry, sent)

    def _finish(self, entry, sent):
        with self._cond:
            if sent is not None:
                entry["answered_ms"] = round(self.now_ms(), 3)
                entry["size"] = sent
            entry["done"] = True
            self._cond.notify_all()
            if self._log_file:
                line = {k: v for k, v in entry.items() if k != "done"}
                self._log_file.write(json.dumps(line) + "\n")

    # ---- building the answer
    def _respond(self, data, transport, entry):
        """-> (wire bytes or None, delay ms)."""
        try:
            q = _parse_query(data)
        except ValueError as e:
            entry["error"] = str(e)
            entry["action"] = "formerr"
            if len(data) < 12:
                entry["action"] = "ignored"
                return None, 0
            q = _Query()
            q.id, q.flags = struct.unpack("!HH", data[:4])
            q.opcode, q.rd = (q.flags >> 11) & 0xF, bool(q.flags & 0x100)
            q.labels = q.qtype = q.qclass = q.edns = None
            r = _Reply(q)
            r.rcode = 1
            entry["rcode"] = 1
            return r.encode(), self.delay_ms
        if q.flags & 0x8000:                      # a response, not a query: ignore
            entry["action"] = "ignored"
            return None, 0
        entry["id"] = q.id
        entry["edns"] = q.edns
        if q.labels is not None:
            entry["name"] = name_text(q.labels)
            entry["qtype"] = q.qtype
            entry["type"] = type_name(q.qtype)
        opts = self._effective(q.labels, q.qtype, transport)
        delay = opts.get("delay_ms") or 0
        action = opts.get("action", "answer")
        entry["action"] = action if isinstance(action, str) else "handler"
        if action in ("drop", "timeout"):
            return None, delay

        r = _Reply(q)
        if q.edns is not None and not opts.get("no_opt"):
            r.opt = opts.get("edns_size", self.edns_size)
        if q.qdcount != 1 or q.labels is None:
            r.rcode = 1
        elif q.opcode != 0:
            r.rcode = 4
        elif q.edns_version:
            r.rcode = 16                             # BADVERS
        elif action in _RCODE_ACTIONS:
            r.rcode = _RCODE_ACTIONS[action]
        elif action == "truncate":
            r.tc = True
        else:
            if not self._resolve(q, r, opts):
                entry["action"] = "timeout"          # TIMEOUT marker in the data
                return None, delay
            if action == "oversize":
                self._pad(q, r, opts)
        # modifiers
        if action == "wrong_name":
            self._rename(r, q.labels, parse_name(opts.get("wrong_name", "wrong-name.invalid.")))
        if opts.get("swap_case") and q.labels is not None:
            self._rename(r, q.labels, _swap_case(q.labels))
        if action == "wrong_id":
            r.id = opts["id"] if "id" in opts else (q.id + 1) & 0xFFFF
        elif "id" in opts:
            r.id = opts["id"]
        if "aa" in opts:
            r.aa = bool(opts["aa"])
        if "rcode" in opts:
            r.rcode = int(opts["rcode"])
        compress = opts.get("compress", True)
        wire = r.encode(compress)
        limit = 65535 if transport == "tcp" else (max(512, q.edns) if q.edns is not None else 512)
        if len(wire) > limit and not opts.get("ignore_size", action == "oversize"):
            r.an, r.ns, r.ar = [], [], []            # RFC 2181 9: TC, records dropped
            r.tc = True
        if "tc" in opts:
            r.tc = bool(opts["tc"])
        wire = r.encode(compress)
        entry["rcode"] = r.rcode
        entry["tc"] = r.tc

        if action == "garbage":
            if "payload" in opts:
                wire = to_bytes(opts["payload"])
            else:
                rnd = random.Random(entry["seq"])
                wire = bytes(rnd.getrandbits(8) for _ in range(opts.get("garbage_len", 64)))
            entry["rcode"] = None
        elif action == "short":
            wire = wire[:opts.get("short_len", len(wire) // 2)]
        elif callable(action):
            qd = {"id": q.id, "name": entry["name"], "labels": q.labels, "qtype": q.qtype,
                  "type": entry["type"], "transport": transport, "edns": q.edns, "raw": data,
                  "src": entry["src"]}
            wire = action(qd, wire)
            if wire is None:
                return None, delay
            wire = bytes(wire)
        return wire, delay

    def _resolve(self, q, r, opts):
        """Fill r from the data; False when the data says TIMEOUT (never answer)."""
        ttl_override = opts.get("ttl")
        qtype, qname = q.qtype, q.labels
        if "records" in opts:
            node, exists = opts["records"], True
        else:
            with self._lock:
                zones = self._zones
            node, exists = zones.lookup(qname)
        if node is None:
            r.rcode = 0 if exists else 3
            return True
        if node.times_out(qtype):
            return False

        def ttl(n):
            return ttl_override if ttl_override is not None else n.ttl

        if qtype == ANY:
            if node.cname:
                r.an.append((qname, CNAME, ttl(node), node.cname))
            for t, vals in node.rrsets.items():
                r.an.extend((qname, t, ttl(node), v) for v in vals)
            return True
        if node.cname is not None and qtype != CNAME:
            r.an.append((qname, CNAME, ttl(node), node.cname))
            seen = {_lower(qname)}
            cur = node.cname
            for _ in range(MAX_CNAME_CHAIN):
                if _lower(cur) in seen:
                    break                              # loop
                seen.add(_lower(cur))
                with self._lock:
                    zones = self._zones
                n, _ = zones.lookup(cur)
                if n is None:
                    break
                if n.cname is not None:
                    r.an.append((cur, CNAME, ttl(n), n.cname))
                    cur = n.cname
                    continue
                r.an.extend((cur, qtype, ttl(n), v) for v in n.rrsets.get(qtype, ()))
                break
            return True
        if qtype == CNAME and node.cname is not None:
            r.an.append((qname, CNAME, ttl(node), node.cname))
            return True
        r.an.extend((qname, qtype, ttl(node), v) for v in node.rrsets.get(qtype, ()))
        return True

    def _pad(self, q, r, opts):
        target = int(opts.get("oversize_bytes", 5000))
        sect = r.an if q.qtype in (16, ANY) else r.ar
        i = 0
        while True:
            size = len(r.encode(opts.get("compress", True)))
            if size > target:
                return
            for _ in range((target - size) // 268 + 1):    # ~268 bytes per filler RR
                sect.append((q.labels, 16, 300, ((b"filler-%05d-" % i).ljust(255, b"x"),)))
                i += 1

    @staticmethod
    def _rename(r, old, new):
        oldl = _lower(old)
        if r.question:
            r.question = (new,) + r.question[1:]
        for sect in (r.an, r.ns, r.ar):
            for i, rr in enumerate(sect):
                if _lower(rr[0]) == oldl:
                    sect[i] = (new,) + rr[1:]


def _ipv6_loopback():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        try:
            s.bind(("::1", 0))
        finally:
            s.close()
        return True
    except OSError:
        return False


# ---------------------------------------------------------------------------------------------
# the openspf / RFC 7208 test suite

def load_spf_suite_zonedata(zonedata):
    """The suite's `zonedata` mapping -> this responder's data model.

    Follows the reference driver (pyspf test/testspf.py):
      * `- SPF: x` records are also served as TXT, unless the name has any `TXT` entry
        (`TXT: NONE` means "no TXT record, and do not copy SPF to TXT");
      * a string is a one-string record, a list a multi-string record, `[]` a record with no
        strings (served as an empty RDATA);
      * a bare `- TIMEOUT` (or `- TIMEOUT: true`): queries for types listed before it are
        answered, every other type (including TXT copies of SPF, which come after it) is
        never answered; entries after it are ignored;  `- TYPE: TIMEOUT` times that type out;
      * strings are served as latin-1 bytes, so "\\xEF\\xBB\\xBF" are the bytes EF BB BF.
    """
    out = {}
    for name, entries in (zonedata or {}).items():
        entries = entries or []
        has_txt = any(isinstance(e, dict) and any(str(k).upper() == "TXT" for k in e)
                      for e in entries)
        recs, timeout, per_type, spf_copies = {}, False, set(), []
        for e in entries:
            if e == "TIMEOUT" or (isinstance(e, dict) and e.get("TIMEOUT") is True):
                timeout = True
                break
            if not isinstance(e, dict):
                raise ValueError(f"{name}: unexpected zonedata entry {e!r}")
            for t, v in e.items():
                t = str(t).upper()
                if t == "SPF" and not has_txt:
                    spf_copies.append(v)
                if v == "NONE":
                    continue
                if v == "TIMEOUT":
                    per_type.add(t)
                    continue
                _spf_add(recs, t, v)
        if not timeout:
            for v in spf_copies:
                if v == "TIMEOUT":
                    per_type.add("TXT")
                elif v != "NONE":
                    _spf_add(recs, "TXT", v)
        if timeout:
            recs["TIMEOUT"] = True
        elif per_type:
            recs["TIMEOUT"] = sorted(per_type)
        key = str(name).lower()
        if key in out:
            for t, v in recs.items():
                if isinstance(v, list) and t != "TIMEOUT":
                    out[key].setdefault(t, []).extend(v)
                else:
                    out[key][t] = v
        else:
            out[key] = recs
    return out


def _spf_add(recs, t, v):
    if t in ("TXT", "SPF"):
        rec = [v] if isinstance(v, (str, bytes)) else [str(x) for x in v]
        recs.setdefault(t, []).append(rec)
    elif t == "MX":
        recs.setdefault("MX", []).append([int(v[0]), str(v[1])])
    elif t == "CNAME":
        recs["CNAME"] = str(v)
    else:
        recs.setdefault(t, []).append(str(v))


def load_spf_suite(path):
    """The scenarios (YAML documents) of an openspf test-suite file, as a list of dicts."""
    import yaml
    with open(path, "rb") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def spf_suite_zones(path, scenario):
    """Data model for one scenario: by index, or the first whose description contains it."""
    docs = load_spf_suite(path)
    if isinstance(scenario, int) or str(scenario).isdigit():
        doc = docs[int(scenario)]
    else:
        matches = [d for d in docs if str(scenario).lower() in str(d.get("description", "")).lower()]
        if not matches:
            raise ValueError(f"no scenario matching {scenario!r}")
        doc = matches[0]
    return load_spf_suite_zonedata(doc.get("zonedata", {}))


# ---------------------------------------------------------------------------------------------
# standalone

def _load_rules(resp, path):
    with open(path) as f:
        rules = json.load(f)
    resp.clear_behaviours()
    for rule in rules:
        rule = dict(rule)
        name, qtype = rule.pop("name", None), rule.pop("type", None)
        resp.set_behaviour(name, qtype, **rule)


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description="Programmable test DNS responder (prints its port "
                                 "on stdout line 1; SIGHUP reloads --zones/--behaviours)")
    ap.add_argument("--zones", help="JSON data model file")
    ap.add_argument("--port", type=int, default=0, help="port (0: a free one)")
    ap.add_argument("--delay-ms", type=float, default=0, help="global answer delay")
    ap.add_argument("--log", help="write one JSON line per query here (truncated at start)")
    ap.add_argument("--behaviours", help='JSON list of rules: [{"name": N, "type": T, "zone": '
                    'Z, "transport": "udp", "times": N, "action": "servfail", "delay_ms": D, '
                    '...}]')
    ap.add_argument("--address", action="append", help="address to serve (repeatable); "
                    "default 127.0.0.1 (+ ::1 with --ipv6)")
    ap.add_argument("--ipv6", action="store_true", help="also serve ::1")
    ap.add_argument("--no-tcp", action="store_true")
    ap.add_argument("--spf-suite", help="openspf YAML file; serve --spf-scenario's zonedata "
                    "(merged under --zones)")
    ap.add_argument("--spf-scenario", default="0", help="index or description substring")
    a = ap.parse_args(argv)

    def zones():
        data = {}
        if a.spf_suite:
            data.update(spf_suite_zones(a.spf_suite, a.spf_scenario))
        if a.zones:
            with open(a.zones) as f:
                data.update(json.load(f))
        return data

    hosts = a.address or (["127.0.0.1"] + (["::1"] if a.ipv6 else []))
    resp = DNSResponder(zones(), port=a.port, delay_ms=a.delay_ms, hosts=hosts,
                        tcp=not a.no_tcp, log_path=a.log)
    if a.behaviours:
        _load_rules(resp, a.behaviours)
    stop = threading.Event()
    reload_ = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGHUP, lambda *_: reload_.set())
    resp.start()
    sys.stdout.write(f"{resp.port}\n")
    sys.stdout.flush()
    try:
        while not stop.is_set():
            stop.wait(0.2)
            if reload_.is_set():
                reload_.clear()
                try:
                    resp.set_zones(zones())
                    if a.behaviours:
                        _load_rules(resp, a.behaviours)
                    sys.stderr.write("dnsresponder: reloaded\n")
                except Exception as e:
                    sys.stderr.write(f"dnsresponder: reload failed: {e}\n")
    finally:
        resp.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
