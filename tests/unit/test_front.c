/*
 * test_front.c - the front end both the adapter and the command use: the
 * log line read back by rc_report_parse_log() (a round trip through
 * rc_report_log()), rc_report_own_line(), the what-if decision, the
 * rendering of all texts, and the configuration lookup and its cache
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dnscheck/escape.h"
#include "dnscheck/front.h"
#include "dnscheck/report.h"
#include "testutil.h"

static RC_CONFIG *cfg;
static RC_VERDICT v;
static RC_FRONT_OUT out;
static char logline[RC_OUT_LOG_MAX];	/* a log line read back */

static void
setup(void)
{
    cfg = rc_config_defaults();
    cr_assert(cfg != NULL);
    memset(&v, 0, sizeof(v));
}

static void
teardown(void)
{
    rc_config_free(cfg);
}

TestSuite(logline, .init = setup, .fini = teardown);
TestSuite(front, .init = setup, .fini = teardown);

static void
add(RC_CHECK c, RC_STATUS st, int score, const char *detail, const char *label)
{
    RC_FINDING *f = rc_verdict_add(&v, c, st, score, rc_checkinfo[c].text, detail);

    if (f != NULL && label != NULL)
	snprintf(f->label, sizeof(f->label), "%s", label);
}

/*
 * round_trip - render v (decided) with rc_report_log() into a buffer of
 * the front end's size, read it back, and compare every field with v.
 */
static void
round_trip(const char *ip)
{
    RC_LOGLINE l;
    char    eip[64];
    size_t  n = 0;

    rc_verdict_decide(cfg, &v);
    rc_report_log(&v, ip, logline, sizeof(logline));
    cr_assert(rc_report_parse_log(logline, &l), "not read back: %s", logline);
    cr_assert(eq(int, l.cut, 0), "%s", logline);
    rc_escape(eip, sizeof(eip), ip, strlen(ip));
    cr_assert(eq(str, l.ip, eip));
    cr_assert(eq(int, l.score, v.score));
    cr_assert(eq(int, (int) l.action, (int) (v.config_error ? RC_TEMPREJECT : v.action)));
    for (size_t i = 0; i < v.nfindings; i++) {
	const RC_FINDING *f = &v.findings[i];
	const RC_LOGITEM *it = &l.items[n];

	if (f->status != RC_HIT && f->status != RC_TEMP && f->check != RC_CHK_ALLOWLIST)
	    continue;
	cr_assert(n < l.nitems, "%s", logline);
	cr_assert(eq(str, (char *) it->id, (char *) rc_checkinfo[f->check].id));
	cr_assert(eq(str, (char *) it->label, (char *) f->label));
	cr_assert(eq(int, it->temp, f->status == RC_TEMP));
	cr_assert(eq(int, it->scored, f->status == RC_HIT));
	cr_assert(eq(int, it->score, f->status == RC_HIT ? f->score : 0));
	n++;
    }
    cr_assert(eq(sz, l.nitems, n), "%s", logline);
    cr_assert(eq(int, l.omitted_score, v.omitted_score));
    cr_assert(eq(int, l.omitted_temp, v.omitted_temp));
    cr_assert(eq(int, l.allowlisted, v.allowlisted));
    if (v.allowlisted)
	cr_assert(eq(str, l.allowlisted_what, v.findings[0].detail));
    cr_assert(eq(str, l.note, v.note));
    cr_assert(eq(int, l.has_queries, !v.skipped && !v.config_error));
    cr_assert(eq(int, l.queries, l.has_queries ? v.queries : 0));
    cr_assert(eq(int, l.reused, v.reused && l.has_queries));
    cr_assert(eq(long, l.time_ms, v.elapsed_ms));

    /* with a newline, as getline() gives it */
    {
	char    nl[sizeof(logline) + 2];
	RC_LOGLINE l2;

	snprintf(nl, sizeof(nl), "%s\n", logline);
	cr_assert(rc_report_parse_log(nl, &l2));
	cr_assert(eq(int, memcmp(&l, &l2, sizeof(l)), 0));
    }
}

Test(logline, nothing_found)
{
    v.queries = 3;
    v.elapsed_ms = 12;
    round_trip("2001:db8::25");
}

Test(logline, hits_temps_labels)
{
    add(RC_CHK_PTR_MISSING, RC_HIT, 8, "192.0.2.66", NULL);
    add(RC_CHK_SPF_PASS, RC_PASS, 0, "", NULL);
    add(RC_CHK_HELO_MISMATCH, RC_TEMP, 0, "mx.example: timeout", NULL);
    add(RC_CHK_DNSBL, RC_HIT, 8, "192.0.2.66: 127.0.0.2", "zen.spamhaus.org");
    add(RC_CHK_DNSBL, RC_HIT, -3, "x", "a list, with (parens) and blanks");
    add(RC_CHK_DNSBL, RC_TEMP, 0, "x", "q\"uote (+5) note=\"n\" time=1ms");
    add(RC_CHK_RHSBL, RC_HIT, 2, "x", "(temp)x");
    add(RC_CHK_SPF_TEMPERROR, RC_TEMP, 4, "timeout", NULL);
    v.queries = 17;
    v.elapsed_ms = 5003;
    v.reused = true;
    round_trip("192.0.2.66");
}

Test(logline, allowlisted_hostile_text_and_note)
{
    static const char raw[] = "\x01\"evil\" note=\"x\\ time=5ms\xff\" allowlisted=\"";
    char    what[RC_DETAIL_MAX];

    rc_escape(what, sizeof(what), raw, sizeof(raw) - 1);
    rc_verdict_clear(&v);
    v.allowlisted = true;
    add(RC_CHK_ALLOWLIST, RC_PASS, 0, what, NULL);
    snprintf(v.note, sizeof(v.note), "domain entry example.org not honoured: SPF fail");
    v.queries = 2;
    round_trip("192.0.2.1");
    /* and without the note */
    v.note[0] = 0;
    round_trip("192.0.2.1");
}

Test(logline, note_without_allowlist)
{
    add(RC_CHK_HELO_BARE_IP, RC_HIT, 2, "[192.0.2.1]", NULL);
    snprintf(v.note, sizeof(v.note), "domain entry example.org not honoured: SPF softfail");
    round_trip("192.0.2.1");
}

Test(logline, omitted_score_and_temp)
{
    for (int i = 0; i < RC_MAX_FINDINGS + 6; i++)
	add(RC_CHK_DNSBL, i % 7 == 3 ? RC_TEMP : RC_HIT, 1, "x", "l");
    cr_assert(v.omitted > 0);
    cr_assert(v.omitted_score != 0);
    cr_assert(v.omitted_temp);
    round_trip("192.0.2.1");
}

Test(logline, config_error_has_no_queries)
{
    v.config_error = true;
    round_trip("192.0.2.1");
}

Test(logline, hostile_ip)
{
    round_trip("192.0.2.66\n2020-01-01 fake\" score=1 action=reject checks=x");
}

Test(logline, cut_line_keeps_whole_items)
{
    RC_LOGLINE l;
    char    line[105];

    add(RC_CHK_PTR_MISSING, RC_HIT, 8, "x", NULL);
    add(RC_CHK_DNSBL, RC_HIT, 5, "x", "zen.spamhaus.org");
    add(RC_CHK_DNSBL, RC_HIT, 5, "x", "bl.example");
    rc_verdict_decide(cfg, &v);
    rc_report_log(&v, "192.0.2.1", line, sizeof(line));
    cr_assert(rc_report_parse_log(line, &l), "%s", line);
    cr_assert(l.cut);
    cr_assert(eq(int, l.score, 18));
    cr_assert(eq(int, (int) l.action, (int) RC_REJECT));
    cr_assert(eq(sz, l.nitems, 2), "%s", line);
    cr_assert(eq(str, l.items[1].label, "zen.spamhaus.org"));
}

Test(logline, not_a_log_line)
{
    static const char *const bad[] = {
	"", "relaycheck: configuration error: x", "relaycheck: ip=1 score=x action=accept",
	"relaycheck: ip=1 score=3 action=maybe checks=none time=1ms",
	"relaycheck: ip=1 score=3 action=accept checks= time=1ms",
	"relaycheck: ip=1 score=3 action=accept checks=a, time=1ms",
	"relaycheck: ip=1 score=3 action=accept checks=a:(+1 time=1ms",
	"relaycheck: ip=1 score=3 action=accept checks=none reused=yes time=1ms",
	"relaycheck: ip=1 score=3 action=accept checks=none note=\"\" time=1ms",
	"relaycheck: ip=1 score=3 action=accept checks=A(+1) time=1ms",
    };
    RC_LOGLINE l;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	cr_assert(eq(int, rc_report_parse_log(bad[i], &l), 0), "%s", bad[i]);
}

Test(logline, own_line_shapes)
{
    static const char *const ours[] = {
	"2026-01-02 03:04:05 relaycheck: ip=",
	"2026-01-02 03:04:05.123 +0100 [4711] 1abcDE-000123-Xy relaycheck: ip=",
	"2026-01-02 03:04:05 1abcDE-0001234567a-Xy12 relaycheck: ip=",
    };
    static const char *const theirs[] = {
	"2026-01-02 03:04:05 H=x rejected relaycheck: ip=",
	"2026-01-02 03:04 relaycheck: ip=",
	"2026-01-02 03:04:05 [] relaycheck: ip=",
    };

    for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
	const char *p = rc_report_own_line(ours[i]);

	cr_assert(p != NULL, "%s", ours[i]);
	cr_assert(eq(str, (char *) p, "relaycheck: ip="));
    }
    for (size_t i = 0; i < sizeof(theirs) / sizeof(theirs[0]); i++)
	cr_assert(rc_report_own_line(theirs[i]) == NULL, "%s", theirs[i]);
}

/* whatif - the what-if action of a rendered verdict under t and a score */
static RC_ACTION
whatif(const RC_THRESHOLDS *t, int score)
{
    RC_LOGLINE l;

    rc_verdict_decide(cfg, &v);
    rc_report_log(&v, "192.0.2.1", logline, sizeof(logline));
    cr_assert(rc_report_parse_log(logline, &l));
    return (rc_front_whatif(t, &l, score));
}

Test(front, whatif_follows_the_engine_rules)
{
    RC_THRESHOLDS t = {.reject_score = 10, .tempreject_score = 5,
	.on_dns_failure = RC_DNSFAIL_ACCEPT};

    add(RC_CHK_PTR_MISSING, RC_HIT, 8, "x", NULL);
    cr_assert(eq(int, (int) whatif(&t, 8), (int) RC_TEMPREJECT));
    cr_assert(eq(int, (int) whatif(&t, 12), (int) RC_REJECT));
    cr_assert(eq(int, (int) whatif(&t, 2), (int) RC_ACCEPT));
    /* the same thresholds give the engine's action for the logged score */
    cfg->reject_score = 10;
    cfg->tempreject_score = 5;
    rc_verdict_decide(cfg, &v);
    cr_assert(eq(int, (int) whatif(&t, v.score), (int) v.action));

    /* a logged tempreject from a TEMP stays */
    add(RC_CHK_HELO_MISMATCH, RC_TEMP, 0, "x", NULL);
    cfg->on_dns_failure = RC_DNSFAIL_TEMPREJECT;
    cfg->tempreject_score = 0;
    cr_assert(eq(int, (int) whatif(&t, 2), (int) RC_TEMPREJECT));
    t.on_dns_failure = RC_DNSFAIL_TEMPREJECT;
    t.reject_score = 0;
    t.tempreject_score = 0;
    cr_assert(eq(int, (int) whatif(&t, 2), (int) RC_TEMPREJECT));
}

Test(front, whatif_allowlisted_accepts)
{
    RC_THRESHOLDS t = {.reject_score = 1, .tempreject_score = 1,
	.on_dns_failure = RC_DNSFAIL_TEMPREJECT};

    v.allowlisted = true;
    add(RC_CHK_ALLOWLIST, RC_PASS, 0, "ip 192.0.2.0/24", NULL);
    cr_assert(eq(int, (int) whatif(&t, 50), (int) RC_ACCEPT));
}

Test(front, render_is_the_report_texts)
{
    char    buf[16384];

    add(RC_CHK_PTR_MISSING, RC_HIT, 20, "192.0.2.66", NULL);
    snprintf(v.received_spf, sizeof(v.received_spf), "none (x)");
    rc_verdict_decide(cfg, &v);
    rc_front_render(cfg, &v, "192.0.2.66", &out);
    cr_assert(eq(int, out.code, 550));
    cr_assert(eq(str, out.received_spf, "Received-SPF: none (x)\n"));
    rc_report_header_score(cfg, &v, buf, sizeof(buf));
    cr_assert(eq(str, out.score, buf));
    rc_report_header_report(cfg, &v, buf, sizeof(buf));
    cr_assert(eq(str, out.report, buf));
    rc_report_log(&v, "192.0.2.66", buf, sizeof(buf));
    cr_assert(eq(str, out.log, buf));
    rc_report_reply(cfg, &v, "192.0.2.66", buf, sizeof(buf));
    cr_assert(eq(str, out.reply, buf));
    cr_assert(eq(str, out.lsdata, ""));

    memset(&v, 0, sizeof(v));
    v.skipped = true;
    snprintf(v.skip_reason, sizeof(v.skip_reason), "local submission");
    rc_front_render(cfg, &v, NULL, &out);
    cr_assert(eq(int, out.code, 0));
    cr_assert(eq(str, out.lsdata, "skipped=local_submission"));
    cr_assert(eq(str, out.log, ""));
    cr_assert(eq(str, out.score, ""));
}

/* within - s lies wholly inside o->text */
static bool
within(const RC_FRONT_OUT *o, const char *s)
{
    return (s >= o->text && s + strlen(s) < o->text + sizeof(o->text));
}

Test(front, render_packs_the_texts)
{
    const char *t[6];
    const char *end = out.text;

    add(RC_CHK_PTR_MISSING, RC_HIT, 8, "192.0.2.66", NULL);
    snprintf(v.received_spf, sizeof(v.received_spf), "none (x)");
    rc_verdict_decide(cfg, &v);
    rc_front_render(cfg, &v, "192.0.2.66", &out);
    t[0] = out.log, t[1] = out.received_spf, t[2] = out.score, t[3] = out.report;
    t[4] = out.lsdata, t[5] = out.reply;
    cr_assert(eq(str, (char *) out.reply, ""));
    /* one after the other, in this order, each with its NUL: a page or two in all */
    for (int i = 0; i < 5; i++) {
	cr_assert(within(&out, t[i]), "text %d outside the arena", i);
	cr_assert(eq(ptr, (void *) t[i], (void *) end), "text %d not packed", i);
	end = t[i] + strlen(t[i]) + 1;
    }
    cr_expect(lt(sz, (size_t) (end - out.text), (size_t) 4096));
    /* a second render starts over */
    rc_front_render(cfg, &v, "192.0.2.66", &out);
    cr_assert(eq(ptr, (void *) out.log, (void *) out.text));
}

static int notes;

static void
count_note(const char *text)
{
    (void) text;
    notes++;
}

Test(front, config_cached_until_the_file_changes)
{
    char    path[] = "/tmp/rc-front-XXXXXX";
    int     fd = mkstemp(path);
    RC_FRONT_CFG fc = {0};
    RC_FRONT_HOOKS h = {.note = count_note};
    RC_FRONT_LOOKUP lk;
    const RC_CONFIG *a, *b;

    cr_assert(fd >= 0);
    cr_assert(write(fd, "[relaycheck]\n[scores]\nptr_missing = 3\n", 38) == 38);
    close(fd);
    a = rc_front_config(&fc, path, &h, &lk);
    cr_assert(a != NULL);
    cr_assert(eq(str, (char *) lk.path, path));
    cr_assert(eq(int, lk.defaults, 0));
    rc_front_lookup_free(&lk);
    cr_assert(eq(int, a->scores[RC_CHK_PTR_MISSING], 3));
    b = rc_front_config(&fc, path, &h, &lk);
    cr_assert(a == b, "reparsed an unchanged file");
    rc_front_lookup_free(&lk);

    /* a change (size) is noticed; an error names file:line */
    fd = open(path, O_WRONLY | O_TRUNC);
    cr_assert(fd >= 0);
    cr_assert(write(fd, "[relaycheck]\n[scores]\nptr_missing = x\n\n", 39) == 39);
    close(fd);
    cr_assert(rc_front_config(&fc, path, &h, &lk) == NULL);
    cr_assert(eq(int, lk.reported, 0));
    cr_assert(strstr(rc_front_errors(&lk), ":3: ") != NULL, "%s", rc_front_errors(&lk));
    rc_front_lookup_free(&lk);

    /* an explicit file that is absent is an error, not the defaults */
    unlink(path);
    cr_assert(rc_front_config(&fc, path, &h, &lk) == NULL);
    cr_assert(strstr(rc_front_errors(&lk), ":0: cannot open: ") != NULL);
    cr_assert(eq(int, lk.defaults, 0));
    rc_front_lookup_free(&lk);
    cr_assert(eq(int, notes, 0));
    rc_front_config_free(&fc);
}

static bool
refuse(RC_CONFIG *c)
{
    (void) c;
    return (false);
}

Test(front, config_prepare_refuses)
{
    char    path[] = "/tmp/rc-front-XXXXXX";
    int     fd = mkstemp(path);
    RC_FRONT_CFG fc = {0};
    RC_FRONT_HOOKS h = {.prepare = refuse};
    RC_FRONT_LOOKUP lk;

    cr_assert(fd >= 0);
    cr_assert(write(fd, "[relaycheck]\n", 13) == 13);
    close(fd);
    cr_assert(rc_front_config(&fc, path, &h, &lk) == NULL);
    cr_assert(lk.reported);
    cr_assert(fc.cfg == NULL);
    rc_front_lookup_free(&lk);
    unlink(path);
}

Test(front, config_path_order)
{
    bool    explicit;

    setenv("RELAYCHECK_CONFIG", "/env.ini", 1);
    cr_assert(eq(str, (char *) rc_front_config_path("/opt.ini", &explicit), "/opt.ini"));
    cr_assert(explicit);
    cr_assert(eq(str, (char *) rc_front_config_path(NULL, &explicit), "/env.ini"));
    cr_assert(explicit);
    setenv("RELAYCHECK_CONFIG", "", 1);
    cr_assert(eq(str, (char *) rc_front_config_path(NULL, &explicit), RC_DEFAULT_CONFIG));
    cr_assert(eq(int, explicit, 0));
}
