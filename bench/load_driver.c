/*
 * load_driver.c - what one connection process pays for a local_scan module
 * (issue 16, item 2)
 *
 * SYNOPSIS
 *	load_driver [-p] [-n CONNECTIONS] MODULE IP HELO SENDER SPOOL
 *
 * DESCRIPTION
 *	Stands in for Debian's exim4 around local_scan(): it defines the few
 *	names of Exim's that a module may use (local_scan.h; exported, as
 *	exim4 exports them), and is linked against the libraries exim4 is
 *	linked against (the Makefile reads them from /usr/sbin/exim4), so the
 *	dynamic linker searches the same global scope when it binds the
 *	module. For each of CONNECTIONS (default 5) connections it forks,
 *	as Exim's daemon does, and the child does what Exim's local_scan()
 *	wrapper does on the first message of a connection: dlopen(MODULE,
 *	RTLD_NOW), look up and check the two version functions and
 *	local_scan, then call local_scan() for a message from IP, with HELO
 *	and SENDER; then once more, for a second message on the same
 *	connection. Exim's $spool_directory is SPOOL.
 *
 *	-p loads MODULE in the parent first (dlopen, RTLD_NOW), before the
 *	forks: the children inherit it, as connection processes would from a
 *	daemon that loads the module itself (README, "Performance"): the
 *	parent then calls relaycheck_acl with {preload}, as that daemon's
 *	smtp_accept_max_per_host does, which opens the libraries the module
 *	otherwise opens on first use.
 *
 *	Per connection the child reports, as key=value lines on stdout, the
 *	minor page faults (getrusage) of the load, of the first message and
 *	of the second, and the local_scan() return code. Under callgrind
 *	(valgrind --tool=callgrind) the child also dumps its counts at
 *	three points (callgrind.h client requests, no-ops otherwise): after
 *	the load ("load"), after the first message ("first") and after the
 *	second ("second"), each part starting from zero.
 *
 *	Exit status 0 when every connection loaded the module and got a
 *	LOCAL_SCAN_ACCEPT, 1 otherwise.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <local_scan.h>
#include <valgrind/callgrind.h>

/* What Exim exports and local_scan.h declares; only these are used by modules we load. */
header_line *header_list;
uschar *interface_address;
uschar *sender_address;
uschar *sender_host_address;
uschar *sender_host_authenticated;
int     recipients_count;
recipient_item *recipients_list;

static const char *drv_helo;
static const char *drv_spool;

/* expand_string - the few variables a module reads this way */

uschar *
expand_string(uschar *s)
{
    if (strcmp((char *) s, "$sender_helo_name") == 0)
	return ((uschar *) drv_helo);
    if (strcmp((char *) s, "$primary_hostname") == 0)
	return ((uschar *) "mx.bench.test");
    if (strcmp((char *) s, "$spool_directory") == 0)
	return ((uschar *) drv_spool);
    return ((uschar *) "");
}

/* log_write - Exim's log: to stderr, so that a run shows what the module said */

void
log_write(unsigned int selector, int flags, const char *format, ...)
{
    va_list ap;

    (void) selector;
    (void) flags;
    va_start(ap, format);
    vfprintf(stderr, format, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* header_add - headers are counted, not kept */

void
header_add(int type, const char *format, ...)
{
    (void) type;
    (void) format;
}

/* header_add_at_position - likewise */

void
header_add_at_position(BOOL after, uschar *name, BOOL topnot, int type,
		       const char *format, ...)
{
    (void) after;
    (void) name;
    (void) topnot;
    (void) type;
    (void) format;
}

/* minflt - minor page faults of this process so far */

static long
minflt(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_minflt);
}

/* load - what Exim's wrapper does before the first call: dlopen and dlsym */

static int (*
load(const char *path)) (int, uschar **)
{
    void   *h;
    int     (*major) (void), (*minor) (void);

    if ((h = dlopen(path, RTLD_NOW)) == NULL) {
	fprintf(stderr, "load_driver: dlopen %s: %s\n", path, dlerror());
	return (NULL);
    }
    *(void **) &major = dlsym(h, "local_scan_version_major");
    *(void **) &minor = dlsym(h, "local_scan_version_minor");
    if (major == NULL || minor == NULL || major() != LOCAL_SCAN_ABI_VERSION_MAJOR
	|| minor() < LOCAL_SCAN_ABI_VERSION_MINOR) {
	fprintf(stderr, "load_driver: %s: no or wrong version functions\n", path);
	return (NULL);
    }
    return ((int (*) (int, uschar **)) dlsym(h, "local_scan"));
}

/* connection - one forked connection process: load, two messages */

static int
connection(const char *path, int n)
{
    int     (*scan) (int, uschar **);
    uschar *text = NULL;
    long    f0, f1, f2, f3;
    int     rc1, rc2;

    CALLGRIND_ZERO_STATS;
    f0 = minflt();
    scan = load(path);
    f1 = minflt();
    CALLGRIND_DUMP_STATS_AT("load");
    if (scan == NULL)
	return (1);
    rc1 = scan(0, &text);
    f2 = minflt();
    CALLGRIND_DUMP_STATS_AT("first");
    rc2 = scan(0, &text);
    f3 = minflt();
    CALLGRIND_DUMP_STATS_AT("second");
    printf("conn=%d faults_load=%ld faults_first=%ld faults_second=%ld rc=%d,%d\n",
	   n, f1 - f0, f2 - f1, f3 - f2, rc1, rc2);
    fflush(stdout);
    return (rc1 == LOCAL_SCAN_ACCEPT && rc2 == LOCAL_SCAN_ACCEPT ? 0 : 1);
}

/* usage - the synopsis, and exit 2 */

static void
usage(void)
{
    fprintf(stderr, "usage: load_driver [-p] [-n CONNECTIONS] MODULE IP HELO SENDER SPOOL\n");
    exit(2);
}

/*
 * preload_module - -p: what the daemon of README's recipe does before it
 * forks: load the module, and call relaycheck_acl with {preload}, which
 * opens the libraries the module otherwise opens on first use (a module
 * without that function, the empty one, is only loaded).
 */
static bool
preload_module(const char *path)
{
    void   *h;
    int     (*acl) (uschar **, int, uschar **);
    uschar *yield = NULL, *args[] = {(uschar *) "preload", NULL};

    if (load(path) == NULL || (h = dlopen(path, RTLD_NOW | RTLD_NOLOAD)) == NULL)
	return (false);
    *(void **) &acl = dlsym(h, "relaycheck_acl");
    if (acl != NULL && acl(&yield, 1, args) != OK) {
	fprintf(stderr, "load_driver: %s: relaycheck_acl {preload} failed\n", path);
	return (false);
    }
    return (true);
}

/* main - fork a child per connection, report, exit 1 on any failure */

int
main(int argc, char **argv)
{
    int     c, conns = 5, preload = 0, bad = 0;

    while ((c = getopt(argc, argv, "pn:")) != -1) {
	if (c == 'p')
	    preload = 1;
	else if (c == 'n')
	    conns = atoi(optarg);
	else
	    usage();
    }
    if (argc - optind != 5 || conns < 1)
	usage();
    sender_host_address = (uschar *) argv[optind + 1];
    drv_helo = argv[optind + 2];
    sender_address = (uschar *) argv[optind + 3];
    {
	static recipient_item rcpt = {.address = (uschar *) "user@bench.test"};

	recipients_list = &rcpt;
	recipients_count = 1;
    }
    drv_spool = argv[optind + 4];
    if (preload && !preload_module(argv[optind]))
	return (1);
    for (int i = 0; i < conns; i++) {
	pid_t   pid;
	int     status;

	fflush(NULL);
	if ((pid = fork()) < 0) {
	    perror("load_driver: fork");
	    return (1);
	}
	if (pid == 0)
	    _exit(connection(argv[optind], i));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
	    bad = 1;
    }
    return (bad);
}
