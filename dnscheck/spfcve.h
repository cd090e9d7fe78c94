/*
 * spfcve.h - the CVE-2023-42118 screen for SPF texts from DNS
 *
 * libspf2 1.2.10, as Debian 12 ships it, overflows a stack buffer when it
 * compiles a record term or an explanation of a certain shape (an integer
 * underflow in its macro parser). The SPF DNS layer asks this screen
 * about every record and explanation before libspf2 sees it: a refused
 * record is a permerror, a refused explanation is not used. See
 * SECURITY.md. No libspf2 and no DNS here: a pure function of the text.
 */
#ifndef RC_SPFCVE_H_INCLUDED
#define RC_SPFCVE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

/*
 * rc_spf_cve_2023_42118 - would libspf2 1.2.10 (as in Debian 12) overflow
 * a stack buffer compiling this text? record: an SPF record (each term's
 * domain-spec or modifier value is checked); otherwise an explanation
 * string (compiled as a whole). len bytes of text, which need not end in
 * a NUL and may hold NULs (DNS TXT data). Exposed for tests and the
 * fuzzer.
 */
extern bool rc_spf_cve_2023_42118(const char *text, size_t len, bool record);

#endif
