/*
 * test_lazylib.c - libraries opened on first use: by path, by soname, and
 * the errors an operator would read
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <dlfcn.h>
#include <string.h>

#include "dnscheck/lazylib.h"

Test(lazylib, missing_library_says_which)
{
    char    err[256] = "";

    cr_assert(rc_lazylib_open("librc-no-such.so.0", err, sizeof(err)) == NULL);
    cr_expect(strstr(err, "cannot load librc-no-such.so.0: ") == err, "err: %s", err);
    cr_expect(not(rc_lazylib_loaded("librc-no-such.so.0")));
}

Test(lazylib, missing_function_says_which)
{
    char    err[256] = "";
    void   *h = rc_lazylib_open("libudns.so.0", err, sizeof(err));
    int     (*fn) (void) = NULL;

    cr_assert(h != NULL, "%s", err);
    cr_expect(not(rc_lazylib_sym(h, "libudns.so.0", "rc_no_such_function", &fn, sizeof(fn),
				 err, sizeof(err))));
    cr_expect(strcmp(err, "cannot load libudns.so.0: no rc_no_such_function") == 0, "err: %s",
	      err);
    cr_expect(fn == NULL);
}

Test(lazylib, opened_once_and_seen_loaded)
{
    char    err[256] = "";
    void   *a, *b;
    const char *(*version) (void) = NULL;

    cr_assert(not(rc_lazylib_loaded("libinih.so.1")), "libinih is loaded before use");
    a = rc_lazylib_open("libinih.so.1", err, sizeof(err));
    cr_assert(a != NULL, "%s", err);
    cr_expect(rc_lazylib_loaded("libinih.so.1"));
    /* opened again: the same object */
    b = rc_lazylib_open("libinih.so.1", err, sizeof(err));
    cr_expect(a == b);
    cr_expect(rc_lazylib_sym(a, "libinih.so.1", "ini_parse_stream", &version, sizeof(version),
			     err, sizeof(err)), "%s", err);
    cr_expect(version != NULL);
}

Test(lazylib, soname_when_not_in_the_multiarch_directory)
{
    char    err[256] = "";

    /* Debian's libspf2-2 installs into /usr/lib, not /usr/lib/<multiarch>: the try by path
     * fails and the soname is found; the failed try leaves no pending dlerror() behind. */
    cr_assert(rc_lazylib_open("libspf2.so.2", err, sizeof(err)) != NULL, "%s", err);
    cr_expect(dlerror() == NULL);
    cr_expect(rc_lazylib_loaded("libspf2.so.2"));
}

Test(lazylib, load_is_all_or_nothing)
{
    char    err[256] = "";
    int     (*known) (void) = NULL, (*missing) (void) = NULL;
    const RC_LAZYSYM syms[] = {
	RC_LAZYSYM_OF(known, dns_init), RC_LAZYSYM_OF(missing, rc_no_such_function)
    };

    cr_expect(not(rc_lazylib_load("libudns.so.0", syms, 2, err, sizeof(err))));
    cr_expect(strcmp(err, "cannot load libudns.so.0: no rc_no_such_function") == 0, "err: %s",
	      err);
    cr_expect(known == NULL, "a pointer into the closed library was left set");
    cr_expect(rc_lazylib_load("libudns.so.0", syms, 1, err, sizeof(err)), "%s", err);
    cr_expect(known != NULL);
}
