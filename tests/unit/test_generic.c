/*
 * test_generic.c - ptr_generic: the labelled table of real-world-shaped
 * names (precision and recall of the "generic" class) and one test per rule
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allowlist/addr.h"
#include "dnscheck/generic.h"
#include "dnscheck/lazylib.h"

#define TABLE	"generic_names.tsv"

static void
suite_fini(void)
{
    rc_generic_shutdown();
}

TestSuite(generic, .fini = suite_fini);

/* classify - rc_generic_classify on a literal address; why may be NULL */
static RC_GENERIC
classify(const char *name, const char *ip, char *why, size_t whylen)
{
    RC_ADDR addr;
    char    dummy[96];

    cr_assert(rc_addr_parse(ip, &addr), "bad address in test: %s", ip);
    if (why == NULL) {
	why = dummy;
	whylen = sizeof(dummy);
    }
    return (rc_generic_classify(name, &addr, why, whylen));
}

static void
expect(const char *name, const char *ip, RC_GENERIC want)
{
    char    why[96];
    RC_GENERIC got = classify(name, ip, why, sizeof(why));
    static const char *const str[] = {"NO", "YES", "VETO"};

    cr_expect(got == want, "%s [%s]: got %s (%s), want %s", name, ip, str[got], why,
	      str[want]);
}

static void
yes(const char *name, const char *ip)
{
    expect(name, ip, RC_GENERIC_YES);
}

static void
no(const char *name, const char *ip)
{
    expect(name, ip, RC_GENERIC_NO);
}

static void
veto(const char *name, const char *ip)
{
    expect(name, ip, RC_GENERIC_VETO);
}

/* open_table - the TSV next to this source file, else from the repo root */
static FILE *
open_table(char *path, size_t len)
{
    const char *slash = strrchr(__FILE__, '/');
    FILE   *fp;

    if (slash != NULL) {
	snprintf(path, len, "%.*s/%s", (int) (slash - __FILE__), __FILE__, TABLE);
	if ((fp = fopen(path, "r")) != NULL)
	    return (fp);
    }
    snprintf(path, len, "tests/unit/%s", TABLE);
    if ((fp = fopen(path, "r")) != NULL)
	return (fp);
    snprintf(path, len, "%s", TABLE);
    return (fopen(path, "r"));
}

/* next_row - the next label, address and name of the table; false at its end */
static bool
next_row(FILE *fp, const char *path, char **line, size_t *cap, int *lineno, char **label,
	 char **ip, char **name)
{
    while (getline(line, cap, fp) > 0) {
	char   *save = NULL;

	(*lineno)++;
	(*line)[strcspn(*line, "\r\n")] = 0;
	if ((*line)[0] == '#' || (*line)[0] == 0)
	    continue;
	*label = strtok_r(*line, "\t", &save);
	*ip = strtok_r(NULL, "\t", &save);
	*name = strtok_r(NULL, "\t", &save);
	cr_assert(label[0] && ip[0] && name[0], "%s:%d: want label<TAB>ip<TAB>name", path, *lineno);
	return (true);
    }
    return (false);
}

Test(generic, table)
{
    char    path[4096], *line = NULL;
    size_t  cap = 0;
    FILE   *fp = open_table(path, sizeof(path));
    int     tp = 0, fp_ = 0, fn = 0, tn = 0, rows = 0, lineno = 0, ngeneric = 0;
    double  precision, recall;
    char   *label, *ip, *name;

    cr_assert(fp != NULL, "cannot open %s (looked next to %s and in tests/unit)", TABLE,
	      __FILE__);
    while (next_row(fp, path, &line, &cap, &lineno, &label, &ip, &name)) {
	char    why[96];
	bool    want, got;
	RC_ADDR addr;
	RC_GENERIC res;

	cr_assert(strcmp(label, "generic") == 0 || strcmp(label, "mail") == 0,
		  "%s:%d: label \"%s\"", path, lineno, label);
	cr_assert(rc_addr_parse(ip, &addr), "%s:%d: address \"%s\"", path, lineno, ip);
	want = strcmp(label, "generic") == 0;
	res = rc_generic_classify(name, &addr, why, sizeof(why));
	got = res == RC_GENERIC_YES;
	rows++;
	ngeneric += want;
	if (want && got)
	    tp++;
	else if (!want && got)
	    fp_++;
	else if (want && !got)
	    fn++;
	else
	    tn++;
	if (want != got) {
	    cr_log_info("%s %s %s [%s] -> %s%s%s", want ? "MISS" : "FALSE POSITIVE", label,
			name, ip, res == RC_GENERIC_VETO ? "veto" : got ? "generic" : "no",
			why[0] ? ": " : "", why);
	    fprintf(stderr, "generic/table: %s %s %s [%s] -> %s%s%s\n",
		    want ? "MISS" : "FALSE POSITIVE", label, name, ip,
		    res == RC_GENERIC_VETO ? "veto" : got ? "generic" : "no",
		    why[0] ? ": " : "", why);
	}
    }
    free(line);
    fclose(fp);

    precision = tp + fp_ ? (double) tp / (tp + fp_) : 0.0;
    recall = tp + fn ? (double) tp / (tp + fn) : 0.0;
    cr_log_info("generic/table: %d rows (%d generic, %d mail): TP %d FP %d FN %d TN %d, "
		"precision %.3f recall %.3f", rows, ngeneric, rows - ngeneric, tp, fp_, fn, tn,
		precision, recall);
    fprintf(stderr, "generic/table: %d rows (%d generic, %d mail): TP %d FP %d FN %d TN %d, "
	    "precision %.3f recall %.3f\n", rows, ngeneric, rows - ngeneric, tp, fp_, fn, tn,
	    precision, recall);

    cr_assert(rows >= 240, "only %d rows in %s", rows, path);
    cr_assert(ngeneric * 10 >= rows * 4 && ngeneric * 10 <= rows * 6,
	      "%d of %d rows generic: not about half", ngeneric, rows);
    cr_assert(precision >= 0.98, "precision %.3f < 0.98 (%d false positives)", precision, fp_);
    cr_assert(recall >= 0.85, "recall %.3f < 0.85 (%d misses)", recall, fn);
}

/* ---- the issue's examples and its counter-examples ---- */

Test(generic, issue_examples)
{
    yes("r186-49-230-196.dialup.adsl.example.net", "186.49.230.196");
    yes("c-73-22-11-5.hsd1.il.example.net", "73.22.11.5");
    yes("p5B0F3A12.dip0.example.de", "91.15.58.18");
    yes("dsl-189-200-3-4-dyn.example.mx", "189.200.3.4");
    /* Same names, someone else's address: no address evidence left. */
    no("c-73-22-11-5.hsd1.il.example.net", "198.51.100.7");
    no("p5B0F3A12.dip0.example.de", "198.51.100.7");
}

Test(generic, registrable_domain_never_counts)
{
    no("mx1.corp-dynamics.example", "192.0.2.25");
    no("dyni.net", "192.0.2.26");
    no("www.dyni.net", "192.0.2.26");
    no("host.dynamic-dsl-pool.example", "192.0.2.27");
    no("web01.dyn-corp.example", "192.0.2.28");
    no("srv1.dynamics-corp.co.uk", "192.0.2.29");
    /* The address as the registrable label itself: nothing left of it. */
    no("88-152-1-2.com", "88.152.1.2");
    no("88-152-1-2.co.uk", "88.152.1.2");
    /* A public suffix alone, a bare TLD. */
    no("co.uk", "88.152.1.2");
    no("example", "88.152.1.2");
}

Test(generic, private_suffixes_are_host_labels)
{
    /* *.compute-1.amazonaws.com is a private-section suffix; ignored. */
    yes("ec2-54-209-12-34.compute-1.amazonaws.com", "54.209.12.34");
    yes("90.78.56.34.bc.googleusercontent.com", "34.56.78.90");
}

/* ---- the address forms ---- */

Test(generic, octet_forms)
{
    yes("ip-088-152-001-002.um26.example.de", "88.152.1.2");	/* zero-padded */
    yes("2.1.152.88.rev.example.net", "88.152.1.2");		/* reversed */
    yes("host_88_152_1_2.example.net", "88.152.1.2");		/* underscore */
    yes("88.152-1_2.example.net", "88.152.1.2");		/* mixed */
    yes("109x195x93x219.dynamic.example.ru", "109.195.93.219");	/* letters between */
    yes("147.red-88-9-50.dynamicip.example.net", "88.9.50.147");	/* rotated */
    yes("host58.190-31-72.example.net.ar", "190.31.72.58");	/* rotated */
    yes("c-10-10-1-1.example.net", "10.10.1.1");		/* repeated octets */
    no("c-10-7-7-1.example.net", "10.10.1.1");
}

Test(generic, one_string_forms)
{
    yes("ip088152001002.example.net", "88.152.1.2");		/* padded */
    yes("softbank126012062002.bbtec.example", "126.12.62.2");
    yes("n002001152088.example.net", "88.152.1.2");		/* padded, reversed */
    yes("n11212042148.example.com", "112.120.42.148");		/* run together */
    yes("bas1-montreal46-2925033342.dsl.example.ca", "174.88.119.126");	/* 32-bit */
    /* Too short to be sure: 1.2.3.4 run together is just "1234". */
    no("srv1234.example.net", "1.2.3.4");
}

Test(generic, hex_forms)
{
    yes("p5801a8c0.dip0.example.de", "88.1.168.192");
    yes("ool-18bfe594.dyn.example.net", "24.191.229.148");
    yes("d54C15D55.access.example.be", "84.193.93.85");		/* 'd' prefix is hex too */
    yes("c911deb6.bhz.example.com.br", "201.17.222.182");	/* no prefix at all */
    no("p5801a8c1.dip0.example.de", "88.1.168.192");
}

Test(generic, partial_address)
{
    /* Last three octets, in order or reversed, no word needed. */
    yes("cust-152-1-2.example.net", "88.152.1.2");
    yes("x2-1-152.example.net", "88.152.1.2");
    /* First two plus the last one (Orange). */
    yes("lfbn-tou-1-1502-76.w90-89.abo.example.fr", "90.89.68.76");
    /* Last two octets need a pool word. */
    yes("dyn-1-2.example.net", "88.152.1.2");
    yes("ppp2-1.example.net", "88.152.1.2");
    yes("host-1-2.example.net", "88.152.1.2");
    no("srv-1-2.example.net", "88.152.1.2");
    no("m43-7.mailgun.example", "69.72.43.7");
    /* Last two octets not next to each other. */
    no("dyn-1.x-2.example.net", "88.152.1.2");
}

Test(generic, hex_blobs_are_not_numbers)
{
    /* Digit runs inside a hash-like label are not octets. */
    no("a1b2c3d4.cdn.example.net", "1.2.3.4");
    no("2d4b363b-56b8-9979-23b8.example.ca", "2.4.23.56");
}

/* ---- words ---- */

Test(generic, veto_wins)
{
    veto("mail-88-152-1-2.dyn.example.net", "88.152.1.2");
    veto("smtp.88-152-1-2.dsl.example.net", "88.152.1.2");
    veto("66-220-155-156.mail-mail.example.com", "66.220.155.156");
    veto("out162-62-58-211.mail.example.com", "162.62.58.211");
    veto("mx-ll-183.89.30-58.dynamic.3bb.co.th", "183.89.30.58");
    veto("mta-174-84-115.intercom.com.example.com", "192.174.84.115");
    veto("relay-88-152-1-2.example.net", "88.152.1.2");
    veto("mailout-88-152-1-2.example.de", "88.152.1.2");	/* "mail" inside a token */
    veto("smtpbg-88-152-1-2.example.com", "88.152.1.2");
    /* A veto overrides evidence; without any, a mail server's name is just not generic. */
    no("a8-41.smtp-out.example.com", "54.240.8.41");
    no("mailout11.example.de", "194.25.134.9");
    no("smtpbg151.example.com", "203.0.113.5");
    char    why[96];

    cr_assert(classify("mx1.dyn-88-152-1-2.example.net", "88.152.1.2", why, sizeof(why))
	      == RC_GENERIC_VETO);
    cr_expect(strstr(why, "mx") != NULL, "why: %s", why);
}

Test(generic, us_state_codes_are_not_vetoes)
{
    /* Comcast's hsd1.<state>: "in" (Indiana), "mo" (Missouri). */
    yes("c-68-40-12-99.hsd1.in.comcast.net", "68.40.12.99");
    yes("c-68-40-12-99.hsd1.mo.comcast.net", "68.40.12.99");
}

Test(generic, words_without_address)
{
    /* Access word and a customer number. */
    yes("cpc141214-aztw34-2-0-cust773.18-1.cable.example.net", "86.9.19.6");
    yes("athedsl-4502887.home.example.gr", "94.71.161.111");
    /* A dynamic word and a second pool word. */
    yes("dynamic-ip-adsl.example.vn", "1.52.33.7");
    yes("dsl-hkibng22-54f986-236.dhcp.example.fi", "84.249.134.236");
    /* One word alone, or weak words with numbers, are not enough. */
    no("broadband.example.in", "106.51.77.9");
    no("dhcp01.corp.example", "192.0.2.10");
    no("host12345.webhosting.example", "198.51.100.82");
    no("client1.hosting.example", "203.0.113.44");
    no("vps-12345.provider.example", "198.51.100.80");
    /* Substrings are not words: "dyni", "dynamo", "poolside". */
    no("dyni12345.example.net", "192.0.2.30");
    no("poolside-12345.example.net", "192.0.2.31");
}

/* ---- input hygiene ---- */

Test(generic, escaped_bytes)
{
    no("c-73-22-11-5.hsd1.example.net\\032", "73.22.11.5");
    no("c-73-22-11-5\\.hsd1.example.net", "73.22.11.5");
    no("c-73-22-11-5 .hsd1.example.net", "73.22.11.5");
    no("c-73-22-11-5.hsd1.ex\x01" "ample.net", "73.22.11.5");
    no("c-73-22-11-5.hsd1.ex\xc3\xa4mple.net", "73.22.11.5");
    no("c-73-22-11-5..hsd1.example.net", "73.22.11.5");
    no(".c-73-22-11-5.hsd1.example.net", "73.22.11.5");
}

Test(generic, odd_lengths)
{
    char    longname[400];

    no("", "73.22.11.5");
    no(".", "73.22.11.5");
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = 0;
    no(longname, "73.22.11.5");
    yes("c-73-22-11-5.hsd1.il.example.net.", "73.22.11.5");	/* trailing dot */
    yes("C-73-22-11-5.HSD1.IL.EXAMPLE.NET", "73.22.11.5");	/* case */
}

/* ---- IPv6 ---- */

Test(generic, ipv6_interface_id)
{
    yes("p200300ec2f0f2f00d101edea3987ba94.dip0.example.de",
	"2003:ec:2f0f:2f00:d101:edea:3987:ba94");
    yes("dynamic-2a01-0c23-bde4-3e00-2223-08ff-fe18-0310.c23.pool.example.de",
	"2a01:c23:bde4:3e00:2223:8ff:fe18:310");
    /* Groups without padding. */
    yes("dyn-2a01-c23-bde4-3e00-2223-8ff-fe18-310.pool.example.de",
	"2a01:c23:bde4:3e00:2223:8ff:fe18:310");
    /* Only the interface identifier is needed. */
    yes("host-a1b2-c3ff-fe4d-5e6f.example.net", "2001:db8:1:2:a1b2:c3ff:fe4d:5e6f");
    /* Someone else's identifier. */
    no("p200300ec2f0f2f00d101edea3987ba95.dip0.example.de",
       "2003:ec:2f0f:2f00:d101:edea:3987:ba94");
    /* Hand-numbered servers: ::25 and ::1:2 are not "embedded". */
    no("host-2001-db8-0-0-0-0-0-25.example.net", "2001:db8::25");
    no("s-0-0-1-2.example.net", "2001:db8::1:2");
    /* An IPv4-shaped name says nothing about an IPv6 client. */
    no("c-73-22-11-5.example.net", "2001:db8::4916:160b");
}

Test(generic, why_is_filled)
{
    char    why[96];

    cr_assert(classify("c-73-22-11-5.hsd1.il.example.net", "73.22.11.5", why, sizeof(why))
	      == RC_GENERIC_YES);
    cr_expect(strstr(why, "address") != NULL, "why: %s", why);
    cr_assert(classify("www.example.net", "73.22.11.5", why, sizeof(why)) == RC_GENERIC_NO);
    cr_expect(why[0] == 0, "why: %s", why);
    /* A short buffer is cut, not overrun. */
    {
	char    small[8] = "xxxxxxx";

	cr_assert(classify("c-73-22-11-5.hsd1.il.example.net", "73.22.11.5", small,
			   sizeof(small)) == RC_GENERIC_YES);
	cr_expect(strlen(small) == 7);
    }
}

/* ---- the screen: libpsl only for names with a generic signal ---- */

Test(generic, screen_changes_no_verdict)
{
    char    path[4096], *line = NULL;
    size_t  cap = 0;
    FILE   *fp = open_table(path, sizeof(path));
    int     lineno = 0, rows = 0, screened = 0;
    char   *label, *ip, *name;

    cr_assert(fp != NULL, "cannot open %s", TABLE);
    while (next_row(fp, path, &line, &cap, &lineno, &label, &ip, &name)) {
	char    why_on[96], why_off[96];
	RC_GENERIC on, off;

	rc_generic_set_screen(true);
	on = classify(name, ip, why_on, sizeof(why_on));
	rc_generic_set_screen(false);
	off = classify(name, ip, why_off, sizeof(why_off));
	cr_expect(on == off && strcmp(why_on, why_off) == 0,
		  "%s:%d: %s [%s]: screened %d (%s), unscreened %d (%s)", path, lineno, name, ip,
		  on, why_on, off, why_off);
	rows++;
	screened += on == RC_GENERIC_NO;
    }
    rc_generic_set_screen(true);
    free(line);
    fclose(fp);
    cr_assert(rows >= 240 && screened > 0);
}

Test(generic, plain_names_never_load_libpsl)
{
    cr_assert(not(rc_lazylib_loaded("libpsl.so.5")), "libpsl is loaded before any name");
    no("mail.example.com", "192.0.2.1");
    no("mx1.corp-dynamics.example", "192.0.2.25");
    no("smtp2.mail.example.co.uk", "192.0.2.9");
    cr_expect(not(rc_lazylib_loaded("libpsl.so.5")),
	      "libpsl was loaded for names without a generic signal");
    yes("c-73-22-11-5.hsd1.il.example.net", "73.22.11.5");
    cr_expect(rc_lazylib_loaded("libpsl.so.5"), "libpsl is not loaded for a generic name");
}
