/*
 * fuzz_nsccache.c - a compiled No Server Check file, as a process maps it
 *
 * Input: the bytes of a compiled file (nsccache.h: RC_NSC_HEADER, the INI
 * path, the rest of the INI text, the table, the bucket index). They are
 * copied into a buffer of exactly their size, aligned as a mapping is. The
 * harness overwrites only the INI file's stamp in the header with the one
 * it checks against (no input could guess a file's inode and mtime); the
 * INI path it checks against is FUZZ_PATH, which the seeds name.
 *
 * What must hold:
 *   - rc_nsccache_check() returns, reading nothing outside the image;
 *   - a table it accepts answers every lookup exactly as a linear scan
 *     does (the most specific prefix containing the address), and the INI
 *     text it returns ends inside the image;
 *   - a table it refuses, looked at anyway through the header's offsets
 *     (when they are inside the image), still gives lookups that end and
 *     stay inside the table: rc_iptable_lookup() bounds its walk.
 * Hangs (an entry that is its own parent) are caught by libFuzzer's
 * -timeout, crashes by AddressSanitizer and UBSan (a shift of 200 bits).
 */
#include <stddef.h>

#include "fuzz_common.h"

#include "allowlist/nsccache.h"

#define FUZZ_PATH	"/etc/exim4/relaycheck.ini"
#define MAX_PROBES	64

static const RC_FILESTAMP stamp = {
    .dev = 0x801, .ino = 4242, .size = 1234, .mtime = {.tv_sec = 1700000000, .tv_nsec = 5},
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    /* The layout fuzz/mkseeds.py writes; a change needs new seeds. */
    FUZZ_CHECK(sizeof(RC_NSC_HEADER) == 128 && sizeof(RC_IPENTRY) == 64
	       && offsetof(RC_IPENTRY, last) == 24 && offsetof(RC_IPENTRY, parent) == 48
	       && offsetof(RC_IPENTRY, line) == 56 && offsetof(RC_CIDR, plen) == 20,
	       "RC_NSC_HEADER or RC_IPENTRY changed: update fuzz/mkseeds.py");
    return (0);
}

/* probe - the addresses around entry i: first, last, and their neighbours */

static void
probes(const RC_IPTABLE *t, size_t i, RC_ADDR out[4])
{
    out[0] = t->v[i].cidr.addr;
    out[1] = t->v[i].last;
    out[2] = out[0];
    out[3] = out[1];
    for (int k = 15; k >= 0 && out[2].b[k]-- == 0; k--)
	 /* borrow */ ;
    for (int k = 15; k >= 0 && ++out[3].b[k] == 0; k--)
	 /* carry */ ;
}

static void
check_accepted(const RC_IPTABLE *t, const char *text, const char *image, size_t size)
{
    size_t  step = t->n / MAX_PROBES + 1;

    FUZZ_CHECK(text >= image && text < image + size
	       && memchr(text, 0, (size_t) (image + size - text)) != NULL,
	       "INI text not inside the image");
    for (size_t i = 0; i < t->n; i += step) {
	RC_ADDR a[4];

	probes(t, i, a);
	for (int k = 0; k < 4; k++) {
	    const RC_IPENTRY *got = rc_iptable_lookup(t, &a[k]), *want = rc_iptable_lookup_linear(t, &a[k]);

	    FUZZ_CHECK(got == want, "entry %zu probe %d: lookup %ld, linear scan %ld", i, k,
		       got ? (long) (got - t->v) : -1L, want ? (long) (want - t->v) : -1L);
	}
    }
}

/* check_refused - lookups in the unchecked table end and stay inside it */

static void
check_refused(const char *image, size_t size)
{
    const RC_NSC_HEADER *h = (const void *) image;
    RC_IPTABLE t;
    uint64_t keys;

    if (size < sizeof(*h) || h->n >= UINT32_MAX || h->table_off % RC_NSC_ALIGN
	|| h->table_off > size || h->n * sizeof(RC_IPENTRY) > size - h->table_off)
	return;
    rc_iptable_init(&t);
    t.v = (void *) (image + h->table_off);
    t.n = (size_t) h->n;
    t.sealed = true;
    if (h->index_off != 0 && h->index_off % RC_NSC_ALIGN == 0 && h->index_off <= size
	&& h->bits >= RC_IPTABLE_BITS_MIN && h->bits <= RC_IPTABLE_BITS_MAX) {
	keys = RC_IPTABLE_KEYS(h->bits);
	if ((keys + 1) * sizeof(uint32_t) <= size - h->index_off) {
	    t.index = (const void *) (image + h->index_off);
	    t.bits = h->bits;
	}
    }
    for (size_t i = 0; i < t.n && i < MAX_PROBES; i++) {
	RC_ADDR a[4];

	probes(&t, i, a);
	for (int k = 0; k < 4; k++) {
	    const RC_IPENTRY *got = rc_iptable_lookup(&t, &a[k]);

	    FUZZ_CHECK(got == NULL || (got >= t.v && got < t.v + t.n),
		       "lookup outside the table");
	}
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char   *image = NULL;
    RC_IPTABLE t;
    const char *text = NULL;

    if (size > 4 * 1024 * 1024)
	return (0);
    if (posix_memalign((void **) &image, RC_NSC_ALIGN, size ? size : 1) != 0)
	abort();
    memcpy(image, data, size);
    if (size >= sizeof(RC_NSC_HEADER)) {
	RC_NSC_HEADER *h = (void *) image;

	h->ini_dev = (uint64_t) stamp.dev;
	h->ini_ino = (uint64_t) stamp.ino;
	h->ini_size = (uint64_t) stamp.size;
	h->ini_mtime_sec = (int64_t) stamp.mtime.tv_sec;
	h->ini_mtime_nsec = (int64_t) stamp.mtime.tv_nsec;
    }
    if (rc_nsccache_check(image, size, FUZZ_PATH, &stamp, &t, &text))
	check_accepted(&t, text, image, size);
    else
	check_refused(image, size);
    free(image);
    return (0);
}
