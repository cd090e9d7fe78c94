/*
 * lazyspf_proto.c - experiment of issue 16: the module's libspf2 functions
 * found on first use in libspf2's own scope, not bound at dlopen()
 *
 * DESCRIPTION
 *	Linked into an experimental module only (bench/build_variants.sh).
 *	Each function of libspf2 the engine calls becomes a hidden jump
 *	through a slot; the first call through any slot opens libspf2
 *	(dlopen "libspf2.so.2", RTLD_LAZY: Exim has it loaded already) and
 *	fills every slot with dlsym() on that handle, which searches only
 *	libspf2's scope, not Exim's global one. Registers are saved around
 *	that, so variadic functions work too (x86-64 only). libspf2's four
 *	handler variables are data, which a jump cannot stand in for: the
 *	module still names libspf2 for them. A failure is a crash here (a
 *	measurement, not error handling).
 */
#include <dlfcn.h>
#include <stdlib.h>

#define SPF_FUNCS(X) \
    X(0, SPF_dns_rr_buf_realloc) X(1, SPF_dns_rr_free) X(2, SPF_dns_rr_new_init) \
    X(3, SPF_error_stdio) X(4, SPF_record_compile) X(5, SPF_record_free) \
    X(6, SPF_record_interpret) X(7, SPF_request_free) X(8, SPF_request_get_rec_dom) \
    X(9, SPF_request_new) X(10, SPF_request_set_env_from) X(11, SPF_request_set_helo_dom) \
    X(12, SPF_request_set_ipv4) X(13, SPF_request_set_ipv6) X(14, SPF_response_add_error) \
    X(15, SPF_response_errcode) X(16, SPF_response_free) X(17, SPF_response_new) \
    X(18, SPF_response_result) X(19, SPF_server_free) X(20, SPF_server_get_record) \
    X(21, SPF_server_new_dns) X(22, SPF_server_set_explanation) \
    X(23, SPF_server_set_max_dns_mech) X(24, SPF_server_set_max_dns_mx) \
    X(25, SPF_server_set_max_dns_ptr) X(26, SPF_server_set_rec_dom) \
    X(27, SPF_server_set_sanitize) X(28, SPF_strerror)
#define NFUNCS 29

void   *rc_lazyspf_slot[NFUNCS] __attribute__((visibility("hidden")));
void	rc_lazyspf_resolve(void) __attribute__((visibility("hidden")));

/* rc_lazyspf_resolve - fill every slot from libspf2's own scope */

void
rc_lazyspf_resolve(void)
{
    static const char *const names[NFUNCS] = {
#define NAME(i, n) [i] = #n,
	SPF_FUNCS(NAME)
    };
    void   *h = dlopen("libspf2.so.2", RTLD_LAZY | RTLD_LOCAL);

    if (h == NULL)
	abort();
    for (int i = 0; i < NFUNCS; i++)
	if ((rc_lazyspf_slot[i] = dlsym(h, names[i])) == NULL)
	    abort();
}

#define STR(x) #x
#define TRAMP(i, n) \
    __asm__(".text\n.globl " #n "\n.hidden " #n "\n.type " #n ",@function\n" #n ":\n" \
	    "\tmovq rc_lazyspf_slot+8*" STR(i) "(%rip), %r11\n" \
	    "\ttestq %r11, %r11\n\tjz 1f\n\tjmp *%r11\n" \
	    "1:\tmovq $" STR(i) ", %r11\n\tjmp rc_lazyspf_slow\n");
SPF_FUNCS(TRAMP)

__asm__(".text\n.hidden rc_lazyspf_slow\nrc_lazyspf_slow:\n"
	"\tpushq %rdi\n\tpushq %rsi\n\tpushq %rdx\n\tpushq %rcx\n\tpushq %r8\n\tpushq %r9\n"
	"\tpushq %rax\n\tpushq %r11\n\tsubq $8, %rsp\n"
	"\tcall rc_lazyspf_resolve\n"
	"\taddq $8, %rsp\n\tpopq %r11\n\tpopq %rax\n\tpopq %r9\n\tpopq %r8\n\tpopq %rcx\n"
	"\tpopq %rdx\n\tpopq %rsi\n\tpopq %rdi\n"
	"\tleaq rc_lazyspf_slot(%rip), %r10\n\tjmp *(%r10,%r11,8)\n");
