/*
 * test_options.c - the option table as a whole: every row's default
 * passes its own setter and is what the built-in configuration holds,
 * keys are found only in their sections, bounds are refused with the
 * messages the INI file has always given, and rc_config_override() takes
 * exactly the single-valued [relaycheck] rows
 */
#include "testutil.h"

#include "allowlist/options.h"

/* sec_bits - every section bit, and its header in a file */
static const struct {
    unsigned    bit;
    char        header[32];
} secs[] = {
    {RC_SEC_MAIN, "[relaycheck]"}, {RC_SEC_NSC, "[relaycheck]\n[no_server_check]"},
    {RC_SEC_DNSBL, "[relaycheck]\n[dnsbl bl.example]"},
    {RC_SEC_RHSBL, "[relaycheck]\n[rhsbl rh.example]"},
};

#define NSECS (sizeof(secs) / sizeof(secs[0]))

/* fresh - a context on built-in defaults and a zeroed list */
static RC_OPTCTX
fresh(RC_CONFIG **cfg, RC_LIST *list)
{
    RC_OPTCTX c;

    *cfg = rc_config_defaults();
    cr_assert(cfg[0] != NULL);
    memset(list, 0, sizeof(*list));
    memset(&c, 0, sizeof(c));
    c.cfg = *cfg;
    c.list = list;
    return (c);
}

Test(options, every_default_passes_its_setter)
{
    int     ndefaults = 0;

    for (const RC_OPTION *o = rc_options; o->name; o++) {
	RC_CONFIG *cfg;
	RC_LIST list;
	RC_OPTCTX c;
	const char *why = NULL;

	if (o->def == NULL)
	    continue;
	c = fresh(&cfg, &list);
	ndefaults++;
	if (RC_OPT_IS_LIST(o->type))
	    rc_option_clear(&c, o);
	cr_expect(rc_option_set(&c, o, o->def, &why), "%s = %s: %s", o->name, o->def, why);
	cr_expect(eq(int, c.nitem_errors, 0), "%s = %s", o->name, o->def);
	free(list.codes);
	rc_config_free(cfg);
    }
    cr_assert(ndefaults >= 12, "only %d rows with a default", ndefaults);
}

Test(options, built_in_dump_shows_every_row_default)
{
    RC_CONFIG *cfg = parse_ok("[relaycheck]\n[dnsbl bl.example]\n[rhsbl rh.example]\n");
    char   *dump = rc_config_dump(cfg);

    cr_assert(dump != NULL);
    for (const RC_OPTION *o = rc_options; o->name; o++) {
	char    item[256];
	const char *s;

	if (o->def == NULL)
	    continue;
	if (*o->def == 0) {
	    char   *line = xasprintf("\n%s =\n", o->name);

	    cr_expect(strstr(dump, line) != NULL, "no \"%s =\" in\n%s", o->name, dump);
	    free(line);
	    continue;
	}
	for (s = o->def; *s; s += strcspn(s, " ")) {	/* each item of a list default */
	    char   *line;

	    s += strspn(s, " ");
	    snprintf(item, sizeof(item), "%.*s", (int) strcspn(s, " "), s);
	    line = xasprintf("\n%s = %s\n", o->name, item);
	    cr_expect(strstr(dump, line) != NULL, "no \"%s = %s\" in\n%s", o->name, item, dump);
	    free(line);
	}
    }
    free(dump);
    rc_config_free(cfg);
}

Test(options, defaults_come_from_the_table_and_the_catalogue)
{
    RC_CONFIG *cfg = rc_config_defaults();

    cr_assert(cfg != NULL);
    cr_expect(eq(int, cfg->reject_score, RC_DEFAULT_REJECT_SCORE));
    cr_expect(eq(int, cfg->tempreject_score, RC_DEFAULT_TEMPREJECT_SCORE));
    cr_expect(eq(int, cfg->dns_timeout_ms, RC_DEFAULT_DNS_TIMEOUT_S * 1000));
    cr_expect(eq(str, cfg->header_prefix, RC_DEFAULT_HEADER_PREFIX));
    cr_expect(eq(int, cfg->on_dns_failure, RC_DNSFAIL_ACCEPT));
    cr_expect(eq(str, (char *) RC_DEFAULT_ON_DNS_FAILURE, "accept"));
    for (int i = 0; i < RC_CHK_NSCORE_COUNT; i++)
	cr_expect(eq(int, cfg->scores[i], rc_checkinfo[i].default_score), "%s",
		  rc_checkinfo[i].id);
    rc_config_free(cfg);
}

Test(options, every_key_only_in_its_sections_and_once)
{
    size_t  nrows = 0;

    for (const RC_OPTION *o = rc_options; o->name; o++, nrows++)
	for (size_t s = 0; s < NSECS; s++) {
	    const RC_OPTION *found = rc_option_find(secs[s].bit, o->name);

	    if (o->sections & secs[s].bit)
		cr_expect(eq(ptr, (void *) found, (void *) o), "%s in %s", o->name,
			  secs[s].header);
	    else if (found != NULL)
		cr_expect(found->sections & secs[s].bit, "%s", o->name);
	}
    cr_expect(lt(sz, nrows, RC_OPTIONS_MAX));
    cr_expect(eq(ptr, (void *) rc_option_find(RC_SEC_MAIN, "score"), NULL));
    cr_expect(eq(ptr, (void *) rc_option_find(RC_SEC_DNSBL, "target"), NULL));
    cr_expect(eq(ptr, (void *) rc_option_find(RC_SEC_NSC, "reject_score"), NULL));
    cr_expect(eq(ptr, (void *) rc_option_find(RC_SEC_LISTS, "no_such_key"), NULL));
}

Test(options, unknown_key_refused_in_every_section)
{
    for (size_t s = 0; s < NSECS; s++) {
	char   *text = xasprintf("%s\nno_such_key = 1\n", secs[s].header);
	char   *errors = parse_err(text);
	char   *want = xasprintf("t.ini:%d: unknown key \"no_such_key\" in this section\n",
				 count_lines(text));

	cr_expect(eq(str, errors, want), "%s", text);
	free(want);
	free(errors);
	free(text);
    }
}

/* bound_case - a value just outside (or at) a row's bounds, in a file */
static void
bound_case(const RC_OPTION *o, const char *header, long v, const char *why)
{
    char    value[32];
    char   *text, *errors, *want;
    RC_CONFIG *cfg;

    if (o->type == RC_OPT_DURATION)
	snprintf(value, sizeof(value), "%ldms", v);
    else
	snprintf(value, sizeof(value), "%ld", v);
    text = xasprintf("%s\n%s = %s\n", header, o->name, value);
    cfg = rc_config_parse_string("t.ini", text, &errors);
    if (why == NULL) {
	cr_expect(cfg != NULL, "%s: %s", text, errors);
    } else {
	want = xasprintf("t.ini:%d: %s: \"%s\": %s\n", count_lines(text), o->name, value, why);
	cr_expect(cfg == NULL, "%s accepted", text);
	cr_expect(errors != NULL && strcmp(errors, want) == 0, "%s: got %s, want %s", text,
		  errors, want);
	free(want);
    }
    rc_config_free(cfg);
    free(errors);
    free(text);
}

Test(options, bounds_refused_with_the_same_messages)
{
    int     nbounded = 0;

    for (const RC_OPTION *o = rc_options; o->name; o++) {
	const char *why = o->type == RC_OPT_DURATION ? "out of range (100ms .. 120s)"
	    : "not an integer in range";

	if (o->type != RC_OPT_INT && o->type != RC_OPT_DURATION)
	    continue;
	nbounded++;
	for (size_t s = 0; s < NSECS; s++)
	    if (o->sections & secs[s].bit) {
		bound_case(o, secs[s].header, o->min, NULL);
		bound_case(o, secs[s].header, o->max, NULL);
		bound_case(o, secs[s].header, o->min - 1, why);
		bound_case(o, secs[s].header, o->max + 1, why);
	    }
    }
    cr_expect(ge(int, nbounded, 5));
}

Test(options, word_and_string_rows_refuse_with_the_same_messages)
{
    static const struct {
	char        text[96];
	char        want[128];
    } cases[] = {
	{"[relaycheck]\non_dns_failure = maybe\n",
	 "t.ini:2: on_dns_failure: \"maybe\": must be accept or tempreject\n"},
	{"[relaycheck]\n[rhsbl rh.example]\ntarget = mx\n",
	 "t.ini:3: target: \"mx\": must be sender, helo or ptr\n"},
	{"[relaycheck]\nskip_authenticated = perhaps\n",
	 "t.ini:2: skip_authenticated: \"perhaps\": must be yes or no\n"},
	{"[relaycheck]\nheader_prefix = X_Bad\n",
	 "t.ini:2: header_prefix: \"X_Bad\": may hold only letters, digits and '-'\n"},
	{"[relaycheck]\n[dnsbl bl.example]\nlabel =\n",
	 "t.ini:3: label: \"\": must be 1..63 characters\n"},
	{"[relaycheck]\ndns_timeout = soon\n",
	 "t.ini:2: dns_timeout: \"soon\": not a duration (e.g. 5s, 2500ms)\n"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
	char   *errors = parse_err(cases[i].text);

	cr_expect(eq(str, errors, (char *) cases[i].want));
	free(errors);
    }
}

/* The decimal rows: up to three decimals within their bounds; the dump writes the fewest. */
Test(options, decimal_rows)
{
    static const struct {
	char        text[96];
	char        want[160];
    } bad[] = {
	{"[relaycheck]\nspam_score_factor = 0.1234\n",
	 "t.ini:2: spam_score_factor: \"0.1234\": not a number from 0 to 100 with at most 3 decimals\n"},
	{"[relaycheck]\nspam_score_factor = 100.001\n",
	 "t.ini:2: spam_score_factor: \"100.001\": not a number from 0 to 100 with at most 3 decimals\n"},
	{"[relaycheck]\nspam_score_factor = -0.1\n",
	 "t.ini:2: spam_score_factor: \"-0.1\": not a number from 0 to 100 with at most 3 decimals\n"},
	{"[relaycheck]\nspam_score_factor = 1e-1\n",
	 "t.ini:2: spam_score_factor: \"1e-1\": not a number from 0 to 100 with at most 3 decimals\n"},
	{"[relaycheck]\ncombined_reject_score = -1\n",
	 "t.ini:2: combined_reject_score: \"-1\": not a number from 0 to 999999.999 with at most 3 decimals\n"},
	{"[relaycheck]\ncombined_reject_score = nan\n",
	 "t.ini:2: combined_reject_score: \"nan\": not a number from 0 to 999999.999 with at most 3 decimals\n"},
	{"[relaycheck]\nspam_score_header = X Spam\n",
	 "t.ini:2: spam_score_header: \"X Spam\": not a header name (printable ASCII, no blank or ':')\n"},
	{"[relaycheck]\nspam_score_header = X-Spam:\n",
	 "t.ini:2: spam_score_header: \"X-Spam:\": not a header name (printable ASCII, no blank or ':')\n"},
    };
    RC_CONFIG *cfg;
    char   *dumped;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
	char   *errors = parse_err(bad[i].text);

	cr_expect(eq(str, errors, (char *) bad[i].want));
	free(errors);
    }
    cfg = parse_ok("[relaycheck]\nspam_score_header = X-Spam-Score\nspam_score_factor = 0.25\n"
		   "combined_reject_score = 7.5\n");
    cr_expect(eq(str, cfg->spam_score_header, "X-Spam-Score"));
    cr_expect(eq(int, cfg->spam_score_factor, 250));
    cr_expect(eq(int, cfg->combined_reject_score, 7500));
    dumped = rc_config_dump(cfg);
    cr_assert(dumped != NULL);
    cr_expect(strstr(dumped, "\nspam_score_header = X-Spam-Score\nspam_score_factor = 0.25\n"
		     "combined_reject_score = 7.5\n") != NULL, "%s", dumped);
    free(dumped);
    rc_config_free(cfg);
    cfg = parse_ok("[relaycheck]\nspam_score_factor = 100\ncombined_reject_score = 999999.999\n");
    cr_expect(eq(int, cfg->spam_score_factor, 100000));
    cr_expect(eq(int, cfg->combined_reject_score, 999999999));
    rc_config_free(cfg);
    cfg = rc_config_defaults();
    cr_assert(cfg != NULL);
    cr_expect(eq(str, cfg->spam_score_header, ""));
    cr_expect(eq(int, cfg->spam_score_factor, 100));
    cr_expect(eq(int, cfg->combined_reject_score, 0));
    dumped = rc_config_dump(cfg);
    cr_expect(strstr(dumped, "\nspam_score_header =\nspam_score_factor = 0.1\n"
		     "combined_reject_score = 0\n") != NULL, "%s", dumped);
    free(dumped);
    rc_config_free(cfg);
}

Test(options, override_takes_exactly_the_single_valued_main_rows)
{
    for (const RC_OPTION *o = rc_options; o->name; o++) {
	RC_CONFIG *cfg = rc_config_defaults();
	const char *why = NULL;
	bool    single_main = (o->sections & RC_SEC_MAIN) && !RC_OPT_IS_LIST(o->type);

	cr_assert(cfg != NULL);
	if (single_main)
	    cr_expect(rc_config_override(cfg, o->name, o->def, &why), "%s: %s", o->name, why);
	else {
	    cr_expect(not(rc_config_override(cfg, o->name, o->def ? o->def : "x", &why)),
		      "%s", o->name);
	    cr_expect(eq(str, (char *) why, "not a single-valued [relaycheck] key"));
	}
	rc_config_free(cfg);
    }
}

Test(options, first_list_line_replaces_a_default_only)
{
    RC_CONFIG *cfg = parse_ok("[relaycheck]\nskip_hosts = 10.0.0.0/8\nskip_hosts = ::2\n"
			      "[dnsbl bl.example]\ncodes = 127.0.0.4\ncodes = &8\n");

    cr_expect(eq(sz, cfg->skip_hosts.n, 2));
    cr_expect(eq(sz, cfg->dnsbl[0].ncodes, 2));
    cr_expect(eq(u32, cfg->dnsbl[0].codes[0].lo, 0x7f000004u));
    rc_config_free(cfg);
    cfg = parse_ok("[relaycheck]\n[dnsbl bl.example]\n[dnsbl b2.example]\ncodes = 127.0.0.9\n");
    cr_expect(eq(sz, cfg->dnsbl[0].ncodes, 1));
    cr_expect(eq(u32, cfg->dnsbl[0].codes[0].lo, 0x7f000002u));
    cr_expect(eq(u32, cfg->dnsbl[0].codes[0].hi, 0x7fffffffu));
    cr_expect(eq(sz, cfg->dnsbl[1].ncodes, 1));
    cr_expect(eq(u32, cfg->dnsbl[1].codes[0].lo, 0x7f000009u));
    rc_config_free(cfg);
}
