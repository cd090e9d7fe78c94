/*
 * front.c - configuration lookup, engine run and rendering for both front
 * ends (the Exim adapter and the relaycheck command)
 */
#include "front.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allowlist/nsccache.h"
#include "generic.h"
#include "lazylib.h"
#include "resolver.h"

#define OUT_OF_MEMORY "relaycheck: out of memory\n"

/* install - make a fresh configuration the current one, after prepare() */

static bool
install(RC_FRONT_CFG *fc, RC_CONFIG *fresh, const char *path, const RC_FILESTAMP *stamp,
	const RC_FRONT_HOOKS *h, RC_FRONT_LOOKUP *lk)
{
    if (h != NULL && h->prepare != NULL && !h->prepare(fresh)) {
	rc_config_free(fresh);
	lk->reported = true;
	return (false);
    }
    rc_config_free(fc->cfg);
    free(fc->path);
    fc->cfg = fresh;
    fc->path = path ? strdup(path) : NULL;
    fc->is_default = (path == NULL);
    if (stamp != NULL)
	fc->stamp = *stamp;
    return (true);
}

/* note - a remark for the caller's log */

static void
note(const RC_FRONT_HOOKS *h, const char *text)
{
    if (h != NULL && h->note != NULL && text[0])
	h->note(text);
}

const char *
rc_front_config_path(const char *file, bool *explicit)
{
    const char *env = getenv("RELAYCHECK_CONFIG");

    if (explicit != NULL)
	*explicit = true;
    if (file != NULL)
	return (file);
    if (env != NULL && *env)
	return (env);
    if (explicit != NULL)
	*explicit = false;
    return (RC_DEFAULT_CONFIG);
}

const RC_CONFIG *
rc_front_config(RC_FRONT_CFG *fc, const char *file, const RC_FRONT_HOOKS *h,
		RC_FRONT_LOOKUP *lk)
{
    bool    explicit;
    RC_FILESTAMP now;
    RC_CONFIG *fresh;
    char    text[1024], dir[4096];

    memset(lk, 0, sizeof(*lk));
    file = rc_front_config_path(file, &explicit);
    lk->path = file;
    if (!rc_config_stamp(file, &now)) {
	/* Only an absent default file means the built-in defaults. */
	if (!explicit && errno == ENOENT) {
	    lk->defaults = true;
	    if (fc->cfg != NULL && fc->is_default)
		return (fc->cfg);
	    if ((fresh = rc_config_defaults()) == NULL)
		return (NULL);
	    if (!install(fc, fresh, NULL, NULL, h, lk))
		return (NULL);
	    snprintf(text, sizeof(text), "%s not found, running on built-in defaults", file);
	    note(h, text);
	    return (fc->cfg);
	}
	snprintf(text, sizeof(text), "%s:0: cannot open: %s\n", file, strerror(errno));
	lk->errors = strdup(text);
	return (NULL);
    }
    if (fc->cfg != NULL && !fc->is_default && fc->path != NULL
	&& strcmp(fc->path, file) == 0 && rc_filestamp_equal(&now, &fc->stamp))
	return (fc->cfg);
    /*
     * A large No Server Check list is compiled into the cache directory by
     * the first process that reads a changed file; later ones map it
     * instead of parsing it (nsccache.h).
     */
    if ((fresh = rc_config_load_cached(file, h && h->cache_dir ? h->cache_dir(dir, sizeof(dir))
				       : NULL, &lk->errors, &now, text, sizeof(text))) == NULL)
	return (NULL);
    note(h, text);
    return (install(fc, fresh, file, &now, h, lk) ? fc->cfg : NULL);
}

const char *
rc_front_errors(const RC_FRONT_LOOKUP *lk)
{
    return (lk->errors != NULL ? lk->errors : OUT_OF_MEMORY);
}

void
rc_front_lookup_free(RC_FRONT_LOOKUP *lk)
{
    free(lk->errors);
    lk->errors = NULL;
}

void
rc_front_config_free(RC_FRONT_CFG *fc)
{
    rc_config_free(fc->cfg);
    free(fc->path);
    memset(fc, 0, sizeof(*fc));
}

void
rc_front_preload(void)
{
    static bool done;
    char    err[256];

    if (done)
	return;				/* a missing libpsl is not tried again */
    done = true;
    rc_lazylib_bind_now(true);
    (void) rc_resolver_load(RC_UDNS_SONAME, err, sizeof(err));
    (void) rc_config_preload(err, sizeof(err));
    (void) rc_generic_preload();
    rc_lazylib_bind_now(false);
}

/* slot - where the next text of o goes, after the `used' bytes of those before */

static char *
slot(RC_FRONT_OUT *o, size_t used)
{
    o->text[used] = 0;
    return (o->text + used);
}

/* packed - s, written at the end of o->text; counts it in *used */

static const char *
packed(const char *s, size_t *used)
{
    *used += strlen(s) + 1;
    return (s);
}

void
rc_front_render(const RC_CONFIG *cfg, const RC_VERDICT *v, const char *ip, RC_FRONT_OUT *o)
{
    size_t  used = 0;
    char   *s;

    /* The text holds every text at its largest: each slot has its maximum. */
    o->code = 0;
    o->received_spf = o->score = o->report = o->log = o->reply = o->lsdata = "";
    if (v->skipped) {
	rc_report_lsdata(v, s = slot(o, used), RC_OUT_LSDATA_MAX);
	o->lsdata = packed(s, &used);
	return;
    }
    rc_report_log(v, ip, s = slot(o, used), RC_OUT_LOG_MAX);
    o->log = packed(s, &used);
    /* RFC 7208 9.1: goes above Exim's own Received: header. */
    if (v->received_spf[0]) {
	snprintf(s = slot(o, used), RC_OUT_SPF_MAX, "Received-SPF: %s\n", v->received_spf);
	o->received_spf = packed(s, &used);
    }
    rc_report_header_score(cfg, v, s = slot(o, used), RC_OUT_SCORE_MAX);
    o->score = packed(s, &used);
    rc_report_header_report(cfg, v, s = slot(o, used), RC_OUT_REPORT_MAX);
    o->report = packed(s, &used);
    switch (v->action) {
    case RC_REJECT:
    case RC_TEMPREJECT:
	o->code = v->action == RC_REJECT ? 550 : 451;
	rc_report_reply(cfg, v, ip, s = slot(o, used), RC_OUT_REPLY_MAX);
	o->reply = packed(s, &used);
	break;
    case RC_ACCEPT:
	rc_report_lsdata(v, s = slot(o, used), RC_OUT_LSDATA_MAX);
	o->lsdata = packed(s, &used);
	break;
    }
}

void
rc_front_check(const RC_CONFIG *cfg, const RC_FACTS *facts, RC_CONNCACHE *cache,
	       RC_VERDICT *v, RC_FRONT_OUT *o)
{
    rc_engine_check(cfg, facts, cache, v);
    rc_front_render(cfg, v, facts->ip, o);
}

RC_ACTION
rc_front_whatif(const RC_THRESHOLDS *t, const RC_LOGLINE *l, int score)
{
    bool    temp = l->omitted_temp;
    RC_ACTION w;

    for (size_t i = 0; i < l->nitems; i++)
	temp |= l->items[i].temp;
    if (l->allowlisted)
	return (RC_ACCEPT);
    w = rc_verdict_action(t, score, temp);
    if (l->action == RC_TEMPREJECT && w == RC_ACCEPT && temp)
	w = RC_TEMPREJECT;
    return (w);
}
