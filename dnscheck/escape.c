/*
 * escape.c - bounded, printable copies of untrusted text
 */
#include "escape.h"

#include <stdio.h>
#include <string.h>

/* escaped_len - the length of the whole escaped text */

static size_t
escaped_len(const char *src, size_t srclen)
{
    size_t  n = 0;

    for (size_t i = 0; i < srclen; i++)
	n += ((unsigned char) src[i] >= 0x20 && (unsigned char) src[i] < 0x7f) ? 1 : 4;
    return (n);
}

void
rc_escape(char *dst, size_t dstlen, const char *src, size_t srclen)
{
    size_t  o = 0, i;
    /* Keep room for "..." only when the text will not fit whole. */
    size_t  reserve = escaped_len(src, srclen) < dstlen ? 1 : 4;

    if (dstlen == 0)
	return;
    for (i = 0; i < srclen; i++) {
	unsigned char c = (unsigned char) src[i];
	size_t  need = (c >= 0x20 && c < 0x7f) ? 1 : 4;

	if (o + need + reserve > dstlen)	/* room for "...", NUL */
	    break;
	if (need == 1)
	    dst[o++] = (char) c;
	else
	    o += (size_t) snprintf(dst + o, dstlen - o, "\\x%02x", c);
    }
    if (i < srclen && o + 4 <= dstlen) {
	memcpy(dst + o, "...", 3);
	o += 3;
    }
    dst[o] = 0;
}
