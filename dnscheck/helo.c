/*
 * helo.c - HELO name checks
 *
 * RFC 5321 4.1.4 allows an address literal in HELO; many legitimate but
 * sloppy servers use their own one, so that scores least. A literal naming
 * some other address, or a private one, is a lie about the client and
 * scores like a forged name. A HELO naming this very server is the classic
 * spam-engine trick and scores high.
 */
#include "helo.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dnsname.h"
#include "verdict.h"
#include "escape.h"

bool
rc_addr_reserved(const RC_ADDR *a)
{
    static const char *const nets[] = {
	"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
	"172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4",
	"::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8", NULL
    };

    for (int i = 0; nets[i]; i++) {
	RC_CIDR c;
	const char *why;

	if (rc_cidr_parse(nets[i], &c, &why) && rc_cidr_contains(&c, a))
	    return (true);
    }
    return (false);
}

/* helo_literal - "[a.b.c.d]", "[IPv6:...]" or a bare address; false if not */

static bool
helo_literal(const char *helo, RC_ADDR *a)
{
    char    buf[64];
    size_t  len = strlen(helo);

    if (len >= sizeof(buf))
	return (false);
    if (helo[0] == '[' && len > 2 && helo[len - 1] == ']') {
	const char *in = helo + 1;
	size_t  ilen = len - 2;

	if (ilen > 5 && strncasecmp(in, "IPv6:", 5) == 0) {
	    in += 5;
	    ilen -= 5;
	}
	memcpy(buf, in, ilen);
	buf[ilen] = 0;
	return (rc_addr_parse(buf, a));
    }
    return (rc_addr_parse(helo, a));
}

/* rc_helo_normalize - one trailing dot off, once, for every rule */

const char *
rc_helo_normalize(const char *helo, char *buf, size_t len)
{
    size_t  n;

    if (helo == NULL || (n = strlen(helo)) < 2 || helo[n - 1] != '.' || n > len)
	return (helo);
    memcpy(buf, helo, n - 1);
    buf[n - 1] = 0;
    return (buf);
}

/*
 * fqdn_problem - why a (normalised) name is not a usable FQDN, or NULL. A
 * trailing dot left after normalisation ends an empty label.
 */
static const char *
fqdn_problem(const char *s)
{
    size_t  len = strlen(s);
    const char *last, *why;

    if (len == 0)
	return ("no HELO/EHLO name");
    if (strcmp(s, ".") == 0)
	return ("not a host name");
    if (len > 253)
	return ("longer than 253 characters");
    if (strcasecmp(s, "localhost") == 0 || strncasecmp(s, "localhost.", 10) == 0)
	return ("localhost");
    if (strchr(s, '.') == NULL)
	return ("no dot");
    if ((why = rc_dnsname_problem(s, RC_DN_HOST)) != NULL)
	return (why);
    last = strrchr(s, '.');
    if (last != NULL) {
	bool    numeric = true;

	for (const char *p = last + 1; *p; p++)
	    if (!isdigit((unsigned char) *p))
		numeric = false;
	if (numeric)
	    return ("numeric top-level label");
    }
    return (NULL);
}

static void
found(RC_HELOCHECK *h, RC_CHECK c, RC_STATUS st, const char *detail)
{
    h->check = c;
    h->status = st;
    snprintf(h->detail, sizeof(h->detail), "%s", detail);
}

void
rc_helo_start(RC_HELOCHECK *h, RC_RESOLVER *r, const RC_CONFIG *cfg, const char *helo,
	      const RC_ADDR *client, const char *primary_hostname, const char *interface_ip)
{
    RC_ADDR lit, ours;
    const char *why;
    char    detail[RC_DETAIL_MAX], cip[RC_ADDR_STRLEN], ours_name[256];

    memset(h, 0, sizeof(*h));
    h->client = *client;
    h->status = RC_SKIP;
    helo = helo ? helo : "";
    rc_escape(h->name, sizeof(h->name), helo, strlen(helo));
    rc_addr_format(client, cip, sizeof(cip));

    if (helo_literal(helo, &lit)) {
	bool    is_us = interface_ip && rc_addr_parse(interface_ip, &ours)
	    && rc_addr_cmp(&ours, &lit) == 0 && rc_addr_cmp(&lit, client) != 0;

	if (is_us) {
	    snprintf(detail, sizeof(detail), "%.200s is this server's address", h->name);
	    found(h, RC_CHK_HELO_IS_US, RC_HIT, detail);
	} else if (rc_addr_cmp(&lit, client) == 0)
	    found(h, RC_CHK_HELO_BARE_IP, RC_HIT, h->name);
	else if (rc_addr_reserved(&lit)) {
	    snprintf(detail, sizeof(detail), "%.200s is a private/reserved address", h->name);
	    found(h, RC_CHK_HELO_WRONG_IP, RC_HIT, detail);
	} else {
	    snprintf(detail, sizeof(detail), "%.200s is not the client address %s", h->name, cip);
	    found(h, RC_CHK_HELO_WRONG_IP, RC_HIT, detail);
	}
	return;
    }
    if (primary_hostname && *primary_hostname
	&& strcasecmp(helo, rc_helo_normalize(primary_hostname, ours_name, sizeof(ours_name))) == 0) {
	snprintf(detail, sizeof(detail), "%.200s is this server's name", h->name);
	found(h, RC_CHK_HELO_IS_US, RC_HIT, detail);
	return;
    }
    if ((why = fqdn_problem(helo)) != NULL) {
	if (*helo)
	    snprintf(detail, sizeof(detail), "%.200s: %s", h->name, why);
	else
	    snprintf(detail, sizeof(detail), "%s", why);
	found(h, RC_CHK_HELO_NOT_FQDN, RC_HIT, detail);
	return;
    }
    /* A plausible name: does it resolve to the client? */
    found(h, RC_CHK_HELO_MISMATCH, RC_SKIP, h->name);
    if (cfg->scores[RC_CHK_HELO_MISMATCH] != 0) {
	h->looked_up = true;
	h->query = rc_query_submit(r, helo, client->v4 ? RC_T_A : RC_T_AAAA, NULL, h, 0);
    }
}

void
rc_helo_finish(const RC_HELOCHECK *h, const RC_CONFIG *cfg, RC_VERDICT *v)
{
    char    detail[RC_DETAIL_MAX], how[96], cip[RC_ADDR_STRLEN];
    RC_CHECK c = h->check;
    bool    found;

    if (cfg->scores[c] == 0)
	return;
    if (c != RC_CHK_HELO_MISMATCH) {
	rc_verdict_add(v, c, h->status, h->status == RC_HIT ? cfg->scores[c] : 0,
		       rc_checkinfo[c].text, h->detail);
	return;
    }
    if (!h->looked_up)
	return;
    rc_addr_format(&h->client, cip, sizeof(cip));
    if (rc_query_undecided(h->query)) {
	rc_query_describe(h->query, how, sizeof(how));
	snprintf(detail, sizeof(detail), "%.200s: %s", h->name, how);
	rc_verdict_add(v, c, RC_TEMP, 0, "HELO: lookup of the name failed", detail);
	return;
    }
    (void) rc_query_addrs(h->query, h->client.b, h->client.v4, &found, NULL, 0);
    if (found) {
	rc_verdict_add(v, c, RC_PASS, 0, "HELO: name resolves to the IP", h->name);
	return;
    }
    snprintf(detail, sizeof(detail), "%.200s %s %s", h->name,
	     h->query->state == RC_Q_ABSENT ? "has no address record, not" : "does not include",
	     cip);
    rc_verdict_add(v, c, RC_HIT, cfg->scores[c], rc_checkinfo[c].text, detail);
}

/* The row (checkdef.h): the HELO rules, one finding at most. */

static void
row_start(RC_RUN *run, void *state)
{
    rc_helo_start(state, run->r, run->cfg, run->facts->helo, &run->client,
		  run->facts->primary_hostname, run->facts->interface_ip);
}

static void
row_finish(RC_RUN *run, void *state, RC_VERDICT *v)
{
    rc_helo_finish(state, run->cfg, v);
}

const RC_CHECKDEF rc_row_helo = {
    .name = "helo",
    .ids = {RC_CHK_HELO_BARE_IP, RC_CHK_HELO_NOT_FQDN, RC_CHK_HELO_MISMATCH,
	    RC_CHK_HELO_WRONG_IP, RC_CHK_HELO_IS_US},
    .nids = 5,
    .scope = RC_SCOPE_CLIENT,
    .needs = RC_FACT_CLIENT | RC_FACT_HELO,
    .state_size = sizeof(RC_HELOCHECK),
    .start = row_start,
    .finish = row_finish,
};
