/*
 * checkconfig.c - relaycheck --check-config [FILE]: is the configuration
 * valid, and what does the module make of it
 *
 * The file is found as a check finds it (FILE, else --config, else
 * $RELAYCHECK_CONFIG, else the default file). Valid: the effective
 * configuration, defaults included, on stdout (rc_config_dump(), the form
 * the man page's DEFAULTS block is compared with), and exit 0. Not valid:
 * every error as file:line on stderr, and EX_CONFIG (the module would
 * answer every message with 451); not readable by this user: EX_NOPERM.
 */
#include <stdlib.h>
#include <sysexits.h>

#include "dnscheck/front.h"
#include "cli.h"

/* rc_cli_check_config - the mode's run function (cli.h) */

int
rc_cli_check_config(const RC_CLI_ARGS *a)
{
    const char *used;
    bool    defaults;
    const RC_CONFIG *cfg = rc_cli_config_load(a->config, &used, &defaults);
    char   *dump;

    if (cfg == NULL) {
	if (rc_cli_config_noperm)
	    return (EX_NOPERM);
	fprintf(stderr, "%s: %s: configuration NOT valid; the module answers every "
		"message \"451 %s\"\n", rc_cli_progname, used, RC_FRONT_CONFIG_ERROR_REPLY);
	return (EX_CONFIG);
    }
    if ((dump = rc_config_dump(cfg)) == NULL) {
	fprintf(stderr, "%s: out of memory\n", rc_cli_progname);
	rc_cli_config_release();
	return (EX_SOFTWARE);
    }
    if (defaults)
	printf("; %s not found: the module runs on these built-in defaults\n", used);
    fputs(dump, stdout);
    free(dump);
    rc_cli_config_release();
    fprintf(stderr, "%s: %s: configuration valid\n", rc_cli_progname,
	    defaults ? "built-in defaults" : used);
    return (0);
}
