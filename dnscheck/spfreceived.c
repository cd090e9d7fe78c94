/*
 * spfreceived.c - the Received-SPF header value (RFC 7208 9.1)
 *
 * libspf2 1.2.10's SPF_i_done() builds a Received-SPF text cut at 480
 * bytes (a long sender loses helo= and the final ';') and never folded.
 * The value is built here instead, always, in the same form: every part
 * there, escaped, a value that is not a dot-atom quoted, and folded with
 * "\n\t" to RFC 5322's 998 characters a line (RC_SPF_HEADER_MAX, spf.h).
 */
#include "spfreceived.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"

#define RC_SPF_LINE_MAX		998	/* RFC 5322 2.1.1, without CRLF */
#define RC_SPF_HNAME		"Received-SPF: "
#define RC_SPF_VALUE_MAX	400	/* escaped sender/HELO in Received-SPF */

/*
 * rc_spf_hvalue - a key's value: the escaped text as it is when it is a
 * dot-atom or an address of dot-atoms, else a quoted-string. At most
 * RC_SPF_VALUE_MAX escaped characters ("..." marks a cut); dst holds
 * 2 * RC_SPF_VALUE_MAX + 3 bytes.
 */
static void
rc_spf_hvalue(char *dst, size_t len, const char *raw)
{
    char    esc[RC_SPF_VALUE_MAX + 1];
    bool    plain;
    size_t  j = 0;

    rc_escape(esc, sizeof(esc), raw, strlen(raw));
    plain = esc[0] != 0;
    for (const char *p = esc; *p && plain; p++)
	plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
	    || (*p >= '0' && *p <= '9') || strchr("!#$%&'*+-/=?^_`{|}~.@", *p) != NULL;
    if (plain) {
	snprintf(dst, len, "%s", esc);
	return;
    }
    dst[j++] = '"';
    for (const char *p = esc; *p && j + 4 < len; p++) {
	if (*p == '"' || *p == '\\')
	    dst[j++] = '\\';
	dst[j++] = *p;
    }
    dst[j++] = '"';
    dst[j] = 0;
}

/*
 * rc_spf_ctext - escaped text for inside a comment: '(', ')' and '\' as
 * quoted-pairs. dst holds 2 * max + 1 bytes.
 */
static void
rc_spf_ctext(char *dst, size_t len, const char *raw, size_t max)
{
    char    esc[RC_SPF_NAME_MAX * 2];
    size_t  j = 0;

    if (max >= sizeof(esc))
	max = sizeof(esc) - 1;
    rc_escape(esc, max + 1, raw, strlen(raw));
    for (const char *p = esc; *p && j + 3 < len; p++) {
	if (*p == '(' || *p == ')' || *p == '\\')
	    dst[j++] = '\\';
	dst[j++] = *p;
    }
    dst[j] = 0;
}

/*
 * rc_spf_fold - append one word (len bytes of w) to the header value in
 * dst: after a space, or after a fold ("\n\t") when the line would grow
 * past RC_SPF_LINE_MAX; *col is the length of the current line, counting
 * "Received-SPF: " on the first. A word too long for a line of its own
 * is cut with "..." (the parts are bounded so that it does not happen).
 */
static void
rc_spf_fold(char *dst, size_t dstlen, size_t *col, const char *w, size_t len)
{
    size_t  used = strlen(dst);
    bool    cut = false;

    if (len > RC_SPF_LINE_MAX - 1) {
	len = RC_SPF_LINE_MAX - 4;
	cut = true;
    }
    if (used > 0 && *col + 1 + len + (cut ? 3 : 0) > RC_SPF_LINE_MAX) {
	if (used + 2 < dstlen) {
	    memcpy(dst + used, "\n\t", 3);
	    used += 2;
	}
	*col = 1;
    } else if (used > 0) {
	if (used + 1 < dstlen)
	    dst[used++] = ' ';
	dst[used] = 0;
	++*col;
    }
    if (used + len + 4 > dstlen)	/* cannot happen: the buffer is sized */
	return;
    memcpy(dst + used, w, len);
    memcpy(dst + used + len, cut ? "..." : "", cut ? 4 : 1);
    *col += len + (cut ? 3 : 0);
}

/* rc_spf_fold_words - each space-separated word of text, as rc_spf_fold() */

static void
rc_spf_fold_words(char *dst, size_t dstlen, size_t *col, const char *text)
{
    while (*text) {
	size_t  n = strcspn(text, " ");

	if (n > 0)
	    rc_spf_fold(dst, dstlen, col, text, n);
	text += n;
	text += strspn(text, " ");
    }
}

/* rc_spf_received - the value, complete and folded (spfreceived.h) */

void
rc_spf_received(RC_SPF *out, const RC_SPF_INPUT *in, SPF_request_t *req, RC_SPF_RESULT res,
		const char *why)
{
    const char *rd = req != NULL ? SPF_request_get_rec_dom(req) : NULL;
    const char *from = req != NULL && req->env_from != NULL ? req->env_from : in->sender;
    char    rcv[RC_SPF_NAME_MAX * 2], dom[RC_SPF_NAME_MAX * 2], reason[RC_SPF_NAME_MAX * 2];
    char    comment[RC_SPF_NAME_MAX * 8], word[2 * RC_SPF_VALUE_MAX + 40];
    char    value[2 * RC_SPF_VALUE_MAX + 3];
    size_t  col = strlen(RC_SPF_HNAME);

    rc_spf_ctext(rcv, sizeof(rcv), rd != NULL && *rd ? rd : "localhost", RC_SPF_NAME_MAX - 1);
    rc_spf_ctext(dom, sizeof(dom), in->dom, RC_SPF_NAME_MAX - 1);
    switch (res) {
    case RC_SPF_PASS:
	snprintf(comment, sizeof(comment), "(%s: domain of %s designates %s as permitted "
		 "sender)", rcv, dom, in->ip);
	break;
    case RC_SPF_FAIL:
	snprintf(comment, sizeof(comment), "(%s: domain of %s does not designate %s as "
		 "permitted sender)", rcv, dom, in->ip);
	break;
    case RC_SPF_SOFTFAIL:
	snprintf(comment, sizeof(comment), "(%s: transitioning domain of %s does not "
		 "designate %s as permitted sender)", rcv, dom, in->ip);
	break;
    case RC_SPF_NEUTRAL:
	snprintf(comment, sizeof(comment), "(%s: %s is neither permitted nor denied by "
		 "domain of %s)", rcv, in->ip, dom);
	break;
    case RC_SPF_NONE:
	snprintf(comment, sizeof(comment), "(%s: domain of %s does not provide an SPF "
		 "record)", rcv, dom);
	break;
    case RC_SPF_TEMPERROR:
	snprintf(comment, sizeof(comment), "(%s: encountered temporary error during SPF "
		 "processing of domain of %s)", rcv, dom);
	break;
    case RC_SPF_PERMERROR:
    case RC_SPF_SKIP:
	rc_spf_ctext(reason, sizeof(reason), why ? why : "permanent error",
		     RC_SPF_NAME_MAX - 1);
	snprintf(comment, sizeof(comment), "(%s: error in processing during lookup of "
		 "domain of %s: %s)", rcv, dom, reason);
	break;
    }
    out->received_spf[0] = 0;
    rc_spf_fold_words(out->received_spf, sizeof(out->received_spf), &col,
		      rc_spf_result_name(res));
    rc_spf_fold_words(out->received_spf, sizeof(out->received_spf), &col, comment);
    snprintf(word, sizeof(word), "client-ip=%s;", in->ip);
    rc_spf_fold(out->received_spf, sizeof(out->received_spf), &col, word, strlen(word));
    rc_spf_hvalue(value, sizeof(value), from);
    snprintf(word, sizeof(word), "envelope-from=%s;", value);
    rc_spf_fold(out->received_spf, sizeof(out->received_spf), &col, word, strlen(word));
    if (*in->helo) {
	rc_spf_hvalue(value, sizeof(value), in->helo);
	snprintf(word, sizeof(word), "helo=%s;", value);
	rc_spf_fold(out->received_spf, sizeof(out->received_spf), &col, word, strlen(word));
    }
    snprintf(word, sizeof(word), "identity=%s;", out->helo_identity ? "helo" : "mailfrom");
    rc_spf_fold(out->received_spf, sizeof(out->received_spf), &col, word, strlen(word));
}
