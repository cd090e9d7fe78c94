/*
 * strbuf - the one string builder (see strbuf.h). The report's texts are
 * built into fixed buffers whose sizes Exim's limits set; the configuration
 * dump, the parser's error list and the SPF record copy grow on the heap.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

void
rc_strbuf_fixed(RC_STRBUF *b, char *buf, size_t cap)
{
    b->s = buf;
    b->len = 0;
    b->cap = cap;
    b->grows = false;
    b->cut = false;
    if (cap > 0)
	buf[0] = 0;
}

void
rc_strbuf_heap(RC_STRBUF *b)
{
    b->s = NULL;
    b->len = b->cap = 0;
    b->grows = true;
    b->cut = false;
}

/* room - make space for n more bytes and the terminator; false if there is none */

static bool
room(RC_STRBUF *b, size_t n)
{
    size_t  ncap;
    char   *ns;

    if (b->len + n + 1 <= b->cap)
	return (true);
    if (!b->grows || b->cut || n > SIZE_MAX / 4 || b->cap > SIZE_MAX / 4)
	return (false);
    ncap = (b->cap + n + 1) * 2;
    if ((ns = realloc(b->s, ncap)) == NULL)
	return (false);
    b->s = ns;
    b->cap = ncap;
    return (true);
}

void
rc_strbuf_add(RC_STRBUF *b, const char *s, size_t n)
{
    if (b->cut && b->grows)
	return;
    if (!room(b, n)) {
	b->cut = true;
	if (b->grows || b->cap == 0)
	    return;
	n = b->cap - 1 - b->len;		/* fixed: what fits */
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void
rc_strbuf_vprintf(RC_STRBUF *b, const char *fmt, va_list ap)
{
    va_list again;
    int     n;

    if ((b->cut && b->grows) || (!b->grows && b->cap == 0))
	return;
    va_copy(again, ap);
    n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
    if (n < 0) {
	b->cut = true;
    } else if (b->s != NULL && (size_t) n < b->cap - b->len) {
	b->len += (size_t) n;
    } else if (room(b, (size_t) n)) {
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, again);
	b->len += (size_t) n;
    } else {
	b->cut = true;
	if (!b->grows)
	    b->len = b->cap - 1;		/* vsnprintf() wrote what fits */
    }
    va_end(again);
}

void
rc_strbuf_printf(RC_STRBUF *b, const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    rc_strbuf_vprintf(b, fmt, ap);
    va_end(ap);
}

char   *
rc_strbuf_take(RC_STRBUF *b)
{
    char   *s = b->s;

    if (b->cut) {
	free(s);
	s = NULL;
    } else if (s == NULL) {
	s = strdup("");
    }
    rc_strbuf_heap(b);
    return (s);
}
