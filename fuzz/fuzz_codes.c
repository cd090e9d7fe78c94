/*
 * fuzz_codes.c - blocklist `codes' values (rc_parse_codes, rc_codes_match)
 *
 * Input: the value of a codes key up to the first newline (as the INI
 * reader would pass it), then 4-byte answers (host byte order, big-endian
 * in the input) to match against it.
 *
 * What must hold:
 *   - a refused value gives a printable reason; an accepted one gives
 *     items that are 127.0.0.0/8 ranges with lo <= hi, or non-zero
 *     bitmasks, with scores -1 (the list's own) or -1000..1000;
 *   - the items, written back in the form rc_config_dump() uses, parse to
 *     the very same array;
 *   - rc_codes_match() agrees with a plain reading of the items (the first
 *     matching one decides the score) for the input's answers and for
 *     every item's edges and their neighbours.
 */
#include "fuzz_common.h"

#include "allowlist/config.h"

static void
format_code(const RC_CODE *c, char *buf, size_t len)
{
    int     n;

    if (c->bitmask)
	n = snprintf(buf, len, "&%u", c->lo);
    else if (c->hi != c->lo)
	n = snprintf(buf, len, "%u.%u.%u.%u-%u.%u.%u.%u", c->lo >> 24, (c->lo >> 16) & 255,
		     (c->lo >> 8) & 255, c->lo & 255, c->hi >> 24, (c->hi >> 16) & 255,
		     (c->hi >> 8) & 255, c->hi & 255);
    else
	n = snprintf(buf, len, "%u.%u.%u.%u", c->lo >> 24, (c->lo >> 16) & 255,
		     (c->lo >> 8) & 255, c->lo & 255);
    if (c->score != -1)
	snprintf(buf + n, len - (size_t) n, "=%d", c->score);
}

static void
check_match(const RC_CODE *codes, size_t n, unsigned answer)
{
    int     score = 12345, want = 12345;
    bool    got = rc_codes_match(codes, n, answer, &score), hit = false;

    for (size_t i = 0; i < n && !hit; i++) {
	hit = codes[i].bitmask ? (answer & codes[i].lo) != 0
	    : (answer >= codes[i].lo && answer <= codes[i].hi);
	if (hit)
	    want = codes[i].score;
    }
    FUZZ_CHECK(got == hit, "answer %08x: match %d, expected %d", answer, got, hit);
    if (hit)
	FUZZ_CHECK(score == want, "answer %08x: score %d, expected %d", answer, score, want);
    else
	FUZZ_CHECK(score == 12345, "answer %08x: score written without a match", answer);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FDP     f = fdp_init(data, size);
    char   *value = fdp_line(&f, 4096, NULL);
    RC_CODE *codes = NULL, *again = NULL;
    size_t  n = 0, n2 = 0, tlen;
    const char *why = NULL;
    char   *text;

    if (size > 8192) {
	free(value);
	return (0);
    }
    if (!rc_parse_codes(value, &codes, &n, &why)) {
	FUZZ_CHECK(why != NULL && printable(why) && why[0], "\"%s\": refused without a reason",
		   value);
	free(codes);
	free(value);
	return (0);
    }
    for (size_t i = 0; i < n; i++) {
	const RC_CODE *c = &codes[i];

	FUZZ_CHECK(c->score == -1 || (c->score >= -1000 && c->score <= 1000),
		   "\"%s\": item %zu score %d", value, i, c->score);
	if (c->bitmask)
	    FUZZ_CHECK(c->lo != 0, "\"%s\": item %zu: empty bitmask", value, i);
	else
	    FUZZ_CHECK(c->lo <= c->hi && (c->lo >> 24) == 127 && (c->hi >> 24) == 127,
		       "\"%s\": item %zu: %08x-%08x", value, i, c->lo, c->hi);
    }

    /* Written back as the dump writes them, they parse to the same. */
    tlen = n * 48 + 1;
    text = malloc(tlen);
    text[0] = 0;
    for (size_t i = 0; i < n; i++) {
	char    item[48];

	format_code(&codes[i], item, sizeof(item));
	strcat(text, i ? ", " : "");
	strcat(text, item);
    }
    FUZZ_CHECK(rc_parse_codes(text, &again, &n2, &why), "\"%s\" written back as \"%s\" is "
	       "refused: %s", value, text, why);
    FUZZ_CHECK(n2 == n, "\"%s\" written back as \"%s\": %zu items, not %zu", value, text,
	       n2, n);
    for (size_t i = 0; i < n; i++)
	FUZZ_CHECK(again[i].bitmask == codes[i].bitmask && again[i].lo == codes[i].lo
		   && again[i].hi == codes[i].hi && again[i].score == codes[i].score,
		   "\"%s\" written back as \"%s\": item %zu differs", value, text, i);
    free(text);
    free(again);

    /* Matching: the input's answers, then every item's edges. */
    while (f.left >= 4)
	check_match(codes, n, fdp_u32(&f));
    for (size_t i = 0; i < n; i++) {
	unsigned lo = codes[i].lo, hi = codes[i].hi;

	check_match(codes, n, lo);
	check_match(codes, n, lo - 1);
	check_match(codes, n, hi);
	check_match(codes, n, hi + 1);
	check_match(codes, n, ~lo);
    }
    check_match(codes, n, 0x7f000001u);
    check_match(codes, n, 0x7f000002u);
    check_match(codes, n, 0x7fffff01u);
    free(codes);
    free(value);
    return (0);
}
