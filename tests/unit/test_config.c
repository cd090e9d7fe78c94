/*
 * test_config.c - the INI file (relaycheck.ini(5)): every error class with
 * its line, an annotated example of every section, defaults, list keys,
 * comments, CRLF/BOM, nameserver and blocklist-code syntax, loading files
 * and noticing changes
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "allowlist/config.h"
#include "testutil.h"

/*
 * A test that could hang (a loop in a damaged table, an open() that
 * blocks) arms alarm(HANG_SECONDS) first: SIGALRM ends its process and
 * Criterion reports a crash instead of waiting for ever. Criterion's own
 * .timeout is not used here: with --jobs 2 its runner leaks a 48-byte
 * block now and then when several tests have one, which fails every
 * SANITIZE=1 run (doc/HACKING.md, Criterion).
 */
#define HANG_SECONDS	30

/* ---- helpers ---- */

/* table_text - the entries of an IP table, formatted, space-separated */
static void
table_text(const RC_IPTABLE *t, char *buf, size_t len)
{
    size_t  o = 0;

    buf[0] = 0;
    for (size_t i = 0; i < t->n && o < len; i++) {
	char    c[64];

	rc_cidr_format(&t->v[i].cidr, c, sizeof(c));
	o += (size_t) snprintf(buf + o, len - o, "%s%s", i ? " " : "", c);
    }
}

/* codes_text - "127.0.0.2-127.0.0.11=5 &4" */
static void
codes_text(const RC_CODE *c, size_t n, char *buf, size_t len)
{
    size_t  o = 0;

    buf[0] = 0;
    for (size_t i = 0; i < n && o < len; i++) {
	char    lo[20], hi[20];
	struct in_addr a;

	if (i)
	    o += (size_t) snprintf(buf + o, len - o, " ");
	if (c[i].bitmask)
	    o += (size_t) snprintf(buf + o, len - o, "&%u", c[i].lo);
	else {
	    a.s_addr = htonl(c[i].lo);
	    inet_ntop(AF_INET, &a, lo, sizeof(lo));
	    a.s_addr = htonl(c[i].hi);
	    inet_ntop(AF_INET, &a, hi, sizeof(hi));
	    o += (size_t) snprintf(buf + o, len - o, "%s-%s", lo, hi);
	}
	if (c[i].score != -1 && o < len)
	    o += (size_t) snprintf(buf + o, len - o, "=%d", c[i].score);
    }
}

static bool
skips(const RC_CONFIG *cfg, const char *ip)
{
    RC_ADDR a;

    cr_assert(rc_addr_parse(ip, &a));
    return (rc_iptable_lookup(&cfg->skip_hosts, &a) != NULL);
}

static char *temp_config(const char *, size_t);

/* ---- one error of each class, with its line and its exact text ---- */

struct err_case {
    char        text[420];
    char        want[420];
};

static const struct err_case config_errors_cases[] = {
	/* sections */
	{"[relaycheck]\n[bogus]\nreject_score = 1\n",
	 "t.ini:2: unknown section [bogus]\n"},
	{"[relaycheck extra]\n", "t.ini:1: unknown section [relaycheck extra]\n"},
	{"[relaycheck\nreject_score = 1\n", "t.ini:1: section header without ']'\n"},
	{"[relaycheck] junk\n", "t.ini:1: text after section header\n"},
	{"[dnsbl]\nscore = 8\n", "t.ini:1: [dnsbl] needs a zone: [dnsbl zone.example]\n"},
	{"[rhsbl ...]\n", "t.ini:1: [rhsbl] needs a zone: [rhsbl zone.example]\n"},
	{"[dnsbl bad_zone!]\n", "t.ini:1: [dnsbl]: \"bad_zone!\" is not a DNS zone name\n"},
	{"[dnsbl zen.example]\nscore = 8\n\n[dnsbl ZEN.Example.]\nscore = 9\n",
	 "t.ini:4: duplicate section [dnsbl zen.example] (first on line 1)\n"},
	/* keys */
	{"reject_score = 15\n[relaycheck]\n",
	 "t.ini:1: key \"reject_score\" outside any section (start with [relaycheck])\n"},
	{"[relaycheck]\nreject_scor = 15\n",
	 "t.ini:2: unknown key \"reject_scor\" in this section\n"},
	{"[relaycheck]\nscore = 15\n", "t.ini:2: unknown key \"score\" in this section\n"},
	{"[no_server_check]\nhosts = a.example\n",
	 "t.ini:2: unknown key \"hosts\" in this section\n"},
	{"[dnsbl zen.example]\ntarget = ptr\n",
	 "t.ini:2: unknown key \"target\" in this section\n"},
	{"[scores]\nptr_mising = 8\n", "t.ini:2: unknown check \"ptr_mising\" in [scores]\n"},
	{"[scores]\ndnsbl = 8\n", "t.ini:2: unknown check \"dnsbl\" in [scores]\n"},
	{"[relaycheck]\nreject_score 15\n",
	 "t.ini:2: expected \"key = value\", got \"reject_score 15\"\n"},
	/* bad values */
	{"[relaycheck]\nreject_score = abc\n",
	 "t.ini:2: reject_score: \"abc\": not an integer in range\n"},
	{"[relaycheck]\nreject_score = -1\n",
	 "t.ini:2: reject_score: \"-1\": not an integer in range\n"},
	{"[relaycheck]\nreject_score = 15x\n",
	 "t.ini:2: reject_score: \"15x\": not an integer in range\n"},
	{"[relaycheck]\nreject_score =\n", "t.ini:2: reject_score: \"\": not an integer in range\n"},
	{"[relaycheck]\ntempreject_score = 100001\n",
	 "t.ini:2: tempreject_score: \"100001\": not an integer in range\n"},
	{"[relaycheck]\nreject_score = 20 # not a comment\n",
	 "t.ini:2: reject_score: \"20 # not a comment\": not an integer in range\n"},
	{"[relaycheck]\nmax_ptr_names = 0\n",
	 "t.ini:2: max_ptr_names: \"0\": not an integer in range\n"},
	{"[relaycheck]\nmax_ptr_names = 33\n",
	 "t.ini:2: max_ptr_names: \"33\": not an integer in range\n"},
	{"[relaycheck]\nskip_authenticated = maybe\n",
	 "t.ini:2: skip_authenticated: \"maybe\": must be yes or no\n"},
	{"[relaycheck]\ndns_timeout = 5x\n",
	 "t.ini:2: dns_timeout: \"5x\": not a duration (e.g. 5s, 2500ms)\n"},
	{"[relaycheck]\ndns_timeout = -5s\n",
	 "t.ini:2: dns_timeout: \"-5s\": not a duration (e.g. 5s, 2500ms)\n"},
	{"[relaycheck]\ndns_timeout = 5 s\n",
	 "t.ini:2: dns_timeout: \"5 s\": not a duration (e.g. 5s, 2500ms)\n"},
	{"[relaycheck]\ndns_timeout = 99ms\n",
	 "t.ini:2: dns_timeout: \"99ms\": out of range (100ms .. 120s)\n"},
	{"[relaycheck]\ndns_timeout = 3m\n",
	 "t.ini:2: dns_timeout: \"3m\": out of range (100ms .. 120s)\n"},
	{"[relaycheck]\non_dns_failure = reject\n",
	 "t.ini:2: on_dns_failure: \"reject\": must be accept or tempreject\n"},
	{"[relaycheck]\nheader_prefix = X-Foo;bar\n",
	 "t.ini:2: header_prefix: \"X-Foo;bar\": may hold only letters, digits and '-'\n"},
	{"[relaycheck]\nheader_prefix = X-Relaycheck-Is-Far-Too-Long-For-A-Header\n",
	 "t.ini:2: header_prefix: \"X-Relaycheck-Is-Far-Too-Long-For-A-Header\": "
	 "must be 1..39 characters\n"},
	{"[relaycheck]\nskip_hosts = 10.0.0.1/8\n",
	 "t.ini:2: host bits set after the prefix length: \"10.0.0.1/8\"\n"},
	{"[relaycheck]\nskip_hosts = 10.0.0.0/8, 2001:db8::1/64 192.0.2.0/33\n",
	 "t.ini:2: host bits set after the prefix length: \"2001:db8::1/64\"\n"
	 "t.ini:2: bad prefix length: \"192.0.2.0/33\"\n"},
	{"[no_server_check]\nip = 192.0.2.0/24 example.com\n",
	 "t.ini:2: not an IP address or CIDR prefix: \"example.com\"\n"},
	{"[no_server_check]\ndomain = bad!domain.example\n",
	 "t.ini:2: not a domain name: \"bad!domain.example\"\n"},
	{"[no_server_check]\nhost = ..example\n",
	 "t.ini:2: not a host name or .suffix: \"..example\"\n"},
	{"[no_server_check]\ndomain_requires_spf = perhaps\n",
	 "t.ini:2: domain_requires_spf: \"perhaps\": must be yes or no\n"},
	{"[relaycheck]\nnameservers = localhost\n",
	 "t.ini:2: not IP, IP:port or [IPv6]:port: \"localhost\"\n"},
	{"[relaycheck]\nnameservers = 192.0.2.1:0\n",
	 "t.ini:2: not IP, IP:port or [IPv6]:port: \"192.0.2.1:0\"\n"},
	{"[relaycheck]\nnameservers = 1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4\n"
	 "nameservers = 1.1.1.5 1.1.1.6 1.1.1.7\n",
	 "t.ini:3: too many nameservers (at most 6): \"1.1.1.7\"\n"},
	{"[scores]\nptr_missing = lots\n",
	 "t.ini:2: ptr_missing: \"lots\" is not an integer score (-1000..1000)\n"},
	{"[scores]\nptr_missing = 1001\n",
	 "t.ini:2: ptr_missing: \"1001\" is not an integer score (-1000..1000)\n"},
	{"[dnsbl zen.example]\nscore = 2000\n",
	 "t.ini:2: score: \"2000\": not an integer in range\n"},
	{"[dnsbl zen.example]\nlabel = \n", "t.ini:2: label: \"\": must be 1..63 characters\n"},
	{"[dnsbl zen.example]\ntxt = sometimes\n",
	 "t.ini:2: txt: \"sometimes\": must be yes or no\n"},
	{"[dnsbl zen.example]\ncodes = 127.0.0.11-127.0.0.2\n",
	 "t.ini:2: codes: \"127.0.0.11-127.0.0.2\": code range ends below its start\n"},
	{"[rhsbl dbl.example]\ntarget = mx\n",
	 "t.ini:2: target: \"mx\": must be sender, helo or ptr\n"},
	/* duplicates of single-valued keys name the first line */
	{"[relaycheck]\nreject_score = 10\ndns_timeout = 1s\nreject_score = 12\n",
	 "t.ini:4: duplicate key \"reject_score\" (first set on line 2)\n"},
	{"[relaycheck]\non_dns_failure = accept\non_dns_failure = accept\n",
	 "t.ini:3: duplicate key \"on_dns_failure\" (first set on line 2)\n"},
	{"[no_server_check]\ndomain_requires_spf = no\n\ndomain_requires_spf = yes\n",
	 "t.ini:4: duplicate key \"domain_requires_spf\" (first set on line 2)\n"},
	{"[dnsbl zen.example]\nscore = 1\nlabel = A\nscore = 2\n",
	 "t.ini:4: duplicate key \"score\" (first set on line 2)\n"},
	{"[scores]\nptr_missing = 8\nptr_generic = 1\nptr_missing = 9\n",
	 "t.ini:4: duplicate key \"ptr_missing\" (first set on line 2)\n"},
	/* lines that are neither */
	{"[relaycheck]\nskip_hosts = 10.0.0.0/8\n    192.168.0.0/16\n",
	 "t.ini:3: indented continuation line \"192.168.0.0/16\": continuation lines are "
	 "not supported, repeat the key instead\n"},
	{"[relaycheck]\nreject_score = 1\njust some words\n",
	 "t.ini:3: expected \"key = value\", got \"just some words\"\n"},
};

Test(config, errors)
{
    for (size_t ci = 0; ci < sizeof(config_errors_cases) / sizeof(config_errors_cases[0]); ci++) {
	const struct err_case *c = &config_errors_cases[ci];
	char   *errors = parse_err(c->text);

	cr_expect(eq(str, errors, c->want), "for:\n%s", c->text);
	free(errors);
    }
}

Test(config, several_errors_all_reported)
{
    char   *errors = parse_err("[relaycheck]\n"		/* 1 */
			       "reject_score = x\n"		/* 2 */
			       "dns_timeout = 2s\n"		/* 3 */
			       "\n"				/* 4 */
			       "[scores]\n"			/* 5 */
			       "ptr_missing = 8\n"		/* 6 */
			       "nonsense = 1\n"			/* 7 */
			       "[bogus]\n"			/* 8 */
			       "anything = goes here\n"		/* 9: not reported again */
			       "[relaycheck]\n"			/* 10 */
			       "  indented\n"			/* 11 */
			       "[no_server_check]\n"		/* 12 */
			       "ip = 192.0.2.1/24\n");		/* 13 */

    cr_expect(eq(str, errors,
		 "t.ini:2: reject_score: \"x\": not an integer in range\n"
		 "t.ini:7: unknown check \"nonsense\" in [scores]\n"
		 "t.ini:8: unknown section [bogus]\n"
		 "t.ini:11: indented continuation line \"indented\": continuation lines are "
		 "not supported, repeat the key instead\n"
		 "t.ini:13: host bits set after the prefix length: \"192.0.2.1/24\"\n"));
    free(errors);
}

Test(config, too_many_errors)
{
    char   *text = malloc(100 * 40);
    char   *errors;
    size_t  o = 0;

    cr_assert(text != NULL);
    o += (size_t) sprintf(text, "[relaycheck]\n");
    for (int i = 0; i < 80; i++)
	o += (size_t) sprintf(text + o, "bad%d = 1\n", i);
    errors = parse_err(text);
    cr_expect(eq(int, count_lines(errors), 50));
    cr_expect(eq(int, strncmp(errors, "t.ini:2: unknown key \"bad0\"", 27), 0));
    cr_expect(not(zero(ptr, strstr(errors, "\nt.ini: too many errors, giving up\n"))));
    free(errors);
    free(text);
}

/*
 * A repeated section must not let a duplicate single-valued key slip
 * through: reject_score = 20 silently overrode 10.
 */
Test(config, repeated_section_duplicate_key)
{
    char   *errors = parse_err("[relaycheck]\n"
			       "reject_score = 10\n"
			       "[scores]\n"
			       "ptr_missing = 8\n"
			       "[relaycheck]\n"
			       "reject_score = 20\n"
			       "[scores]\n"
			       "ptr_missing = 2\n");

    /* either the repeated section (5, 7) or the repeated keys (6, 8) are named */
    cr_expect(strstr(errors, "t.ini:5: ") || strstr(errors, "t.ini:6: "), "%s", errors);
    cr_expect(strstr(errors, "t.ini:7: ") || strstr(errors, "t.ini:8: "), "%s", errors);
    free(errors);
}

Test(config, indented_ipv6_continuation_is_an_error)
{
    /* It holds ':', so inih would take it as "2001: db8::/32"; still an error */
    char   *errors = parse_err("[relaycheck]\n"
			       "skip_hosts = 10.0.0.0/8\n"
			       "    2001:db8::/32\n"
			       "reject_score = 9\n");

    cr_expect(eq(int, strncmp(errors, "t.ini:3: ", 9), 0), "%s", errors);
    cr_expect(eq(int, count_lines(errors), 1), "%s", errors);
    free(errors);
}

Test(config, indented_key_is_a_key)
{
    /* inih would glue it onto the previous value; here it is its own key */
    RC_CONFIG *cfg = parse_ok("[relaycheck]\n"
			      "skip_hosts = 10.0.0.0/8\n"
			      "    reject_score = 9\n"
			      "\ttempreject_score = 5\n");

    cr_expect(eq(int, cfg->reject_score, 9));
    cr_expect(eq(int, cfg->tempreject_score, 5));
    cr_expect(eq(sz, cfg->skip_hosts.n, 1));
    rc_config_free(cfg);
}

/* ---- line length: inih's reader gets lines of at most ~200 bytes ---- */

static char *
line_of_length(const char *key, size_t len)
{
    /* "key = 10.0.0.0/8" padded with trailing blanks to len characters */
    char   *s = malloc(len + 1);
    int     n = sprintf(s, "%s = 10.0.0.0/8", key);

    memset(s + n, ' ', len - (size_t) n);
    s[len] = 0;
    return (s);
}

Test(config, longest_line_accepted)
{
    char   *l = line_of_length("skip_hosts", 197);
    char   *text = xasprintf("[relaycheck]\n%s\nreject_score = 7\n", l);
    RC_CONFIG *cfg = parse_ok(text);
    char    buf[200];

    table_text(&cfg->skip_hosts, buf, sizeof(buf));
    cr_expect(eq(str, buf, "10.0.0.0/8"));
    cr_expect(eq(int, cfg->reject_score, 7));
    rc_config_free(cfg);
    free(text);
    free(l);
}

Test(config, longest_line_accepted_with_crlf)
{
    char   *l = line_of_length("skip_hosts", 197);
    char   *text = xasprintf("[relaycheck]\r\n%s\r\nreject_score = 7\r\n", l);
    RC_CONFIG *cfg = parse_ok(text);

    cr_expect(eq(int, cfg->reject_score, 7));
    rc_config_free(cfg);
    free(text);
    free(l);
}

struct long_case {
    size_t      len;
    char        lead[4];		/* "": a key line; else a comment's start */
};

static const struct long_case config_long_line_cases[] = {
	{198, ""}, {199, ""}, {200, ""}, {201, ""}, {400, ""}, {1023, ""}, {1024, ""},
	{1025, ""}, {5000, ""}, {70000, ""},
	{198, "#"}, {250, "#"}, {5000, "#"}, {250, ";"}, {5000, ";"}, {250, "  #"},
	{5000, "\t;"}, {250, " ;"},
};

/*
 * Lines longer than inih's buffer (197 characters with Debian's library):
 * a comment of any length is ignored (once "line too long", and every
 * message 451), a key line is read whole. Line numbers after it hold.
 */
Test(config, long_lines_accepted)
{
    for (size_t ci = 0; ci < sizeof(config_long_line_cases) / sizeof(config_long_line_cases[0]); ci++) {
	const struct long_case *c = &config_long_line_cases[ci];
	char   *l = line_of_length("skip_hosts", c->len);
	char   *text, *errors, buf[200];
	RC_CONFIG *cfg;

	if (c->lead[0]) {
	    memset(l, 'x', c->len);
	    memcpy(l, c->lead, strlen(c->lead));
	}
	/* line 2 is long, line 4 has an error of its own: its number must hold */
	text = xasprintf("[relaycheck]\n%s\nreject_score = 7\nbogus = 1\n", l);
	errors = parse_err(text);
	cr_expect(eq(str, errors, "t.ini:4: unknown key \"bogus\" in this section\n"),
		  "a line of %zu starting \"%s\"", c->len, c->lead);
	free(errors);
	free(text);
	text = xasprintf("[relaycheck]\n%s\nreject_score = 7\n", l);
	cfg = parse_ok(text);
	table_text(&cfg->skip_hosts, buf, sizeof(buf));
	cr_expect(eq(str, buf, c->lead[0] ? "::1 127.0.0.0/8" : "10.0.0.0/8"),
		  "a line of %zu starting \"%s\"", c->len, c->lead);
	cr_expect(eq(int, cfg->reject_score, 7));
	rc_config_free(cfg);
	free(text);
	free(l);
    }
}

/* A list of 400 items on one line of over 5,000 characters: every item counts. */
Test(config, long_list_line_read_whole)
{
    char   *text = NULL, *line = NULL, *dnsbl = NULL;
    size_t  len = 0, dlen = 0;
    FILE   *fp = open_memstream(&line, &len), *dp = open_memstream(&dnsbl, &dlen);
    RC_CONFIG *cfg;
    RC_ADDR a;

    cr_assert(fp != NULL && dp != NULL);
    fputs("skip_hosts =", fp);
    fputs("codes =", dp);
    for (int i = 0; i < 400; i++) {
	fprintf(fp, " 10.%d.%d.0/24,", i / 256, i % 256);
	fprintf(dp, " 127.0.%d.%d", i / 200 + 1, i % 200 + 2);
    }
    fputs(" 192.0.2.66   ; the last item, then a comment", fp);
    fclose(fp);
    fclose(dp);
    cr_assert(len > 5000 && dlen > 4000);
    text = xasprintf("[relaycheck]\n%s\n\n[dnsbl zen.example]\n%s\n[no_server_check]\nip = %s\n",
		     line, dnsbl, line + strlen("skip_hosts ="));
    cfg = parse_ok(text);
    cr_expect(eq(sz, cfg->skip_hosts.n, 401));
    cr_expect(eq(sz, cfg->nsc_ip.n, 401));
    cr_assert(eq(sz, cfg->ndnsbl, 1));
    cr_expect(eq(sz, cfg->dnsbl[0].ncodes, 400));
    cr_assert(rc_addr_parse("192.0.2.66", &a));
    cr_expect(rc_iptable_lookup(&cfg->skip_hosts, &a) != NULL);
    cr_assert(rc_addr_parse("10.1.143.9", &a));
    cr_expect(rc_iptable_lookup(&cfg->nsc_ip, &a) != NULL);
    rc_config_free(cfg);
    free(text);
    free(line);
    free(dnsbl);
}

/*
 * A long key line is split into key and value by the reader itself, a
 * short one by inih: both must read a line the same way. Every line below
 * is read short, then padded to 400 characters with a comment or blanks;
 * the configuration (or the errors) must not change.
 */
Test(config, long_line_read_as_inih_reads_a_short_one)
{
    static const char *const lines[] = {
	"reject_score = 20", "reject_score=20", "reject_score: 20", "reject_score : 20 ;c",
	"reject_score = 20 # not a comment", "reject_score = 20;x", "reject_score =",
	"header_prefix = X-A:B", "header_prefix = X-Abc\t;tab comment", "nameservers = [::1]:53",
	"skip_hosts = 2001:db8::/32 ; v6", "skip_hosts = 10.0.0.0/8,192.0.2.0/24",
	"skip_hosts 10.0.0.0/8 = x", "bogus_key = 1", "reject_score ;c = 20",
	"dns_timeout = 2s ;; two", "on_dns_failure =  tempreject  ",
    };
    static const char *const pads[] = {" ; ", "  ", "\t;", " ;;"};

    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
	for (size_t k = 0; k < sizeof(pads) / sizeof(pads[0]); k++) {
	    char    pad[400], *shorter, *longer, *e1 = NULL, *e2 = NULL, *d1, *d2;
	    RC_CONFIG *c1, *c2;
	    size_t  n = strlen(pads[k]);

	    memset(pad, k == 1 ? ' ' : 'y', sizeof(pad) - 1);
	    memcpy(pad, pads[k], n);
	    pad[sizeof(pad) - 1 - strlen(lines[i])] = 0;
	    shorter = xasprintf("[relaycheck]\n%s\n[scores]\nptr_missing = 1\n", lines[i]);
	    longer = xasprintf("[relaycheck]\n%s%s\n[scores]\nptr_missing = 1\n", lines[i], pad);
	    cr_assert(strlen(longer) > 399);
	    c1 = rc_config_parse_string("t.ini", shorter, &e1);
	    c2 = rc_config_parse_string("t.ini", longer, &e2);
	    cr_expect(eq(int, c1 != NULL, c2 != NULL), "%s + \"%s\": %s / %s", lines[i],
		      pads[k], e1 ? e1 : "ok", e2 ? e2 : "ok");
	    if (c1 != NULL && c2 != NULL) {
		d1 = rc_config_dump(c1);
		d2 = rc_config_dump(c2);
		cr_expect(eq(str, d1, d2), "%s + \"%s\"", lines[i], pads[k]);
		free(d1);
		free(d2);
	    } else if (e1 != NULL && e2 != NULL)
		cr_expect(eq(str, e1, e2), "%s + \"%s\"", lines[i], pads[k]);
	    rc_config_free(c1);
	    rc_config_free(c2);
	    free(e1);
	    free(e2);
	    free(shorter);
	    free(longer);
	}
}

/* A long value of a single-valued key is refused by its own check, cut in the message. */
Test(config, long_single_value_refused_by_its_check)
{
    char    v[300], *text, *errors, *want;

    memset(v, 'X', sizeof(v) - 1);
    v[sizeof(v) - 1] = 0;
    text = xasprintf("[relaycheck]\n\nheader_prefix = %s\nbogus = 2\n", v);
    errors = parse_err(text);
    want = xasprintf("t.ini:3: header_prefix: \"%.75s...\": must be 1..39 characters\n"
		     "t.ini:4: unknown key \"bogus\" in this section\n", v);
    cr_expect(eq(str, errors, want));
    free(want);
    free(errors);
    free(text);
}

/* ---- an annotated example of every section (relaycheck.ini(5)) ---- */

static const char design_example[] =
    "[relaycheck]\n"
    "reject_score     = 15        ; total >= this \xe2\x86\x92 550; 0 = never reject\n"
    "tempreject_score = 0         ; total >= this (and < reject_score) \xe2\x86\x92 451; 0 = off\n"
    "dns_timeout      = 5s        ; wall-clock budget for ALL DNS of one message (ms or s)\n"
    "nameservers      =           ; empty: /etc/resolv.conf. List of IP, IP:port or [IPv6]:port\n"
    "on_dns_failure   = accept    ; accept | tempreject \xe2\x80\x94 when a check ends TEMP\n"
    "header_prefix    = X-Relaycheck\n"
    "skip_authenticated = yes     ; authenticated submissions are not checked\n"
    "skip_hosts       = 127.0.0.0/8 ::1   ; clients never checked (your own relays)\n"
    "\n"
    "[scores]                     ; check id = score; 0 disables the check (and its DNS queries)\n"
    "ptr_missing    = 8           ; \"Relay Host: No DNS PTR record\"\n"
    "ptr_no_address = 4           ; PTR name has no A/AAAA record\n"
    "ptr_mismatch   = 4           ; PTR name's A/AAAA records do not include the client IP\n"
    "ptr_generic    = 3           ; PTR name is generic/dynamic (embeds the IP, dial-up/pool words)\n"
    "helo_bare_ip   = 3           ; HELO is an address literal or bare IP\n"
    "helo_not_fqdn  = 2           ; HELO is not a fully qualified domain name\n"
    "helo_mismatch  = 1           ; HELO name does not resolve to the client IP\n"
    "spf_pass       = 0\n"
    "spf_fail       = 6\n"
    "spf_softfail   = 2\n"
    "spf_neutral    = 0\n"
    "spf_none       = 1\n"
    "spf_permerror  = 1\n"
    "spf_temperror  = 0\n"
    "\n"
    "[dnsbl zen.spamhaus.org]     ; one section per DNS blocklist zone\n"
    "score  = 8\n"
    "codes  = 127.0.0.2-127.0.0.11   ; answers that count as listed (ranges, lists, &bitmask)\n"
    "label  = Spamhaus ZEN\n"
    "\n"
    "[no_server_check]            ; PerfectMail's \"No Server Check\" list: no DNS, RBL or SPF checks\n"
    "ip     = 192.0.2.0/24        ; repeatable; IPv4/IPv6 addresses and CIDRs\n"
    "domain = partner.example     ; envelope-sender domain (and subdomains), see below\n"
    "host   = .partner.example    ; forward-confirmed PTR name, exact or .suffix\n";

static const int table_scores[] = {
    [RC_CHK_PTR_MISSING] = 8, [RC_CHK_PTR_NO_ADDRESS] = 4, [RC_CHK_PTR_MISMATCH] = 4,
    [RC_CHK_PTR_GENERIC] = 3, [RC_CHK_HELO_BARE_IP] = 3, [RC_CHK_HELO_NOT_FQDN] = 2,
    [RC_CHK_HELO_MISMATCH] = 1, [RC_CHK_SPF_PASS] = 0, [RC_CHK_SPF_FAIL] = 6,
    [RC_CHK_SPF_SOFTFAIL] = 2, [RC_CHK_SPF_NEUTRAL] = 0, [RC_CHK_SPF_NONE] = 1,
    [RC_CHK_SPF_PERMERROR] = 1, [RC_CHK_SPF_TEMPERROR] = 0,
};

static void
expect_design_scores(const RC_CONFIG *cfg)
{
    static const RC_CHECK design[] = {
	RC_CHK_PTR_MISSING, RC_CHK_PTR_NO_ADDRESS, RC_CHK_PTR_MISMATCH, RC_CHK_PTR_GENERIC,
	RC_CHK_HELO_BARE_IP, RC_CHK_HELO_NOT_FQDN, RC_CHK_HELO_MISMATCH, RC_CHK_SPF_PASS,
	RC_CHK_SPF_FAIL, RC_CHK_SPF_SOFTFAIL, RC_CHK_SPF_NEUTRAL, RC_CHK_SPF_NONE,
	RC_CHK_SPF_PERMERROR, RC_CHK_SPF_TEMPERROR,
    };

    for (size_t i = 0; i < sizeof(design) / sizeof(design[0]); i++)
	cr_expect(eq(int, cfg->scores[design[i]], table_scores[design[i]]), "%s",
		  rc_checkinfo[design[i]].id);
}

Test(config, design_example)
{
    RC_CONFIG *cfg = parse_ok(design_example);
    char    buf[200];
    RC_ADDR a;
    const RC_NAMEENTRY *e;

    cr_expect(eq(str, cfg->path, "t.ini"));
    cr_expect(eq(int, cfg->reject_score, 15));
    cr_expect(eq(int, cfg->tempreject_score, 0));
    cr_expect(eq(int, cfg->dns_timeout_ms, 5000));
    cr_expect(eq(sz, cfg->nnameservers, 0));
    cr_expect(eq(int, cfg->on_dns_failure, RC_DNSFAIL_ACCEPT));
    cr_expect(eq(str, cfg->header_prefix, "X-Relaycheck"));
    cr_expect(cfg->skip_authenticated);
    table_text(&cfg->skip_hosts, buf, sizeof(buf));
    cr_expect(eq(str, buf, "::1 127.0.0.0/8"));
    expect_design_scores(cfg);

    cr_assert(eq(sz, cfg->ndnsbl, 1));
    cr_expect(eq(str, cfg->dnsbl[0].zone, "zen.spamhaus.org"));
    cr_expect(eq(int, cfg->dnsbl[0].score, 8));
    cr_expect(eq(str, cfg->dnsbl[0].label, "Spamhaus ZEN"));
    cr_expect(eq(int, cfg->dnsbl[0].line, 27));
    cr_expect(not(cfg->dnsbl[0].txt));
    codes_text(cfg->dnsbl[0].codes, cfg->dnsbl[0].ncodes, buf, sizeof(buf));
    cr_expect(eq(str, buf, "127.0.0.2-127.0.0.11"));
    cr_expect(eq(sz, cfg->nrhsbl, 0));

    table_text(&cfg->nsc_ip, buf, sizeof(buf));
    cr_expect(eq(str, buf, "192.0.2.0/24"));
    cr_assert(eq(sz, cfg->nsc_domain.n, 1));
    cr_expect(eq(str, cfg->nsc_domain.v[0].name, "partner.example"));
    cr_expect(cfg->nsc_domain.v[0].exact && cfg->nsc_domain.v[0].below);
    cr_expect(eq(int, cfg->nsc_domain.v[0].line, 34));
    cr_assert(eq(sz, cfg->nsc_host.n, 1));
    cr_expect(eq(str, cfg->nsc_host.v[0].name, "partner.example"));
    cr_expect(not(cfg->nsc_host.v[0].exact));
    cr_expect(cfg->nsc_host.v[0].below);
    cr_expect(cfg->domain_requires_spf);

    /* and the tables work */
    cr_assert(rc_addr_parse("192.0.2.77", &a));
    cr_expect(not(zero(ptr, (void *) rc_iptable_lookup(&cfg->nsc_ip, &a))));
    e = rc_nametable_lookup(&cfg->nsc_host, "mx.partner.example");
    cr_expect(e != NULL);
    cr_expect(rc_nametable_lookup(&cfg->nsc_host, "partner.example") == NULL);
    cr_expect(rc_nametable_lookup(&cfg->nsc_domain, "partner.example") != NULL);
    rc_config_free(cfg);
}

/* ---- defaults ---- */

static void
expect_defaults(const RC_CONFIG *cfg)
{
    char    buf[200];

    cr_expect(eq(int, cfg->reject_score, 15));
    cr_expect(eq(int, cfg->tempreject_score, 0));
    cr_expect(eq(int, cfg->dns_timeout_ms, 5000));
    cr_expect(eq(sz, cfg->nnameservers, 0));
    cr_expect(eq(int, cfg->on_dns_failure, RC_DNSFAIL_ACCEPT));
    cr_expect(eq(str, cfg->header_prefix, "X-Relaycheck"));
    cr_expect(cfg->skip_authenticated);
    cr_expect(cfg->domain_requires_spf);
    cr_expect(eq(int, cfg->max_ptr_names, 10));
    table_text(&cfg->skip_hosts, buf, sizeof(buf));
    cr_expect(eq(str, buf, "::1 127.0.0.0/8"));
    cr_expect(skips(cfg, "127.0.0.1"));
    cr_expect(skips(cfg, "127.255.255.254"));
    cr_expect(skips(cfg, "::1"));
    cr_expect(not(skips(cfg, "128.0.0.1")));
    cr_expect(not(skips(cfg, "::2")));
    expect_design_scores(cfg);
    for (int i = 0; i < RC_CHK_NSCORE_COUNT; i++)
	cr_expect(eq(int, cfg->scores[i], rc_checkinfo[i].default_score), "%s",
		  rc_checkinfo[i].id);
    cr_expect(eq(sz, cfg->ndnsbl + cfg->nrhsbl, 0));
    cr_expect(eq(sz, cfg->nsc_ip.n + cfg->nsc_domain.n + cfg->nsc_host.n, 0));
}

Test(config, defaults)
{
    RC_CONFIG *cfg = rc_config_defaults();

    cr_assert(cfg != NULL);
    cr_expect(cfg->path == NULL);
    expect_defaults(cfg);
    rc_config_free(cfg);
}

Test(config, relaycheck_section_alone_gives_defaults)
{
    static const char *const texts[] = {
	"[relaycheck]\n", "[relaycheck]", "; a comment\n[relaycheck]\n",
	"[relaycheck]\n[scores]\n[no_server_check]\n", "[scores]\n[relaycheck]\n",
	"\xEF\xBB\xBF[relaycheck]\r\n", "\r\n[relaycheck]\r\n\r\n",
    };

    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
	RC_CONFIG *cfg = parse_ok(texts[i]);

	expect_defaults(cfg);
	rc_config_free(cfg);
    }
}

/*
 * An empty file is what an editor leaves in the middle of saving: it is
 * an error, not a configuration of built-in defaults, and so is a file
 * without its [relaycheck] section (relaycheck.ini(5), FILES).
 */
Test(config, no_relaycheck_section_is_an_error)
{
    static const char *const texts[] = {
	"", "\n", "; only a comment\n# and another\n", "\xEF\xBB\xBF", "\r\n\r\n",
	"[scores]\nptr_missing = 3\n", "[no_server_check]\nip = 192.0.2.0/24\n",
	"[dnsbl zen.example]\n[relaycheck_not]\n",
    };

    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
	char   *errors = parse_err(texts[i]);
	const char *want = i == 7 ? "t.ini:2: unknown section [relaycheck_not]\n"
	    : "t.ini:1: no [relaycheck] section: every configuration has one, even if "
	    "empty (is the file empty, or only partly written?)\n";

	cr_expect(eq(str, errors, (char *) want), "text %zu", i);
	free(errors);
    }
}

Test(config, load_empty_file_is_an_error)
{
    char   *path = temp_config("", 0);
    char   *errors = NULL, *want;
    RC_CONFIG *cfg = rc_config_load(path, &errors, NULL);

    cr_expect(cfg == NULL);
    cr_assert(errors != NULL);
    want = xasprintf("%s:1: no [relaycheck] section: every configuration has one, even if "
		     "empty (is the file empty, or only partly written?)\n", path);
    cr_expect(eq(str, errors, want));
    free(want);
    free(errors);
    unlink(path);
    free(path);
}

/* ---- values ---- */

struct duration_case {
    char        in[16];
    bool        ok;
    int         ms;
};

static const struct duration_case config_duration_cases[] = {
	{"5s", true, 5000}, {"5", true, 5000}, {"2500ms", true, 2500}, {"2m", true, 120000},
	{"0", true, 0}, {"100ms", true, 100}, {"007s", true, 7000},
	{"", false, 0}, {"s", false, 0}, {"5x", false, 0}, {"5S", false, 0}, {"5 s", false, 0},
	{" 5s", false, 0}, {"-5s", false, 0}, {"+5s", false, 0}, {"1.5s", false, 0},
	{"5sec", false, 0}, {"5ms5", false, 0}, {"99999999999s", false, 0},
	{"2147483648ms", false, 0}, {"2147483647ms", true, 2147483647}, {"35792m", false, 0},
};

Test(config, duration)
{
    for (size_t ci = 0; ci < sizeof(config_duration_cases) / sizeof(config_duration_cases[0]); ci++) {
	const struct duration_case *c = &config_duration_cases[ci];
	int     ms = -12345;

	cr_expect(eq(int, rc_parse_duration(c->in, &ms), c->ok), "\"%s\"", c->in);
	if (c->ok)
	    cr_expect(eq(int, ms, c->ms), "\"%s\"", c->in);
    }
}

Test(config, main_values)
{
    RC_CONFIG *cfg = parse_ok("[relaycheck]\n"
			      "reject_score = 0\n"
			      "tempreject_score = 100000\n"
			      "dns_timeout = 2500ms\n"
			      "on_dns_failure = TempReject\n"
			      "header_prefix = X-RC-1\n"
			      "skip_authenticated = Off\n"
			      "max_ptr_names = 32\n"
			      "[no_server_check]\n"
			      "domain_requires_spf = false\n");

    cr_expect(eq(int, cfg->reject_score, 0));
    cr_expect(eq(int, cfg->tempreject_score, 100000));
    cr_expect(eq(int, cfg->dns_timeout_ms, 2500));
    cr_expect(eq(int, cfg->on_dns_failure, RC_DNSFAIL_TEMPREJECT));
    cr_expect(eq(str, cfg->header_prefix, "X-RC-1"));
    cr_expect(not(cfg->skip_authenticated));
    cr_expect(eq(int, cfg->max_ptr_names, 32));
    cr_expect(not(cfg->domain_requires_spf));
    rc_config_free(cfg);
}

Test(config, booleans)
{
    static const char *const yes[] = {"yes", "YES", "true", "on", "1"};
    static const char *const no[] = {"no", "No", "false", "OFF", "0"};

    for (int k = 0; k < 2; k++)
	for (size_t i = 0; i < 5; i++) {
	    char   *text = xasprintf("[relaycheck]\nskip_authenticated = %s\n",
				     k ? no[i] : yes[i]);
	    RC_CONFIG *cfg = parse_ok(text);

	    cr_expect(eq(int, cfg->skip_authenticated, k == 0), "%s", text);
	    rc_config_free(cfg);
	    free(text);
	}
}

Test(config, scores_may_be_negative_or_zero)
{
    RC_CONFIG *cfg = parse_ok("[relaycheck]\n[scores]\nptr_missing = -5\nspf_fail = 0\nhelo_mismatch = 1000\n"
			      "ptr_generic = -1000\n");

    cr_expect(eq(int, cfg->scores[RC_CHK_PTR_MISSING], -5));
    cr_expect(eq(int, cfg->scores[RC_CHK_SPF_FAIL], 0));
    cr_expect(eq(int, cfg->scores[RC_CHK_HELO_MISMATCH], 1000));
    cr_expect(eq(int, cfg->scores[RC_CHK_PTR_GENERIC], -1000));
    cr_expect(eq(int, cfg->scores[RC_CHK_PTR_MISMATCH], 4));	/* untouched */
    rc_config_free(cfg);
}

/* ---- lists ---- */

Test(config, list_keys_accumulate_and_replace_the_default)
{
    RC_CONFIG *cfg = parse_ok("[relaycheck]\n"
			      "skip_hosts = 10.0.0.0/8\n"
			      "reject_score = 20\n"
			      "skip_hosts = 192.168.0.0/16,172.16.0.0/12 , 2001:db8::/32\n"
			      "[no_server_check]\n"
			      "ip = 192.0.2.1\n"
			      "ip = 198.51.100.0/24, 2001:db8:1::/48\n"
			      "domain = a.example, B.example\n"
			      "domain = c.example\n"
			      "host = mx.a.example .b.example\n"
			      "host = .C.example\n");
    char    buf[300];

    table_text(&cfg->skip_hosts, buf, sizeof(buf));
    cr_expect(eq(str, buf, "10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 2001:db8::/32"));
    cr_expect(not(skips(cfg, "127.0.0.1")), "the default is replaced, not extended");
    cr_expect(not(skips(cfg, "::1")));
    cr_expect(skips(cfg, "172.20.1.1"));
    table_text(&cfg->nsc_ip, buf, sizeof(buf));
    cr_expect(eq(str, buf, "192.0.2.1 198.51.100.0/24 2001:db8:1::/48"));
    cr_assert(eq(sz, cfg->nsc_domain.n, 3));
    cr_expect(eq(str, cfg->nsc_domain.v[1].name, "b.example"));
    cr_expect(eq(int, cfg->nsc_domain.v[1].line, 8));
    cr_assert(eq(sz, cfg->nsc_host.n, 3));
    cr_expect(rc_nametable_lookup(&cfg->nsc_host, "mx.a.example") != NULL);
    cr_expect(rc_nametable_lookup(&cfg->nsc_host, "x.mx.a.example") == NULL);
    cr_expect(rc_nametable_lookup(&cfg->nsc_host, "x.b.example") != NULL);
    cr_expect(rc_nametable_lookup(&cfg->nsc_host, "b.example") == NULL);
    rc_config_free(cfg);
}

Test(config, empty_list_value_means_empty_list)
{
    RC_CONFIG *cfg = parse_ok("[relaycheck]\nskip_hosts =\nnameservers =\n");

    cr_expect(eq(sz, cfg->skip_hosts.n, 0));
    cr_expect(not(skips(cfg, "127.0.0.1")));
    cr_expect(eq(sz, cfg->nnameservers, 0));
    rc_config_free(cfg);

    /* empty first, then entries: the entries only */
    cfg = parse_ok("[relaycheck]\nskip_hosts =\nskip_hosts = 10.0.0.0/8\n");
    cr_expect(eq(sz, cfg->skip_hosts.n, 1));
    cr_expect(not(skips(cfg, "127.0.0.1")));
    rc_config_free(cfg);

    cfg = parse_ok("[relaycheck]\nskip_hosts = , ,\t\n");
    cr_expect(eq(sz, cfg->skip_hosts.n, 0));
    rc_config_free(cfg);
}

Test(config, inline_comments_values)
{
    RC_CONFIG *cfg = parse_ok("[relaycheck] ; the main section\n"
			      "reject_score = 20 ; a comment\n"
			      "tempreject_score = 10\t; a tab before it\n"
			      "# a hash comment line\n"
			      "; a semicolon comment line\n"
			      "   ; an indented comment\n"
			      "\t# an indented hash comment\n"
			      "[scores] # hash after a section\n"
			      "ptr_missing = 3 ;4\n"
			      "[dnsbl bl.example] ; a list\n"
			      "label = Some List ; its label\n");

    cr_expect(eq(int, cfg->reject_score, 20));
    cr_expect(eq(int, cfg->tempreject_score, 10));
    cr_expect(eq(int, cfg->scores[RC_CHK_PTR_MISSING], 3));
    cr_assert(eq(sz, cfg->ndnsbl, 1));
    cr_expect(eq(str, cfg->dnsbl[0].label, "Some List"));
    rc_config_free(cfg);
}

Test(config, crlf_and_bom)
{
    RC_CONFIG *cfg = parse_ok("\xEF\xBB\xBF[relaycheck]\r\n"
			      "reject_score = 20\r\n"
			      "skip_hosts = 10.0.0.0/8 ; mine\r\n"
			      "\r\n"
			      "[dnsbl bl.example]\r\n"
			      "label = BL\r\n");
    char    buf[100];

    cr_expect(eq(int, cfg->reject_score, 20));
    table_text(&cfg->skip_hosts, buf, sizeof(buf));
    cr_expect(eq(str, buf, "10.0.0.0/8"));
    cr_assert(eq(sz, cfg->ndnsbl, 1));
    cr_expect(eq(str, cfg->dnsbl[0].label, "BL"));
    rc_config_free(cfg);

    /* line numbers are counted the same with CRLF */
    {
	char   *errors = parse_err("\xEF\xBB\xBF[relaycheck]\r\n\r\nbogus = 1\r\n");

	cr_expect(eq(str, errors, "t.ini:3: unknown key \"bogus\" in this section\n"));
	free(errors);
    }
}

/* ---- nameservers ---- */

struct ns_case {
    char        in[64];
    bool        ok;
    char        out[64];
};

static const struct ns_case config_nameserver_forms_cases[] = {
	{"192.0.2.1", true, "192.0.2.1:53"},
	{"192.0.2.1:5353", true, "192.0.2.1:5353"},
	{"192.0.2.1:1", true, "192.0.2.1:1"},
	{"192.0.2.1:65535", true, "192.0.2.1:65535"},
	{"2001:db8::1", true, "[2001:db8::1]:53"},
	{"::1", true, "[::1]:53"},
	{"[2001:db8::1]:5353", true, "[2001:db8::1]:5353"},
	{"[::1]", true, "[::1]:53"},
	{"192.0.2.1:0", false, ""},
	{"192.0.2.1:65536", false, ""},
	{"192.0.2.1:", false, ""},
	{"192.0.2.1:53x", false, ""},
	{"192.0.2.1:-53", false, ""},
	{"[2001:db8::1", false, ""},
	{"[2001:db8::1]x", false, ""},
	{"[2001:db8::1]:", false, ""},
	{"[192.0.2.1]:53", false, ""},
	{"[]:53", false, ""},
	{"localhost", false, ""},
	{"localhost:53", false, ""},
	{"", false, ""},
	{"192.0.2", false, ""},
};

Test(config, nameserver_forms)
{
    for (size_t ci = 0; ci < sizeof(config_nameserver_forms_cases) / sizeof(config_nameserver_forms_cases[0]); ci++) {
	const struct ns_case *c = &config_nameserver_forms_cases[ci];
	struct sockaddr_storage ss;
	char    buf[80];
	bool    ok = rc_parse_sockaddr(c->in, &ss);

	cr_expect(eq(int, ok, c->ok), "\"%s\"", c->in);
	if (ok && c->ok) {
	    ss_text(&ss, buf, sizeof(buf));
	    cr_expect(eq(str, buf, c->out), "\"%s\"", c->in);
	}
    }
}

Test(config, nameservers_in_the_file)
{
    RC_CONFIG *cfg = parse_ok("[relaycheck]\n"
			      "nameservers = 192.0.2.1, 192.0.2.2:5353\n"
			      "nameservers = [2001:db8::53]:5300 ::1\n");
    char    buf[80];

    cr_assert(eq(sz, cfg->nnameservers, 4));
    ss_text(&cfg->nameservers[0], buf, sizeof(buf));
    cr_expect(eq(str, buf, "192.0.2.1:53"));
    ss_text(&cfg->nameservers[1], buf, sizeof(buf));
    cr_expect(eq(str, buf, "192.0.2.2:5353"));
    ss_text(&cfg->nameservers[2], buf, sizeof(buf));
    cr_expect(eq(str, buf, "[2001:db8::53]:5300"));
    ss_text(&cfg->nameservers[3], buf, sizeof(buf));
    cr_expect(eq(str, buf, "[::1]:53"));
    rc_config_free(cfg);
}

/* ---- blocklist codes ---- */

struct codes_case {
    char        in[80];
    bool        ok;
    char        out[120];			/* codes_text(), or the reason */
};

static const struct codes_case config_codes_cases[] = {
	{"127.0.0.2", true, "127.0.0.2-127.0.0.2"},
	{"127.0.0.2, 127.0.0.4,127.0.0.9", true,
	 "127.0.0.2-127.0.0.2 127.0.0.4-127.0.0.4 127.0.0.9-127.0.0.9"},
	{"127.0.0.2-127.0.0.11", true, "127.0.0.2-127.0.0.11"},
	{"127.0.0.0-127.255.255.255", true, "127.0.0.0-127.255.255.255"},
	{"&4", true, "&4"},
	{"&0x10", true, "&16"},
	{"127.0.0.2=10", true, "127.0.0.2-127.0.0.2=10"},
	{"127.0.0.4-127.0.0.7=0 &2=-3", true, "127.0.0.4-127.0.0.7=0 &2=-3"},
	{"&4294967295", true, "&4294967295"},
	{"", true, ""},
	{"127.0.0.11-127.0.0.2", false, "code range ends below its start"},
	{"128.0.0.1", false, "code outside 127.0.0.0/8 (no list answers there)"},
	{"127.0.0.1-128.0.0.0", false, "code outside 127.0.0.0/8 (no list answers there)"},
	{"10.0.0.1", false, "code outside 127.0.0.0/8 (no list answers there)"},
	{"&0", false, "bad bitmask code (&N, N decimal or 0x hex)"},
	{"&x", false, "bad bitmask code (&N, N decimal or 0x hex)"},
	{"&", false, "bad bitmask code (&N, N decimal or 0x hex)"},
	{"&4294967296", false, "bad bitmask code (&N, N decimal or 0x hex)"},
	{"&4x", false, "bad bitmask code (&N, N decimal or 0x hex)"},
	{"127.0.0.2=abc", false, "bad score after '=' in code (an integer -1000..1000)"},
	{"127.0.0.2=", false, "bad score after '=' in code (an integer -1000..1000)"},
	{"127.0.0.2=1001", false, "bad score after '=' in code (an integer -1000..1000)"},
	{"127.0.0.2=5x", false, "bad score after '=' in code (an integer -1000..1000)"},
	{"foo", false, "bad code (an IPv4 address, a range A-B or &bitmask)"},
	{"127.0.0", false, "bad code (an IPv4 address, a range A-B or &bitmask)"},
	{"127.0.0.2-", false, "bad code (an IPv4 address, a range A-B or &bitmask)"},
	{"-127.0.0.2", false, "bad code (an IPv4 address, a range A-B or &bitmask)"},
	{"127.0.0.2 junk", false, "bad code (an IPv4 address, a range A-B or &bitmask)"},
};

Test(config, codes)
{
    for (size_t ci = 0; ci < sizeof(config_codes_cases) / sizeof(config_codes_cases[0]); ci++) {
	const struct codes_case *c = &config_codes_cases[ci];
	RC_CODE *codes = NULL;
	size_t  n = 0;
	const char *why = NULL;
	char    buf[200];
	bool    ok = rc_parse_codes(c->in, &codes, &n, &why);

	cr_expect(eq(int, ok, c->ok), "\"%s\": %s", c->in, ok ? "" : why);
	if (ok && c->ok) {
	    codes_text(codes, n, buf, sizeof(buf));
	    cr_expect(eq(str, buf, c->out), "\"%s\"", c->in);
	} else if (!ok && !c->ok)
	    cr_expect(eq(str, (char *) why, c->out), "\"%s\"", c->in);
	free(codes);
    }
}

struct match_case {
    char        answer[20];
    bool        hit;
    int         score;
};

static const struct match_case config_codes_match_cases[] = {
	{"127.0.0.1", false, 0},
	{"127.0.0.2", true, 5},
	{"127.0.0.11", true, 5},
	{"127.0.0.12", true, -1},
	{"127.0.0.20", true, -2},			/* its own item comes first */
	{"127.0.0.255", true, -1},
	{"127.0.1.0", true, -1},			/* &0x100 */
	{"127.0.1.5", true, -1},
	{"127.0.2.1", false, 0},
	{"126.0.0.2", false, 0},
};

Test(config, codes_match)
{
    for (size_t ci = 0; ci < sizeof(config_codes_match_cases) / sizeof(config_codes_match_cases[0]); ci++) {
	const struct match_case *c = &config_codes_match_cases[ci];
	RC_CODE *codes = NULL;
	size_t  n = 0;
	const char *why;
	struct in_addr a;
	int     score = 12345;

	cr_assert(rc_parse_codes("127.0.0.2-127.0.0.11=5, &0x100, 127.0.0.20=-2, "
				 "127.0.0.2-127.0.0.255", &codes, &n, &why));
	cr_assert(eq(sz, n, 4));
	cr_assert(inet_pton(AF_INET, c->answer, &a) == 1);
	cr_expect(eq(int, rc_codes_match(codes, n, ntohl(a.s_addr), &score), c->hit), "%s",
		  c->answer);
	if (c->hit)
	    cr_expect(eq(int, score, c->score), "%s", c->answer);
	free(codes);
    }
}

Test(config, list_sections)
{
    RC_CONFIG *cfg = parse_ok("[dnsbl zen.example]\n"
			      "codes = 127.0.0.2\n"
			      "codes = 127.0.0.10-127.0.0.11=3\n"
			      "txt = yes\n"
			      "[dnsbl Other.Example.]\n"
			      "score = -2\n"
			      "[rhsbl dbl.example]\n"
			      "target = helo\n"
			      "label = Domain list\n"
			      "[rhsbl dbl2.example]\n"
			      "[relaycheck]\n");
    char    buf[200];

    cr_assert(eq(sz, cfg->ndnsbl, 2));
    cr_expect(eq(str, cfg->dnsbl[0].zone, "zen.example"));
    cr_expect(eq(str, cfg->dnsbl[0].label, "zen.example"));	/* default label */
    cr_expect(cfg->dnsbl[0].txt);
    codes_text(cfg->dnsbl[0].codes, cfg->dnsbl[0].ncodes, buf, sizeof(buf));
    cr_expect(eq(str, buf, "127.0.0.2-127.0.0.2 127.0.0.10-127.0.0.11=3"));
    cr_expect(eq(str, cfg->dnsbl[1].zone, "other.example"));
    cr_expect(eq(int, cfg->dnsbl[1].score, -2));
    cr_expect(eq(int, cfg->dnsbl[1].line, 5));
    /* without codes: every answer from 127.0.0.2 up */
    codes_text(cfg->dnsbl[1].codes, cfg->dnsbl[1].ncodes, buf, sizeof(buf));
    cr_expect(eq(str, buf, "127.0.0.2-127.255.255.255"));
    cr_assert(eq(sz, cfg->nrhsbl, 2));
    cr_expect(eq(int, cfg->rhsbl[0].target, RC_RHS_HELO));
    cr_expect(eq(str, cfg->rhsbl[0].label, "Domain list"));
    cr_expect(eq(int, cfg->rhsbl[1].target, RC_RHS_SENDER));
    rc_config_free(cfg);
}

/* ---- the dump reads back to the same configuration ---- */

Test(config, dump_round_trip)
{
    RC_CONFIG *cfg = parse_ok(design_example);
    char   *d1 = rc_config_dump(cfg), *d2;
    RC_CONFIG *again;

    cr_assert(d1 != NULL);
    again = parse_ok(d1);
    d2 = rc_config_dump(again);
    cr_assert(d2 != NULL);
    cr_expect(eq(str, d2, d1));
    cr_expect(eq(int, again->reject_score, 15));
    cr_expect(eq(sz, again->ndnsbl, 1));
    free(d1);
    free(d2);
    rc_config_free(again);
    rc_config_free(cfg);
}

/* ---- files ---- */

static char *
temp_config(const char *text, size_t len)
{
    char   *path = strdup("/tmp/rc-unit-cfg-XXXXXX");
    int     fd = mkstemp(path);

    cr_assert(fd >= 0);
    cr_assert(eq(sz, (size_t) write(fd, text, len), len));
    close(fd);
    return (path);
}

Test(config, load_missing_file)
{
    char   *errors = NULL;
    RC_FILESTAMP st;
    RC_CONFIG *cfg = rc_config_load("/nonexistent/relaycheck.ini", &errors, &st);

    cr_expect(cfg == NULL);
    cr_assert(errors != NULL);
    cr_expect(eq(str, errors,
		 "/nonexistent/relaycheck.ini:0: cannot open: No such file or directory\n"));
    free(errors);
    errno = 0;
    cr_expect(not(rc_config_stamp("/nonexistent/relaycheck.ini", &st)));
    cr_expect(eq(int, errno, ENOENT));
}

Test(config, load_directory)
{
    char   *errors = NULL;
    RC_CONFIG *cfg = rc_config_load("/tmp", &errors, NULL);

    cr_expect(cfg == NULL);
    cr_assert(errors != NULL);
    cr_expect(eq(str, errors, "/tmp:0: not a regular file\n"));
    free(errors);
}

/*
 * A FIFO with no writer would block an open() for reading for ever (and
 * Exim's connection with it): it is refused at once, as a directory is.
 */
Test(config, load_fifo_is_refused_at_once)
{
    char    dir[] = "/tmp/rc-unit-fifo-XXXXXX";
    char   *path, *want, *errors = NULL;
    RC_CONFIG *cfg;

    alarm(HANG_SECONDS);			/* a hang is a crash, not a wait */
    cr_assert(mkdtemp(dir) != NULL);
    path = xasprintf("%s/relaycheck.ini", dir);
    cr_assert(mkfifo(path, 0600) == 0);
    cfg = rc_config_load(path, &errors, NULL);
    cr_expect(cfg == NULL);
    cr_assert(errors != NULL);
    want = xasprintf("%s:0: not a regular file\n", path);
    cr_expect(eq(str, errors, want));
    free(want);
    free(errors);
    unlink(path);
    rmdir(dir);
    free(path);
}

Test(config, load_file_and_notice_changes)
{
    static const char text[] = "[relaycheck]\nreject_score = 12\n";
    char   *path = temp_config(text, sizeof(text) - 1);
    char   *errors = NULL;
    RC_FILESTAMP st, now, before;
    RC_CONFIG *cfg = rc_config_load(path, &errors, &st);
    struct timespec ts[2];
    FILE   *fp;

    cr_assert(cfg != NULL, "%s", errors ? errors : "");
    cr_expect(errors == NULL);
    cr_expect(eq(str, cfg->path, path));
    cr_expect(eq(int, cfg->reject_score, 12));
    cr_expect(eq(llong, (long long) st.size, (long long) sizeof(text) - 1));
    rc_config_free(cfg);

    cr_assert(rc_config_stamp(path, &now));
    cr_expect(rc_filestamp_equal(&st, &now), "unchanged file");

    /* same size, new modification time */
    ts[0].tv_sec = ts[1].tv_sec = 1000000000;
    ts[0].tv_nsec = ts[1].tv_nsec = 0;
    cr_assert(utimensat(AT_FDCWD, path, ts, 0) == 0);
    before = now;
    cr_assert(rc_config_stamp(path, &now));
    cr_expect(not(rc_filestamp_equal(&before, &now)), "new mtime");

    /* only the nanoseconds differ */
    ts[0].tv_nsec = ts[1].tv_nsec = 5;
    cr_assert(utimensat(AT_FDCWD, path, ts, 0) == 0);
    before = now;
    cr_assert(rc_config_stamp(path, &now));
    cr_expect(not(rc_filestamp_equal(&before, &now)), "new mtime nanoseconds");

    /* new size, same mtime */
    fp = fopen(path, "a");
    cr_assert(fp != NULL);
    fputs("; more\n", fp);
    fclose(fp);
    cr_assert(utimensat(AT_FDCWD, path, ts, 0) == 0);
    before = now;
    cr_assert(rc_config_stamp(path, &now));
    cr_expect(not(rc_filestamp_equal(&before, &now)), "new size");

    /* replaced by another file (new inode), same size and mtime */
    {
	char   *other = temp_config(text, sizeof(text) - 1);
	FILE   *f2;

	f2 = fopen(other, "a");
	cr_assert(f2 != NULL);
	fputs("; more\n", f2);
	fclose(f2);
	cr_assert(utimensat(AT_FDCWD, other, ts, 0) == 0);
	before = now;
	cr_assert(rename(other, path) == 0);
	cr_assert(rc_config_stamp(path, &now));
	cr_expect(eq(llong, (long long) before.size, (long long) now.size));
	cr_expect(not(rc_filestamp_equal(&before, &now)), "new inode");
	free(other);
    }

    /* what load stamps is what stamp says */
    cfg = rc_config_load(path, &errors, &st);
    cr_assert(cfg != NULL);
    cr_expect(rc_filestamp_equal(&st, &now));
    rc_config_free(cfg);
    unlink(path);
    free(path);
}

Test(config, load_file_errors_name_the_file)
{
    static const char text[] = "[relaycheck]\nreject_score = 1\0x\n[bogus]\n";
    char   *path = temp_config(text, sizeof(text) - 1);
    char   *errors = NULL, *want;
    RC_CONFIG *cfg = rc_config_load(path, &errors, NULL);

    cr_expect(cfg == NULL);
    cr_assert(errors != NULL);
    want = xasprintf("%s:2: NUL byte in line\n%s:3: unknown section [bogus]\n", path, path);
    cr_expect(eq(str, errors, want));
    free(want);
    free(errors);
    unlink(path);
    free(path);
}
