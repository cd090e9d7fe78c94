/*
 * listsyntax.h - the syntax of the blocklist keys of [dnsbl zone] and
 * [rhsbl zone]: return codes, rhsbl targets and labels
 *
 * Pure syntax, next to the check that reads it (dnsbl.c): the option
 * table (allowlist/options.c) calls these to validate and store a value,
 * and the dump calls them to write it back.
 */
#ifndef RC_LISTSYNTAX_H_INCLUDED
#define RC_LISTSYNTAX_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

/* One item of a blocklist `codes` value: a range or a bitmask. */
typedef struct rc_code {
    bool        bitmask;		/* match if (answer & mask) != 0 */
    unsigned    lo, hi;			/* host byte order; or mask in lo */
    int         score;			/* -1: the list's own score */
} RC_CODE;

/* What an [rhsbl] list is asked about; the values index rc_rhs_targets[]. */
typedef enum rc_rhs_target {
    RC_RHS_SENDER,
    RC_RHS_HELO,
    RC_RHS_PTR
} RC_RHS_TARGET;

/* The words of `target`, in RC_RHS_TARGET order, NULL-terminated. */
extern const char *const rc_rhs_targets[];

/* rc_parse_codes - blocklist `codes` list appended to a malloc'ed array */
extern bool rc_parse_codes(const char *, RC_CODE **, size_t *, const char **why);

/*
 * rc_codes_match - does an answer (host byte order) match the list? The
 * first matching item's own score, or -1 for the list's score, is stored.
 */
extern bool rc_codes_match(const RC_CODE *, size_t, unsigned answer, int *score);

/* rc_code_format - one item as rc_parse_codes() reads it back */
extern void rc_code_format(const RC_CODE *, char *buf, size_t len);

/* rc_label_valid - a `label`: 1..63 printable ASCII characters */
extern bool rc_label_valid(const char *, const char **why);

#endif
