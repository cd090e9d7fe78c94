/*
 * escape.h - make hostile text safe for headers, log lines and replies
 *
 * rc_escape() copies at most `max' input bytes into dst as printable
 * ASCII: bytes outside 0x20..0x7e become \xHH and backslash stays
 * backslash; the result is always NUL-terminated, and "..." marks a cut.
 */
#ifndef RC_ESCAPE_H_INCLUDED
#define RC_ESCAPE_H_INCLUDED

#include <stddef.h>

extern void rc_escape(char *dst, size_t dstlen, const char *src, size_t srclen);

#endif
