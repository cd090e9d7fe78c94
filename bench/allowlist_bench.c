/*
 * allowlist_bench.c - scale of the No Server Check list (issue 7, item 4)
 *
 * SYNOPSIS
 *	allowlist_bench [-l LOOKUPS] DIR N[:LOADS] ...
 *
 * DESCRIPTION
 *	For every size N (entries; LOADS: how many timed loads, default
 *	chosen by N) writes DIR/nsc-N.ini, an INI file whose [no_server_check]
 *	section holds N mixed IPv4/IPv6 addresses and CIDR prefixes (3 in 4
 *	IPv4; see random_cidr), one "ip =" line each, from a fixed seed,
 *	then measures:
 *
 *	  config_parse_ms_N	median wall time of rc_config_load() of that
 *				file, each in a freshly forked child: what the
 *				first connection after an edit pays (and every
 *				connection, for lists too small to compile);
 *	  config_load_ms_N	the same for rc_config_load_cached(), as the
 *				module loads its configuration in each Exim
 *				connection process, once the compiled form of
 *				a large list exists (nsccache.h);
 *	  allowlist_lookup_ns_N	median over 5 rounds of the mean time of one
 *				rc_iptable_lookup() on the table as the module
 *				gets it (mapped, for a compiled list), over
 *				LOOKUPS (default a million) random addresses
 *				(half inside a random entry, half anywhere;
 *				mixed families).
 *
 *	Results go to stdout as key=value lines; sizes are named 1k, 10k,
 *	100k, 1m (or the plain number). Exit status 1 when a file does not
 *	load or a lookup answers wrongly: an address drawn inside an entry
 *	that no entry contains, an answer that differs between the compiled
 *	and the parsed table or with and without the bucket index, or
 *	(tables up to 20k entries, first 20k addresses) an answer other than
 *	the most specific entry found by a linear scan.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "allowlist/addr.h"
#include "allowlist/config.h"
#include "allowlist/iptable.h"
#include "allowlist/nsccache.h"

#define LOOKUP_ROUNDS	5

static size_t lookups = 1000000;

/* rng - xorshift64*, fixed seed: every run measures the same files */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t
rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (rng_state * 2685821657736338717ull);
}

static double
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ((double) ts.tv_sec * 1e9 + (double) ts.tv_nsec);
}

static int
cmp_double(const void *a, const void *b)
{
    double  x = *(const double *) a, y = *(const double *) b;

    return ((x > y) - (x < y));
}

static double
median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

/* size_name - 1000 -> "1k", 1000000 -> "1m" */

static void
size_name(long n, char *buf, size_t len)
{
    if (n >= 1000000 && n % 1000000 == 0)
	snprintf(buf, len, "%ldm", n / 1000000);
    else if (n >= 1000 && n % 1000 == 0)
	snprintf(buf, len, "%ldk", n / 1000);
    else
	snprintf(buf, len, "%ld", n);
}

/*
 * random_cidr - one prefix in presentation form, host bits clear. The mix
 * follows what allowlists hold: IPv4 (3 in 4) half single hosts, then
 * /24../31 networks, some /16../23 and a few /12../15; IPv6 hosts (/128),
 * /64 and /48 sites and a few /32../47 allocations.
 */

static int
pick_plen(uint64_t r, bool v4)
{
    unsigned p = (unsigned) (r % 100);

    if (v4)
	return (p < 50 ? 32 : p < 80 ? 24 + (int) ((r >> 8) % 8)
		: p < 95 ? 16 + (int) ((r >> 8) % 8) : 12 + (int) ((r >> 8) % 4));
    return (p < 40 ? 128 : p < 70 ? 64 : p < 90 ? 48 : 32 + (int) ((r >> 8) % 16));
}

static void
random_cidr(char *buf, size_t len)
{
    uint64_t r = rng();

    if (r % 4 != 0) {
	int     plen = pick_plen(rng(), true);
	uint32_t a = (uint32_t) (rng() >> 32);

	a &= plen == 32 ? 0xffffffffu : ~(uint32_t) ((1ull << (32 - plen)) - 1);
	if (plen == 32)
	    snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
		     a & 255);
	else
	    snprintf(buf, len, "%u.%u.%u.%u/%d", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
		     a & 255, plen);
    } else {
	int     plen = pick_plen(rng(), false);
	uint16_t w[8];
	size_t  o = 0;

	for (int i = 0; i < 8; i++)
	    w[i] = (uint16_t) (rng() >> 48);
	w[0] = (uint16_t) (0x2000 | (w[0] & 0x0fff));	/* global unicast */
	for (int i = 0; i < 8; i++) {
	    int     keep = plen - 16 * i;

	    if (keep <= 0)
		w[i] = 0;
	    else if (keep < 16)
		w[i] &= (uint16_t) (0xffff << (16 - keep));
	}
	for (int i = 0; i < 8; i++)
	    o += (size_t) snprintf(buf + o, len - o, "%s%x", i ? ":" : "", w[i]);
	if (plen < 128)
	    snprintf(buf + o, len - o, "/%d", plen);
    }
}

/* write_ini - DIR/nsc-N.ini; returns the path (static buffer) or NULL */

static const char *
write_ini(const char *dir, long n)
{
    static char path[4096];
    char    cidr[96];
    FILE   *fp;

    snprintf(path, sizeof(path), "%s/nsc-%ld.ini", dir, n);
    if ((fp = fopen(path, "w")) == NULL) {
	fprintf(stderr, "allowlist_bench: %s: %s\n", path, strerror(errno));
	return (NULL);
    }
    fprintf(fp, "; %ld mixed IPv4/IPv6 prefixes, generated by bench/allowlist_bench\n"
	    "[relaycheck]\nskip_hosts =\n\n[no_server_check]\n", n);
    for (long i = 0; i < n; i++) {
	random_cidr(cidr, sizeof(cidr));
	fprintf(fp, "ip = %s\n", cidr);
    }
    if (fclose(fp) != 0) {
	fprintf(stderr, "allowlist_bench: %s: %s\n", path, strerror(errno));
	return (NULL);
    }
    return (path);
}

/* load_in_child - ms one rc_config_load() takes in a fresh child, -1 on error */

static double
load_in_child(const char *path, const char *cache_dir)
{
    int     fd[2];
    pid_t   pid;
    double  ms = -1;
    int     status;

    if (pipe(fd) < 0)
	return (-1);
    if ((pid = fork()) < 0)
	return (-1);
    if (pid == 0) {
	char   *errors = NULL, note[512];
	double  t0 = now_ns();
	RC_CONFIG *cfg = cache_dir ? rc_config_load_cached(path, cache_dir, &errors, NULL, note,
							   sizeof(note))
	    : rc_config_load(path, &errors, NULL);
	double  t = (now_ns() - t0) / 1e6;

	close(fd[0]);
	if (cfg == NULL) {
	    fprintf(stderr, "allowlist_bench: %s did not load: %.500s\n", path,
		    errors ? errors : "?");
	    _exit(1);
	}
	if (write(fd[1], &t, sizeof(t)) != (ssize_t) sizeof(t))
	    _exit(1);
	_exit(0);				/* the process ends: nothing is freed */
    }
    close(fd[1]);
    if (read(fd[0], &ms, sizeof(ms)) != (ssize_t) sizeof(ms))
	ms = -1;
    close(fd[0]);
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
	ms = -1;
    return (ms);
}

/* random_query - half inside a random entry, half anywhere */

static void
random_query(const RC_IPTABLE *t, RC_ADDR *a, bool *inside)
{
    uint64_t r = rng();

    if (r % 2 && t->n > 0) {
	const RC_IPENTRY *e = &t->v[(size_t) (rng() % t->n)];

	*a = e->cidr.addr;
	for (int i = 0; i < 16; i++) {
	    int     keep = e->cidr.plen - 8 * i;
	    uint8_t rnd = (uint8_t) (rng() >> 56);

	    if (keep >= 8)
		continue;
	    a->b[i] |= rnd & ((keep <= 0) ? 0xff : (uint8_t) (0xff >> keep));
	}
	*inside = true;
    } else {
	RC_ADDR z;

	memset(&z, 0, sizeof(z));
	if (r % 8 < 5) {
	    z.b[10] = z.b[11] = 0xff;
	    for (int i = 12; i < 16; i++)
		z.b[i] = (uint8_t) (rng() >> 56);
	    z.v4 = true;
	} else {
	    for (int i = 0; i < 16; i++)
		z.b[i] = (uint8_t) (rng() >> 56);
	    z.b[0] = (uint8_t) (0x20 | (z.b[0] & 0x0f));
	}
	*a = z;
	*inside = false;
    }
}

/*
 * measure_lookups - median ns per lookup in t; -1 when a lookup is wrong
 * (checked against ref, the same list as parsed, and a linear scan)
 */

static double
measure_lookups(const RC_IPTABLE *t, const RC_IPTABLE *ref, size_t *hits)
{
    RC_ADDR *q = malloc(lookups * sizeof(*q));
    bool   *inside = malloc(lookups * sizeof(*inside));
    double  rounds[LOOKUP_ROUNDS];
    size_t  found = 0;
    RC_IPTABLE plain = *ref;

    plain.index = NULL;				/* the same table, searched whole */

    if (q == NULL || inside == NULL) {
	free(q);
	free(inside);
	return (-1);
    }
    for (size_t i = 0; i < lookups; i++)
	random_query(t, &q[i], &inside[i]);
    for (size_t i = 0; i < lookups; i++) {	/* correctness, untimed */
	const RC_IPENTRY *e = rc_iptable_lookup(t, &q[i]);
	const RC_IPENTRY *r = rc_iptable_lookup(ref, &q[i]);

	if (r != rc_iptable_lookup(&plain, &q[i])) {
	    fprintf(stderr, "allowlist_bench: lookup %zu: the index changes the answer\n", i);
	    free(q);
	    free(inside);
	    return (-1);
	}

	if ((e == NULL) != (r == NULL)
	    || (e != NULL && (e->cidr.plen != r->cidr.plen || e->line != r->line
			      || rc_addr_cmp(&e->cidr.addr, &r->cidr.addr) != 0))) {
	    fprintf(stderr, "allowlist_bench: lookup %zu: compiled and parsed tables differ\n",
		    i);
	    free(q);
	    free(inside);
	    return (-1);
	}

	if (inside[i] && (e == NULL || !rc_cidr_contains(&e->cidr, &q[i]))) {
	    fprintf(stderr, "allowlist_bench: lookup %zu: address inside an entry not found\n",
		    i);
	    free(q);
	    free(inside);
	    return (-1);
	}
	found += (e != NULL);
	if (t->n <= 20000 && i < 20000 && r != rc_iptable_lookup_linear(ref, &q[i])) {
	    fprintf(stderr, "allowlist_bench: lookup %zu differs from a linear scan\n", i);
	    free(q);
	    free(inside);
	    return (-1);
	}
    }
    *hits = found;
    for (int r = 0; r < LOOKUP_ROUNDS; r++) {
	volatile uintptr_t sink = 0;
	double  t0 = now_ns();

	for (size_t i = 0; i < lookups; i++)
	    sink += (uintptr_t) rc_iptable_lookup(t, &q[i]);
	rounds[r] = (now_ns() - t0) / (double) lookups;
	(void) sink;
    }
    free(q);
    free(inside);
    return (median(rounds, LOOKUP_ROUNDS));
}

int
main(int argc, char **argv)
{
    int     rc = 0, opt;

    while ((opt = getopt(argc, argv, "l:")) != -1) {
	if (opt == 'l' && atol(optarg) > 0)
	    lookups = (size_t) atol(optarg);
	else {
	    fprintf(stderr, "usage: allowlist_bench [-l LOOKUPS] DIR N[:LOADS] ...\n");
	    return (2);
	}
    }
    argc -= optind - 1;
    argv += optind - 1;
    if (argc < 3) {
	fprintf(stderr, "usage: allowlist_bench [-l LOOKUPS] DIR N[:LOADS] ...\n");
	return (2);
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int k = 2; k < argc; k++) {
	long    n = strtol(argv[k], NULL, 10);
	const char *colon = strchr(argv[k], ':');
	int     loads = colon ? atoi(colon + 1) : (n >= 1000000 ? 3 : n >= 100000 ? 7 : 21);
	const char *path;
	double *ms;
	char    name[32], *errors = NULL, cache_dir[4096], note[512];
	RC_CONFIG *cfg, *mapped;
	size_t  hits = 0;
	double  ns;
	long    size;
	FILE   *fp;

	if (n <= 0 || loads <= 0 || (ms = calloc((size_t) loads, sizeof(*ms))) == NULL) {
	    fprintf(stderr, "allowlist_bench: bad size %s\n", argv[k]);
	    return (2);
	}
	size_name(n, name, sizeof(name));
	if ((path = write_ini(argv[1], n)) == NULL)
	    return (1);
	fp = fopen(path, "r");
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	fclose(fp);
	if ((cfg = rc_config_load(path, &errors, NULL)) == NULL) {	/* warms the page cache */
	    fprintf(stderr, "allowlist_bench: %s did not load: %.500s\n", path,
		    errors ? errors : "?");
	    return (1);
	}
	snprintf(cache_dir, sizeof(cache_dir), "%s/cache-%ld", argv[1], n);
	mapped = rc_config_load_cached(path, cache_dir, &errors, NULL, note, sizeof(note));
	if (mapped == NULL) {
	    fprintf(stderr, "allowlist_bench: %s did not load: %.500s\n", path,
		    errors ? errors : "?");
	    return (1);
	}
	if (note[0])
	    fprintf(stderr, "allowlist_bench: %s\n", note);
	rc_config_free(mapped);
	mapped = rc_config_load_cached(path, cache_dir, &errors, NULL, note, sizeof(note));
	if (mapped == NULL || mapped->nsc_ip.n != cfg->nsc_ip.n
	    || (cfg->nsc_ip.n >= RC_NSCCACHE_MIN) != (mapped->nsc_ip.map != NULL)) {
	    fprintf(stderr, "allowlist_bench: %s: the compiled list was not used\n", path);
	    return (1);
	}
	for (int i = 0; i < loads && rc == 0; i++)
	    if ((ms[i] = load_in_child(path, NULL)) < 0)
		rc = 1;
	if (rc == 0)
	    printf("config_parse_ms_%s=%.3f\n", name, median(ms, (size_t) loads));
	for (int i = 0; i < loads && rc == 0; i++)
	    if ((ms[i] = load_in_child(path, cache_dir)) < 0)
		rc = 1;
	if (rc == 0) {
	    printf("config_load_ms_%s=%.3f\n", name, median(ms, (size_t) loads));
	    ns = measure_lookups(&mapped->nsc_ip, &cfg->nsc_ip, &hits);
	    if (ns < 0)
		rc = 1;
	    else
		printf("allowlist_lookup_ns_%s=%.1f\n", name, ns);
	    printf("allowlist_entries_%s=%zu\nallowlist_file_bytes_%s=%ld\n"
		   "allowlist_hit_share_%s=%.3f\nallowlist_compiled_%s=%s\n", name,
		   cfg->nsc_ip.n, name, size, name, (double) hits / (double) lookups, name,
		   mapped->nsc_ip.map ? "yes" : "no");
	}
	rc_config_free(mapped);
	rc_config_free(cfg);
	free(ms);
	if (rc != 0)
	    break;
    }
    return (rc);
}
