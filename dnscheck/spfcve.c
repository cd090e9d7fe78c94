/*
 * spfcve.c - the CVE-2023-42118 screen (see spfcve.h and SECURITY.md)
 *
 * It replays, over the text, the size accounting of libspf2 1.2.10's
 * macro parser (SPF_c_parse_macro()) and says whether a literal byte
 * would be written past the compiled-data area. It refuses a superset of
 * the texts that overflow, never an ordinary record: a term or an
 * explanation shorter than 128 bytes is never refused.
 */
#include "spfcve.h"

/*
 * rc_spf_cve_sim - replay SPF_c_parse_macro()'s size accounting over
 * src[0..n), starting with `used' bytes of compiled data. libspf2 1.2.10
 * with Debian's CVE-2021-20314 patch sets the room for a string literal
 * to (511 - used) - 4 in a size_t after every %{...} macro; when a macro
 * brings `used' to 508 (it grows in steps of 4), that wraps around, the
 * length check of every following literal byte passes, and the bytes are
 * written past the 511-byte data area - into the rest of a 4096-byte
 * stack buffer for a record term, past a 520-byte one for an explanation.
 * True when a literal byte is written in that state. parse_var() is
 * assumed to succeed (it may fail and stop libspf2 earlier, so this
 * refuses a superset).
 */
static bool
rc_spf_cve_sim(const char *src, size_t n, size_t used)
{
    const size_t avail = 511;		/* SPF_MAX_MECH_LEN, SPF_MAX_MOD_LEN */
    const size_t hdr = 4;		/* sizeof(SPF_data_t) */
    size_t  idx = 0, ds_len = 0;
    bool    wrapped = false;

    while (idx < n) {
	size_t  run = 0;
	char    c;

	while (idx + run < n && src[idx + run] != ' ' && src[idx + run] != '%')
	    run++;
	if (run > 0) {
	    if (wrapped)
		return (true);
	    ds_len += run;
	    idx += run;
	}
	if (idx >= n)
	    break;
	idx++;				/* the '%' (or a space, in a macro-string) */
	c = idx < n ? src[idx] : 0;
	switch (c) {
	case '%':
	case '_':
	case '-':
	    if (wrapped)
		return (true);
	    ds_len += c == '-' ? 3 : 1;
	    idx++;
	    break;
	case '{':
	    if (ds_len > 0) {		/* the literal before the macro ends */
		if (ds_len > 255)
		    return (false);	/* "String literal too long": stops */
		used += (hdr + ds_len + 3) & ~(size_t) 3;
		if (used > avail)
		    return (false);	/* "domainspec too long": stops */
		ds_len = 0;
	    }
	    idx++;
	    while (idx < n && src[idx] != '}' && src[idx] != ' ')
		idx++;
	    if (idx < n && src[idx] == '}')
		idx++;
	    else if (idx < n)
		return (false);		/* "Unterminated variable": stops */
	    if (used + hdr > avail)
		return (false);
	    used += hdr;		/* the macro variable */
	    if (avail - used < hdr)
		wrapped = true;
	    break;
	default:			/* '%' kept as a literal, c read next */
	    if (wrapped)
		return (true);
	    ds_len++;
	    break;
	}
    }
    return (false);
}

/* rc_spf_cve_2023_42118 - each long term of a record, or the explanation, replayed */

bool
rc_spf_cve_2023_42118(const char *text, size_t len, bool record)
{
    size_t  i = 0;

    if (!record)
	return (len >= 128 && rc_spf_cve_sim(text, len, 0));

    /*
     * Each term is compiled on its own: a mechanism's domain-spec after
     * ':' or '=' (maybe with 4 bytes of CIDR data first), a modifier's
     * value after '='. 128 input bytes cannot compile to 508 bytes of
     * data (at most about 3.2 bytes per input byte), so shorter terms are
     * not replayed; a long term with very many ':'/'=' is refused outright.
     */
    while (i < len) {
	size_t  start, end, starts = 0;

	while (i < len && text[i] == ' ')
	    i++;
	start = i;
	while (i < len && text[i] != ' ')
	    i++;
	end = i;
	if (end - start < 128)
	    continue;
	for (size_t k = start; k < end; k++) {
	    if (text[k] != ':' && text[k] != '=')
		continue;
	    if (++starts > 64)
		return (true);
	    if (rc_spf_cve_sim(text + k + 1, end - k - 1, 0)
		|| rc_spf_cve_sim(text + k + 1, end - k - 1, 4))
		return (true);
	}
    }
    return (false);
}
