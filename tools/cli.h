/*
 * cli.h - private to the relaycheck command: what its parts share
 *
 * The command (tools/) is cut by concern:
 *	relaycheck.c	main(): the arguments parsed, one mode run
 *	args.c		the options, the rules that combine them, usage
 *	check.c		one message's facts through the engine, as text or JSON
 *	checkconfig.c	--check-config
 *	summary.c	--summary over Exim main logs
 *	batch.c		--batch: many relays, one JSON object each
 *	replay.c	--replay: Exim main logs evaluated again, summarised
 *	htmlreport.c	--report: the module's log lines as an HTML page
 *	calibrate.c	--calibrate: per-check evidence, suggested scores
 *	eximlog.c	main logs read (plain, gzip) and arrival lines parsed
 *	tally.c		the module's log lines counted, the summary printed
 *	pool.c		worker processes for the modes that evaluate many
 *			relays, results in input order
 *	cli.c		what they share: the configuration found as the module
 *			finds it, JSON strings, the program's name
 * A new mode is a file with its run function (declared below), its value
 * in RC_CLI_MODE, its options in args.c, and one line in main's table of
 * modes (relaycheck.c).
 */
#ifndef RC_CLI_H_INCLUDED
#define RC_CLI_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "allowlist/config.h"
#include "dnscheck/checks.h"
#include "dnscheck/front.h"

#ifndef RC_VERSION
#define RC_VERSION "unknown"
#endif

/* The modes; args.c chooses one, main() runs it. */
typedef enum rc_cli_mode {
    RC_CLI_CHECK,			/* the default: --ip ADDR ... */
    RC_CLI_CHECK_CONFIG,		/* --check-config [FILE] */
    RC_CLI_SUMMARY,			/* --summary [LOGFILE...] */
    RC_CLI_BATCH,			/* --batch [FILE] */
    RC_CLI_REPLAY,			/* --replay [LOGFILE...] */
    RC_CLI_REPORT,			/* --report FILE.html [LOGFILE...] */
    RC_CLI_CALIBRATE,			/* --calibrate --ham ... --spam ... */
    RC_CLI_NMODES
} RC_CLI_MODE;

/* --score CHECK=N */
typedef struct rc_cli_rescore {
    char        key[RC_LABEL_MAX + 16];	/* "ptr_missing", "dnsbl:zone", "dnsbl" */
    int         score;
} RC_CLI_RESCORE;

/* The command line, as args.c parsed and checked it. */
typedef struct rc_cli_args {
    RC_CLI_MODE mode;
    const char *config;			/* --config; --check-config: the file */
    bool        json;			/* --json */
    bool        prometheus;		/* --summary --prometheus */
    /* RC_CLI_CHECK: the facts */
    const char *ip;
    const char *helo;			/* "" if none */
    const char *from;			/* "" for a bounce */
    bool        auth;
    const char *hostname;		/* default: uname -n */
    const char *interface;		/* NULL if none */
    /* RC_CLI_SUMMARY, RC_CLI_REPLAY: the what-if, the log files */
    bool        whatif;			/* any of the three below given */
    int         reject_score;		/* -1: the configuration's */
    int         tempreject_score;	/* -1: the configuration's */
    RC_CLI_RESCORE *rescore;		/* malloc'ed */
    size_t      nrescore;
    char      **files;			/* none: standard input */
    int         nfiles;
    /* RC_CLI_CALIBRATE */
    char      **ham, **spam;		/* malloc'ed */
    int         nham, nspam;
    double      max_ham_rate;		/* --max-ham-rate */
    char      **pos;			/* malloc'ed: the arguments not options */
    /* RC_CLI_REPORT: the page to write */
    const char *report;
    /* RC_CLI_BATCH, RC_CLI_REPLAY */
    int         jobs;			/* --jobs */
} RC_CLI_ARGS;

/* The modes' run functions: each returns the exit status. */
extern int rc_cli_check(const RC_CLI_ARGS *);		/* check.c */
extern int rc_cli_check_config(const RC_CLI_ARGS *);	/* checkconfig.c */
extern int rc_cli_summary(const RC_CLI_ARGS *);	/* summary.c */
extern int rc_cli_batch(const RC_CLI_ARGS *);		/* batch.c */
extern int rc_cli_replay(const RC_CLI_ARGS *);		/* replay.c */
extern int rc_cli_report(const RC_CLI_ARGS *);		/* htmlreport.c */
extern int rc_cli_calibrate(const RC_CLI_ARGS *);	/* calibrate.c */

/* --jobs: the default, the most */
#define RC_CLI_JOBS_DEFAULT	8
#define RC_CLI_JOBS_MAX		256

/* "relaycheck", the prefix of every message on stderr */
extern const char rc_cli_progname[];

/*
 * rc_cli_config_load - the configuration the module would use: opt_path
 * (--config), else $RELAYCHECK_CONFIG, else the compiled default file,
 * else (that file absent) the built-in defaults. NULL after printing the
 * errors; rc_cli_config_noperm is then set when this user may not read
 * the file. *used: the path; *defaults: the built-in defaults are used.
 * rc_cli_config_release() when done.
 */
extern const RC_CONFIG *rc_cli_config_load(const char *opt_path, const char **used,
					   bool *defaults);
extern void rc_cli_config_release(void);
extern bool rc_cli_config_noperm;

/*
 * rc_cli_engine_config - rc_cli_config_load() for a mode that runs the
 * engine: NULL after saying why, with *status the exit status (EX_NOPERM,
 * or EX_CONFIG and the 451 the module would give); else cfgname (len
 * bytes) names it for the output.
 */
extern const RC_CONFIG *rc_cli_engine_config(const char *opt_path, char *cfgname, size_t len,
					     int *status);

/* rc_cli_spf_log - libspf2's warnings on stderr (the module logs them) */
extern void rc_cli_spf_log(int level, const char *msg);

/*
 * rc_cli_relay_facts - in a pool worker: the facts of one relay from a
 * request of NUL-ended fields ip, helo, sender, auth ("1" or "0"), after
 * `skip' leading fields; SPF's logging set on the first call.
 */
extern void rc_cli_relay_facts(RC_FACTS *, const char *req, int skip, const char *hostname,
			       const char *interface);

/* rc_cli_worker_end - in a pool worker, at the end: SPF and the configuration released */
extern void rc_cli_worker_end(void);

/* rc_cli_json_str - s as a JSON string ("" for NULL) */
extern void rc_cli_json_str(FILE *fp, const char *s);

/* The exit status of a check: its action. */
#define RC_CLI_EXIT_ACCEPT	0
#define RC_CLI_EXIT_REJECT	1
#define RC_CLI_EXIT_TEMPREJECT	2

/* rc_cli_exit_status - the exit status of a verdict's texts: its action */
extern int rc_cli_exit_status(const RC_FRONT_OUT *);

/*
 * rc_cli_json_verdict - the --json object of one verdict (relaycheck(8)),
 * for the facts it was given: over several lines as a check prints it,
 * or on one line (oneline) as --batch prints it. Ends in a newline.
 */
extern void rc_cli_json_verdict(FILE *fp, const RC_FACTS *, const RC_CONFIG *,
				const char *cfgname, const RC_VERDICT *, const RC_FRONT_OUT *,
				int status, bool oneline);

/*
 * rc_cli_json_string - the JSON string at *pp (at its opening quote) into
 * buf, decoded (UTF-8), *pp moved past it; NULL, or what is wrong. A NUL
 * character (\u0000) is refused: what reads it takes C strings.
 */
extern const char *rc_cli_json_string(const char **pp, char *buf, size_t size);

/* rc_cli_xrealloc - realloc(), or exit EX_SOFTWARE with a message */
extern void *rc_cli_xrealloc(void *p, size_t n);

#endif
