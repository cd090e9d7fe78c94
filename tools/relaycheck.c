/*
 * relaycheck.c - the relaycheck engine outside Exim: main()
 *
 *	relaycheck [--config FILE] --ip ADDR [--helo NAME] [--from ADDR] [--auth] [--json]
 *	relaycheck --check-config [FILE]
 *	relaycheck --summary [--reject-score N] [--tempreject-score N]
 *		   [--score CHECK=N]... [--json] [LOGFILE...]
 *	relaycheck --batch [--jobs N] [--config FILE] [--hostname NAME] [FILE]
 *	relaycheck --replay [--jobs N] [--reject-score N] [--tempreject-score N]
 *		   [--score CHECK=N]... [--config FILE] [--json] [LOGFILE...]
 *	relaycheck --report FILE.html [--config FILE] [LOGFILE...]
 *	relaycheck --calibrate --ham PATH... --spam PATH... [--max-ham-rate R]
 *		   [--config FILE] [--json]
 *	relaycheck --version | --help
 *
 * A check runs exactly what the local_scan adapter runs - the same
 * configuration loader, the same rc_engine_check() on the same facts, the
 * same report functions - and prints what the module would make of the
 * message: the findings, the total, the action, the header lines it would
 * add, the SMTP reply Exim would send on a rejection, $local_scan_data
 * and the main-log line. --summary reads Exim main logs and counts the
 * module's log lines, and shows what other thresholds or scores would have
 * done to the same messages.
 *
 * Exit status (see relaycheck(8)):
 *	0  accept (also: not checked, allowlisted; --check-config: valid;
 *	   --summary, --version, --help)
 *	1  reject (550)
 *	2  tempreject (451)
 *	64 usage error (EX_USAGE)
 *	65 --batch: some line gave an error object; --replay: some relay
 *	   could not be evaluated; --calibrate: no checked ham or spam
 *	   (EX_DATAERR)
 *	66 a log or input file cannot be read (EX_NOINPUT)
 *	70 internal error, e.g. out of memory (EX_SOFTWARE)
 *	71 --batch: the workers cannot be started (EX_OSERR)
 *	73 --report: the page cannot be written (EX_CANTCREAT)
 *	74 the output cannot be written (EX_IOERR)
 *	77 the configuration exists but this user may not read it (EX_NOPERM)
 *	78 configuration error (EX_CONFIG): the module would answer every
 *	   message with 451
 *
 * main() parses the command line (args.c) and runs the one mode it names,
 * through the table below: a check (check.c), --check-config
 * (checkconfig.c), --summary (summary.c), --batch (batch.c), --replay
 * (replay.c), --report (htmlreport.c) or --calibrate (calibrate.c). cli.h says how the command is
 * cut, and what a new mode takes.
 */
#include "args.h"
#include "cli.h"

/* The modes, one line each: RC_CLI_MODE (cli.h) -> its run function. */
static int (*const modes[RC_CLI_NMODES]) (const RC_CLI_ARGS *) = {
    [RC_CLI_CHECK] = rc_cli_check,			/* check.c */
    [RC_CLI_CHECK_CONFIG] = rc_cli_check_config,	/* checkconfig.c */
    [RC_CLI_SUMMARY] = rc_cli_summary,			/* summary.c */
    [RC_CLI_BATCH] = rc_cli_batch,			/* batch.c */
    [RC_CLI_REPLAY] = rc_cli_replay,			/* replay.c */
    [RC_CLI_REPORT] = rc_cli_report,			/* htmlreport.c */
    [RC_CLI_CALIBRATE] = rc_cli_calibrate,		/* calibrate.c */
};

/* main - the command line parsed, its mode run */

int
main(int argc, char **argv)
{
    RC_CLI_ARGS a;
    int     status;

    if ((status = rc_cli_args_parse(&a, argc, argv)) < 0)
	status = modes[a.mode] (&a);
    rc_cli_args_free(&a);
    return (status);
}
