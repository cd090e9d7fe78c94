/*
 * spf_suite.c - run one SPF check through the project's SPF path
 *
 *	spf_suite [-t budget_ms] [-r receiver] NAMESERVER CLIENT_IP HELO SENDER
 *
 * NAMESERVER is "IP", "IP:port" or "[IPv6]:port". The check runs exactly as
 * the engine runs it: one resolver session (rc_resolver_open, the given
 * budget), rc_spf_check(), rc_resolver_close(). Output, one "key=value" per
 * line: result, check, detail, received-spf, then the counters. The exit
 * status is 0 whenever a result was printed.
 *
 * Used by tests/spf/run_suite.py (the RFC 7208 test suite) and handy by
 * hand against any server.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dnscheck/checks.h"
#include "dnscheck/resolver.h"
#include "dnscheck/spf.h"

/* parse_server - "IP", "IP:port", "[IPv6]:port" or "IPv6" */

static bool
parse_server(const char *arg, struct sockaddr_storage *ss)
{
    struct sockaddr_in *sin = (struct sockaddr_in *) ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) ss;
    char    host[INET6_ADDRSTRLEN + 2];
    const char *colon;
    int     port = 53;

    memset(ss, 0, sizeof(*ss));
    if (arg[0] == '[') {
	const char *end = strchr(arg, ']');

	if (end == NULL || (size_t) (end - arg - 1) >= sizeof(host))
	    return (false);
	memcpy(host, arg + 1, (size_t) (end - arg - 1));
	host[end - arg - 1] = 0;
	if (end[1] == ':')
	    port = atoi(end + 2);
    } else if ((colon = strchr(arg, ':')) != NULL && strchr(colon + 1, ':') == NULL) {
	if ((size_t) (colon - arg) >= sizeof(host))
	    return (false);
	memcpy(host, arg, (size_t) (colon - arg));
	host[colon - arg] = 0;
	port = atoi(colon + 1);
    } else {
	snprintf(host, sizeof(host), "%s", arg);
    }
    if (port <= 0 || port > 65535)
	return (false);
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
	sin->sin_family = AF_INET;
	sin->sin_port = htons((unsigned short) port);
	return (true);
    }
    if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((unsigned short) port);
	return (true);
    }
    return (false);
}

static void
log_to_stderr(int level, const char *msg)
{
    fprintf(stderr, "spf log %d: %s\n", level, msg);
}

int
main(int argc, char **argv)
{
    struct sockaddr_storage ns;
    RC_RESOLVER r;
    RC_SPF spf;
    char    err[256];
    const char *receiver = "receiver.test";
    int     budget = 5000, c;

    while ((c = getopt(argc, argv, "t:r:v")) != -1) {
	switch (c) {
	case 't':
	    budget = atoi(optarg);
	    break;
	case 'r':
	    receiver = optarg;
	    break;
	case 'v':
	    rc_spf_set_log(log_to_stderr);
	    break;
	default:
	    fprintf(stderr, "usage: spf_suite [-v] [-t budget_ms] [-r receiver] "
		    "NAMESERVER CLIENT_IP HELO SENDER\n");
	    return (2);
	}
    }
    if (argc - optind != 4) {
	fprintf(stderr, "usage: spf_suite [-v] [-t budget_ms] [-r receiver] "
		"NAMESERVER CLIENT_IP HELO SENDER\n");
	return (2);
    }
    if (!parse_server(argv[optind], &ns)) {
	fprintf(stderr, "spf_suite: bad nameserver %s\n", argv[optind]);
	return (2);
    }
    if (!rc_resolver_open(&r, &ns, 1, NULL, budget, err, sizeof(err))) {
	fprintf(stderr, "spf_suite: %s\n", err);
	return (1);
    }
    rc_spf_check(&spf, &r, argv[optind + 1], argv[optind + 2], argv[optind + 3], receiver);
    rc_resolver_close(&r);
    printf("result=%s\n", rc_spf_result_name(spf.result));
    printf("check=%s\n", rc_checkinfo[spf.check].id);
    printf("domain=%s\n", spf.domain);
    printf("detail=%s\n", spf.detail);
    printf("received-spf=%s\n", spf.received_spf);
    printf("terms=%d voids=%d lookups=%d queries=%d cve=%d limit=%d timeout=%d ms=%ld\n",
	   spf.terms, spf.void_lookups, spf.lookups, spf.queries, spf.cve_refused,
	   spf.limit_exceeded, spf.timed_out, spf.elapsed_ms);
    rc_spf_shutdown();
    return (0);
}
