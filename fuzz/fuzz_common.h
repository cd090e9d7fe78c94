/*
 * fuzz_common.h - helpers shared by the libFuzzer targets (header only)
 *
 * A fuzz target reads its input with the FDP (a small C cousin of
 * LLVM's FuzzedDataProvider: bytes, integers and length-prefixed strings
 * from the front, never past the end) and states what must hold with
 * FUZZ_CHECK: a failed check prints the condition and aborts, which
 * libFuzzer records as a crash with the input that caused it.
 */
#ifndef FUZZ_COMMON_H_INCLUDED
#define FUZZ_COMMON_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, ...) do { \
	if (!(cond)) { \
	    fprintf(stderr, "%s:%d: check failed: %s\n  ", __FILE__, __LINE__, #cond); \
	    fprintf(stderr, __VA_ARGS__); \
	    fputc('\n', stderr); \
	    abort(); \
	} \
    } while (0)

typedef struct fdp {
    const uint8_t *p;
    size_t      left;
} FDP;

static inline FDP
fdp_init(const uint8_t *data, size_t size)
{
    FDP     f = {data, size};

    return (f);
}

/* fdp_u8 - next byte, 0 when the input is used up */
static inline uint8_t
fdp_u8(FDP *f)
{
    if (f->left == 0)
	return (0);
    f->left--;
    return (*f->p++);
}

static inline uint16_t
fdp_u16(FDP *f)
{
    uint16_t hi = fdp_u8(f);

    return ((uint16_t) (hi << 8 | fdp_u8(f)));
}

static inline uint32_t
fdp_u32(FDP *f)
{
    uint32_t hi = fdp_u16(f);

    return (hi << 16 | fdp_u16(f));
}

/* fdp_bytes - up to n bytes into buf (zero-filled when short); how many */
static inline size_t
fdp_bytes(FDP *f, void *buf, size_t n)
{
    size_t  k = n < f->left ? n : f->left;

    memcpy(buf, f->p, k);
    memset((char *) buf + k, 0, n - k);
    f->p += k;
    f->left -= k;
    return (k);
}

/*
 * fdp_line - a string of at most max bytes: up to the next '\n' (which is
 * consumed) or the end of the input; malloc'ed, NUL-terminated, may hold
 * NUL bytes inside (*len says how long it really is).
 */
static inline char *
fdp_line(FDP *f, size_t max, size_t *len)
{
    const uint8_t *nl = memchr(f->p, '\n', f->left);
    size_t  n = nl ? (size_t) (nl - f->p) : f->left;
    char   *s;

    if (n > max)
	n = max;
    if ((s = malloc(n + 1)) == NULL)
	abort();
    memcpy(s, f->p, n);
    s[n] = 0;
    f->p += n;
    f->left -= n;
    if (f->left > 0 && *f->p == '\n') {
	f->p++;
	f->left--;
    }
    if (len)
	*len = n;
    return (s);
}

/* fdp_rest - the remaining input as a malloc'ed NUL-terminated string */
static inline char *
fdp_rest(FDP *f, size_t *len)
{
    char   *s = malloc(f->left + 1);

    if (s == NULL)
	abort();
    memcpy(s, f->p, f->left);
    s[f->left] = 0;
    if (len)
	*len = f->left;
    f->p += f->left;
    f->left = 0;
    return (s);
}

/* printable_n - every byte of s[0..n) is printable ASCII (0x20..0x7e) */
static inline bool
printable_n(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
	if ((unsigned char) s[i] < 0x20 || (unsigned char) s[i] > 0x7e)
	    return (false);
    return (true);
}

static inline bool
printable(const char *s)
{
    return (printable_n(s, strlen(s)));
}

/* first_bad - offset of the first non-printable byte other than those in `allow' */
static inline long
first_bad(const char *s, const char *allow)
{
    for (size_t i = 0; s[i]; i++) {
	unsigned char c = (unsigned char) s[i];

	if ((c < 0x20 || c > 0x7e) && (c == 0 || strchr(allow, c) == NULL))
	    return ((long) i);
    }
    return (-1);
}

/*
 * bounded_buf - a heap buffer of exactly len bytes (AddressSanitizer sees
 * every byte written past it), filled with a canary value so that a
 * function that forgets to write anything is noticed too.
 */
static inline char *
bounded_buf(size_t len)
{
    char   *b = malloc(len);		/* ASan: malloc(0) has no usable byte */

    if (b == NULL)
	abort();
    memset(b, 'Z', len);
    return (b);
}

/* terminated - a NUL inside buf[0..len) */
static inline bool
terminated(const char *buf, size_t len)
{
    return (len > 0 && memchr(buf, 0, len) != NULL);
}

#endif
