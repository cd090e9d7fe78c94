/*
 * args.c - relaycheck's command line: the options, the rules that combine
 * them, and the usage text
 *
 * One pass of getopt_long() over every option, whatever the mode; then the
 * mode is chosen (--check-config, --summary, else a check) and what does
 * not go with it is a usage error (EX_USAGE), with the messages
 * relaycheck(8) and the tests know. A mode's own arguments are checked
 * here too, so that a mode's run function gets a command line that holds.
 */
#include "args.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sysexits.h>

#include "allowlist/addr.h"

/* usage - the synopsis and every option */
static void
usage(FILE *fp)
{
    fprintf(fp,
	    "usage: %s [--config FILE] --ip ADDR [--helo NAME] [--from ADDR] [--auth]\n"
	    "                  [--hostname NAME] [--interface ADDR] [--json]\n"
	    "       %s --check-config [FILE]\n"
	    "       %s --summary [--reject-score N] [--tempreject-score N]\n"
	    "                  [--score CHECK=N]... [--config FILE] [--json | --prometheus]\n"
	    "                  [LOGFILE...]\n"
	    "       %s --batch [--jobs N] [--config FILE] [--hostname NAME] [FILE]\n"
	    "       %s --report FILE.html [--config FILE] [LOGFILE...]\n"
	    "       %s --calibrate --ham PATH... --spam PATH... [--max-ham-rate R]\n"
	    "                  [--config FILE] [--json]\n"
	    "       %s --replay [--jobs N] [--reject-score N] [--tempreject-score N]\n"
	    "                  [--score CHECK=N]... [--config FILE] [--json] [LOGFILE...]\n"
	    "       %s --version | --help\n"
	    "\n"
	    "Runs the relaycheck engine on one message's facts, exactly as the Exim\n"
	    "module would, and prints the findings, the score, the action, the header\n"
	    "lines, the SMTP reply, $local_scan_data and the main-log line.\n"
	    "\n"
	    "  -c, --config FILE      INI file (default: $RELAYCHECK_CONFIG, else\n"
	    "                         " RC_DEFAULT_CONFIG ", else built-in defaults)\n"
	    "  -i, --ip ADDR          the relay host's (client's) IPv4 or IPv6 address\n"
	    "  -H, --helo NAME        its HELO/EHLO name (default: none)\n"
	    "  -f, --from ADDR        envelope sender (default: <>, a bounce)\n"
	    "  -a, --auth             the session authenticated (SMTP AUTH)\n"
	    "      --hostname NAME    this server's primary_hostname (default: uname -n)\n"
	    "      --interface ADDR   the local address the client connected to\n"
	    "  -j, --json             one JSON object instead of text\n"
	    "  -C, --check-config [FILE]\n"
	    "                         validate FILE; print the effective configuration\n"
	    "                         (with defaults) or every error as file:line\n"
	    "  -s, --summary          count the module's lines in Exim main logs (files\n"
	    "                         or standard input): messages, actions, check hits\n"
	    "      --prometheus       with --summary: the counts as Prometheus metrics\n"
	    "      --reject-score N   with --summary: what a reject_score of N would do\n"
	    "      --tempreject-score N\n"
	    "                         with --summary: the same for tempreject_score\n"
	    "      --score CHECK=N    with --summary: re-score the hits of CHECK (a\n"
	    "                         [scores] key, dnsbl:ZONE or rhsbl:ZONE)\n"
	    "  -b, --batch [FILE]     one relay per line of FILE (or standard input):\n"
	    "                         JSON {\"ip\":...,\"helo\":...,\"from\":...,\"auth\":false}\n"
	    "                         or TSV ip<TAB>helo<TAB>from; one JSON object out per\n"
	    "                         relay, in input order\n"
	    "  -r, --replay           evaluate again, with live DNS, the mail in Exim main\n"
	    "                         logs (plain or .gz; - standard input): each distinct\n"
	    "                         relay once; the --summary report of what the module\n"
	    "                         would have done (what-if options as for --summary)\n"
	    "      --jobs N           with --batch, --replay: N relays at a time (default 8)\n"
	    "      --calibrate --ham PATH... --spam PATH...\n"
	    "                         per check: hits in ham and in spam, likelihood\n"
	    "                         ratio; suggested scores and reject_score. PATH: a\n"
	    "                         maildir, mbox, message file or --json/--batch lines\n"
	    "      --max-ham-rate R   with --calibrate: ham the suggested reject_score\n"
	    "                         may flag (default 0.001)\n"
	    "      --report FILE.html the module's lines in Exim main logs (plain or .gz)\n"
	    "                         as one self-contained HTML page with charts\n"
	    "  -V, --version          print the version\n"
	    "  -h, --help             this text\n"
	    "\n"
	    "Exit status: 0 accept (or not checked), 1 reject, 2 tempreject,\n"
	    "64 usage error, 65 a --batch line failed, 66 unreadable input file,\n"
	    "70 internal error, 71 cannot start workers, 74 output error,\n"
	    "77 configuration not readable by this user, 78 configuration error.\n",
	    rc_cli_progname, rc_cli_progname, rc_cli_progname, rc_cli_progname, rc_cli_progname,
	    rc_cli_progname, rc_cli_progname, rc_cli_progname);
}

/* usage_error - the message, a hint at --help, exit EX_USAGE */
static void __attribute__((format(printf, 1, 2), noreturn))
usage_error(const char *fmt,...)
{
    va_list ap;

    fprintf(stderr, "%s: ", rc_cli_progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help'.\n", rc_cli_progname);
    exit(EX_USAGE);
}

/* add_rescore - "CHECK=N" */
static void
add_rescore(RC_CLI_ARGS *a, const char *arg)
{
    const char *eq = strchr(arg, '=');
    size_t  klen = eq ? (size_t) (eq - arg) : 0;
    char    key[RC_LABEL_MAX + 16];
    char   *end;
    long    n;
    int     id;

    if (eq == NULL || klen == 0 || klen >= sizeof(key))
	usage_error("--score wants CHECK=N, e.g. ptr_missing=5 or dnsbl:zen.spamhaus.org=10");
    memcpy(key, arg, klen);
    key[klen] = 0;
    errno = 0;
    n = strtol(eq + 1, &end, 10);
    if (errno || *end || end == eq + 1 || n < -1000 || n > 1000)
	usage_error("--score %s: not an integer score (-1000..1000)", arg);
    {
	size_t  idlen = strcspn(key, ":");
	char    id_only[RC_LABEL_MAX + 16];

	memcpy(id_only, key, idlen);
	id_only[idlen] = 0;
	id = rc_check_by_id(id_only);
	if (id < 0 || id == RC_CHK_ALLOWLIST
	    || (key[idlen] == ':' && id != RC_CHK_DNSBL && id != RC_CHK_RHSBL))
	    usage_error("--score %s: unknown check (a [scores] key, dnsbl, rhsbl, "
			"dnsbl:ZONE or rhsbl:ZONE)", arg);
    }
    a->rescore = rc_cli_xrealloc(a->rescore, (a->nrescore + 1) * sizeof(*a->rescore));
    memcpy(a->rescore[a->nrescore].key, key, klen + 1);
    a->rescore[a->nrescore++].score = (int) n;
}

/* parse_threshold - a --reject-score or --tempreject-score value */
static int
parse_threshold(const char *opt, const char *v)
{
    char   *end;
    long    n;

    errno = 0;
    n = strtol(v, &end, 10);
    if (errno || *end || end == v || n < 0 || n > 100000)
	usage_error("%s: \"%s\" is not a score (0..100000)", opt, v);
    return ((int) n);
}

enum {
    OPT_HOSTNAME = 256,
    OPT_INTERFACE,
    OPT_REJECT_SCORE,
    OPT_TEMPREJECT_SCORE,
    OPT_SCORE,
    OPT_JOBS,
    OPT_PROMETHEUS,
    OPT_REPORT,
    OPT_CALIBRATE,
    OPT_HAM,
    OPT_SPAM,
    OPT_MAX_HAM_RATE
};


/*
 * server_facts - what the engine modes need of this server: --interface
 * checked, --hostname defaulted to uname -n
 */
static void
server_facts(RC_CLI_ARGS *a)
{
    static struct utsname un;
    static char hostname[sizeof(un.nodename)];

    if (a->interface) {
	RC_ADDR addr;

	if (!rc_addr_parse(a->interface, &addr))
	    usage_error("--interface %s: not an IPv4 or IPv6 address", a->interface);
    }
    if (a->hostname == NULL && uname(&un) == 0) {
	snprintf(hostname, sizeof(hostname), "%s", un.nodename);
	a->hostname = hostname;
    }
}

/* rc_cli_args_parse - the command line into *a (args.h) */

int
rc_cli_args_parse(RC_CLI_ARGS *a, int argc, char **argv)
{
    static const struct option longopts[] = {
	{"config", required_argument, NULL, 'c'},
	{"ip", required_argument, NULL, 'i'},
	{"helo", required_argument, NULL, 'H'},
	{"from", required_argument, NULL, 'f'},
	{"auth", no_argument, NULL, 'a'},
	{"hostname", required_argument, NULL, OPT_HOSTNAME},
	{"interface", required_argument, NULL, OPT_INTERFACE},
	{"json", no_argument, NULL, 'j'},
	{"check-config", optional_argument, NULL, 'C'},
	{"summary", no_argument, NULL, 's'},
	{"reject-score", required_argument, NULL, OPT_REJECT_SCORE},
	{"tempreject-score", required_argument, NULL, OPT_TEMPREJECT_SCORE},
	{"score", required_argument, NULL, OPT_SCORE},
	{"batch", no_argument, NULL, 'b'},
	{"replay", no_argument, NULL, 'r'},
	{"jobs", required_argument, NULL, OPT_JOBS},
	{"prometheus", no_argument, NULL, OPT_PROMETHEUS},
	{"report", required_argument, NULL, OPT_REPORT},
	{"calibrate", no_argument, NULL, OPT_CALIBRATE},
	{"ham", required_argument, NULL, OPT_HAM},
	{"spam", required_argument, NULL, OPT_SPAM},
	{"max-ham-rate", required_argument, NULL, OPT_MAX_HAM_RATE},
	{"version", no_argument, NULL, 'V'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
    };
    bool    check_cfg = false, summary = false, check_opts = false;
    bool    batch = false, replay = false, fact_opts = false, jobs = false;
    bool    calibrate = false, rate = false;
    char  **side = NULL;		/* --ham or --spam: where their paths go */
    int    *nside = NULL;
    char  **pos;			/* the other arguments, in order */
    int     npos = 0, ipos = 0;
    const char *cfg_file = NULL;
    int     c;

    memset(a, 0, sizeof(*a));
    a->helo = "";
    a->from = "";
    a->reject_score = -1;
    a->tempreject_score = -1;
    a->jobs = RC_CLI_JOBS_DEFAULT;
    a->max_ham_rate = 0.001;
    /* Each list may take every argument: none is lost when all are paths. */
    a->pos = pos = rc_cli_xrealloc(NULL, (size_t) (argc + 1) * sizeof(*pos));
    a->ham = rc_cli_xrealloc(NULL, (size_t) (argc + 1) * sizeof(*a->ham));
    a->spam = rc_cli_xrealloc(NULL, (size_t) (argc + 1) * sizeof(*a->spam));
    opterr = 0;
    while ((c = getopt_long(argc, argv, "-:c:i:H:f:ajC::sbrVh", longopts, NULL)) != -1) {
	switch (c) {
	case 1:
	    /* in order (the optstring's '-'): after --ham or --spam, their paths */
	    if (side)
		side[(*nside)++] = optarg;
	    else
		pos[npos++] = optarg;
	    break;
	case 'c':
	    a->config = optarg;
	    break;
	case 'i':
	    fact_opts = true;
	    a->ip = optarg;
	    check_opts = true;
	    break;
	case 'H':
	    fact_opts = true;
	    a->helo = optarg;
	    check_opts = true;
	    break;
	case 'f':
	    fact_opts = true;
	    a->from = optarg;
	    check_opts = true;
	    break;
	case 'a':
	    fact_opts = true;
	    a->auth = true;
	    check_opts = true;
	    break;
	case OPT_HOSTNAME:
	    a->hostname = optarg;
	    check_opts = true;
	    break;
	case OPT_INTERFACE:
	    a->interface = optarg;
	    check_opts = true;
	    break;
	case 'j':
	    a->json = true;
	    break;
	case 'C':
	    check_cfg = true;
	    cfg_file = optarg;
	    break;
	case 's':
	    summary = true;
	    break;
	case OPT_REJECT_SCORE:
	    a->reject_score = parse_threshold("--reject-score", optarg);
	    a->whatif = true;
	    break;
	case OPT_TEMPREJECT_SCORE:
	    a->tempreject_score = parse_threshold("--tempreject-score", optarg);
	    a->whatif = true;
	    break;
	case OPT_SCORE:
	    add_rescore(a, optarg);
	    a->whatif = true;
	    break;
	case 'b':
	    batch = true;
	    break;
	case 'r':
	    replay = true;
	    break;
	case OPT_PROMETHEUS:
	    a->prometheus = true;
	    break;
	case OPT_REPORT:
	    a->report = optarg;
	    break;
	case OPT_CALIBRATE:
	    calibrate = true;
	    break;
	case OPT_HAM:
	    side = a->ham;
	    nside = &a->nham;
	    side[(*nside)++] = optarg;
	    break;
	case OPT_SPAM:
	    side = a->spam;
	    nside = &a->nspam;
	    side[(*nside)++] = optarg;
	    break;
	case OPT_MAX_HAM_RATE:
	    {
		char   *end;

		errno = 0;
		a->max_ham_rate = strtod(optarg, &end);
		if (errno || *end || end == optarg || !(a->max_ham_rate >= 0)
		    || a->max_ham_rate >= 1)
		    usage_error("--max-ham-rate: \"%s\" is not a rate (0 up to 1, e.g. 0.001)",
				optarg);
		rate = true;
	    }
	    break;
	case OPT_JOBS:
	    {
		char   *end;
		long    n;

		errno = 0;
		n = strtol(optarg, &end, 10);
		if (errno || *end || end == optarg || n < 1 || n > RC_CLI_JOBS_MAX)
		    usage_error("--jobs: \"%s\" is not a number of jobs (1..%d)", optarg,
				RC_CLI_JOBS_MAX);
		a->jobs = (int) n;
		jobs = true;
	    }
	    break;
	case 'V':
	    printf("relaycheck %s\n", RC_VERSION);
	    return (0);
	case 'h':
	    usage(stdout);
	    return (0);
	case ':':
	    usage_error("option %s needs a value", argv[optind - 1]);
	default:
	    if (optopt)
		usage_error("unknown option -%c", optopt);
	    usage_error("unknown option %s", argv[optind - 1]);
	}
    }

    if (check_cfg + summary > 1)
	usage_error("--check-config and --summary do not go together");
    if (batch && (check_cfg || summary))
	usage_error("--batch does not go with --check-config or --summary");
    if (replay && (check_cfg || summary || batch))
	usage_error("--replay does not go with --check-config, --summary or --batch");
    while (optind < argc)				/* after "--" */
	pos[npos++] = argv[optind++];
    if (calibrate && (check_cfg || summary || batch || replay || a->report))
	usage_error("--calibrate does not go with --check-config, --summary, --batch, --replay "
		    "or --report");
    if ((a->nham || a->nspam || rate) && !calibrate)
	usage_error("--ham, --spam and --max-ham-rate go with --calibrate");
    if (calibrate) {
	if (check_opts || a->whatif || a->prometheus || jobs)
	    usage_error("--calibrate takes --ham, --spam, --max-ham-rate, --config and --json");
	if (a->nham == 0 || a->nspam == 0)
	    usage_error("--calibrate needs --ham PATH... and --spam PATH...");
	if (npos > 0)
	    usage_error("unexpected argument \"%s\"", pos[0]);
	a->mode = RC_CLI_CALIBRATE;
	return (-1);
    }
    if (a->report && (check_cfg || summary || batch || replay))
	usage_error("--report does not go with --check-config, --summary, --batch or --replay");
    if (a->prometheus && !summary)
	usage_error("--prometheus goes with --summary");
    if (a->prometheus && a->json)
	usage_error("--json and --prometheus do not go together");
    if (jobs && !batch && !replay)
	usage_error("--jobs goes with --batch or --replay");
    if (check_cfg) {
	if (check_opts || a->whatif || a->json)
	    usage_error("--check-config takes only a file name");
	if (cfg_file == NULL && ipos < npos)
	    cfg_file = pos[ipos++];
	if (cfg_file == NULL)
	    cfg_file = a->config;
	if (ipos < npos)
	    usage_error("unexpected argument \"%s\"", pos[ipos]);
	a->config = cfg_file;
	a->mode = RC_CLI_CHECK_CONFIG;
	return (-1);
    }
    if (summary) {
	if (check_opts)
	    usage_error("--summary reads log files; --ip, --helo, --from, --auth do not apply");
	a->files = pos;
	a->nfiles = npos;
	a->mode = RC_CLI_SUMMARY;
	return (-1);
    }
    if (a->report) {
	if (check_opts)
	    usage_error("--report reads log files; --ip, --helo, --from, --auth do not apply");
	if (a->whatif || a->json)
	    usage_error("--report takes only --config and log files");
	a->files = pos;
	a->nfiles = npos;
	a->mode = RC_CLI_REPORT;
	return (-1);
    }
    if (replay) {
	if (fact_opts)
	    usage_error("--replay reads log files; --ip, --helo, --from, --auth do not apply");
	a->files = pos;
	a->nfiles = npos;
	server_facts(a);
	a->mode = RC_CLI_REPLAY;
	return (-1);
    }
    if (batch) {
	if (fact_opts)
	    usage_error("--batch reads relays from a file; --ip, --helo, --from, --auth do not "
			"apply");
	if (a->whatif)
	    usage_error("--reject-score, --tempreject-score and --score go with --summary");
	if (npos > 1)
	    usage_error("unexpected argument \"%s\"", pos[1]);
	a->files = pos;
	a->nfiles = npos;
	server_facts(a);
	a->mode = RC_CLI_BATCH;
	return (-1);
    }
    if (a->whatif)
	usage_error("--reject-score, --tempreject-score and --score go with --summary");
    if (npos > 0)
	usage_error("unexpected argument \"%s\"", pos[0]);
    if (a->ip == NULL)
	usage_error("--ip ADDR is required (or --check-config, --summary, --version)");
    {
	RC_ADDR addr;

	if (!rc_addr_parse(a->ip, &addr))
	    usage_error("--ip %s: not an IPv4 or IPv6 address", a->ip);
    }
    server_facts(a);
    a->mode = RC_CLI_CHECK;
    return (-1);
}

/* rc_cli_args_free - the --score list */

void
rc_cli_args_free(RC_CLI_ARGS *a)
{
    free(a->pos);
    free(a->ham);
    free(a->spam);
    a->pos = a->ham = a->spam = NULL;
    free(a->rescore);
    a->rescore = NULL;
    a->nrescore = 0;
}
