/*
 * relaycheck.c - the Exim adapter: facts from Exim in, verdict to Exim out
 *
 * This is the only file that includes local_scan.h or calls Exim. It
 * gathers the facts of the message (client address, HELO, sender,
 * authentication) and hands them to the front end it shares with the
 * command (front.h): the configuration (loaded once per process, again
 * only when the file changes), the engine, and the texts of the verdict,
 * which it passes on to Exim as headers, one main-log line,
 * $local_scan_data or an SMTP rejection.
 *
 * Debian's exim4 loads this file's shared object with local_scan_path and
 * exports only a few symbols to it (doc/HACKING.md 4.6): globals other
 * than the documented ones, such as $sender_helo_name, are read with
 * expand_string(). The same file is compiled into upstream Exim with
 * LOCAL_SCAN_HAS_OPTIONS; then the options in Exim's `begin local_scan'
 * section override the INI file.
 *
 * The same shared object is Exim's ${dlfunc} entry relaycheck_acl(), for
 * the connect, HELO, MAIL and RCPT ACLs: it yields the verdict, the reply
 * or the Report header of the message so far. One result per message
 * (txn.h): repeated ACL calls and local_scan() reuse it while the facts
 * and the transaction are the same, and the module's log line is written
 * once, by the ACL call that names the action it takes, or by
 * local_scan(). Both entry points share this file's statics only when
 * Exim loads one copy of the file: local_scan_path and the ${dlfunc} path
 * must name the same file.
 *
 * Nothing here calls exit(), alarm() or touches SIGALRM or the signal
 * mask: Exim's own local_scan timeout stays in force, and every failure
 * ends in a 451 with a log line, never a dropped session. The one signal
 * handled is SIGABRT, and only while the module works (the abort guard at
 * the end of this file); abort() itself is called only by the fault
 * injection of test builds (RC_TEST_HOOKS).
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <local_scan.h>

#ifndef LOCAL_SCAN_HAS_OPTIONS
/*
 * Exim's names, weak. In exim4 they bind to Exim's own, as before. In any
 * other program the file gets loaded into they are NULL, where they would
 * otherwise stop that program with "symbol lookup error" at start: README's
 * LD_PRELOAD route puts the module there for the exim4 unit, and so for the
 * init script's /bin/sh and start-stop-daemon too, and with
 * keep_environment for the programs Exim's transports run. None of them
 * calls local_scan(), and preloaded() does nothing there.
 */
#pragma weak expand_string
#pragma weak header_add
#pragma weak header_add_at_position
#pragma weak header_list
#pragma weak interface_address
#pragma weak log_write
#pragma weak recipients_count
#pragma weak recipients_list
#pragma weak sender_address
#pragma weak sender_host_address
#pragma weak sender_host_authenticated
#endif

#include "allowlist/config.h"
#include "dnscheck/decimal.h"
#include "dnscheck/engine.h"
#include "dnscheck/front.h"
#include "dnscheck/report.h"
#include "dnscheck/spf.h"
#include "dnscheck/txn.h"

#define RC_EXPORT __attribute__((visibility("default")))

/* Debian's loader checks the ABI with these (local_scan.h does not declare them). */
RC_EXPORT int local_scan_version_major(void);
RC_EXPORT int local_scan_version_minor(void);

/* The ${dlfunc} entry for Exim's ACLs (exim_dlfunc_t). */
RC_EXPORT int relaycheck_acl(uschar **yield, int argc, uschar *argv[]);

/* The configuration of this process, with the stamp of its file. */
static RC_FRONT_CFG rc_cfg;

/* Client results kept for the next message on this connection (process). */
static RC_CONNCACHE rc_conncache;

/* The message in progress, its verdict and texts (Exim copies them right away). */
static RC_TXN rc_txn;

/* What relaycheck_acl() yields; Exim copies it right away. */
static char rc_yield[16384];

#ifndef LOCAL_SCAN_HAS_OPTIONS
/*
 * preloaded - README's LD_PRELOAD route (Performance; relaycheck_acl's
 * {preload} is the other): with this file in LD_PRELOAD, the exim4 daemon
 * maps it once, at start, and its connection processes inherit it instead
 * of loading it each. Then the libraries the engine opens on first use are
 * opened here too, in the daemon, for the same reason. Loaded any other way
 * (local_scan_path, ${dlfunc}), it does nothing: the LD_PRELOAD list does
 * not name this file; nor in a program that is not exim4 (the shell of the
 * init script, a transport's command).
 */
__attribute__((constructor))
static void
preloaded(void)
{
    const char *list = getenv("LD_PRELOAD"), *s;
    Dl_info info;
    size_t  n;

    if (list == NULL || expand_string == NULL	/* not in exim4 */
	|| dladdr((void *) preloaded, &info) == 0 || info.dli_fname == NULL)
	return;
    n = strlen(info.dli_fname);
    for (s = list; *s; s += strcspn(s, " :")) {
	s += strspn(s, " :");
	if (strncmp(s, info.dli_fname, n) == 0 && (s[n] == 0 || s[n] == ' ' || s[n] == ':')) {
	    rc_front_preload();
	    return;
	}
    }
}
#endif

#ifdef LOCAL_SCAN_HAS_OPTIONS
/*
 * Options of Exim's `begin local_scan' section (static build only). One
 * that is set there overrides the INI key of the same name and is
 * validated like it; one that is not set leaves the INI value alone. Exim
 * marks the options it has read by or-ing opt_set into .type (macros.h,
 * not exported in local_scan.h), so the table must not be const. The
 * initial values are the built-in defaults (config.h's RC_DEFAULT_*, the
 * same the option table uses), which `exim -bP local_scan' shows for
 * options that are not set. Sorted: Exim looks them up by binary chop.
 */
#define RC_OPT_SET	0x400			/* Exim's opt_set */
#define RC_OPT_MASK	0x00ff			/* Exim's opt_mask */

static uschar *rc_opt_config_file = NULL;
static int rc_opt_dns_timeout = RC_DEFAULT_DNS_TIMEOUT_S;	/* opt_time: seconds */
static uschar *rc_opt_header_prefix = US RC_DEFAULT_HEADER_PREFIX;
static uschar *rc_opt_on_dns_failure = US RC_DEFAULT_ON_DNS_FAILURE;
static int rc_opt_reject_score = RC_DEFAULT_REJECT_SCORE;
static int rc_opt_tempreject_score = RC_DEFAULT_TEMPREJECT_SCORE;

optionlist local_scan_options[] = {
    {"config_file", opt_stringptr, {&rc_opt_config_file}},
    {"dns_timeout", opt_time, {&rc_opt_dns_timeout}},
    {"header_prefix", opt_stringptr, {&rc_opt_header_prefix}},
    {"on_dns_failure", opt_stringptr, {&rc_opt_on_dns_failure}},
    {"reject_score", opt_int, {&rc_opt_reject_score}},
    {"tempreject_score", opt_int, {&rc_opt_tempreject_score}},
};
int     local_scan_options_count = sizeof(local_scan_options) / sizeof(optionlist);

#endif

RC_EXPORT int
local_scan_version_major(void)
{
    return (LOCAL_SCAN_ABI_VERSION_MAJOR);
}

RC_EXPORT int
local_scan_version_minor(void)
{
    return (LOCAL_SCAN_ABI_VERSION_MINOR);
}

/* log_errors - each "file:line: what" to the panic and main logs */

static void
log_errors(const char *errors)
{
    const char *s = errors;

    while (s && *s) {
	const char *nl = strchr(s, '\n');
	int     len = nl ? (int) (nl - s) : (int) strlen(s);

	log_write(0, LOG_MAIN | LOG_PANIC, "relaycheck: configuration error: %.*s", len, s);
	s = nl ? nl + 1 : NULL;
    }
}

#ifdef LOCAL_SCAN_HAS_OPTIONS
/*
 * apply_options - the Exim options that are set override the INI values
 * of a configuration that is not in use yet. An invalid value is a
 * configuration error like one in the file: logged, and false (451).
 */

static bool
apply_options(RC_CONFIG *cfg)
{
    bool    ok = true;

    for (int i = 0; i < local_scan_options_count; i++) {
	const optionlist *o = &local_scan_options[i];
	char    num[32], msg[600];
	const char *value = num, *why;

	if (!(o->type & RC_OPT_SET) || strcmp(o->name, "config_file") == 0)
	    continue;
	switch (o->type & RC_OPT_MASK) {
	case opt_stringptr:
	    value = *(uschar **) o->v.value ? (const char *) *(uschar **) o->v.value : "";
	    break;
	case opt_time:
	    snprintf(num, sizeof(num), "%ds", *(int *) o->v.value);
	    break;
	default:
	    snprintf(num, sizeof(num), "%d", *(int *) o->v.value);
	    break;
	}
	if (!rc_config_override(cfg, o->name, value, &why)) {
	    snprintf(msg, sizeof(msg), "Exim configuration, begin local_scan: %s: \"%.100s\": %s",
		     o->name, value, why);
	    log_errors(msg);
	    ok = false;
	}
    }
    return (ok);
}

#endif

/* cache_dir - where compiled No Server Check lists go: <spool>/relaycheck */

static const char *
cache_dir(char *buf, size_t len)
{
    uschar *spool = expand_string(US "$spool_directory");

    if (spool == NULL || *spool == 0 || strlen((const char *) spool) + 12 > len)
	return (NULL);
    snprintf(buf, len, "%s/relaycheck", (const char *) spool);
    return (buf);
}

/* log_note - a remark of the configuration lookup, to the main log */

static void
log_note(const char *text)
{
    log_write(0, LOG_MAIN, "relaycheck: %s", text);
}

/*
 * get_config - the current configuration, or NULL after logging why not
 * (front.h): a file with errors is re-read on every message until it is
 * fixed, and its errors are logged each time (each message gets a 451).
 * The Exim option config_file (static build) names the file when set.
 */

static const RC_CONFIG *
get_config(void)
{
    static const RC_FRONT_HOOKS hooks = {
	.cache_dir = cache_dir,
#ifdef LOCAL_SCAN_HAS_OPTIONS
	.prepare = apply_options,
#endif
	.note = log_note,
    };
    const char *file = NULL;
    const RC_CONFIG *cfg;
    RC_FRONT_LOOKUP lk;

#ifdef LOCAL_SCAN_HAS_OPTIONS
    if (rc_opt_config_file != NULL && *rc_opt_config_file)
	file = (const char *) rc_opt_config_file;
#endif
    if ((cfg = rc_front_config(&rc_cfg, file, &hooks, &lk)) == NULL && !lk.reported)
	log_errors(rc_front_errors(&lk));
    rc_front_lookup_free(&lk);
    return (cfg);
}

/* remove_forged - incoming headers that carry our prefix are dropped */

static void
remove_forged(const char *prefix)
{
    size_t  plen = strlen(prefix);

    for (header_line *h = header_list; h != NULL; h = h->next) {
	if (h->type == '*' || h->text == NULL)
	    continue;
	if (strncasecmp((const char *) h->text, prefix, plen) == 0 && h->text[plen] == '-')
	    h->type = '*';			/* Exim's mark for "deleted" */
    }
}

#ifdef RC_TEST_HOOKS
static bool rc_test_abort_in_spf;	/* abort() at the next libspf2 log message */
#endif

/* spf_log - libspf2's warnings and errors, to Exim's main log (never stderr) */

static void
spf_log(int level, const char *msg)
{
#ifdef RC_TEST_HOOKS
    /* Called from inside libspf2: an abort with libspf2 on the stack. */
    if (rc_test_abort_in_spf) {
	rc_test_abort_in_spf = false;
	abort();
    }
#endif
    if (level <= RC_SPF_LOG_WARNING)
	log_write(0, LOG_MAIN, "relaycheck: spf: %s", msg);
}

/* expand - an Exim variable, or "" */

static const char *
expand(const char *var)
{
    uschar *s = expand_string(US var);

    return (s ? (const char *) s : "");
}

/* gather_facts - the facts of the message so far; sender NULL before MAIL when `acl' */

static void
gather_facts(RC_FACTS *facts, bool acl)
{
    memset(facts, 0, sizeof(*facts));
    facts->ip = (const char *) sender_host_address;
    facts->sender = sender_address ? (const char *) sender_address : (acl ? NULL : "");
    facts->authenticated = (sender_host_authenticated != NULL);
    if (facts->ip != NULL) {
	facts->helo = expand("$sender_helo_name");
	facts->primary_hostname = expand("$primary_hostname");
	facts->interface_ip = interface_address ? (const char *) interface_address : NULL;
    } else
	facts->helo = "";
}

/* txn_point - where in the SMTP session this call comes from */

static void
txn_point(RC_TXN_POINT *pt)
{
    pt->history = expand("$smtp_command_history");
    pt->rcpt_count = atoi(expand("$rcpt_count"));
}

#ifdef RC_TEST_HOOKS
/*
 * test_faults - fault injection for the tests of the abort guard and of
 * the memory checks (test builds only): an abort, one inside libspf2 (at
 * its first log message), and a block the module loses.
 */
static void
test_faults(const RC_FACTS *facts)
{
    if (strcmp(facts->helo, "rc-test-abort.invalid") == 0)
	abort();
    rc_test_abort_in_spf = strcmp(facts->helo, "rc-test-spf-abort.invalid") == 0;
    if (strcmp(facts->helo, "rc-test-leak.invalid") == 0) {
	char   *volatile lost = malloc(48);

	if (lost != NULL)
	    lost[0] = 'x';
	lost = NULL;
    }
}

#endif

/* evaluate - the verdict of the message at this point: held or fresh (txn.h) */

static const RC_VERDICT *
evaluate(const RC_CONFIG *cfg, bool acl, bool *reused)
{
    RC_FACTS facts;
    RC_TXN_POINT pt;

    rc_spf_set_log(spf_log);
    gather_facts(&facts, acl);
    txn_point(&pt);
#ifdef RC_TEST_HOOKS
    test_faults(&facts);
#endif
    return (rc_txn_check(&rc_txn, cfg, &facts, &pt, &rc_conncache, reused));
}

/* write_log - the module's line for this message, once */

static void
write_log(const RC_VERDICT *v, const RC_LOGEXTRA *x)
{
    char    line[RC_OUT_LOG_MAX + 64];

    if (rc_txn.logged || v->skipped)
	return;
    rc_report_log_acl(v, (const char *) sender_host_address, x, line, sizeof(line));
    log_write(0, LOG_MAIN, "%s", line);
    rc_txn.logged = true;
}

/* message_exempt - is every recipient's local part in exempt_recipients? */

static bool
message_exempt(const RC_CONFIG *cfg)
{
    if (recipients_count <= 0 || recipients_list == NULL)
	return (false);
    for (int i = 0; i < recipients_count; i++)
	if (!rc_txn_exempt(cfg, (const char *) recipients_list[i].address))
	    return (false);
    return (true);
}

/*
 * The site's spam score (spam_score_header; README, "Use the score"):
 * what local_scan() did with it. `field' is the log line's spam_score=
 * value: "<old>-><new>" (ASCII, never an arrow), or why the header was
 * left alone: missing, several, or not-a-number.
 */
typedef struct spam {
    char        field[2 * RC_DECIMAL_STRLEN + 4];
    char        report[RC_HEADER_NAME_MAX + 3 * RC_DECIMAL_STRLEN + 64];	/* "" when left alone */
    bool        reject;			/* the combined score reaches combined_reject_score */
    char        combined[RC_DECIMAL_STRLEN];
} SPAM;

/* spam_header - the one live header named `name', or NULL; *count of them */

static header_line *
spam_header(const char *name, int *count)
{
    size_t  n = strlen(name);
    header_line *found = NULL;

    *count = 0;
    for (header_line *h = header_list; h != NULL; h = h->next) {
	if (h->type == '*' || h->text == NULL)
	    continue;
	if (strncasecmp((const char *) h->text, name, n) == 0 && h->text[n] == ':') {
	    found = h;
	    ++*count;
	}
    }
    return (*count == 1 ? found : NULL);
}

/*
 * spam_combine - replace the site's spam-score header by the combined
 * score and keep the original under <prefix>-Original-Spam-Score; a
 * missing, repeated or non-numeric header is left alone.
 */
static void
spam_combine(const RC_CONFIG *cfg, const RC_VERDICT *v, SPAM *sp)
{
    const char *name = cfg->spam_score_header, *val, *why;
    header_line *h;
    int     count;
    RC_DECIMAL old;
    size_t  len;
    long long combined;
    char    oldtext[RC_DECIMAL_STRLEN], factor[RC_DECIMAL_STRLEN];

    memset(sp, 0, sizeof(*sp));
    if ((h = spam_header(name, &count)) == NULL) {
	snprintf(sp->field, sizeof(sp->field), "%s", count ? "several" : "missing");
	return;
    }
    val = (const char *) h->text + strlen(name) + 1;
    len = strlen(val);
    if (!rc_decimal_parse(val, len, &old, &why)) {
	snprintf(sp->field, sizeof(sp->field), "not-a-number");
	return;
    }
    /* the number as the header wrote it (it parsed: no blanks inside, at most 14 characters) */
    while (*val == ' ' || *val == '\t' || *val == '\r' || *val == '\n')
	val++, len--;
    while (len > 0 && (val[len - 1] == ' ' || val[len - 1] == '\t' || val[len - 1] == '\r'
		       || val[len - 1] == '\n'))
	len--;
    snprintf(oldtext, sizeof(oldtext), "%.*s", (int) len, val);
    combined = rc_decimal_combine(old.milli, v->score, cfg->spam_score_factor);
    rc_decimal_format(combined, rc_decimal_places(&old), sp->combined, sizeof(sp->combined));
    rc_decimal_format(cfg->spam_score_factor, rc_decimal_fewest(cfg->spam_score_factor), factor,
		      sizeof(factor));
    snprintf(sp->field, sizeof(sp->field), "%s->%s", oldtext, sp->combined);
    snprintf(sp->report, sizeof(sp->report), "%s: %s -> %s (%+d x %s)", name, oldtext,
	     sp->combined, v->score, factor);
    sp->reject = cfg->combined_reject_score > 0 && combined >= cfg->combined_reject_score;
    h->type = '*';				/* Exim's mark for "deleted" */
    header_add(' ', "%s: %s\n", name, sp->combined);
    header_add(' ', "%s-Original-Spam-Score: %s\n", cfg->header_prefix, oldtext);
}

/* check_message - the work of local_scan(), under the abort guard */

static int
check_message(uschar **return_text)
{
    static char lsdata[RC_OUT_LSDATA_MAX];
    static char report[RC_OUT_REPORT_MAX];
    static char reply[RC_OUT_REPLY_MAX];
    const RC_CONFIG *cfg;
    const RC_VERDICT *v;
    const RC_FRONT_OUT *out = &rc_txn.out;
    RC_LOGEXTRA x = {0};
    SPAM    sp = {0};

    if ((cfg = get_config()) == NULL) {
	rc_txn_end(&rc_txn);
	*return_text = US RC_FRONT_CONFIG_ERROR_REPLY;
	return (LOCAL_SCAN_TEMPREJECT);
    }
    remove_forged(cfg->header_prefix);
    v = evaluate(cfg, false, &x.reused);
    if (v->skipped) {
	rc_txn_end(&rc_txn);
	*return_text = US out->lsdata;
	return (LOCAL_SCAN_ACCEPT);
    }
    x.exempt = message_exempt(cfg);
    snprintf(report, sizeof(report), "%s", out->report);
    if (cfg->spam_score_header[0]) {
	spam_combine(cfg, v, &sp);
	x.spam = sp.field;
	x.spam_reject = sp.reject && out->code == 0 && !x.exempt;
	if (sp.report[0])
	    rc_report_header_append(report, sizeof(report), sp.report);
	if (x.spam_reject) {
	    char    threshold[RC_DECIMAL_STRLEN];
	    int     places = rc_decimal_fewest(cfg->combined_reject_score);

	    rc_decimal_format(cfg->combined_reject_score, places ? places : 1, threshold,
			      sizeof(threshold));
	    rc_report_reply_combined(v, (const char *) sender_host_address, sp.combined,
				     threshold, reply, sizeof(reply));
	}
    }
    if (rc_txn.logged && x.spam != NULL)	/* an ACL wrote the message's line */
	log_write(0, LOG_MAIN, "relaycheck: spam score of the message: spam_score=%s", x.spam);
    write_log(v, &x);
    /* Received-SPF goes above Exim's own Received: header. */
    if (out->received_spf[0])
	header_add_at_position(FALSE, NULL, FALSE, ' ', "%s", out->received_spf);
    header_add(' ', "%s", out->score);
    header_add(' ', "%s", report);
    rc_txn_end(&rc_txn);
    if (out->code != 0 && !x.exempt) {
	*return_text = US out->reply;
	return (out->code == 550 ? LOCAL_SCAN_REJECT : LOCAL_SCAN_TEMPREJECT);
    }
    if (x.spam_reject) {
	*return_text = US reply;
	return (LOCAL_SCAN_REJECT);
    }
    /* Accepted, or exempt: $local_scan_data as for an accepted message. */
    rc_report_lsdata(v, lsdata, sizeof(lsdata));
    *return_text = US lsdata;
    return (LOCAL_SCAN_ACCEPT);
}

/* header_value - the Report header without its name and final newline */

static void
header_value(const char *header, char *buf, size_t len)
{
    const char *colon = strchr(header, ':');
    const char *p = colon ? colon + 1 : header;
    size_t  n;

    while (*p == ' ')
	p++;
    n = strlen(p);
    while (n > 0 && p[n - 1] == '\n')
	n--;
    snprintf(buf, len, "%.*s", (int) n, p);
}

/*
 * acl_combined - the yield of `combined': the site's spam score `spam'
 * combined with the verdict's score as local_scan() combines the header;
 * `spam' itself when it is not a number or the host is not checked.
 */
static void
acl_combined(const RC_CONFIG *cfg, const RC_VERDICT *v, const char *spam)
{
    RC_DECIMAL d;
    const char *why;

    if (v->skipped || !rc_decimal_parse(spam, strlen(spam), &d, &why)) {
	snprintf(rc_yield, sizeof(rc_yield), "%s", spam);
	return;
    }
    rc_decimal_format(rc_decimal_combine(d.milli, v->score, cfg->spam_score_factor),
		      rc_decimal_places(&d), rc_yield, sizeof(rc_yield));
}

/*
 * acl_work - the work of relaycheck_acl(), under the abort guard: what is
 * `verdict', `reply', `header' or `combined'; action, when not NULL, is
 * the ACL verb that uses the yield, and the message's log line is written
 * with it; spam is `combined''s spam score.
 */
static int
acl_work(uschar **yield, const char *what, const char *action, const char *spam)
{
    const RC_CONFIG *cfg;
    const RC_VERDICT *v;
    RC_LOGEXTRA x = {.acl = action};
    bool    reused;

    if ((cfg = get_config()) == NULL) {
	rc_txn_end(&rc_txn);
	snprintf(rc_yield, sizeof(rc_yield), "%s", RC_FRONT_CONFIG_ERROR_REPLY);
	*yield = US rc_yield;
	return (FAIL);
    }
    v = evaluate(cfg, true, &reused);
    if (action != NULL)
	write_log(v, &x);
    if (strcmp(what, "reply") == 0)
	snprintf(rc_yield, sizeof(rc_yield), "%s", rc_txn.out.reply);
    else if (strcmp(what, "header") == 0)
	header_value(v->skipped ? "" : rc_txn.out.report, rc_yield, sizeof(rc_yield));
    else if (strcmp(what, "combined") == 0)
	acl_combined(cfg, v, spam);
    else
	rc_report_acl_verdict(v, rc_yield, sizeof(rc_yield));
    *yield = US rc_yield;
    return (OK);
}

/*
 * The abort guard. Exim catches SIGSEGV in local_scan() but not SIGABRT:
 * an assert() in udns, SPF_error() in libspf2 or a glibc heap check would
 * kill the receiving process and drop the SMTP session without a reply.
 * While the module works, SIGABRT jumps back here instead; the message
 * gets a 451 and a panic-log line, and since the state of the libraries is
 * unknown after that, the module declines every further message on this
 * connection (451 again: the client retries on a fresh connection). The
 * previous SIGABRT disposition is restored before returning to Exim, and
 * sigsetjmp(..., 1) restores the signal mask as it was. libspf2's handlers
 * are process globals that Exim's own `spf' condition uses too: if the
 * abort came while libspf2 was on the stack, they still point at the
 * module's, whose recovery jump targets a frame that is gone, so
 * rc_spf_abandon() puts the replaced ones back.
 */
static sigjmp_buf rc_abort_env;
static volatile sig_atomic_t rc_abort_armed;
static bool rc_poisoned;

#define INTERNAL_ERROR_REPLY \
    "relaycheck: internal error, message temporarily rejected, please try again later"

static void
rc_on_abort(int sig)
{
    if (rc_abort_armed) {
	rc_abort_armed = 0;
	siglongjmp(rc_abort_env, 1);
    }
    signal(sig, SIG_DFL);			/* not ours: die as intended */
    raise(sig);
}

/*
 * guard_enter - arm the abort guard (the caller's sigsetjmp follows);
 * guard_leave - disarm it and restore the old SIGABRT disposition.
 */
static struct sigaction rc_abort_old;

static void
guard_enter(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = rc_on_abort;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGABRT, &sa, &rc_abort_old);
}

static void
guard_leave(void)
{
    rc_abort_armed = 0;
    sigaction(SIGABRT, &rc_abort_old, NULL);
}

/* aborted - after the jump: the libraries' state is unknown, decline from now on */

static void
aborted(const char *where)
{
    guard_leave();
    rc_spf_abandon();
    rc_poisoned = true;
    rc_txn_end(&rc_txn);
    log_write(0, LOG_MAIN | LOG_PANIC, "relaycheck: internal error (SIGABRT) while "
	      "checking a message from %.64s%s: temporarily rejected; the module declines "
	      "further messages on this connection",
	      sender_host_address ? (const char *) sender_host_address : "local", where);
}

/* declined - the log line of a call after an internal error on this connection */

static void
declined(void)
{
#ifdef RC_TEST_HOOKS
    log_write(0, LOG_MAIN, "relaycheck: test: libspf2 handlers %s",
	      rc_spf_handlers_installed() ? "still the module's" : "restored");
#endif
    log_write(0, LOG_MAIN, "relaycheck: declining message after an internal error "
	      "earlier on this connection: temporarily rejected");
}

RC_EXPORT int
local_scan(int fd, uschar **return_text)
{
    int     rc;

    (void) fd;
    if (rc_poisoned) {
	declined();
	*return_text = US INTERNAL_ERROR_REPLY;
	return (LOCAL_SCAN_TEMPREJECT);
    }
    guard_enter();
    if (sigsetjmp(rc_abort_env, 1) != 0) {
	aborted("");
	*return_text = US INTERNAL_ERROR_REPLY;
	return (LOCAL_SCAN_TEMPREJECT);
    }
    rc_abort_armed = 1;
    rc = check_message(return_text);
    guard_leave();
    return (rc);
}

/* acl_guarded - acl_work() under the abort guard */

static int
acl_guarded(uschar **yield, const char *what, const char *action, const char *spam)
{
    int     rc;

    guard_enter();
    if (sigsetjmp(rc_abort_env, 1) != 0) {
	aborted(" (ACL)");
	*yield = US INTERNAL_ERROR_REPLY;
	return (FAIL);
    }
    rc_abort_armed = 1;
    rc = acl_work(yield, what, action, spam);
    guard_leave();
    return (rc);
}

/* acl_verb - the ACL verb named, as listed in rc_report_acl_actions[], or NULL */

static const char *
acl_verb(const char *name)
{
    for (size_t i = 0; rc_report_acl_actions[i] != NULL; i++)
	if (strcmp(name, rc_report_acl_actions[i]) == 0)
	    return (rc_report_acl_actions[i]);
    return (NULL);
}

/*
 * relaycheck_acl - ${dlfunc{.../relaycheck.so}{relaycheck_acl}{what}{action}}:
 * what is verdict (the default), reply or header; the optional action is
 * the ACL verb that uses the yield (accept, defer, deny, discard, drop,
 * reject), written to the message's log line as acl=. Or
 * {combined}{$spam_score} (the DATA ACL): the spam score combined with
 * the verdict's score. OK with the yield; FAIL (the expansion fails, the
 * ACL defers) on a configuration error or after an internal error; ERROR
 * (Exim's panic log too) on bad arguments.
 *
 * {preload}, in the main option smtp_accept_max_per_host (which the
 * daemon expands itself for each connection, before it forks): the daemon
 * loads this file through ${dlfunc} and keeps it, opens the libraries the
 * engine would open on first use (rc_front_preload()) and yields "" (no
 * limit). Its connection processes inherit all of it, and the dlopen() of
 * local_scan_path finds the file already loaded: README "Performance".
 * Nothing else happens in the daemon: no configuration file is read.
 */
RC_EXPORT int
relaycheck_acl(uschar **yield, int argc, uschar *argv[])
{
    const char *what = argc >= 1 && argv[0] != NULL && argv[0][0] ? (const char *) argv[0]
	: "verdict";
    bool    combined = strcmp(what, "combined") == 0;
    const char *spam = combined && argc == 2 && argv[1] != NULL ? (const char *) argv[1] : NULL;
    const char *action = !combined && argc >= 2 && argv[1] != NULL
	? acl_verb((const char *) argv[1]) : NULL;

    if (argc == 1 && strcmp(what, "preload") == 0) {
	rc_front_preload();
	*yield = US "";
	return (OK);
    }

    if (argc > 2 || (combined && spam == NULL) || (!combined && argc == 2 && action == NULL)
	|| (!combined && strcmp(what, "verdict") != 0 && strcmp(what, "reply") != 0
	    && strcmp(what, "header") != 0)) {
	*yield = US "relaycheck_acl: usage: {verdict|reply|header} and optionally "
	    "{accept|defer|deny|discard|drop|reject}, or {combined}{$spam_score}, or {preload}";
	return (ERROR);
    }
    if (rc_poisoned) {
	declined();
	*yield = US INTERNAL_ERROR_REPLY;
	return (FAIL);
    }
    return (acl_guarded(yield, what, action, spam));
}
