/*
 * fuzz_generic.c - the generic-PTR classifier (rc_generic_classify)
 *
 * Input: one flag byte (bit 0: IPv6 client), the client address (4 or 16
 * bytes), one byte choosing the size of the reason buffer, then the PTR
 * name (the rest, cut at a NUL as a C string is; udns hands over names in
 * presentation form, \DDD escapes and all, so any byte may appear).
 *
 * What must hold: a valid RC_GENERIC value; the reason is NUL-terminated
 * inside its buffer (whatever its size, 0 included), printable, and given
 * whenever the answer is YES or VETO and the buffer has room; the answer
 * does not depend on ASCII case or on one trailing dot (DNS names do not).
 */
#include <ctype.h>

#include "fuzz_common.h"

#include "dnscheck/generic.h"

static RC_GENERIC
classify(const char *name, const RC_ADDR *client, size_t whylen, char *why_out,
	 size_t outlen)
{
    char   *why = bounded_buf(whylen);
    RC_GENERIC g = rc_generic_classify(name, client, why, whylen);

    FUZZ_CHECK(g == RC_GENERIC_NO || g == RC_GENERIC_YES || g == RC_GENERIC_VETO,
	       "\"%s\": result %d", name, (int) g);
    if (whylen > 0) {
	FUZZ_CHECK(terminated(why, whylen), "\"%s\": reason not NUL-terminated", name);
	FUZZ_CHECK(printable(why), "\"%s\": unprintable reason", name);
	if (g != RC_GENERIC_NO && whylen >= 2)
	    FUZZ_CHECK(why[0] != 0, "\"%s\": result %d without a reason", name, (int) g);
	snprintf(why_out, outlen, "%s", why);
    } else
	why_out[0] = 0;
    free(why);
    return (g);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FDP     f = fdp_init(data, size);
    RC_ADDR client;
    uint8_t flags = fdp_u8(&f);
    size_t  whylen, len;
    char   *name, *alt, why[256], why2[256];
    RC_GENERIC g, g2;

    if (size > 1024)
	return (0);
    memset(&client, 0, sizeof(client));
    if (flags & 1) {
	fdp_bytes(&f, client.b, 16);
	client.v4 = memcmp(client.b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0;
    } else {
	memcpy(client.b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
	fdp_bytes(&f, client.b + 12, 4);
	client.v4 = true;
    }
    whylen = fdp_u8(&f);
    whylen = whylen >= 200 ? 96 : whylen;	/* mostly the engine's 96 */
    name = fdp_rest(&f, NULL);
    len = strlen(name);

    g = classify(name, &client, whylen, why, sizeof(why));

    /* ASCII case does not matter. */
    alt = strdup(name);
    for (char *s = alt; *s; s++)
	*s = (char) (islower((unsigned char) *s) ? toupper((unsigned char) *s) : tolower((unsigned char) *s));
    g2 = classify(alt, &client, whylen, why2, sizeof(why2));
    FUZZ_CHECK(g == g2, "\"%s\" gives %d, \"%s\" gives %d", name, (int) g, alt, (int) g2);
    free(alt);

    /* The screen that spares libpsl changes no verdict and no reason. */
    rc_generic_set_screen(false);
    g2 = classify(name, &client, whylen, why2, sizeof(why2));
    rc_generic_set_screen(true);
    FUZZ_CHECK(g == g2 && strcmp(why, why2) == 0,
	       "\"%s\": screened %d (%s), unscreened %d (%s)", name, (int) g, why, (int) g2, why2);

    /* Nor does one trailing dot (the absolute form of the same name). */
    if (len > 0 && name[len - 1] != '.' && len + 1 < 256) {
	if ((alt = malloc(len + 2)) == NULL)
	    abort();
	memcpy(alt, name, len);
	alt[len] = '.';
	alt[len + 1] = 0;
	g2 = classify(alt, &client, whylen, why2, sizeof(why2));
	FUZZ_CHECK(g == g2, "\"%s\" gives %d (%s), \"%s\" gives %d (%s)", name, (int) g, why,
		   alt, (int) g2, why2);
	free(alt);
    }
    free(name);
    return (0);
}
