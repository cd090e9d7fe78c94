#ifndef RC_LAZYLIB_H_INCLUDED
#define RC_LAZYLIB_H_INCLUDED

/*
 * lazylib.h - a shared library opened on first use
 *
 * Debian's exim4 dlopen()s the module in every connection process, and on
 * the machines we measured every library that load brings costs that
 * process its mappings, page faults and symbol bindings (BENCHMARKS.md,
 * "Per-connection cost"). So libudns, libpsl and libinih are not named to
 * the dynamic linker: each is opened here when the code first needs it,
 * with RTLD_LAZY | RTLD_LOCAL, and its functions are found with dlsym() in
 * its own scope. They stay the system's shared libraries, updated with it.
 *
 * The library is first opened by its path in the multiarch directory
 * (RC_LIBDIR, from the compiler at build time): a name with a slash skips
 * the dynamic linker's search, so the connection process never maps
 * /etc/ld.so.cache. If that fails (another layout, LD_LIBRARY_PATH
 * builds), the soname goes through the ordinary search.
 */

#include <stdbool.h>
#include <stddef.h>

/*
 * rc_lazylib_open - the handle of soname, opened at most once per process
 * by the caller (keep it); NULL with the reason in err.
 */
extern void *rc_lazylib_open(const char *soname, char *err, size_t errlen);

/*
 * rc_lazylib_sym - the address of name in h, stored into *fn (a function
 * pointer of fnsize bytes); false with the reason in err.
 */
extern bool rc_lazylib_sym(void *h, const char *soname, const char *name, void *fn,
			   size_t fnsize, char *err, size_t errlen);

/* One function to find: its name, and the function pointer to store it in. */
typedef struct rc_lazysym {
    const char *name;
    void       *fn;			/* a function pointer's address */
    size_t      fnsize;			/* that pointer's size */
} RC_LAZYSYM;

/* RC_LAZYSYM_OF - the row of function `name', stored into `ptr' */
#define RC_LAZYSYM_OF(ptr, name)	{ #name, &(ptr), sizeof(ptr) }

/*
 * rc_lazylib_load - open soname and find every function of syms[0..n-1]:
 * all or nothing. False with the reason in err, the library closed again
 * and every pointer of syms NULL.
 */
extern bool rc_lazylib_load(const char *soname, const RC_LAZYSYM *syms, size_t n, char *err,
			    size_t errlen);

/*
 * rc_lazylib_bind_now - with true, libraries opened from now on are bound
 * at once (RTLD_NOW) rather than function by function on first call: for a
 * process that opens them to be forked (the preloaded daemon), so that its
 * children inherit the bindings instead of each repeating them.
 */
extern void rc_lazylib_bind_now(bool now);

/* rc_lazylib_loaded - is soname mapped into this process already? */
extern bool rc_lazylib_loaded(const char *soname);

#endif
