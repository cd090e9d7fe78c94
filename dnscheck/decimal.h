/*
 * decimal.h - the decimal numbers of the spam score: the site's spam-score
 * header, spam_score_factor and combined_reject_score
 *
 * A number is kept in thousandths (RC_DECIMAL.milli), never as floating
 * point, so the combined score is the same on every machine. The syntax
 * (README, "Use the score"; relaycheck.ini(5), spam_score_header): an
 * optional sign, 1 to 6 digits, and optionally a point followed by 1 to 6
 * digits; nothing else ("nan", "1e309", "4.7abc", "4.", ".5", "" are not
 * numbers, nor is anything of 7 or more integer digits). Digits past the
 * third decimal are rounded half away from zero.
 */
#ifndef RC_DECIMAL_H_INCLUDED
#define RC_DECIMAL_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#define RC_DECIMAL_INT_DIGITS	6	/* |x| < 1000000 */
#define RC_DECIMAL_FRAC_DIGITS	6	/* digits after the point, as written */
#define RC_DECIMAL_STRLEN	32	/* a formatted number and its NUL */

typedef struct rc_decimal {
    long long   milli;			/* the value in thousandths */
    int         decimals;		/* digits after the point as written, 0..6 */
} RC_DECIMAL;

/*
 * rc_decimal_parse - the number in text[0..len), blanks (space, tab, CR,
 * LF: a folded header) allowed around it; false with a reason otherwise.
 */
extern bool rc_decimal_parse(const char *text, size_t len, RC_DECIMAL *, const char **why);

/*
 * rc_decimal_format - milli with `decimals' digits after the point (0..3),
 * rounded half away from zero; "0.0", never "-0.0".
 */
extern void rc_decimal_format(long long milli, int decimals, char *buf, size_t len);

/*
 * rc_decimal_combine - the combined spam score: the site's score plus
 * the relaycheck score times factor_milli thousandths, in thousandths
 * (rounded half away from zero).
 */
extern long long rc_decimal_combine(long long spam_milli, int score, int factor_milli);

/*
 * rc_decimal_places - how many decimals the combined score is written
 * with: as many as the site's header has, at least one (SpamAssassin
 * writes one), at most three.
 */
extern int rc_decimal_places(const RC_DECIMAL *);

/* rc_decimal_fewest - the fewest decimals (0..3) that write milli exactly: 0.1, 0.25, 5 */
extern int rc_decimal_fewest(long long milli);

#endif
