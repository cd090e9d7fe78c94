/*
 * tally.c - the module's log lines counted, and the summary printed, for
 * --summary, --replay and --report
 *
 * rc_tally_line() keeps the module's own lines of a main log
 * (rc_report_own_line()), reads each back with rc_report_parse_log() - the
 * reader of what rc_report_log() writes - and counts messages, actions,
 * check hits, TEMP results and scores; with `whatif' it also decides what
 * other thresholds and scores would have done to the same messages
 * (rc_front_whatif(), on the engine's own rc_verdict_action()); with
 * `relays' it counts per relay address, per /24 or /48 network and per
 * hour. The
 * summary is printed as text or as one JSON object (relaycheck(8)).
 */
#include "tally.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allowlist/addr.h"
#include "dnscheck/front.h"

#define TOP_RELAYS 10			/* relays and networks in the text */
#define RC_TALLY_JSON_TOP 100		/* and in the JSON object */


/* key_hash - FNV-1a */
static uint64_t
key_hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL;

    for (; *s; s++)
	h = (h ^ (unsigned char) *s) * 1099511628211ULL;
    return (h);
}

/* keystat - the entry of key, added on first sight */
static RC_KEYSTAT *
keystat(RC_KEYTABLE *t, const char *key)
{
    size_t  i;

    if (2 * (t->n + 1) > t->cap) {
	RC_KEYTABLE n = {.cap = t->cap ? 2 * t->cap : 64};

	n.v = rc_cli_xrealloc(NULL, n.cap * sizeof(*n.v));
	memset(n.v, 0, n.cap * sizeof(*n.v));
	for (size_t k = 0; k < t->cap; k++)
	    if (t->v[k].key[0]) {
		i = key_hash(t->v[k].key) & (n.cap - 1);
		while (n.v[i].key[0])
		    i = (i + 1) & (n.cap - 1);
		n.v[i] = t->v[k];
	    }
	n.n = t->n;
	free(t->v);
	*t = n;
    }
    i = key_hash(key) & (t->cap - 1);
    while (t->v[i].key[0] && strcmp(t->v[i].key, key) != 0)
	i = (i + 1) & (t->cap - 1);
    if (t->v[i].key[0] == 0) {
	snprintf(t->v[i].key, sizeof(t->v[i].key), "%s", key);
	t->v[i].max_score = INT_MIN;
	t->n++;
    }
    return (&t->v[i]);
}

/* keycount - one more message of this relay or network */
static void
keycount(RC_KEYTABLE *t, const char *key, const RC_LOGLINE *l)
{
    RC_KEYSTAT *k = keystat(t, key);

    k->messages++;
    k->actions[l->action]++;
    if (l->score > k->max_score)
	k->max_score = l->score;
}

/* rc_tally_net - the /24 or /48 of an address (tally.h) */

void
rc_tally_net(const char *ip, char *buf, size_t len)
{
    RC_ADDR a;
    char    tmp[RC_ADDR_STRLEN + 8];

    if (!rc_addr_parse(ip, &a)) {
	snprintf(buf, len, "%s", ip);
	return;
    }
    if (a.v4) {
	unsigned char *b = &a.b[12];

	snprintf(buf, len, "%u.%u.%u.0/24", b[0], b[1], b[2]);
	return;
    }
    memset(&a.b[6], 0, 10);
    rc_addr_format(&a, tmp, sizeof(tmp));
    snprintf(buf, len, "%s/48", tmp);
}

/* cmp_keystat - most messages first, then by key */
static int
cmp_keystat(const void *a, const void *b)
{
    const RC_KEYSTAT *x = a, *y = b;

    if (x->messages != y->messages)
	return (x->messages < y->messages ? 1 : -1);
    return (strcmp(x->key, y->key));
}

/* rc_tally_sorted - the entries, most messages first (tally.h) */

RC_KEYSTAT *
rc_tally_sorted(const RC_KEYTABLE *t)
{
    RC_KEYSTAT *v = rc_cli_xrealloc(NULL, (t->n + 1) * sizeof(*v));
    size_t  n = 0;

    for (size_t i = 0; i < t->cap; i++)
	if (t->v[i].key[0])
	    v[n++] = t->v[i];
    if (n > 1)
	qsort(v, n, sizeof(*v), cmp_keystat);
    return (v);
}

/* checkstat - the counts of one check key, added on first sight */
static RC_CHECKSTAT *
checkstat(RC_TALLY *s, const char *key, size_t klen)
{
    RC_CHECKSTAT *c;

    if (klen >= sizeof(s->checks[0].key))
	klen = sizeof(s->checks[0].key) - 1;
    for (size_t i = 0; i < s->nchecks; i++)
	if (strncmp(s->checks[i].key, key, klen) == 0 && s->checks[i].key[klen] == 0)
	    return (&s->checks[i]);
    if (s->nchecks == s->capchecks) {
	s->capchecks = s->capchecks ? 2 * s->capchecks : 32;
	s->checks = rc_cli_xrealloc(s->checks, s->capchecks * sizeof(*s->checks));
    }
    c = &s->checks[s->nchecks++];
    memset(c, 0, sizeof(*c));
    memcpy(c->key, key, klen);
    c->key[klen] = 0;
    c->min_score = INT_MAX;
    c->max_score = INT_MIN;
    return (c);
}

/* count_score - one more message with this score */
static void
count_score(RC_SCORECOUNT **v, size_t *n, size_t *cap, int score)
{
    for (size_t i = 0; i < *n; i++)
	if ((*v)[i].score == score) {
	    (*v)[i].count++;
	    return;
	}
    if (*n == *cap) {
	*cap = *cap ? 2 * *cap : 32;
	*v = rc_cli_xrealloc(*v, *cap * sizeof(**v));
    }
    (*v)[*n].score = score;
    (*v)[(*n)++].count = 1;
}

/* rescored - the what-if score of a hit, or its logged score */
static int
rescored(const RC_TALLY *s, const char *key, size_t klen, int logged)
{
    size_t  idlen = strcspn(key, ":");

    if (idlen > klen)
	idlen = klen;
    /* An exact "id:zone" entry wins over a bare "dnsbl". */
    for (size_t i = 0; i < s->nrescore; i++)
	if (strlen(s->rescore[i].key) == klen && strncmp(s->rescore[i].key, key, klen) == 0)
	    return (s->rescore[i].score);
    for (size_t i = 0; i < s->nrescore; i++)
	if (strlen(s->rescore[i].key) == idlen && strncmp(s->rescore[i].key, key, idlen) == 0)
	    return (s->rescore[i].score);
    return (logged);
}

/* count_item - one item of a logged checks= field; its what-if score change */
static int
count_item(RC_TALLY *s, const char *key, const RC_LOGITEM *it)
{
    RC_CHECKSTAT *c = checkstat(s, key, strlen(key));

    if (it->temp) {
	c->temps++;
	return (0);
    }
    if (!it->scored) {
	c->listed++;				/* no_server_check */
	return (0);
    }
    c->hits++;
    if (it->score < c->min_score)
	c->min_score = it->score;
    if (it->score > c->max_score)
	c->max_score = it->score;
    return (rescored(s, key, strlen(key), it->score) - it->score);
}

/*
 * rc_tally_line - one main-log line: the module's own lines only
 * (rc_report_own_line()), read back by rc_report_parse_log(), the reader
 * of what rc_report_log() writes.
 */
void
rc_tally_line(RC_TALLY *s, const char *line)
{
    static RC_LOGLINE l;
    const char *p;
    int     wscore;
    bool    temp;

    if ((p = rc_report_own_line(line)) == NULL)
	return;
    if (strncmp(p, "relaycheck: configuration error", 31) == 0) {
	s->config_errors++;
	return;
    }
    if (strncmp(p, "relaycheck: ip=", 15) != 0)
	return;
    if (!rc_report_parse_log(p, &l)) {
	s->unparsed++;
	return;
    }
    s->messages++;
    s->actions[l.action]++;
    if (l.allowlisted)
	s->allowlisted++;
    if (l.note[0])
	s->notes++;
    if (l.reused)
	s->reused++;
    s->time_total += l.time_ms;
    if (l.time_ms > s->time_max)
	s->time_max = l.time_ms;
    s->queries_total += l.queries;
    if (line[0] >= '0' && line[0] <= '9' && strlen(line) >= 19) {
	if (s->first[0] == 0)
	    snprintf(s->first, sizeof(s->first), "%.19s", line);
	snprintf(s->last, sizeof(s->last), "%.19s", line);
	if (s->relays) {
	    char    hour[16];

	    snprintf(hour, sizeof(hour), "%.13s", line);
	    keycount(&s->hours, hour, &l);
	}
    }

    wscore = l.score;
    temp = l.omitted_temp;
    for (size_t i = 0; i < l.nitems; i++) {
	char    key[sizeof(l.items[i].id) + sizeof(l.items[i].label) + 1];

	snprintf(key, sizeof(key), "%s%s%s", l.items[i].id, l.items[i].label[0] ? ":" : "",
		 l.items[i].label);
	wscore += count_item(s, key, &l.items[i]);
	temp |= l.items[i].temp;
    }
    /* what did not fit in the verdict, counted as the check "omitted" */
    if (l.omitted_score != 0) {
	RC_LOGITEM it = {.scored = true, .score = l.omitted_score};

	wscore += count_item(s, "omitted", &it);
    }
    if (l.omitted_temp) {
	RC_LOGITEM it = {.temp = true};

	count_item(s, "omitted", &it);
    }
    if (temp)
	s->with_temp++;
    count_score(&s->scores, &s->nscores, &s->capscores, l.score);
    if (s->relays) {
	char    net[64];

	keycount(&s->ips, l.ip, &l);
	rc_tally_net(l.ip, net, sizeof(net));
	keycount(&s->nets, net, &l);
    }
    if (s->whatif) {
	RC_ACTION w = rc_front_whatif(&s->t, &l, wscore);

	s->whatif_actions[w]++;
	s->transitions[l.action][w]++;
	count_score(&s->wscores, &s->nwscores, &s->capwscores, wscore);
    }
}

/* cmp_score - scores in ascending order */
static int
cmp_score(const void *a, const void *b)
{
    const RC_SCORECOUNT *x = a, *y = b;

    return ((x->score > y->score) - (x->score < y->score));
}

/* cmp_check - the most frequent check first, then by key */
static int
cmp_check(const void *a, const void *b)
{
    const RC_CHECKSTAT *x = a, *y = b;
    long    nx = x->hits + x->temps + x->listed, ny = y->hits + y->temps + y->listed;

    if (nx != ny)
	return (nx < ny ? 1 : -1);
    return (strcmp(x->key, y->key));
}

/* pct - n as a percentage of `of' (0 when of is 0) */
static double
pct(long n, long of)
{
    return (of ? 100.0 * (double) n / (double) of : 0.0);
}

/* keys_text - the top relays and networks */
static void
keys_text(const RC_TALLY *s)
{
    const RC_KEYTABLE *tab[2] = {&s->ips, &s->nets};
    static const char *const title[2] = {"top relays:", "top networks:"};

    for (int k = 0; k < 2; k++) {
	RC_KEYSTAT *v = rc_tally_sorted(tab[k]);

	printf("\n%-42s %8s  %6s  %6s  %6s  %5s\n", title[k], "messages", "accept", "defer",
	       "reject", "max");
	for (size_t i = 0; i < tab[k]->n && i < TOP_RELAYS; i++)
	    printf("  %-40s %8ld  %6ld  %6ld  %6ld  %5d\n", v[i].key, v[i].messages,
		   v[i].actions[RC_ACCEPT], v[i].actions[RC_TEMPREJECT], v[i].actions[RC_REJECT],
		   v[i].max_score);
	if (tab[k]->n > TOP_RELAYS)
	    printf("  (%zu more)\n", tab[k]->n - TOP_RELAYS);
	free(v);
    }
}

/* keys_json - "relays": [...], "networks": [...] (the top RC_TALLY_JSON_TOP) */
static void
keys_json(const RC_TALLY *s)
{
    const RC_KEYTABLE *tab[2] = {&s->ips, &s->nets};
    static const char *const name[2] = {"relays", "networks"};

    for (int k = 0; k < 2; k++) {
	RC_KEYSTAT *v = rc_tally_sorted(tab[k]);

	printf(",\n \"distinct_%s\": %zu, \"%s\": [", name[k], tab[k]->n, name[k]);
	for (size_t i = 0; i < tab[k]->n && i < RC_TALLY_JSON_TOP; i++) {
	    printf("%s\n  {\"%s\": ", i ? "," : "", k ? "network" : "ip");
	    rc_cli_json_str(stdout, v[i].key);
	    printf(", \"messages\": %ld, \"accept\": %ld, \"tempreject\": %ld, "
		   "\"reject\": %ld, \"max_score\": %d}", v[i].messages, v[i].actions[RC_ACCEPT],
		   v[i].actions[RC_TEMPREJECT], v[i].actions[RC_REJECT], v[i].max_score);
	}
	printf("]");
	free(v);
    }
}

/* rc_tally_text - the summary for a reader (tally.h) */

void
rc_tally_text(RC_TALLY *s)
{
    static const char *const names[3] = {"accept", "tempreject", "reject"};
    long    maxc = 1, above;

    printf("relaycheck summary: %ld message%s", s->messages, s->messages == 1 ? "" : "s");
    if (s->first[0])
	printf(", %s .. %s", s->first, s->last);
    printf("\n\nactions:\n");
    for (int a = 0; a < 3; a++)
	printf("  %-11s %8ld  %5.1f%%\n", names[a], s->actions[a], pct(s->actions[a], s->messages));
    printf("\n  allowlisted %8ld  (No Server Check list)\n", s->allowlisted);
    printf("  with TEMP   %8ld  (some check could not decide)\n", s->with_temp);
    printf("  reused      %8ld  (client results of an earlier message)\n", s->reused);
    if (s->notes)
	printf("  with note   %8ld\n", s->notes);
    if (s->messages)
	printf("  DNS: %.1f queries and %.0f ms per message on average, at most %ld ms\n",
	       (double) s->queries_total / (double) s->messages,
	       (double) s->time_total / (double) s->messages, s->time_max);
    if (s->config_errors)
	printf("  configuration errors logged: %ld (each message then got 451)\n",
	       s->config_errors);
    if (s->unparsed)
	printf("  unreadable relaycheck lines: %ld\n", s->unparsed);

    printf("\n%-18s %6s  %6s  %6s  %s\n", "checks:", "hits", "%msgs", "temps", "score");
    if (s->nchecks > 0)
	qsort(s->checks, s->nchecks, sizeof(*s->checks), cmp_check);
    for (size_t i = 0; i < s->nchecks; i++) {
	RC_CHECKSTAT *c = &s->checks[i];
	long    n = c->listed ? c->listed : c->hits;

	printf("  %-16s %6ld  %5.1f%%  %6ld  ", c->key, n, pct(n, s->messages), c->temps);
	if (c->hits == 0)
	    printf("-");
	else if (c->min_score == c->max_score)
	    printf("%+d", c->min_score);
	else
	    printf("%+d..%+d", c->min_score, c->max_score);
	printf("\n");
    }
    if (s->nchecks == 0)
	printf("  (no check hit)\n");

    if (s->nscores > 0)
	qsort(s->scores, s->nscores, sizeof(*s->scores), cmp_score);
    for (size_t i = 0; i < s->nscores; i++)
	if (s->scores[i].count > maxc)
	    maxc = s->scores[i].count;
    printf("\n%-7s  %8s  %11s\n", "scores:", "messages", "at or above");
    above = s->messages;
    for (size_t i = 0; i < s->nscores; i++) {
	int     bar = (int) ((s->scores[i].count * 40 + maxc - 1) / maxc);

	printf("  %5d  %8ld  %11ld  %.*s\n", s->scores[i].score, s->scores[i].count, above,
	       bar, "########################################");
	above -= s->scores[i].count;
    }

    if (s->whatif) {
	printf("\nwhat if: reject_score = %d, tempreject_score = %d", s->t.reject_score,
	       s->t.tempreject_score);
	for (size_t i = 0; i < s->nrescore; i++)
	    printf(", %s = %d", s->rescore[i].key, s->rescore[i].score);
	printf("\n%-13s %8s  %8s\n", "", s->base ? s->base : "logged", "what-if");
	for (int a = 0; a < 3; a++)
	    printf("  %-11s %8ld  %8ld  %+ld\n", names[a], s->actions[a], s->whatif_actions[a],
		   s->whatif_actions[a] - s->actions[a]);
	for (int a = 0; a < 3; a++)
	    for (int b = 0; b < 3; b++)
		if (a != b && s->transitions[a][b])
		    printf("  %ld message%s %s -> %s\n", s->transitions[a][b],
			   s->transitions[a][b] == 1 ? "" : "s", names[a], names[b]);
    }
    if (s->relays)
	keys_text(s);
}

/* json_scores - {"score": count, ...} */
static void
json_scores(const RC_SCORECOUNT *v, size_t n)
{
    printf("{");
    for (size_t i = 0; i < n; i++)
	printf("%s\"%d\": %ld", i ? ", " : "", v[i].score, v[i].count);
    printf("}");
}

/* rc_tally_json - the summary as one JSON object (tally.h) */

void
rc_tally_json(RC_TALLY *s, void (*extra) (void *), void *arg)
{
    static const char *const names[3] = {"accept", "tempreject", "reject"};

    if (s->nchecks > 0)
	qsort(s->checks, s->nchecks, sizeof(*s->checks), cmp_check);
    if (s->nscores > 0)
	qsort(s->scores, s->nscores, sizeof(*s->scores), cmp_score);
    printf("{\"messages\": %ld, \"first\": ", s->messages);
    rc_cli_json_str(stdout, s->first);
    printf(", \"last\": ");
    rc_cli_json_str(stdout, s->last);
    printf(",\n \"actions\": {\"accept\": %ld, \"tempreject\": %ld, \"reject\": %ld},\n",
	   s->actions[0], s->actions[1], s->actions[2]);
    printf(" \"allowlisted\": %ld, \"with_temp\": %ld, \"reused\": %ld, \"notes\": %ld, "
	   "\"config_errors\": %ld, \"unparsed\": %ld, \"queries\": %ld, \"time_ms_total\": %ld, "
	   "\"time_ms_max\": %ld,\n \"checks\": {", s->allowlisted, s->with_temp, s->reused,
	   s->notes, s->config_errors, s->unparsed, s->queries_total, s->time_total, s->time_max);
    for (size_t i = 0; i < s->nchecks; i++) {
	printf("%s\n  ", i ? "," : "");
	rc_cli_json_str(stdout, s->checks[i].key);
	printf(": {\"hits\": %ld, \"temps\": %ld, \"listed\": %ld}", s->checks[i].hits,
	       s->checks[i].temps, s->checks[i].listed);
    }
    printf("},\n \"scores\": ");
    json_scores(s->scores, s->nscores);
    if (s->whatif) {
	if (s->nwscores > 0)
	    qsort(s->wscores, s->nwscores, sizeof(*s->wscores), cmp_score);
	printf(",\n \"whatif\": {\"reject_score\": %d, \"tempreject_score\": %d, \"rescore\": {",
	       s->t.reject_score, s->t.tempreject_score);
	for (size_t i = 0; i < s->nrescore; i++) {
	    printf("%s", i ? ", " : "");
	    rc_cli_json_str(stdout, s->rescore[i].key);
	    printf(": %d", s->rescore[i].score);
	}
	printf("},\n  \"actions\": {\"accept\": %ld, \"tempreject\": %ld, \"reject\": %ld},\n"
	       "  \"changed\": {", s->whatif_actions[0], s->whatif_actions[1],
	       s->whatif_actions[2]);
	{
	    int     n = 0;

	    for (int a = 0; a < 3; a++)
		for (int b = 0; b < 3; b++)
		    if (a != b && s->transitions[a][b])
			printf("%s\"%s->%s\": %ld", n++ ? ", " : "", names[a], names[b],
			       s->transitions[a][b]);
	}
	printf("},\n  \"scores\": ");
	json_scores(s->wscores, s->nwscores);
	printf("}");
    }
    if (s->relays)
	keys_json(s);
    if (extra)
	extra(arg);
    printf("}\n");
}


/* rc_tally_free - what the counts allocated (tally.h) */

void
rc_tally_free(RC_TALLY *s)
{
    free(s->checks);
    free(s->scores);
    free(s->wscores);
    free(s->ips.v);
    free(s->nets.v);
    free(s->hours.v);
}

/* prom_label - a label value, escaped as the exposition format wants */
static void
prom_label(const char *s)
{
    putchar('"');
    for (; *s; s++) {
	if (*s == '\\' || *s == '"')
	    printf("\\%c", *s);
	else if (*s == '\n')
	    printf("\\n");
	else
	    putchar(*s);
    }
    putchar('"');
}

/* prom_head - the HELP and TYPE lines of a metric */
static void
prom_head(const char *name, const char *type, const char *help)
{
    printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* rc_tally_prometheus - the counts as Prometheus metrics (tally.h) */

void
rc_tally_prometheus(RC_TALLY *s)
{
    static const char *const names[3] = {"accept", "tempreject", "reject"};
    static const int bounds[] = {0, 1, 2, 3, 5, 8, 10, 12, 15, 20, 25, 30, 50, 100};
    const struct {
	const char *name, *help;
	long        value;
    }       plain[] = {
	{"relaycheck_allowlisted_total", "Messages allowlisted by the No Server Check list.",
	    s->allowlisted},
	{"relaycheck_with_temp_total", "Messages on which some check could not decide (TEMP).",
	    s->with_temp},
	{"relaycheck_reused_total", "Messages that reused the client results of an earlier "
	    "message on the connection.", s->reused},
	{"relaycheck_config_errors_total", "Configuration errors logged (each message then got "
	    "451).", s->config_errors},
	{"relaycheck_unreadable_lines_total", "Lines of the module that could not be read back.",
	    s->unparsed},
	{"relaycheck_dns_queries_total", "DNS queries the checked messages made.",
	    s->queries_total},
    };
    double  sum = 0;

    if (s->nchecks > 0)
	qsort(s->checks, s->nchecks, sizeof(*s->checks), cmp_check);
    if (s->nscores > 0)
	qsort(s->scores, s->nscores, sizeof(*s->scores), cmp_score);

    prom_head("relaycheck_messages_total", "counter", "Messages the module checked, by action.");
    for (int a = 0; a < 3; a++)
	printf("relaycheck_messages_total{action=\"%s\"} %ld\n", names[a], s->actions[a]);
    prom_head("relaycheck_check_hits_total", "counter",
	      "Messages on which a check hit (or, for no_server_check, matched), by check.");
    for (size_t i = 0; i < s->nchecks; i++) {
	printf("relaycheck_check_hits_total{check=");
	prom_label(s->checks[i].key);
	printf("} %ld\n", s->checks[i].listed ? s->checks[i].listed : s->checks[i].hits);
    }
    prom_head("relaycheck_check_temps_total", "counter",
	      "Messages on which a check could not decide (TEMP), by check.");
    for (size_t i = 0; i < s->nchecks; i++) {
	printf("relaycheck_check_temps_total{check=");
	prom_label(s->checks[i].key);
	printf("} %ld\n", s->checks[i].temps);
    }
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
	prom_head(plain[i].name, "counter", plain[i].help);
	printf("%s %ld\n", plain[i].name, plain[i].value);
    }
    prom_head("relaycheck_dns_seconds_total", "counter",
	      "Time the checked messages spent in the module.");
    printf("relaycheck_dns_seconds_total %.3f\n", (double) s->time_total / 1000.0);
    prom_head("relaycheck_score", "histogram", "Total scores of the checked messages.");
    for (size_t b = 0; b < sizeof(bounds) / sizeof(bounds[0]); b++) {
	long    n = 0;

	for (size_t i = 0; i < s->nscores; i++)
	    if (s->scores[i].score <= bounds[b])
		n += s->scores[i].count;
	printf("relaycheck_score_bucket{le=\"%d\"} %ld\n", bounds[b], n);
    }
    for (size_t i = 0; i < s->nscores; i++)
	sum += (double) s->scores[i].score * (double) s->scores[i].count;
    printf("relaycheck_score_bucket{le=\"+Inf\"} %ld\n", s->messages);
    printf("relaycheck_score_sum %.0f\nrelaycheck_score_count %ld\n", sum, s->messages);
}

/* rc_tally_sort - checks and scores in the order the outputs show (tally.h) */

void
rc_tally_sort(RC_TALLY *s)
{
    if (s->nchecks > 0)
	qsort(s->checks, s->nchecks, sizeof(*s->checks), cmp_check);
    if (s->nscores > 0)
	qsort(s->scores, s->nscores, sizeof(*s->scores), cmp_score);
}
