/*
 * fuzz_escape.c - output escaping (rc_escape) and the report functions
 *
 * Part 1, rc_escape(): a buffer size (2 bytes), an input length (2
 * bytes) and hostile bytes. The output must be NUL-terminated inside the
 * buffer (nothing written at all when it has size 0), printable ASCII,
 * and an exact escaped prefix of the input: printable bytes as
 * themselves, the others as \xHH, then "..." (or nothing, without room
 * for it) when it was cut, and cut only when the next piece did not fit.
 *
 * Part 2, the report (report.c): a verdict of up to RC_MAX_FINDINGS + 2
 * findings whose texts and details are hostile bytes passed through
 * rc_escape() as every check does, labels made of zone-name characters
 * (the parser admits nothing else), hostile notes and client addresses,
 * each report function called with a buffer of fuzzed size. Every output
 * must be NUL-terminated inside its buffer and printable ASCII, with
 * newlines only where the format has them: the Report header's folds
 * ("\n\t": hostile text can never start a header line of its own) and
 * final '\n', the Score header's final '\n', the SMTP reply's line breaks.
 */
#include "fuzz_common.h"
#include "fuzz_report.h"

#include "allowlist/config.h"
#include "dnscheck/engine.h"
#include "dnscheck/escape.h"

static RC_CONFIG *cfg_default;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    cfg_default = rc_config_defaults();
    if (cfg_default == NULL)
	abort();
    return (0);
}

/*
 * check_escape - dst is the escaped form of a prefix of src, as documented:
 * piece by piece (a printable byte as itself, another as \xHH), then
 * "..." (or nothing, when even that has no room) if it was cut - and cut
 * only where the next piece, with room for "..." and the NUL, did not fit.
 * Whether a text that fits whole may use the room "..." would need is the
 * escaper's choice: both are accepted.
 */
static void
check_escape(const char *dst, size_t dstlen, const uint8_t *src, size_t srclen)
{
    size_t  o = 0, outlen;

    FUZZ_CHECK(terminated(dst, dstlen), "dstlen %zu: not NUL-terminated", dstlen);
    outlen = strlen(dst);
    FUZZ_CHECK(printable_n(dst, outlen), "unprintable output \"%s\"", dst);
    for (size_t i = 0; i < srclen; i++) {
	char    piece[8];
	size_t  need;

	if (src[i] >= 0x20 && src[i] < 0x7f) {
	    piece[0] = (char) src[i];
	    need = 1;
	} else
	    need = (size_t) snprintf(piece, sizeof(piece), "\\x%02x", src[i]);
	if (o + need + 4 > dstlen	/* a cut here is allowed */
	    && (strcmp(dst + o, "...") == 0 || (dst[o] == 0 && o + 4 > dstlen)))
	    return;
	FUZZ_CHECK(o + need <= outlen && memcmp(dst + o, piece, need) == 0,
		   "dstlen %zu: output \"%s\" diverges from the input at byte %zu (offset %zu)",
		   dstlen, dst, i, o);
	o += need;
    }
    FUZZ_CHECK(o == outlen, "dstlen %zu: trailing \"%s\" after the whole input", dstlen,
	       dst + o);
}

/* hostile - length-prefixed raw bytes, escaped into buf as the checks do */

static void
hostile_escaped(FDP *f, char *buf, size_t len)
{
    uint8_t raw[600];
    size_t  n = fdp_u16(f) % sizeof(raw);

    n = fdp_bytes(f, raw, n);
    rc_escape(buf, len, (const char *) raw, n);
}

static size_t
outlen(FDP *f)
{
    uint16_t n = fdp_u16(f);

    /* Mostly generous, sometimes tight (down to 0): the cut must be clean. */
    if (n == 0)
	return (8192);			/* input used up */
    return ((n & 0x8000) ? (size_t) (n % 64) : (size_t) (n % 8192));
}

static void
reports(FDP *f)
{
    RC_CONFIG cfg = *cfg_default;
    RC_VERDICT *v = calloc(1, sizeof(*v));
    uint8_t flags = fdp_u8(f);
    size_t  nf = fdp_u8(f) % (RC_MAX_FINDINGS + 3);
    char    ip[80];
    char    text[RC_TEXT_MAX + 64], detail[RC_DETAIL_MAX + 64];

    if (v == NULL)
	abort();
    cfg.reject_score = (int) (fdp_u16(f) % 40);
    cfg.tempreject_score = (int) (fdp_u8(f) % 20);
    cfg.on_dns_failure = (flags & 1) ? RC_DNSFAIL_TEMPREJECT : RC_DNSFAIL_ACCEPT;
    if (flags & 2)
	snprintf(cfg.header_prefix, sizeof(cfg.header_prefix), "%s",
		 "X-A-Very-Long-Header-Prefix-For-Testing");
    for (size_t i = 0; i < nf; i++) {
	RC_CHECK c = (RC_CHECK) (fdp_u8(f) % RC_CHK_COUNT);
	RC_STATUS st = (RC_STATUS) (fdp_u8(f) % 4);
	int     score = (int16_t) fdp_u16(f) % 2001;
	uint8_t lab[RC_LABEL_MAX];
	size_t  nl = fdp_bytes(f, lab, fdp_u8(f) % RC_LABEL_MAX);

	hostile_escaped(f, text, sizeof(text));
	hostile_escaped(f, detail, sizeof(detail));
	if (!rc_verdict_add(v, c, st, score, text, detail)) {
	    FUZZ_CHECK(v->nfindings == RC_MAX_FINDINGS, "verdict refused finding %zu", i);
	    continue;
	}
	/* A label is a zone name: letters, digits, '-', '_', '.'. */
	for (size_t k = 0; k < nl; k++) {
	    static const char zc[] = "abcdefghijklmnopqrstuvwxyz0123456789-_.";

	    v->findings[v->nfindings - 1].label[k] = zc[lab[k] % (sizeof(zc) - 1)];
	}
	v->findings[v->nfindings - 1].label[nl] = 0;
    }
    v->allowlisted = (flags & 4) != 0;
    v->skipped = (flags & 8) != 0;
    v->config_error = (flags & 16) != 0;
    v->reused = (flags & 32) != 0;
    v->queries = (int) fdp_u16(f);
    v->elapsed_ms = (long) (int32_t) fdp_u32(f);
    hostile_escaped(f, v->skip_reason, sizeof(v->skip_reason));
    hostile_escaped(f, v->note, sizeof(v->note));
    {
	uint8_t raw[sizeof(ip)];
	size_t  n = fdp_bytes(f, raw, fdp_u8(f) % (sizeof(ip) - 1));

	memcpy(ip, raw, n);
	ip[n] = 0;			/* Exim's sender_host_address, unchecked */
    }
    rc_verdict_decide(&cfg, v);

    {
	size_t  lens[16];

	for (size_t i = 0; i < 16; i++)
	    lens[i] = outlen(f);
	check_reports(&cfg, v, ip, lens, 16);
    }
    free(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FDP     f = fdp_init(data, size);
    size_t  dstlen = fdp_u16(&f) % 1100;
    size_t  srclen = fdp_u16(&f) % 1024;
    uint8_t src[1024];
    char   *dst;

    if (size > 16384)
	return (0);
    srclen = fdp_bytes(&f, src, srclen);
    dst = bounded_buf(dstlen);
    rc_escape(dst, dstlen, (const char *) src, srclen);
    if (dstlen > 0)
	check_escape(dst, dstlen, src, srclen);
    free(dst);

    reports(&f);
    return (0);
}
