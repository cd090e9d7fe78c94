/*
 * test_decimal.c - the spam score's numbers (dnscheck/decimal): what the
 * site's spam-score header may hold and what it may not, thousandths and
 * their rounding, the combined score and how it is written
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "dnscheck/decimal.h"

/* parse - a text through rc_decimal_parse(), its whole length */
static bool
parse(const char *text, RC_DECIMAL *d, const char **why)
{
    memset(d, 0x5a, sizeof(*d));
    *why = NULL;
    return (rc_decimal_parse(text, strlen(text), d, why));
}

/* Numbers as SpamAssassin and others write them, with the blanks of a header. */
Test(decimal, parse_accepts_numbers)
{
    static const struct {
	char        text[32];
	long long   milli;
	int         decimals;
    } cases[] = {
	{"4.7", 4700, 1}, {"-0.1", -100, 1}, {"0", 0, 0}, {"-0.0", 0, 1},
	{"+3.25", 3250, 2}, {" 12 ", 12000, 0}, {"\t5.0\r\n", 5000, 1},
	{"\n\t4.7", 4700, 1}, {"007.5", 7500, 1}, {"999999", 999999000, 0},
	{"-999999.999", -999999999, 3},
	/* past the third decimal: rounded half away from zero */
	{"4.7005", 4701, 4}, {"-4.7005", -4701, 4}, {"4.7004", 4700, 4},
	{"0.0004", 0, 4}, {"1.234567", 1235, 6}, {"9.9995", 10000, 4},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
	RC_DECIMAL d;
	const char *why;

	cr_expect(parse(cases[i].text, &d, &why), "\"%s\": %s", cases[i].text, why);
	cr_expect(eq(i64, d.milli, cases[i].milli), "\"%s\"", cases[i].text);
	cr_expect(eq(int, d.decimals, cases[i].decimals), "\"%s\"", cases[i].text);
    }
}

/* Junk, floating-point spellings and huge values are not numbers: left alone. */
Test(decimal, parse_refuses_junk_and_huge_values)
{
    static const struct {
	char        text[48];
	char        why[64];
    } cases[] = {
	{"", "empty"}, {" \t\r\n", "empty"},
	{"4.7abc", "not a number"}, {"nan", "not a number"}, {"NaN", "not a number"},
	{"inf", "not a number"}, {"-inf", "not a number"}, {"1e309", "not a number"},
	{"1e3", "not a number"}, {"0x10", "not a number"}, {"4,7", "not a number"},
	{"4 7", "not a number"}, {"4.7\n\t4.8", "not a number"}, {"--1", "not a number"},
	{"-", "not a number"}, {"+", "not a number"}, {".5", "not a number"},
	{"4.", "no digit after the point"}, {"4.-1", "no digit after the point"},
	{"1234567", "too large (more than 6 digits before the point)"},
	{"99999999999999999999999", "too large (more than 6 digits before the point)"},
	{"1.1234567", "more than 6 decimals"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
	RC_DECIMAL d;
	const char *why;

	cr_expect(not(parse(cases[i].text, &d, &why)), "\"%s\"", cases[i].text);
	cr_expect(eq(str, (char *) (why ? why : "(none)"), (char *) cases[i].why),
		  "\"%s\"", cases[i].text);
    }
}

/* The length given is the end: a header's value need not be terminated. */
Test(decimal, parse_stops_at_the_length)
{
    RC_DECIMAL d;
    const char *why;

    cr_expect(rc_decimal_parse("4.75junk", 4, &d, &why));
    cr_expect(eq(i64, d.milli, 4750));
    cr_expect(not(rc_decimal_parse("4.75junk", 5, &d, &why)));
    cr_expect(not(rc_decimal_parse("4.7", 0, &d, &why)));
}

Test(decimal, format_rounds_half_away_from_zero)
{
    static const struct {
	long long   milli;
	int         decimals;
	char        want[24];
    } cases[] = {
	{5500, 1, "5.5"}, {4750, 1, "4.8"}, {-4750, 1, "-4.8"}, {4749, 1, "4.7"},
	{-40, 1, "0.0"}, {-50, 1, "-0.1"}, {0, 1, "0.0"}, {1235, 2, "1.24"},
	{-1234, 2, "-1.23"}, {5000, 0, "5"}, {5500, 0, "6"}, {-499, 0, "0"},
	{1234, 3, "1.234"}, {1234, 6, "1.234"}, {1234, -1, "1"},
	{999999999, 3, "999999.999"}, {1064000000LL, 1, "1064000.0"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
	char    buf[RC_DECIMAL_STRLEN];

	rc_decimal_format(cases[i].milli, cases[i].decimals, buf, sizeof(buf));
	cr_expect(eq(str, buf, (char *) cases[i].want), "%lld, %d", cases[i].milli,
		  cases[i].decimals);
    }
}

/* A buffer too small cuts, terminated. */
Test(decimal, format_small_buffer)
{
    char    buf[4];

    rc_decimal_format(12345, 1, buf, sizeof(buf));
    cr_expect(eq(str, buf, (char *) "12."));
}

/* Spam score + relaycheck score x factor, in thousandths; no overflow at the ends. */
Test(decimal, combine)
{
    cr_expect(eq(i64, rc_decimal_combine(4700, 8, 100), 5500));
    cr_expect(eq(i64, rc_decimal_combine(-2000, -5, 100), -2500));
    cr_expect(eq(i64, rc_decimal_combine(0, 15, 250), 3750));
    cr_expect(eq(i64, rc_decimal_combine(4700, 8, 0), 4700));
    cr_expect(eq(i64, rc_decimal_combine(999999999, 64000, 100000), 7399999999LL));
    cr_expect(eq(i64, rc_decimal_combine(-999999999, -64000, 100000), -7399999999LL));
}

/* The combined score is written with the header's own decimals, one to three. */
Test(decimal, places_follow_the_header)
{
    static const struct {
	char        text[16];
	int         places;
	char        combined[16];	/* with +8 x 0.1 */
    } cases[] = {
	{"4.7", 1, "5.5"}, {"5", 1, "5.8"}, {"4.70", 2, "5.50"}, {"4.123", 3, "4.923"},
	{"4.12345", 3, "4.923"}, {"-6.1", 1, "-5.3"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
	RC_DECIMAL d;
	const char *why;
	char    buf[RC_DECIMAL_STRLEN];

	cr_assert(parse(cases[i].text, &d, &why));
	cr_expect(eq(int, rc_decimal_places(&d), cases[i].places), "%s", cases[i].text);
	rc_decimal_format(rc_decimal_combine(d.milli, 8, 100), rc_decimal_places(&d), buf,
			  sizeof(buf));
	cr_expect(eq(str, buf, (char *) cases[i].combined), "%s", cases[i].text);
    }
}

Test(decimal, fewest_decimals)
{
    cr_expect(eq(int, rc_decimal_fewest(5000), 0));
    cr_expect(eq(int, rc_decimal_fewest(100), 1));
    cr_expect(eq(int, rc_decimal_fewest(250), 2));
    cr_expect(eq(int, rc_decimal_fewest(125), 3));
    cr_expect(eq(int, rc_decimal_fewest(-1500), 1));
    cr_expect(eq(int, rc_decimal_fewest(0), 0));
}
