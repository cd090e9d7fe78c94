/*
 * lazylib_proto.c - experiment of issue 16: libudns, libpsl and libinih
 * loaded on first use, not at dlopen() of the module
 *
 * DESCRIPTION
 *	Linked into an experimental module only (bench/build_variants.sh;
 *	the real resolver.c has opened libudns this way since, so the
 *	variant builds with -DNO_LAZY_UDNS),
 *	never into the one installed. It defines every udns, libpsl and inih
 *	function the engine calls; the first call of each opens its library
 *	with dlopen(RTLD_LAZY | RTLD_LOCAL) and finds the function with
 *	dlsym() on that handle. The module is then linked without -ludns
 *	-lpsl -linih: Exim's RTLD_NOW load binds none of their names and
 *	maps none of the three libraries. A library that does not load is
 *	a crash here (a measurement, not error handling). -DNO_LAZY_UDNS,
 *	-DNO_LAZY_PSL, -DNO_LAZY_INIH leave that library linked as usual.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <ini.h>
#include <libpsl.h>
#include <udns.h>

/* lazy_sym - NAME from library SONAME, opened once */

static void *
lazy_sym(const char *soname, void **handle, const char *name)
{
    void   *p;

    if (*handle == NULL && (*handle = dlopen(soname, RTLD_LAZY | RTLD_LOCAL)) == NULL) {
	fprintf(stderr, "lazylib_proto: %s\n", dlerror());
	abort();
    }
    if ((p = dlsym(*handle, name)) == NULL)
	abort();
    return (p);
}

static void *udns_h, *psl_h, *inih_h;

#define LAZY(h, so, ret, name, params, args) \
    ret name params; \
    ret name params \
    { \
	static __typeof__(name) *fp; \
	if (fp == NULL) \
	    fp = (__typeof__(name) *) lazy_sym(so, &h, #name); \
	return (fp args); \
    }
#define UDNS(ret, name, params, args)	LAZY(udns_h, "libudns.so.0", ret, name, params, args)
#define PSL(ret, name, params, args)	LAZY(psl_h, "libpsl.so.5", ret, name, params, args)

#ifndef NO_LAZY_UDNS
UDNS(int, dns_active, (const struct dns_ctx *c), (c))
UDNS(int, dns_add_serv, (struct dns_ctx *c, const char *s), (c, s))
UDNS(int, dns_add_serv_s, (struct dns_ctx *c, const struct sockaddr *sa), (c, sa))
UDNS(void, dns_free, (struct dns_ctx *c), (c))
UDNS(void, dns_ioevent, (struct dns_ctx *c, time_t now), (c, now))
UDNS(struct dns_ctx *, dns_new, (const struct dns_ctx *c), (c))
UDNS(int, dns_open, (struct dns_ctx *c), (c))
UDNS(int, dns_parse_a4, (dnscc_t *q, dnscc_t *p, dnscc_t *c, dnscc_t *e, void **r), (q, p, c, e, r))
UDNS(int, dns_parse_a6, (dnscc_t *q, dnscc_t *p, dnscc_t *c, dnscc_t *e, void **r), (q, p, c, e, r))
UDNS(int, dns_parse_mx, (dnscc_t *q, dnscc_t *p, dnscc_t *c, dnscc_t *e, void **r), (q, p, c, e, r))
UDNS(int, dns_parse_ptr, (dnscc_t *q, dnscc_t *p, dnscc_t *c, dnscc_t *e, void **r), (q, p, c, e, r))
UDNS(int, dns_parse_txt, (dnscc_t *q, dnscc_t *p, dnscc_t *c, dnscc_t *e, void **r), (q, p, c, e, r))
UDNS(void, dns_reset, (struct dns_ctx *c), (c))
UDNS(int, dns_set_opt, (struct dns_ctx *c, enum dns_opt o, int v), (c, o, v))
UDNS(int, dns_sock, (const struct dns_ctx *c), (c))
UDNS(int, dns_status, (const struct dns_ctx *c), (c))
UDNS(const char *, dns_strerror, (int e), (e))
UDNS(struct dns_query *, dns_submit_p, (struct dns_ctx *c, const char *n, int cls, int typ,
	int fl, dns_parse_fn *pa, dns_query_fn *cb, void *d), (c, n, cls, typ, fl, pa, cb, d))
UDNS(int, dns_timeouts, (struct dns_ctx *c, int maxwait, time_t now), (c, maxwait, now))
#endif

#ifndef NO_LAZY_PSL
PSL(const psl_ctx_t *, psl_builtin, (void), ())
PSL(int, psl_builtin_outdated, (void), ())
PSL(void, psl_free, (psl_ctx_t *p), (p))
PSL(int, psl_is_public_suffix2, (const psl_ctx_t *p, const char *d, int t), (p, d, t))
PSL(psl_ctx_t *, psl_latest, (const char *f), (f))
#endif

#ifndef NO_LAZY_INIH
LAZY(inih_h, "libinih.so.1", int, ini_parse_stream, (ini_reader r, void *s, ini_handler h,
	void *u), (r, s, h, u))
#endif
