/*
 * cli.c - what the parts of the relaycheck command share (see cli.h)
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include "dnscheck/front.h"

const char rc_cli_progname[] = "relaycheck";

/* Set when the configuration exists but this user may not read it. */
bool    rc_cli_config_noperm;

/* The configuration, found as the adapter finds it (front.h). */
static RC_FRONT_CFG front_cfg;

/* rc_cli_config_load - the configuration the module would use (cli.h) */

const RC_CONFIG *
rc_cli_config_load(const char *opt_path, const char **used, bool *defaults)
{
    const char *path = rc_front_config_path(opt_path, NULL);
    const RC_CONFIG *cfg;
    RC_FRONT_LOOKUP lk;

    *used = path;
    *defaults = false;
    if (access(path, R_OK) < 0 && errno == EACCES) {
	/* Not an error of the file: the module (Debian-exim) may well read it. */
	fprintf(stderr, "%s: %s: not readable by this user; run relaycheck as root or as a "
		"member of the file's group (Debian-exim)\n", rc_cli_progname, path);
	rc_cli_config_noperm = true;
	return (NULL);
    }
    if ((cfg = rc_front_config(&front_cfg, opt_path, NULL, &lk)) == NULL)
	fputs(rc_front_errors(&lk), stderr);
    *defaults = lk.defaults;
    rc_front_lookup_free(&lk);
    return (cfg);
}

/* rc_cli_config_release - the configuration freed */

void
rc_cli_config_release(void)
{
    rc_front_config_free(&front_cfg);
}

/* rc_cli_json_str - a JSON string */

void
rc_cli_json_str(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; s && *s; s++) {
	unsigned char c = (unsigned char) *s;

	switch (c) {
	case '"':
	    fputs("\\\"", fp);
	    break;
	case '\\':
	    fputs("\\\\", fp);
	    break;
	case '\n':
	    fputs("\\n", fp);
	    break;
	case '\t':
	    fputs("\\t", fp);
	    break;
	case '\r':
	    fputs("\\r", fp);
	    break;
	default:
	    if (c < 0x20 || c == 0x7f)
		fprintf(fp, "\\u%04x", c);
	    else
		fputc(c, fp);
	}
    }
    fputc('"', fp);
}

/* rc_cli_xrealloc - realloc() or exit */

void   *
rc_cli_xrealloc(void *p, size_t n)
{
    void   *q = realloc(p, n);

    if (q == NULL) {
	fprintf(stderr, "%s: out of memory\n", rc_cli_progname);
	exit(EX_SOFTWARE);
    }
    return (q);
}
