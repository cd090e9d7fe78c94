/*
 * config.c - read the relaycheck INI file with inih
 *
 * inih does the tokenising (sections, key = value, inline comments); a
 * line reader placed in front of it does what inih would otherwise get
 * silently wrong: it counts lines, drops comments of any length, splits
 * key lines longer than inih's buffer itself (inih would cut them in
 * two), refuses indented continuation lines (inih would glue them onto
 * the previous value) and lines that are neither a section, a key nor a
 * comment, and it tracks the current section itself (inih truncates long
 * section names). Every key is typed by the option tables below and
 * validated as it is read; all errors are collected, each as
 * "file:line: what", so an operator fixes a file in one pass.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ERRORS	50
#define RC_SECTION_MAX	300		/* characters between [ and ] */

typedef enum section_kind {
    SEC_NONE,				/* before the first section */
    SEC_MAIN,				/* [relaycheck] */
    SEC_SCORES,
    SEC_DNSBL,
    SEC_RHSBL,
    SEC_NSC,				/* [no_server_check] */
    SEC_BAD				/* unknown: keys are not reported again */
} SECTION_KIND;

typedef enum opt_type {
    OPT_INT,
    OPT_DURATION,
    OPT_BOOL,
    OPT_STRING,
    OPT_LIST,				/* repeatable; values accumulate */
    OPT_ENUM
} OPT_TYPE;

typedef struct parser PARSER;

/* An option: its type, and a setter that validates and stores it. */
typedef struct option {
    const char *name;
    OPT_TYPE    type;
    long        min, max;		/* OPT_INT */
    bool      (*set) (PARSER *, const struct option *, const char *value, const char **why);
} OPTION;

struct parser {
    const char *name;			/* file name for messages */
    RC_CONFIG  *cfg;
    /* line reader state */
    const char *pos, *end;
    int         lineno;
    /* section state */
    SECTION_KIND kind;
    RC_LIST    *list;			/* current [dnsbl]/[rhsbl] */
    /* which single-valued keys were seen, and where: per section instance */
    /*
     * Single-valued keys seen, and where. [relaycheck], [scores] and
     * [no_server_check] may appear more than once, but a key is still set
     * only once across them; each [dnsbl]/[rhsbl] section starts afresh.
     */
    int         seen_line[64];
    const OPTION *seen_opt[64];
    size_t      nseen;
    int         score_line[RC_CHK_NSCORE_COUNT];
    bool        skip_hosts_set;		/* the built-in default was dropped */
    bool        exempt_set;		/* the same for exempt_recipients */
    bool        main_seen;		/* a [relaycheck] section was read */
    /* errors */
    char       *errors;
    size_t      errlen, errcap;
    int         nerrors;
    bool        nomem;
};

/* error - record "file:line: what" */

static void __attribute__((format(printf, 3, 4)))
error(PARSER *p, int line, const char *fmt,...)
{
    char    buf[512];
    int     n;
    va_list ap;

    if (++p->nerrors > MAX_ERRORS)
	return;
    if (p->nerrors == MAX_ERRORS)
	n = snprintf(buf, sizeof(buf), "%.200s: too many errors, giving up\n", p->name);
    else {
	n = snprintf(buf, sizeof(buf), "%.200s:%d: ", p->name, line);	/* fits buf */
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t) n - 1, fmt, ap);
	va_end(ap);
	if (n > (int) sizeof(buf) - 2)
	    n = (int) sizeof(buf) - 2;
	buf[n++] = '\n';
	buf[n] = 0;
    }
    if (p->errlen + (size_t) n + 1 > p->errcap) {
	size_t  ncap = (p->errcap + (size_t) n + 1) * 2;
	char   *ne = realloc(p->errors, ncap);

	if (ne == NULL) {
	    p->nomem = true;
	    return;
	}
	p->errors = ne;
	p->errcap = ncap;
    }
    memcpy(p->errors + p->errlen, buf, (size_t) n + 1);
    p->errlen += (size_t) n;
}

/* printable - copy a value for an error message, bounded and escaped */

static const char *
printable(const char *s, char *buf, size_t len)
{
    size_t  o = 0;

    for (; *s && o + 5 < len; s++) {
	unsigned char c = (unsigned char) *s;

	if (c >= 0x20 && c < 0x7f)
	    buf[o++] = (char) c;
	else
	    o += (size_t) snprintf(buf + o, len - o, "\\x%02x", c);
    }
    if (*s && o + 4 < len) {
	memcpy(buf + o, "...", 3);
	o += 3;
    }
    buf[o] = 0;
    return (buf);
}

/*
 * Helpers for list values: items are separated by spaces or commas. The
 * callback gets one item, NUL-terminated, and returns false with a reason.
 */
typedef bool (*item_fn) (PARSER *, const char *item, const char **why);

static bool
each_item(PARSER *p, const char *value, item_fn fn, const char **why)
{
    const char *s = value;

    while (*s) {
	char    item[256];
	size_t  n = strcspn(s, " \t,");

	if (n == 0) {
	    s++;
	    continue;
	}
	if (n >= sizeof(item)) {
	    *why = "list item too long";
	    return (false);
	}
	memcpy(item, s, n);
	item[n] = 0;
	if (!fn(p, item, why)) {
	    char    esc[80];

	    error(p, p->lineno, "%s: \"%s\"", *why, printable(item, esc, sizeof(esc)));
	}
	s += n;
    }
    return (true);
}

/* Durations, socket addresses, blocklist codes: shared with the CLI. */

bool
rc_parse_duration(const char *s, int *ms)
{
    char   *end;
    long    n, mult = 1000;

    errno = 0;
    if (!isdigit((unsigned char) *s))
	return (false);
    n = strtol(s, &end, 10);
    if (errno || n < 0)
	return (false);
    if (strcmp(end, "ms") == 0)
	mult = 1;
    else if (strcmp(end, "s") == 0 || *end == 0)
	mult = 1000;
    else if (strcmp(end, "m") == 0)
	mult = 60000;
    else
	return (false);
    if (n > INT_MAX / mult)
	return (false);
    *ms = (int) (n * mult);
    return (true);
}

bool
rc_parse_sockaddr(const char *s, struct sockaddr_storage *ss)
{
    char    host[64];
    const char *port = NULL;
    size_t  hlen;
    long    portnum = 53;

    memset(ss, 0, sizeof(*ss));
    if (*s == '[') {
	const char *close = strchr(s, ']');

	if (close == NULL)
	    return (false);
	hlen = (size_t) (close - s - 1);
	if (hlen >= sizeof(host))
	    return (false);
	memcpy(host, s + 1, hlen);
	host[hlen] = 0;
	if (close[1] == ':')
	    port = close + 2;
	else if (close[1] != 0)
	    return (false);
	if (strchr(host, ':') == NULL)
	    return (false);
    } else {
	const char *colon = strchr(s, ':');

	if (colon != NULL && strchr(colon + 1, ':') == NULL) {
	    hlen = (size_t) (colon - s);
	    port = colon + 1;
	} else
	    hlen = strlen(s);			/* plain IPv6 or IPv4 */
	if (hlen >= sizeof(host))
	    return (false);
	memcpy(host, s, hlen);
	host[hlen] = 0;
    }
    if (port != NULL) {
	char   *end;

	errno = 0;
	if (!isdigit((unsigned char) *port))
	    return (false);
	portnum = strtol(port, &end, 10);
	if (errno || *end || portnum < 1 || portnum > 65535)
	    return (false);
    }
    {
	struct sockaddr_in *sin = (struct sockaddr_in *) ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) ss;

	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
	    sin->sin_family = AF_INET;
	    sin->sin_port = htons((uint16_t) portnum);
	    return (true);
	}
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
	    sin6->sin6_family = AF_INET6;
	    sin6->sin6_port = htons((uint16_t) portnum);
	    return (true);
	}
    }
    return (false);
}

/* parse_ipv4 - dotted quad to host order */

static bool
parse_ipv4(const char *s, unsigned *v)
{
    struct in_addr in;

    if (inet_pton(AF_INET, s, &in) != 1)
	return (false);
    *v = ntohl(in.s_addr);
    return (true);
}

/* parse_code_item - "A", "A-B", "&mask", each optionally "=score" */

static bool
parse_code_item(const char *item, RC_CODE *c, const char **why)
{
    char    buf[128];
    char   *eq;

    if (strlen(item) >= sizeof(buf)) {
	*why = "code too long";
	return (false);
    }
    strcpy(buf, item);
    c->score = -1;
    if ((eq = strchr(buf, '=')) != NULL) {
	char   *end;
	long    n;

	*eq = 0;
	errno = 0;
	n = strtol(eq + 1, &end, 10);
	if (errno || end == eq + 1 || *end || n < -1000 || n > 1000) {
	    *why = "bad score after '=' in code (an integer -1000..1000)";
	    return (false);
	}
	c->score = (int) n;
    }
    if (buf[0] == '&') {
	char   *end;
	unsigned long n;

	errno = 0;
	if (!isdigit((unsigned char) buf[1])) {
	    *why = "bad bitmask code (&N, N decimal or 0x hex)";
	    return (false);
	}
	n = strtoul(buf + 1, &end, 0);
	if (errno || *end || n == 0 || n > 0xffffffffUL) {
	    *why = "bad bitmask code (&N, N decimal or 0x hex)";
	    return (false);
	}
	c->bitmask = true;
	c->lo = c->hi = (unsigned) n;
	return (true);
    }
    c->bitmask = false;
    {
	char   *dash = strchr(buf, '-');

	if (dash != NULL)
	    *dash = 0;
	if (!parse_ipv4(buf, &c->lo) || (dash && !parse_ipv4(dash + 1, &c->hi))) {
	    *why = "bad code (an IPv4 address, a range A-B or &bitmask)";
	    return (false);
	}
	if (dash == NULL)
	    c->hi = c->lo;
	if (c->hi < c->lo) {
	    *why = "code range ends below its start";
	    return (false);
	}
	if ((c->lo >> 24) != 127 || (c->hi >> 24) != 127) {
	    *why = "code outside 127.0.0.0/8 (no list answers there)";
	    return (false);
	}
    }
    return (true);
}

bool
rc_parse_codes(const char *value, RC_CODE **codes, size_t *n, const char **why)
{
    const char *s = value;

    while (*s) {
	char    item[128];
	size_t  len = strcspn(s, " \t,");
	RC_CODE c, *nv;

	if (len == 0) {
	    s++;
	    continue;
	}
	if (len >= sizeof(item)) {
	    *why = "code too long";
	    return (false);
	}
	memcpy(item, s, len);
	item[len] = 0;
	if (!parse_code_item(item, &c, why))
	    return (false);
	if ((nv = realloc(*codes, (*n + 1) * sizeof(*nv))) == NULL) {
	    *why = "out of memory";
	    return (false);
	}
	*codes = nv;
	nv[(*n)++] = c;
	s += len;
    }
    return (true);
}

bool
rc_codes_match(const RC_CODE *codes, size_t n, unsigned answer, int *score)
{
    for (size_t i = 0; i < n; i++) {
	bool    hit = codes[i].bitmask ? (answer & codes[i].lo) != 0
	    : (answer >= codes[i].lo && answer <= codes[i].hi);

	if (hit) {
	    *score = codes[i].score;
	    return (true);
	}
    }
    return (false);
}

/*
 * Option setters. Each validates the value and stores it; on failure it
 * returns false with a reason and the caller reports file:line.
 */

static bool
parse_int(const char *value, long min, long max, long *out)
{
    char   *end;
    long    n;

    errno = 0;
    if (*value == 0)
	return (false);
    n = strtol(value, &end, 10);
    if (errno || *end || n < min || n > max)
	return (false);
    *out = n;
    return (true);
}

static bool
parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};

    for (size_t i = 0; i < 4; i++) {
	if (strcasecmp(v, yes[i]) == 0)
	    return (*out = true);
	if (strcasecmp(v, no[i]) == 0) {
	    *out = false;
	    return (true);
	}
    }
    return (false);
}

#define INT_SETTER(fn, field) \
static bool fn(PARSER *p, const OPTION *o, const char *v, const char **why) \
{ \
    long n; \
    if (!parse_int(v, o->min, o->max, &n)) { *why = "not an integer in range"; return (false); } \
    p->cfg->field = (int) n; \
    return (true); \
}

INT_SETTER(set_reject_score, reject_score)
INT_SETTER(set_tempreject_score, tempreject_score)
INT_SETTER(set_max_ptr_names, max_ptr_names)

static bool
set_dns_timeout(PARSER *p, const OPTION *o, const char *v, const char **why)
{
    int     ms;

    (void) o;
    if (!rc_parse_duration(v, &ms)) {
	*why = "not a duration (e.g. 5s, 2500ms)";
	return (false);
    }
    if (ms < 100 || ms > 120000) {
	*why = "out of range (100ms .. 120s)";
	return (false);
    }
    p->cfg->dns_timeout_ms = ms;
    return (true);
}

static bool
add_nameserver(PARSER *p, const char *item, const char **why)
{
    if (p->cfg->nnameservers >= RC_MAX_NAMESERVERS) {
	*why = "too many nameservers (at most 6)";
	return (false);
    }
    if (!rc_parse_sockaddr(item, &p->cfg->nameservers[p->cfg->nnameservers])) {
	*why = "not IP, IP:port or [IPv6]:port";
	return (false);
    }
    p->cfg->nnameservers++;
    return (true);
}

static bool
set_nameservers(PARSER *p, const OPTION *o, const char *v, const char **why)
{
    (void) o;
    return (each_item(p, v, add_nameserver, why));
}

static bool
set_on_dns_failure(PARSER *p, const OPTION *o, const char *v, const char **why)
{
    (void) o;
    if (strcasecmp(v, "accept") == 0)
	p->cfg->on_dns_failure = RC_DNSFAIL_ACCEPT;
    else if (strcasecmp(v, "tempreject") == 0)
	p->cfg->on_dns_failure = RC_DNSFAIL_TEMPREJECT;
    else {
	*why = "must be accept or tempreject";
	return (false);
    }
    return (true);
}

static bool
set_header_prefix(PARSER *p, const OPTION *o, const char *v, const char **why)
{
    size_t  len = strlen(v);

    (void) o;
    if (len == 0 || len >= RC_PREFIX_MAX - 8) {
	*why = "must be 1..39 characters";
	return (false);
    }
    for (const char *s = v; *s; s++)
	if (!isalnum((unsigned char) *s) && *s != '-') {
	    *why = "may hold only letters, digits and '-'";
	    return (false);
	}
    memcpy(p->cfg->header_prefix, v, len + 1);
    return (true);
}

static bool
set_skip_authenticated(PARSER *p, const OPTION *o, const char *v, const char **why)
{
    (void) o;
    if (!parse_bool(v, &p->cfg->skip_authenticated)) {
	*why = "must be yes or no";
	return (false);
    }
    return (true);
}

/* add_exempt - one local part of exempt_recipients, kept in lower case */

static bool
add_exempt(PARSER *p, const char *item, const char **why)
{
    RC_CONFIG *cfg = p->cfg;
    size_t  len = strlen(item);

    if (len > RC_LOCALPART_MAX) {
	*why = "not a local part (at most 64 characters)";
	return (false);
    }
    for (const char *s = item; *s; s++)
	if (!isgraph((unsigned char) *s) || *s == '@' || *s == '"') {
	    *why = "not a local part (printable, no '@' or quotes)";
	    return (false);
	}
    for (size_t i = 0; i < cfg->nexempt; i++)
	if (strcasecmp(cfg->exempt_recipients[i], item) == 0)
	    return (true);			/* listed twice: once is enough */
    if (cfg->nexempt >= RC_EXEMPT_MAX) {
	*why = "too many local parts (at most 32)";
	return (false);
    }
    for (size_t i = 0; i <= len; i++)
	cfg->exempt_recipients[cfg->nexempt][i] = (char) tolower((unsigned char) item[i]);
    cfg->nexempt++;
    return (true);
}

static bool
set_exempt_recipients(PARSER *p, const OPTION *o, const char *v, const char **why)
{
    (void) o;
    if (!p->exempt_set) {		/* the first line replaces the default */
	p->cfg->nexempt = 0;
	p->exempt_set = true;
    }
    return (each_item(p, v, add_exempt, why));
}

static bool
add_cidr(PARSER *p, RC_IPTABLE *t, const char *item, const char **why)
{
    RC_CIDR c;

    if (!rc_cidr_parse(item, &c, why))
	return (false);
    if (!rc_iptable_add(t, &c, p->lineno)) {
	*why = "out of memory";
	p->nomem = true;
	return (false);
    }
    return (true);
}

static bool
add_skip_host(PARSER *p, const char *item, const char **why)
{
    return (add_cidr(p, &p->cfg->skip_hosts, item, why));
}

static bool
set_skip_hosts(PARSER *p, const OPTION *o, const char *v, const char **why)
{
    (void) o;
    if (!p->skip_hosts_set) {		/* the first skip_hosts replaces the default */
	rc_iptable_free(&p->cfg->skip_hosts);
	p->skip_hosts_set = true;
    }
    return (each_item(p, v, add_skip_host, why));
}

static bool
add_nsc_ip(PARSER *p, const char *item, const char **why)
{
    return (add_cidr(p, &p->cfg->nsc_ip, item, why));
}

static bool
set_nsc_ip(PARSER *p, const OPTION *o, const char *v, const char **why)
{
    (void) o;
    return (each_item(p, v, add_nsc_ip, why));
}

/* strip_dot - "example." as "example" (a copy in buf) */

static const char *
strip_dot(const char *item, char *buf, size_t len)
{
    size_t  n = strlen(item);

    if (n == 0 || item[n - 1] != '.' || n >= len)
	return (item);
    memcpy(buf, item, n - 1);
    buf[n - 1] = 0;
    return (buf);
}

static bool
add_nsc_domain(PARSER *p, const char *item, const char **why)
{
    char    buf[256];

    item = strip_dot(item, buf, sizeof(buf));
    if (!rc_name_valid(item)) {
	*why = "not a domain name";
	return (false);
    }
    if (!rc_nametable_add(&p->cfg->nsc_domain, item, true, true, p->lineno)) {
	*why = "out of memory";
	p->nomem = true;
	return (false);
    }
    return (true);
}

static bool
set_nsc_domain(PARSER *p, const OPTION *o, const char *v, const char **why)
{
    (void) o;
    return (each_item(p, v, add_nsc_domain, why));
}

static bool
add_nsc_host(PARSER *p, const char *item, const char **why)
{
    char    buf[256];
    bool    below = (item[0] == '.');

    item = strip_dot(item, buf, sizeof(buf));

    if (!rc_name_valid(item + below)) {
	*why = "not a host name or .suffix";
	return (false);
    }
    if (!rc_nametable_add(&p->cfg->nsc_host, item + below, !below, below, p->lineno)) {
	*why = "out of memory";
	p->nomem = true;
	return (false);
    }
    return (true);
}

static bool
set_nsc_host(PARSER *p, const OPTION *o, const char *v, const char **why)
{
    (void) o;
    return (each_item(p, v, add_nsc_host, why));
}

static bool
set_domain_requires_spf(PARSER *p, const OPTION *o, const char *v, const char **why)
{
    (void) o;
    if (!parse_bool(v, &p->cfg->domain_requires_spf)) {
	*why = "must be yes or no";
	return (false);
    }
    return (true);
}

static bool
set_list_score(PARSER *p, const OPTION *o, const char *v, const char **why)
{
    long    n;

    if (!parse_int(v, o->min, o->max, &n)) {
	*why = "not an integer in range";
	return (false);
    }
    p->list->score = (int) n;
    return (true);
}

static bool
set_list_codes(PARSER *p, const OPTION *o, const char *v, const char **why)
{
    (void) o;
    return (rc_parse_codes(v, &p->list->codes, &p->list->ncodes, why));
}

static bool
set_list_label(PARSER *p, const OPTION *o, const char *v, const char **why)
{
    size_t  len = strlen(v);

    (void) o;
    if (len == 0 || len >= RC_LABEL_MAX) {
	*why = "must be 1..63 characters";
	return (false);
    }
    for (const char *s = v; *s; s++)
	if ((unsigned char) *s < 0x20 || (unsigned char) *s >= 0x7f) {
	    *why = "may hold only printable ASCII";
	    return (false);
	}
    memcpy(p->list->label, v, len + 1);
    return (true);
}

static bool
set_list_txt(PARSER *p, const OPTION *o, const char *v, const char **why)
{
    (void) o;
    if (!parse_bool(v, &p->list->txt)) {
	*why = "must be yes or no";
	return (false);
    }
    return (true);
}

static bool
set_list_target(PARSER *p, const OPTION *o, const char *v, const char **why)
{
    (void) o;
    if (strcasecmp(v, "sender") == 0)
	p->list->target = RC_RHS_SENDER;
    else if (strcasecmp(v, "helo") == 0)
	p->list->target = RC_RHS_HELO;
    else if (strcasecmp(v, "ptr") == 0)
	p->list->target = RC_RHS_PTR;
    else {
	*why = "must be sender, helo or ptr";
	return (false);
    }
    return (true);
}

static const OPTION main_options[] = {
    {"dns_timeout", OPT_DURATION, 0, 0, set_dns_timeout},
    {"exempt_recipients", OPT_LIST, 0, 0, set_exempt_recipients},
    {"header_prefix", OPT_STRING, 0, 0, set_header_prefix},
    {"max_ptr_names", OPT_INT, 1, 32, set_max_ptr_names},
    {"nameservers", OPT_LIST, 0, 0, set_nameservers},
    {"on_dns_failure", OPT_ENUM, 0, 0, set_on_dns_failure},
    {"reject_score", OPT_INT, 0, 100000, set_reject_score},
    {"skip_authenticated", OPT_BOOL, 0, 0, set_skip_authenticated},
    {"skip_hosts", OPT_LIST, 0, 0, set_skip_hosts},
    {"tempreject_score", OPT_INT, 0, 100000, set_tempreject_score},
    {0},
};

static const OPTION nsc_options[] = {
    {"domain", OPT_LIST, 0, 0, set_nsc_domain},
    {"domain_requires_spf", OPT_BOOL, 0, 0, set_domain_requires_spf},
    {"host", OPT_LIST, 0, 0, set_nsc_host},
    {"ip", OPT_LIST, 0, 0, set_nsc_ip},
    {0},
};

static const OPTION dnsbl_options[] = {
    {"codes", OPT_LIST, 0, 0, set_list_codes},
    {"label", OPT_STRING, 0, 0, set_list_label},
    {"score", OPT_INT, -1000, 1000, set_list_score},
    {"txt", OPT_BOOL, 0, 0, set_list_txt},
    {0},
};

static const OPTION rhsbl_options[] = {
    {"codes", OPT_LIST, 0, 0, set_list_codes},
    {"label", OPT_STRING, 0, 0, set_list_label},
    {"score", OPT_INT, -1000, 1000, set_list_score},
    {"target", OPT_ENUM, 0, 0, set_list_target},
    {"txt", OPT_BOOL, 0, 0, set_list_txt},
    {0},
};

/* find_option - look a key up in a table */

static const OPTION *
find_option(const OPTION *table, const char *name)
{
    for (; table->name; table++)
	if (strcmp(table->name, name) == 0)
	    return (table);
    return (NULL);
}

/* forget_list_keys - a new [dnsbl]/[rhsbl] section may set its keys again */

static void
forget_list_keys(PARSER *p)
{
    size_t  out = 0;

    for (size_t i = 0; i < p->nseen; i++) {
	const OPTION *o = p->seen_opt[i];
	bool    list_key = false;

	for (const OPTION *t = dnsbl_options; t->name; t++)
	    list_key |= (o == t);
	for (const OPTION *t = rhsbl_options; t->name; t++)
	    list_key |= (o == t);
	if (!list_key) {
	    p->seen_opt[out] = o;
	    p->seen_line[out++] = p->seen_line[i];
	}
    }
    p->nseen = out;
}

/* begin_section - a "[...]" line: name and optional argument */

static void
begin_section(PARSER *p, const char *inner)
{
    char    word[32], esc[80];
    const char *arg;
    size_t  wlen = strcspn(inner, " \t");

    p->list = NULL;
    arg = inner + wlen;
    while (*arg == ' ' || *arg == '\t')
	arg++;
    if (wlen >= sizeof(word)) {
	error(p, p->lineno, "unknown section [%s]", printable(inner, esc, sizeof(esc)));
	p->kind = SEC_BAD;
	return;
    }
    memcpy(word, inner, wlen);
    word[wlen] = 0;
    if (strcmp(word, "dnsbl") == 0 || strcmp(word, "rhsbl") == 0) {
	bool    dnsbl = (word[0] == 'd');
	RC_LIST **lists = dnsbl ? &p->cfg->dnsbl : &p->cfg->rhsbl;
	size_t *n = dnsbl ? &p->cfg->ndnsbl : &p->cfg->nrhsbl;
	char    zone[256];
	size_t  zlen = strlen(arg);
	RC_LIST *nv;

	p->kind = SEC_BAD;
	forget_list_keys(p);
	while (zlen > 0 && arg[zlen - 1] == '.')
	    zlen--;
	if (zlen == 0) {
	    error(p, p->lineno, "[%s] needs a zone: [%s zone.example]", word, word);
	    return;
	}
	if (zlen >= sizeof(zone) || (memcpy(zone, arg, zlen), zone[zlen] = 0,
				     !rc_name_valid(zone))) {
	    error(p, p->lineno, "[%s]: \"%s\" is not a DNS zone name", word,
		  printable(arg, esc, sizeof(esc)));
	    return;
	}
	for (char *s = zone; *s; s++)
	    *s = (char) tolower((unsigned char) *s);
	for (size_t i = 0; i < *n; i++)
	    if (strcmp((*lists)[i].zone, zone) == 0) {
		error(p, p->lineno, "duplicate section [%s %s] (first on line %d)",
		      word, zone, (*lists)[i].line);
		return;
	    }
	if ((nv = realloc(*lists, (*n + 1) * sizeof(*nv))) == NULL) {
	    p->nomem = true;
	    return;
	}
	*lists = nv;
	p->list = &nv[*n];
	memset(p->list, 0, sizeof(*p->list));
	if ((p->list->zone = strdup(zone)) == NULL) {
	    p->nomem = true;
	    return;
	}
	(*n)++;
	p->list->score = 5;
	p->list->line = p->lineno;
	p->list->target = RC_RHS_SENDER;
	snprintf(p->list->label, sizeof(p->list->label), "%.*s", RC_LABEL_MAX - 1, zone);
	p->kind = dnsbl ? SEC_DNSBL : SEC_RHSBL;
	return;
    }
    if (*arg != 0) {
	error(p, p->lineno, "unknown section [%s]", printable(inner, esc, sizeof(esc)));
	p->kind = SEC_BAD;
    } else if (strcmp(word, "relaycheck") == 0) {
	p->kind = SEC_MAIN;
	p->main_seen = true;
    } else if (strcmp(word, "scores") == 0)
	p->kind = SEC_SCORES;
    else if (strcmp(word, "no_server_check") == 0)
	p->kind = SEC_NSC;
    else {
	error(p, p->lineno, "unknown section [%s]", printable(inner, esc, sizeof(esc)));
	p->kind = SEC_BAD;
    }
}

/* key_like - does the line start with "name =" or "name:" (a key, not data)? */

static bool
key_like(const char *s, size_t len)
{
    size_t  i = 0;

    while (i < len && (isalnum((unsigned char) s[i]) || s[i] == '_'))
	i++;
    if (i == 0 || isdigit((unsigned char) s[0]))
	return (false);
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
	i++;
    return (i < len && (s[i] == '=' || s[i] == ':'));
}

static void handler_line(PARSER *, const char *, size_t);

/*
 * reader - the line source handed to inih. Returns one cleaned line per
 * call (always ending in '\n') or NULL at the end. Lines that are errors
 * are reported here and replaced by an empty line, so inih never sees them.
 * Comments of any length are dropped here; a key line longer than inih's
 * buffer (num - 3 characters: 197 with Debian's library) is read here
 * (handler_line()), and inih gets an empty line in its place.
 */

static char *
reader(char *out, int num, void *stream)
{
    PARSER *p = stream;
    const char *line, *nl, *s, *e;
    size_t  len;
    bool    indented;
    char    esc[80];

    if (p->pos >= p->end)
	return (NULL);
    line = p->pos;
    nl = memchr(line, '\n', (size_t) (p->end - line));
    e = nl ? nl : p->end;
    p->pos = nl ? nl + 1 : p->end;
    p->lineno++;
    if (e > line && e[-1] == '\r')
	e--;
    len = (size_t) (e - line);
    if (p->lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
	line += 3;				/* UTF-8 byte order mark */
	len -= 3;
    }
    strcpy(out, "\n");
    if (memchr(line, 0, len) != NULL) {
	error(p, p->lineno, "NUL byte in line");
	return (out);
    }
    for (s = line; s < e && (*s == ' ' || *s == '\t'); s++)
	 /* void */ ;
    indented = (s > line);
    if (s == e || *s == ';' || *s == '#')
	return (out);				/* blank or comment, any length */
    len = (size_t) (e - s);
    if (*s == '[') {
	char    inner[RC_SECTION_MAX + 1];
	const char *close = memchr(s, ']', len);
	const char *after;

	if (close == NULL) {
	    error(p, p->lineno, "section header without ']'");
	    p->kind = SEC_BAD;
	    return (out);
	}
	for (after = close + 1; after < e && (*after == ' ' || *after == '\t'); after++)
	     /* void */ ;
	if (after < e && *after != ';' && *after != '#') {
	    error(p, p->lineno, "text after section header");
	    p->kind = SEC_BAD;
	    return (out);
	}
	if ((size_t) (close - s - 1) > RC_SECTION_MAX) {
	    error(p, p->lineno, "section header too long (at most %d characters "
		  "between the brackets)", RC_SECTION_MAX);
	    p->kind = SEC_BAD;
	    return (out);
	}
	memcpy(inner, s + 1, (size_t) (close - s - 1));
	inner[close - s - 1] = 0;
	begin_section(p, inner);
	strcpy(out, "[s]\n");			/* the real name is ours to keep */
	return (out);
    }
    if ((memchr(s, '=', len) == NULL && memchr(s, ':', len) == NULL)
	|| (indented && !key_like(s, len))) {
	char    tmp[sizeof(esc)];
	size_t  n = len < sizeof(tmp) - 1 ? len : sizeof(tmp) - 1;

	memcpy(tmp, s, n);			/* printable() cuts it with "..." */
	tmp[n] = 0;
	if (indented)
	    error(p, p->lineno, "indented continuation line \"%s\": continuation lines "
		  "are not supported, repeat the key instead",
		  printable(tmp, esc, sizeof(esc)));
	else
	    error(p, p->lineno, "expected \"key = value\", got \"%s\"",
		  printable(tmp, esc, sizeof(esc)));
	return (out);
    }
    if (num < 3 || len > (size_t) num - 3) {
	handler_line(p, s, len);
	return (out);
    }
    memcpy(out, s, len);
    out[len] = '\n';
    out[len + 1] = 0;
    return (out);
}

/* handler - one key = value, called by inih right after reader() */

static int
handler(void *user, const char *section, const char *name, const char *value)
{
    PARSER *p = user;
    const OPTION *opt = NULL;
    const OPTION *table = NULL;
    const char *why = "bad value";
    char    esc[80], vesc[80];

    (void) section;
    switch (p->kind) {
    case SEC_NONE:
	error(p, p->lineno, "key \"%s\" outside any section (start with [relaycheck])",
	      printable(name, esc, sizeof(esc)));
	return (1);
    case SEC_BAD:
	return (1);				/* already reported */
    case SEC_MAIN:
	table = main_options;
	break;
    case SEC_NSC:
	table = nsc_options;
	break;
    case SEC_DNSBL:
	table = dnsbl_options;
	break;
    case SEC_RHSBL:
	table = rhsbl_options;
	break;
    case SEC_SCORES:{
	    int     id = rc_check_by_id(name);
	    long    n;

	    if (id < 0 || id >= RC_CHK_NSCORE_COUNT) {
		error(p, p->lineno, "unknown check \"%s\" in [scores]",
		      printable(name, esc, sizeof(esc)));
		return (1);
	    }
	    if (p->score_line[id] != 0) {
		error(p, p->lineno, "duplicate key \"%s\" (first set on line %d)",
		      name, p->score_line[id]);
		return (1);
	    }
	    p->score_line[id] = p->lineno;
	    if (!parse_int(value, -1000, 1000, &n)) {
		error(p, p->lineno, "%s: \"%s\" is not an integer score (-1000..1000)",
		      name, printable(value, vesc, sizeof(vesc)));
		return (1);
	    }
	    p->cfg->scores[id] = (int) n;
	    return (1);
	}
    }
    if (table == NULL || (opt = find_option(table, name)) == NULL) {
	error(p, p->lineno, "unknown key \"%s\" in this section",
	      printable(name, esc, sizeof(esc)));
	return (1);
    }
    if (opt->type != OPT_LIST) {
	for (size_t i = 0; i < p->nseen; i++)
	    if (p->seen_opt[i] == opt) {
		error(p, p->lineno, "duplicate key \"%s\" (first set on line %d)",
		      name, p->seen_line[i]);
		return (1);
	    }
	if (p->nseen < 64) {
	    p->seen_opt[p->nseen] = opt;
	    p->seen_line[p->nseen++] = p->lineno;
	}
    }
    if (!opt->set(p, opt, value, &why))
	error(p, p->lineno, "%s: \"%s\": %s", name, printable(value, vesc, sizeof(vesc)), why);
    return (1);
}

/* is_inline_comment - does s[i] start a comment after a value (" ;")? */

static bool
is_inline_comment(const char *s, size_t i)
{
    return (s[i] == ';' && i > 0 && isspace((unsigned char) s[i - 1]));
}

/*
 * handler_line - a key line too long for inih's line buffer, split into
 * key and value here the way inih splits a short one (ini.c, r55): the key
 * ends at the first '=' or ':'; a ';' after a blank starts a comment, in
 * the key too; blanks around key and value are dropped. handler() then
 * gets it as it would from inih: a long list is read whole, a long value
 * of a single-valued key is refused by that key's own check.
 */

static void
handler_line(PARSER *p, const char *s, size_t len)
{
    char   *copy = malloc(len + 1), *name, *value;
    size_t  i, end;

    if (copy == NULL) {
	p->nomem = true;
	return;
    }
    memcpy(copy, s, len);
    copy[len] = 0;
    for (i = 0; i < len && copy[i] != '=' && copy[i] != ':'; i++)
	if (is_inline_comment(copy, i))
	    break;
    if (i == len || copy[i] == ';') {
	error(p, p->lineno, "syntax error");	/* as inih says it */
	free(copy);
	return;
    }
    copy[i] = 0;
    for (end = i; end > 0 && isspace((unsigned char) copy[end - 1]); end--)
	copy[end - 1] = 0;
    name = copy;
    value = copy + i + 1;
    for (end = 0; value[end] != 0; end++)
	if (is_inline_comment(value, end)) {
	    value[end] = 0;
	    break;
	}
    while (isspace((unsigned char) *value))
	value++;
    for (end = strlen(value); end > 0 && isspace((unsigned char) value[end - 1]); end--)
	value[end - 1] = 0;
    (void) handler(p, "", name, value);
    free(copy);
}

/* set_defaults - the built-in defaults (relaycheck.ini(5), DEFAULTS) */

static bool
set_defaults(RC_CONFIG *cfg)
{
    static const char *const skip[] = {"127.0.0.0/8", "::1"};
    static unsigned long generation;

    memset(cfg, 0, sizeof(*cfg));
    cfg->generation = ++generation;
    cfg->reject_score = 15;
    cfg->tempreject_score = 0;
    cfg->dns_timeout_ms = 5000;
    cfg->on_dns_failure = RC_DNSFAIL_ACCEPT;
    strcpy(cfg->header_prefix, "X-Relaycheck");
    cfg->skip_authenticated = true;
    cfg->domain_requires_spf = true;
    cfg->max_ptr_names = 10;
    strcpy(cfg->exempt_recipients[0], "postmaster");
    strcpy(cfg->exempt_recipients[1], "abuse");
    cfg->nexempt = 2;
    for (int i = 0; i < RC_CHK_NSCORE_COUNT; i++)
	cfg->scores[i] = rc_checkinfo[i].default_score;
    rc_iptable_init(&cfg->skip_hosts);
    rc_iptable_init(&cfg->nsc_ip);
    rc_nametable_init(&cfg->nsc_domain);
    rc_nametable_init(&cfg->nsc_host);
    for (size_t i = 0; i < 2; i++) {
	RC_CIDR c;
	const char *why;

	if (!rc_cidr_parse(skip[i], &c, &why) || !rc_iptable_add(&cfg->skip_hosts, &c, 0))
	    return (false);
    }
    return (true);
}

/*
 * seal - finish the tables; lists without `codes' count every answer from
 * 127.0.0.2 up (127.0.0.1 and 127.255.255.0/24 are never listings).
 */

static bool
seal(RC_CONFIG *cfg)
{
    RC_LIST *sets[2] = {cfg->dnsbl, cfg->rhsbl};
    size_t  ns[2] = {cfg->ndnsbl, cfg->nrhsbl};

    for (int k = 0; k < 2; k++)
	for (size_t i = 0; i < ns[k]; i++) {
	    RC_LIST *l = &sets[k][i];

	    if (l->ncodes == 0) {
		if ((l->codes = malloc(sizeof(*l->codes))) == NULL)
		    return (false);
		l->codes[0] = (RC_CODE) {
		    .bitmask = false, .lo = 0x7f000002u, .hi = 0x7fffffffu, .score = -1
		};
		l->ncodes = 1;
	    }
	}
    rc_iptable_seal(&cfg->skip_hosts);
    rc_iptable_seal(&cfg->nsc_ip);
    rc_nametable_seal(&cfg->nsc_domain);
    rc_nametable_seal(&cfg->nsc_host);
    return (true);
}

RC_CONFIG *
rc_config_defaults(void)
{
    RC_CONFIG *cfg = malloc(sizeof(*cfg));

    if (cfg == NULL)
	return (NULL);
    if (!set_defaults(cfg) || !seal(cfg)) {
	rc_config_free(cfg);
	return (NULL);
    }
    return (cfg);
}

/* parse_text - the common path of file and string parsing */

static RC_CONFIG *
parse_text(const char *name, const char *text, size_t len, char **errors)
{
    PARSER  p;
    RC_CONFIG *cfg = malloc(sizeof(*cfg));
    int     rc;

    *errors = NULL;
    memset(&p, 0, sizeof(p));
    if (cfg == NULL || !set_defaults(cfg)) {
	if (cfg)
	    rc_config_free(cfg);
	*errors = strdup("relaycheck: out of memory reading configuration\n");
	return (NULL);
    }
    p.name = name;
    p.cfg = cfg;
    p.pos = text;
    p.end = text + len;
    p.kind = SEC_NONE;
    rc = ini_parse_stream(reader, &p, handler, &p);
    if (rc > 0 && p.nerrors == 0)
	error(&p, rc, "syntax error");
    else if (rc < 0)
	p.nomem = true;

    /*
     * An empty file is what an editor or a copy leaves half-way: never run
     * on built-in defaults because of it. Reported only for an otherwise
     * valid file, whose other errors would say more.
     */
    if (!p.main_seen && p.nerrors == 0)
	error(&p, 1, "no [relaycheck] section: every configuration has one, even if "
	      "empty (is the file empty, or only partly written?)");
    if ((cfg->path = strdup(name)) == NULL || !seal(cfg))
	p.nomem = true;
    if (p.nomem) {
	error(&p, p.lineno, "out of memory");
	if (p.errors == NULL)
	    p.errors = strdup("relaycheck: out of memory reading configuration\n");
    }
    if (p.nerrors > 0 || p.nomem) {
	rc_config_free(cfg);
	*errors = p.errors;
	return (NULL);
    }
    free(p.errors);
    return (cfg);
}

RC_CONFIG *
rc_config_parse_string(const char *name, const char *text, char **errors)
{
    return (parse_text(name, text, strlen(text), errors));
}

/* rc_filestamp_of - the stamp of what stat() or fstat() returned */

void
rc_filestamp_of(const struct stat *sb, RC_FILESTAMP *st)
{
    st->dev = sb->st_dev;
    st->ino = sb->st_ino;
    st->size = sb->st_size;
    st->mtime = sb->st_mtim;
}

bool
rc_config_stamp(const char *path, RC_FILESTAMP *st)
{
    struct stat sb;

    if (stat(path, &sb) < 0)
	return (false);
    rc_filestamp_of(&sb, st);
    return (true);
}

bool
rc_filestamp_equal(const RC_FILESTAMP *a, const RC_FILESTAMP *b)
{
    return (a->dev == b->dev && a->ino == b->ino && a->size == b->size
	    && a->mtime.tv_sec == b->mtime.tv_sec
	    && a->mtime.tv_nsec == b->mtime.tv_nsec);
}

/*
 * open_regular - open a file for reading, refusing anything but a regular
 * file before a read can block: opened non-blocking (a FIFO without a
 * writer would otherwise block the open for ever), checked with fstat(),
 * then made blocking again. Symbolic links are followed, as fopen() does.
 * NULL with the error text in msg.
 */

static FILE *
open_regular(const char *path, struct stat *sb, char *msg, size_t len)
{
    int     fd, fl;
    FILE   *fp;

    if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0
	|| fstat(fd, sb) < 0) {
	snprintf(msg, len, "%s:0: cannot open: %s\n", path, strerror(errno));
	if (fd >= 0)
	    close(fd);
	return (NULL);
    }
    if (!S_ISREG(sb->st_mode)) {
	snprintf(msg, len, "%s:0: not a regular file\n", path);
	close(fd);
	return (NULL);
    }
    if ((fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0
	|| (fp = fdopen(fd, "r")) == NULL) {
	snprintf(msg, len, "%s:0: cannot open: %s\n", path, strerror(errno));
	close(fd);
	return (NULL);
    }
    return (fp);
}

RC_CONFIG *
rc_config_load(const char *path, char **errors, RC_FILESTAMP *stamp)
{
    FILE   *fp;
    char   *buf = NULL;
    size_t  len = 0, cap = 0;
    struct stat sb;
    RC_CONFIG *cfg;
    char    msg[600];

    *errors = NULL;
    if ((fp = open_regular(path, &sb, msg, sizeof(msg))) == NULL) {
	*errors = strdup(msg);
	return (NULL);
    }
    if (stamp)
	rc_filestamp_of(&sb, stamp);
    for (;;) {
	size_t  n;

	if (len + 1 >= cap) {
	    size_t  ncap = cap ? cap * 2 : (size_t) sb.st_size + 4096;
	    char   *nb = realloc(buf, ncap);

	    if (nb == NULL) {
		free(buf);
		fclose(fp);
		*errors = strdup("relaycheck: out of memory reading configuration\n");
		return (NULL);
	    }
	    buf = nb;
	    cap = ncap;
	}
	n = fread(buf + len, 1, cap - len - 1, fp);
	len += n;
	if (n == 0)
	    break;
    }
    if (ferror(fp)) {
	snprintf(msg, sizeof(msg), "%s:0: read error: %s\n", path, strerror(errno));
	free(buf);
	fclose(fp);
	*errors = strdup(msg);
	return (NULL);
    }
    fclose(fp);
    buf[len] = 0;
    cfg = parse_text(path, buf, len, errors);
    free(buf);
    return (cfg);
}

static void
free_lists(RC_LIST *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
	free(v[i].zone);
	free(v[i].codes);
    }
    free(v);
}

void
rc_config_free(RC_CONFIG *cfg)
{
    if (cfg == NULL)
	return;
    free(cfg->path);
    rc_iptable_free(&cfg->skip_hosts);
    rc_iptable_free(&cfg->nsc_ip);
    rc_nametable_free(&cfg->nsc_domain);
    rc_nametable_free(&cfg->nsc_host);
    free_lists(cfg->dnsbl, cfg->ndnsbl);
    free_lists(cfg->rhsbl, cfg->nrhsbl);
    free(cfg);
}

/*
 * rc_config_dump - the effective configuration as an INI text that
 * rc_config_load() reads back to the same configuration: every key with
 * its value (built-in defaults included), list entries one per line so
 * no line is long, blocklists and the No Server Check
 * list as loaded (codes after their defaults were applied).
 */

typedef struct dumpbuf {
    char       *s;
    size_t      len, cap;
    bool        nomem;
} DUMPBUF;

static void __attribute__((format(printf, 2, 3)))
dump_put(DUMPBUF *d, const char *fmt,...)
{
    va_list ap;
    int     n;

    if (d->nomem)
	return;
    for (;;) {
	size_t  room = d->cap - d->len;

	va_start(ap, fmt);
	n = vsnprintf(d->s ? d->s + d->len : NULL, d->s ? room : 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
	    d->nomem = true;
	    return;
	}
	if (d->s != NULL && (size_t) n < room) {
	    d->len += (size_t) n;
	    return;
	}
	{
	    size_t  ncap = (d->cap + (size_t) n + 1) * 2;
	    char   *ns = realloc(d->s, ncap);

	    if (ns == NULL) {
		d->nomem = true;
		return;
	    }
	    d->s = ns;
	    d->cap = ncap;
	}
    }
}

static void
dump_sockaddr(DUMPBUF *d, const struct sockaddr_storage *ss)
{
    char    host[INET6_ADDRSTRLEN];
    unsigned port;

    if (ss->ss_family == AF_INET) {
	const struct sockaddr_in *sin = (const struct sockaddr_in *) ss;

	inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
	port = ntohs(sin->sin_port);
	if (port == 53)
	    dump_put(d, "%s", host);
	else
	    dump_put(d, "%s:%u", host, port);
    } else {
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) ss;

	inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
	port = ntohs(sin6->sin6_port);
	if (port == 53)
	    dump_put(d, "%s", host);
	else
	    dump_put(d, "[%s]:%u", host, port);
    }
}

static void
dump_iptable(DUMPBUF *d, const char *key, const RC_IPTABLE *t, bool empty_line)
{
    char    buf[RC_ADDR_STRLEN + 8];

    if (t->n == 0 && empty_line)
	dump_put(d, "%s =\n", key);
    for (size_t i = 0; i < t->n; i++) {
	rc_cidr_format(&t->v[i].cidr, buf, sizeof(buf));
	dump_put(d, "%s = %s\n", key, buf);
    }
}

static void
dump_code(DUMPBUF *d, const RC_CODE *c)
{
    if (c->bitmask)
	dump_put(d, "&%u", c->lo);
    else {
	dump_put(d, "%u.%u.%u.%u", c->lo >> 24, (c->lo >> 16) & 255, (c->lo >> 8) & 255,
		 c->lo & 255);
	if (c->hi != c->lo)
	    dump_put(d, "-%u.%u.%u.%u", c->hi >> 24, (c->hi >> 16) & 255, (c->hi >> 8) & 255,
		     c->hi & 255);
    }
    if (c->score != -1)
	dump_put(d, "=%d", c->score);
}

static void
dump_list(DUMPBUF *d, const RC_LIST *l, bool rhs)
{
    static const char *const targets[] = {"sender", "helo", "ptr"};

    dump_put(d, "\n[%s %s]\n", rhs ? "rhsbl" : "dnsbl", l->zone);
    dump_put(d, "score = %d\n", l->score);
    for (size_t i = 0; i < l->ncodes; i++) {
	if (i % 4 == 0)
	    dump_put(d, "%scodes = ", i ? "\n" : "");
	else
	    dump_put(d, ", ");
	dump_code(d, &l->codes[i]);
    }
    if (l->ncodes > 0)
	dump_put(d, "\n");
    dump_put(d, "label = %s\n", l->label);
    dump_put(d, "txt = %s\n", l->txt ? "yes" : "no");
    if (rhs)
	dump_put(d, "target = %s\n", targets[l->target <= RC_RHS_PTR ? l->target : 0]);
}

char   *
rc_config_dump(const RC_CONFIG *cfg)
{
    DUMPBUF d = {NULL, 0, 0, false};

    dump_put(&d, "; relaycheck: effective configuration (%s)\n",
	     cfg->path ? cfg->path : "built-in defaults");
    dump_put(&d, "\n[relaycheck]\n");
    dump_put(&d, "reject_score = %d\n", cfg->reject_score);
    dump_put(&d, "tempreject_score = %d\n", cfg->tempreject_score);
    if (cfg->dns_timeout_ms % 1000 == 0)
	dump_put(&d, "dns_timeout = %ds\n", cfg->dns_timeout_ms / 1000);
    else
	dump_put(&d, "dns_timeout = %dms\n", cfg->dns_timeout_ms);
    if (cfg->nnameservers == 0)
	dump_put(&d, "nameservers =\n");
    for (size_t i = 0; i < cfg->nnameservers; i++) {
	dump_put(&d, "nameservers = ");
	dump_sockaddr(&d, &cfg->nameservers[i]);
	dump_put(&d, "\n");
    }
    dump_put(&d, "on_dns_failure = %s\n",
	     cfg->on_dns_failure == RC_DNSFAIL_TEMPREJECT ? "tempreject" : "accept");
    dump_put(&d, "header_prefix = %s\n", cfg->header_prefix);
    dump_put(&d, "skip_authenticated = %s\n", cfg->skip_authenticated ? "yes" : "no");
    dump_iptable(&d, "skip_hosts", &cfg->skip_hosts, true);
    dump_put(&d, "max_ptr_names = %d\n", cfg->max_ptr_names);
    if (cfg->nexempt == 0)
	dump_put(&d, "exempt_recipients =\n");
    for (size_t i = 0; i < cfg->nexempt; i++)
	dump_put(&d, "exempt_recipients = %s\n", cfg->exempt_recipients[i]);

    dump_put(&d, "\n[scores]\n");
    for (int i = 0; i < RC_CHK_NSCORE_COUNT; i++)
	dump_put(&d, "%s = %d\n", rc_checkinfo[i].id, cfg->scores[i]);

    for (size_t i = 0; i < cfg->ndnsbl; i++)
	dump_list(&d, &cfg->dnsbl[i], false);
    for (size_t i = 0; i < cfg->nrhsbl; i++)
	dump_list(&d, &cfg->rhsbl[i], true);

    dump_put(&d, "\n[no_server_check]\n");
    dump_put(&d, "domain_requires_spf = %s\n", cfg->domain_requires_spf ? "yes" : "no");
    dump_iptable(&d, "ip", &cfg->nsc_ip, false);
    for (size_t i = 0; i < cfg->nsc_domain.n; i++)
	dump_put(&d, "domain = %s\n", cfg->nsc_domain.v[i].name);
    for (size_t i = 0; i < cfg->nsc_host.n; i++) {
	if (cfg->nsc_host.v[i].exact)
	    dump_put(&d, "host = %s\n", cfg->nsc_host.v[i].name);
	if (cfg->nsc_host.v[i].below)
	    dump_put(&d, "host = .%s\n", cfg->nsc_host.v[i].name);
    }
    if (d.nomem) {
	free(d.s);
	return (NULL);
    }
    return (d.s);
}

/*
 * rc_config_override - set one single-valued [relaycheck] key of a
 * configuration that is not yet in use, with the same validation as the
 * INI file. The static build uses it for the options of Exim's `begin
 * local_scan' section, which override the file. List keys (nameservers,
 * skip_hosts) cannot be overridden. On failure returns false with a
 * reason in *why; the setters store a value only once it is valid.
 */
bool
rc_config_override(RC_CONFIG *cfg, const char *key, const char *value, const char **why)
{
    const OPTION *opt = find_option(main_options, key);
    PARSER  p;
    bool    ok;

    if (opt == NULL || opt->type == OPT_LIST) {
	*why = "not a single-valued [relaycheck] key";
	return (false);
    }
    memset(&p, 0, sizeof(p));
    p.name = "override";
    p.cfg = cfg;
    p.kind = SEC_MAIN;
    *why = "bad value";
    ok = opt->set(&p, opt, value, why);
    free(p.errors);
    return (ok);
}
