/*
 * fuzz_spfscreen.c - the SPF record pre-screen for CVE-2023-42118
 *
 * rc_spf_cve_2023_42118(text, len, record) decides, before libspf2 sees a
 * TXT record or an explanation from DNS, whether libspf2 1.2.10 would
 * overflow a stack buffer compiling it. The text is hostile DNS data.
 *
 * Input: one flag byte (bit 0: an SPF record, else an explanation), then
 * the text, handed over in a buffer of exactly its length (no NUL after
 * it: the function takes a length, DNS TXT data may hold NULs).
 *
 * What must hold: no crash, no read outside the text; the same answer
 * twice; an explanation shorter than 128 bytes, or a record whose terms
 * are all shorter than 128 bytes, is never refused (they cannot compile to
 * the 508 bytes the overflow needs: refusing them would refuse ordinary
 * records); a record is refused exactly when one of its space-separated
 * terms, screened on its own, is (libspf2 compiles terms one by one).
 */
#include "fuzz_common.h"

#include "dnscheck/spfcve.h"

static bool
screen(const char *text, size_t len, bool record)
{
    char   *copy = bounded_buf(len);
    bool    r;

    memcpy(copy, text, len);
    r = rc_spf_cve_2023_42118(copy, len, record);
    free(copy);
    return (r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FDP     f = fdp_init(data, size);
    bool    record = fdp_u8(&f) & 1;
    const char *text = (const char *) f.p;
    size_t  len = f.left, longest = 0, i = 0;
    bool    r, any = false;

    if (size > 8192)
	return (0);
    r = screen(text, len, record);
    FUZZ_CHECK(r == screen(text, len, record), "different answers for the same text");
    if (!record) {
	if (len < 128)
	    FUZZ_CHECK(!r, "explanation of %zu bytes refused", len);
	return (0);
    }
    while (i < len) {
	size_t  start;

	while (i < len && text[i] == ' ')
	    i++;
	start = i;
	while (i < len && text[i] != ' ')
	    i++;
	if (i > start) {
	    if (i - start > longest)
		longest = i - start;
	    any |= screen(text + start, i - start, true);
	}
    }
    if (longest < 128)
	FUZZ_CHECK(!r, "record with terms of at most %zu bytes refused", longest);
    FUZZ_CHECK(r == any, "record %s, but its terms one by one %s",
	       r ? "refused" : "accepted", any ? "refused" : "accepted");
    return (0);
}
