/*
 * lazylib.c - a shared library opened on first use (see lazylib.h)
 */
#include "lazylib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#ifndef RC_LIBDIR
#define RC_LIBDIR ""
#endif

static int bind_mode = RTLD_LAZY;

void
rc_lazylib_bind_now(bool now)
{
    bind_mode = now ? RTLD_NOW : RTLD_LAZY;
}

/* by_path - RC_LIBDIR/soname into buf; false when there is no such directory */

static bool
by_path(const char *soname, char *buf, size_t len)
{
    int     n;

    if (RC_LIBDIR[0] == 0 || strchr(soname, '/') != NULL)
	return (false);
    n = snprintf(buf, len, "%s/%s", RC_LIBDIR, soname);
    return (n > 0 && (size_t) n < len);
}

void   *
rc_lazylib_open(const char *soname, char *err, size_t errlen)
{
    char    path[256];
    void   *h;
    const char *e;

    if (by_path(soname, path, sizeof(path))
	&& (h = dlopen(path, bind_mode | RTLD_LOCAL)) != NULL)
	return (h);
    if ((h = dlopen(soname, bind_mode | RTLD_LOCAL)) != NULL) {
	(void) dlerror();		/* the failed try by path, if any */
	return (h);
    }
    e = dlerror();
    snprintf(err, errlen, "cannot load %s: %s", soname, e ? e : "dlopen failed");
    return (NULL);
}

bool
rc_lazylib_sym(void *h, const char *soname, const char *name, void *fn, size_t fnsize,
	       char *err, size_t errlen)
{
    void   *p = dlsym(h, name);

    if (p == NULL || fnsize != sizeof(p)) {
	snprintf(err, errlen, "cannot load %s: no %s", soname, name);
	return (false);
    }
    memcpy(fn, &p, sizeof(p));
    return (true);
}

bool
rc_lazylib_load(const char *soname, const RC_LAZYSYM *syms, size_t n, char *err, size_t errlen)
{
    void   *h;

    if ((h = rc_lazylib_open(soname, err, errlen)) == NULL)
	return (false);
    for (size_t i = 0; i < n; i++)
	if (!rc_lazylib_sym(h, soname, syms[i].name, syms[i].fn, syms[i].fnsize, err, errlen)) {
	    for (size_t j = 0; j < i; j++)	/* none left pointing into h */
		memset(syms[j].fn, 0, syms[j].fnsize);
	    dlclose(h);
	    return (false);
	}
    return (true);
}

bool
rc_lazylib_loaded(const char *soname)
{
    char    path[256];
    void   *h = NULL;

    if (by_path(soname, path, sizeof(path)))
	h = dlopen(path, RTLD_LAZY | RTLD_NOLOAD);
    if (h == NULL)
	h = dlopen(soname, RTLD_LAZY | RTLD_NOLOAD);
    if (h == NULL)
	return (false);
    dlclose(h);				/* NOLOAD took a reference */
    return (true);
}
