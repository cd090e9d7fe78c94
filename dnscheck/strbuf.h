#ifndef RC_STRBUF_H_INCLUDED
#define RC_STRBUF_H_INCLUDED

/*
 * strbuf - the one string builder: appends text to a caller's fixed buffer
 * (what does not fit is cut, the result is always terminated) or to a heap
 * buffer that grows (a failed allocation is remembered and later appends are
 * ignored, so the caller checks once at the end).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct rc_strbuf {
    char       *s;			/* terminated once anything was added */
    size_t      len;			/* characters in s */
    size_t      cap;			/* bytes at s */
    bool        grows;			/* heap, realloc()ed; else fixed */
    bool        cut;			/* fixed: something did not fit;
					 * heap: out of memory */
} RC_STRBUF;

/* rc_strbuf_fixed - build into buf[cap]; buf becomes "" at once */
extern void rc_strbuf_fixed(RC_STRBUF *, char *buf, size_t cap);

/* rc_strbuf_heap - build into a growing heap buffer (s NULL until the first append) */
extern void rc_strbuf_heap(RC_STRBUF *);

/* rc_strbuf_add - append n bytes of s */
extern void rc_strbuf_add(RC_STRBUF *, const char *s, size_t n);

/* rc_strbuf_printf - append formatted text */
extern void __attribute__((format(printf, 2, 3))) rc_strbuf_printf(RC_STRBUF *, const char *fmt,...);
extern void __attribute__((format(printf, 2, 0))) rc_strbuf_vprintf(RC_STRBUF *, const char *fmt, va_list);

/*
 * rc_strbuf_take - a heap buffer's string, for the caller to free(): NULL
 * when an allocation failed (what was built is freed). An empty buffer gives
 * "" (allocated). The buffer is empty afterwards.
 */
extern char *rc_strbuf_take(RC_STRBUF *);

#endif
