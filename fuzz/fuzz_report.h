/*
 * fuzz_report.h - what every report output must look like (header only)
 *
 * check_reports() runs every function of report.c over a verdict, each
 * with a buffer of exactly the size outlen() picks (AddressSanitizer sees
 * a byte written past it), and checks the output: NUL-terminated inside
 * the buffer, printable ASCII, with newlines only where the format has
 * them - the Report header's folds ("\n\t", so hostile text can never
 * start a header line of its own) and final '\n', the Score header's
 * final '\n', the SMTP reply's line breaks. Also used by fuzz_escape and
 * fuzz_dnsanswer.
 */
#ifndef FUZZ_REPORT_H_INCLUDED
#define FUZZ_REPORT_H_INCLUDED

#include "fuzz_common.h"

#include "allowlist/config.h"
#include "dnscheck/verdict.h"
#include "dnscheck/report.h"

/* check_finding - the contract of checks.h: printable text and detail */
static inline void
check_finding(const RC_FINDING *f)
{
    FUZZ_CHECK((unsigned) f->check < RC_CHK_COUNT && (unsigned) f->status <= RC_SKIP,
	       "finding check %d status %d", (int) f->check, (int) f->status);
    FUZZ_CHECK(terminated(f->text, sizeof(f->text)) && printable(f->text),
	       "finding text not printable: \"%s\"", f->text);
    FUZZ_CHECK(terminated(f->detail, sizeof(f->detail)) && printable(f->detail),
	       "finding detail not printable: \"%s\"", f->detail);
    FUZZ_CHECK(terminated(f->label, sizeof(f->label)) && printable(f->label),
	       "finding label not printable: \"%s\"", f->label);
}

/* check_out - NUL inside the buffer, printable apart from `allow' */
static inline void
check_out(const char *what, const char *buf, size_t len, const char *allow)
{
    long    bad;

    if (len == 0)
	return;
    FUZZ_CHECK(terminated(buf, len), "%s: len %zu: not NUL-terminated", what, len);
    bad = first_bad(buf, allow);
    FUZZ_CHECK(bad < 0, "%s: unprintable byte 0x%02x at %ld in \"%s\"", what,
	       (unsigned char) buf[bad], bad, buf);
}

/*
 * check_reports - outlen(arg) gives each buffer's size: lens[] in turn
 * when lens != NULL (wrapping around), else 8192.
 */
static inline void
check_reports(const RC_CONFIG *cfg, const RC_VERDICT *v, const char *ip,
	      const size_t *lens, size_t nlens)
{
    size_t  k = 0, len;
    char   *buf;

#define NEXT_LEN() (lens && nlens ? lens[k++ % nlens] : (size_t) 8192)
    for (size_t i = 0; i < v->nfindings; i++) {
	check_finding(&v->findings[i]);
	len = NEXT_LEN();
	buf = bounded_buf(len);
	rc_report_finding(&v->findings[i], buf, len);
	check_out("finding", buf, len, "");
	free(buf);
    }

    len = NEXT_LEN();
    buf = bounded_buf(len);
    rc_report_header_score(cfg, v, buf, len);
    check_out("score header", buf, len, "\n");
    free(buf);

    len = NEXT_LEN();
    buf = bounded_buf(len);
    rc_report_header_report(cfg, v, buf, len);
    check_out("report header", buf, len, "\n\t");
    if (len >= 2) {
	size_t  l = strlen(buf), col = 0;

	FUZZ_CHECK(l > 0 && buf[l - 1] == '\n', "report header does not end in a newline");
	for (size_t j = 0; j < l; j++) {
	    if (buf[j] == '\n') {
		FUZZ_CHECK(j == l - 1 || buf[j + 1] == '\t',
			   "report header: line not folded at %zu: \"%s\"", j, buf);
		col = 0;
	    } else
		FUZZ_CHECK(++col <= 998, "report header: line over 998 characters");
	}
    }
    free(buf);

    len = NEXT_LEN();
    buf = bounded_buf(len);
    rc_report_log(v, ip, buf, len);
    check_out("log line", buf, len, "");
    free(buf);

    len = NEXT_LEN();
    buf = bounded_buf(len);
    rc_report_reply(cfg, v, ip ? ip : "", buf, len);
    check_out("smtp reply", buf, len, "\n");
    free(buf);

    len = NEXT_LEN();
    buf = bounded_buf(len);
    rc_report_lsdata(v, buf, len);
    check_out("local_scan_data", buf, len, "");
    free(buf);
#undef NEXT_LEN
}

#endif
