/*
 * fuzz_config.c - the INI parser (rc_config_parse_string, rc_config_load)
 *
 * Input: the text of a relaycheck.ini. What must hold:
 *   - a configuration or an error text, never both, never neither;
 *   - the error text is "fuzz.ini:N: ..." lines, each printable ASCII and
 *     ending in '\n' (it goes to Exim's panic log: hostile bytes in the
 *     file must arrive escaped, and can never start a log line of their
 *     own);
 *   - a configuration dumps (rc_config_dump) to printable text that parses
 *     again, to the same configuration: dump(parse(dump)) == dump;
 *   - a text with errors, parsed again under a file name of 700 bytes,
 *     still gives error lines that are printable and shorter than 512.
 * An input holding a NUL byte is also read through rc_config_load() from a
 * memfd, the path a real file takes (the string parser stops at the NUL).
 */

#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_common.h"

#include "allowlist/config.h"

#define NAME "fuzz.ini"

/* check_errors - every line "NAME:N: ..." or "NAME: too many errors..." */

static void
check_errors(const char *errors, const char *name, bool strict_name)
{
    size_t  nlen = strlen(name), lines = 0;
    const char *s = errors;

    FUZZ_CHECK(*errors != 0, "empty error text");
    FUZZ_CHECK(errors[strlen(errors) - 1] == '\n', "error text does not end in a newline:\n%s",
	       errors);
    while (*s) {
	const char *nl = strchr(s, '\n');
	size_t  len = (size_t) (nl - s);

	lines++;
	FUZZ_CHECK(printable_n(s, len), "unprintable byte in error line: %.*s", (int) len, s);
	if (strict_name)
	    FUZZ_CHECK(len > nlen && strncmp(s, name, nlen) == 0 && s[nlen] == ':',
		       "error line without file name: %.*s", (int) len, s);
	FUZZ_CHECK(len < 512, "error line of %zu bytes", len);
	s = nl + 1;
    }
    FUZZ_CHECK(lines <= 50, "%zu error lines (at most 50)", lines);
}

/* roundtrip - a loaded configuration survives dump and parse unchanged */

static void
roundtrip(const RC_CONFIG *cfg, const char *name)
{
    char   *dump = rc_config_dump(cfg), *dump2, *errors = NULL;
    RC_CONFIG *again;

    FUZZ_CHECK(dump != NULL, "rc_config_dump failed");
    FUZZ_CHECK(first_bad(dump, "\n") < 0, "unprintable byte in dump:\n%s", dump);
    again = rc_config_parse_string(name, dump, &errors);
    FUZZ_CHECK(again != NULL, "dump does not parse again:\n%s\nerrors:\n%s", dump,
	       errors ? errors : "(none)");
    FUZZ_CHECK(errors == NULL, "configuration and errors");
    dump2 = rc_config_dump(again);
    FUZZ_CHECK(dump2 != NULL && strcmp(dump, dump2) == 0,
	       "dump changes when parsed again:\n--- first\n%s--- second\n%s", dump,
	       dump2 ? dump2 : "(null)");
    FUZZ_CHECK(again->reject_score == cfg->reject_score
	       && again->dns_timeout_ms == cfg->dns_timeout_ms
	       && again->skip_hosts.n == cfg->skip_hosts.n
	       && again->nsc_ip.n == cfg->nsc_ip.n
	       && again->ndnsbl == cfg->ndnsbl && again->nrhsbl == cfg->nrhsbl,
	       "configuration differs after dump and parse");
    free(dump);
    free(dump2);
    rc_config_free(again);
}

/*
 * long_name - the same text under a file name longer than an error line
 * (a configuration path is the operator's, but a long one must not
 * overflow the message buffer): errors are still lines, cut, printable.
 */
static void
long_name(const char *text)
{
    static char name[700];
    char   *errors = NULL;
    RC_CONFIG *cfg;

    if (name[0] == 0) {
	memset(name, 'd', sizeof(name) - 5);
	strcpy(name + sizeof(name) - 5, ".ini");
    }
    cfg = rc_config_parse_string(name, text, &errors);
    FUZZ_CHECK(cfg == NULL && errors != NULL, "long file name: no errors");
    check_errors(errors, name, false);
    free(errors);
}

static void
one(RC_CONFIG *cfg, char *errors, const char *name, const char *text)
{
    FUZZ_CHECK((cfg == NULL) != (errors == NULL), "cfg=%p errors=%p", (void *) cfg,
	       (void *) errors);
    if (cfg == NULL) {
	check_errors(errors, name, true);
	free(errors);
	if (text != NULL)
	    long_name(text);
	return;
    }
    FUZZ_CHECK(cfg->dns_timeout_ms >= 100 && cfg->dns_timeout_ms <= 120000,
	       "dns_timeout %d ms", cfg->dns_timeout_ms);
    FUZZ_CHECK(cfg->nnameservers <= RC_MAX_NAMESERVERS, "%zu nameservers", cfg->nnameservers);
    FUZZ_CHECK(printable(cfg->header_prefix) && cfg->header_prefix[0],
	       "header prefix \"%s\"", cfg->header_prefix);
    for (size_t i = 0; i < cfg->ndnsbl; i++)
	FUZZ_CHECK(printable(cfg->dnsbl[i].label) && cfg->dnsbl[i].ncodes > 0,
		   "list %zu: label \"%s\", %zu codes", i, cfg->dnsbl[i].label,
		   cfg->dnsbl[i].ncodes);
    for (size_t i = 0; i < cfg->nrhsbl; i++)
	FUZZ_CHECK(printable(cfg->rhsbl[i].label) && cfg->rhsbl[i].ncodes > 0,
		   "list %zu: label \"%s\", %zu codes", i, cfg->rhsbl[i].label,
		   cfg->rhsbl[i].ncodes);
    roundtrip(cfg, name);
    rc_config_free(cfg);
}

/* via_file - the same bytes through rc_config_load(), from a memfd */

static void
via_file(const uint8_t *data, size_t size)
{
    int     fd = memfd_create("fuzz-config", MFD_CLOEXEC);
    char    path[64], *errors = NULL;
    RC_CONFIG *cfg;
    RC_FILESTAMP st;

    FUZZ_CHECK(fd >= 0, "memfd_create failed");
    FUZZ_CHECK(write(fd, data, size) == (ssize_t) size, "write to memfd failed");
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    cfg = rc_config_load(path, &errors, &st);
    one(cfg, errors, path, NULL);
    close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char   *text, *errors = NULL;
    RC_CONFIG *cfg;

    if (size > 64 * 1024)
	return (0);
    if ((text = malloc(size + 1)) == NULL)
	abort();
    memcpy(text, data, size);
    text[size] = 0;
    cfg = rc_config_parse_string(NAME, text, &errors);
    one(cfg, errors, NAME, text);
    free(text);
    if (memchr(data, 0, size) != NULL)
	via_file(data, size);
    return (0);
}
