/*
 * txn.c - one result per message, across Exim's ACLs and local_scan()
 *
 * The held result is reused while the facts stay the same and no command
 * that starts a transaction came in between (txn.h). Everything is in the
 * caller's RC_TXN: one per connection process.
 */
#include "txn.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define HIST_MAX	32		/* Exim keeps 20 */

/* A command name in a history: not NUL-terminated. */
typedef struct word {
    const char *p;
    size_t      len;
} WORD;

/* split - the comma-separated names of a history, at most HIST_MAX (the last ones) */

static size_t
split(const char *h, WORD *w)
{
    size_t  n = 0;

    while (h != NULL && *h) {
	size_t  len = strcspn(h, ",");

	if (n == HIST_MAX) {
	    memmove(w, w + 1, (HIST_MAX - 1) * sizeof(*w));
	    n--;
	}
	w[n++] = (WORD) {h, len};
	h += len;
	if (*h == ',')
	    h++;
    }
    return (n);
}

/* same_word - two names equal */

static bool
same_word(const WORD *a, const WORD *b)
{
    return (a->len == b->len && memcmp(a->p, b->p, a->len) == 0);
}

/* starts_txn - MAIL, RSET, HELO, EHLO, STARTTLS: the state of a transaction is reset */

static bool
starts_txn(const WORD *w)
{
    static const char *const names[] = {"MAIL", "RSET", "HELO", "EHLO", "STARTTLS"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
	if (w->len == strlen(names[i]) && strncasecmp(w->p, names[i], w->len) == 0)
	    return (true);
    return (false);
}

bool
rc_txn_boundary(const RC_TXN_POINT *then, const RC_TXN_POINT *now)
{
    WORD    o[HIST_MAX], n[HIST_MAX];
    size_t  a, b, k;

    if (now->rcpt_count < then->rcpt_count)
	return (true);
    if (then->history == NULL || now->history == NULL || now->history[0] == 0)
	return (false);				/* unknown: the counts decide */
    a = split(then->history, o);
    b = split(now->history, n);
    /* The fewest new commands k: now's first b-k names are then's last ones. */
    for (k = 0; k < b; k++) {
	size_t  m = b - k, i;

	if (m > a)
	    continue;
	for (i = 0; i < m && same_word(&n[i], &o[a - m + i]); i++)
	    ;
	if (i == m)
	    break;
    }
    for (size_t i = b - k; i < b; i++)
	if (starts_txn(&n[i]))
	    return (true);
    return (false);
}

/* same_facts - is the held result one of these facts? */

static bool
same_facts(const RC_TXN *t, const RC_CONFIG *cfg, const RC_FACTS *f)
{
    const char *ip = f->ip ? f->ip : "", *helo = f->helo ? f->helo : "";

    if (!t->held || t->generation != cfg->generation || t->authenticated != f->authenticated
	|| strcmp(t->ip, ip) != 0 || strcmp(t->helo, helo) != 0
	|| t->has_sender != (f->sender != NULL))
	return (false);
    return (f->sender == NULL || strcmp(t->sender, f->sender) == 0);
}

/* hold - remember the facts and point of a fresh result */

static void
hold(RC_TXN *t, const RC_CONFIG *cfg, const RC_FACTS *f, const RC_TXN_POINT *pt)
{
    const char *ip = f->ip ? f->ip : "", *helo = f->helo ? f->helo : "";

    t->held = strlen(ip) < sizeof(t->ip) && strlen(helo) < sizeof(t->helo)
	&& (f->sender == NULL || strlen(f->sender) < sizeof(t->sender))
	&& (pt->history == NULL || strlen(pt->history) < sizeof(t->history));
    if (!t->held)
	return;					/* too long to compare: never reused */
    t->generation = cfg->generation;
    t->authenticated = f->authenticated;
    strcpy(t->ip, ip);
    strcpy(t->helo, helo);
    t->has_sender = (f->sender != NULL);
    strcpy(t->sender, f->sender ? f->sender : "");
    strcpy(t->history, pt->history ? pt->history : "");
    t->rcpt_count = pt->rcpt_count;
}

const RC_VERDICT *
rc_txn_check(RC_TXN *t, const RC_CONFIG *cfg, const RC_FACTS *f, const RC_TXN_POINT *pt,
	     RC_CONNCACHE *cache, bool *reused)
{
    RC_TXN_POINT then = {t->history, t->rcpt_count};

    if (same_facts(t, cfg, f) && !rc_txn_boundary(&then, pt)) {
	/* The same message: only the point moves on. */
	if (pt->history != NULL && strlen(pt->history) < sizeof(t->history))
	    strcpy(t->history, pt->history);
	t->rcpt_count = pt->rcpt_count;
	*reused = true;
	return (&t->verdict);
    }
    *reused = false;
    t->held = false;
    t->logged = false;
    rc_front_check(cfg, f, cache, &t->verdict, &t->out);
    hold(t, cfg, f, pt);
    return (&t->verdict);
}

void
rc_txn_end(RC_TXN *t)
{
    t->held = false;
    t->logged = false;
}

bool
rc_txn_exempt(const RC_CONFIG *cfg, const char *address)
{
    const char *at = address ? strrchr(address, '@') : NULL;
    size_t  len = at ? (size_t) (at - address) : (address ? strlen(address) : 0);

    if (address == NULL || len == 0)
	return (false);
    for (size_t i = 0; i < cfg->nexempt; i++)
	if (strlen(cfg->exempt_recipients[i]) == len
	    && strncasecmp(cfg->exempt_recipients[i], address, len) == 0)
	    return (true);
    return (false);
}
