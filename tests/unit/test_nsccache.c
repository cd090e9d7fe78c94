/*
 * test_nsccache.c - the bucket index of large IP tables and the compiled
 * No Server Check list: the same answers as without them, a compiled file
 * used only while the INI file is unchanged and only when trustworthy
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../allowlist/config.h"
#include "../../allowlist/iptable.h"
#include "../../allowlist/nsccache.h"
#include "testutil.h"

static unsigned long long seed = 88172645463325252ull;

static unsigned
rnd(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return ((unsigned) (seed >> 16));
}

/* random_cidr - nested and overlapping on purpose: few /8 networks */
static void
random_cidr(char *buf, size_t len)
{
    if (rnd() % 4) {
	unsigned plen = 8 + rnd() % 25;
	unsigned a = (10u + rnd() % 3) << 24 | (rnd() & 0xffffffu);

	a &= plen == 32 ? 0xffffffffu : ~((1u << (32 - plen)) - 1);
	snprintf(buf, len, "%u.%u.%u.%u/%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
		 a & 255, plen);
    } else {
	unsigned plen = 16 + rnd() % 113, w[8];
	size_t  o = 0;

	for (int i = 0; i < 8; i++) {
	    int     keep = (int) plen - 16 * i;

	    w[i] = i == 0 ? 0x2001 : rnd() & (i < 3 ? 0x3 : 0xffff);
	    w[i] = keep <= 0 ? 0 : keep < 16 ? w[i] & (0xffffu << (16 - keep)) & 0xffff : w[i];
	}
	for (int i = 0; i < 8; i++)
	    o += (size_t) snprintf(buf + o, len - o, "%s%x", i ? ":" : "", w[i]);
	snprintf(buf + o, len - o, "/%u", plen);
    }
}

static void
random_addr(RC_ADDR *a)
{
    char    buf[64];

    if (rnd() % 4)
	snprintf(buf, sizeof(buf), "%u.%u.%u.%u", 10 + rnd() % 3, rnd() % 256, rnd() % 256,
		 rnd() % 256);
    else
	snprintf(buf, sizeof(buf), "2001:%x:%x:%x::%x", rnd() % 4, rnd() % 4, rnd() & 0xffff,
		 rnd() & 0xffff);
    cr_assert(rc_addr_parse(buf, a), "%s", buf);
}

/* linear - the most specific entry containing a */
static const RC_IPENTRY *
linear(const RC_IPTABLE *t, const RC_ADDR *a)
{
    const RC_IPENTRY *best = NULL;

    for (size_t i = 0; i < t->n; i++)
	if (rc_cidr_contains(&t->v[i].cidr, a)
	    && (best == NULL || t->v[i].cidr.plen > best->cidr.plen))
	    best = &t->v[i];
    return (best);
}

/* write_ini - an INI file with n random ip entries (+ extra text) */
static char *
write_ini(const char *dir, size_t n, const char *extra)
{
    char   *path = xasprintf("%s/relaycheck.ini", dir);
    FILE   *fp = fopen(path, "w");

    cr_assert(fp != NULL);
    fprintf(fp, "[relaycheck]\nreject_score = 9\nskip_hosts =\n\n[no_server_check]\n"
	    "domain = partner.example\nip = 192.0.2.0/24 ; inline comment\n");
    for (size_t i = 0; i < n; i++) {
	char    c[64];

	random_cidr(c, sizeof(c));
	fprintf(fp, "%sip %s %s\n", i % 7 ? "" : "  ", i % 5 ? "=" : ":", c);
    }
    fprintf(fp, "%s", extra ? extra : "");
    cr_assert(fclose(fp) == 0);
    return (path);
}

static char *
tmpdir(void)
{
    char   *d = strdup("/tmp/rc-nsccache-XXXXXX");

    cr_assert(mkdtemp(d) != NULL);
    return (d);
}

static void
rm_rf(const char *d)
{
    char   *cmd = xasprintf("rm -rf '%s'", d);

    cr_assert(system(cmd) == 0);
    free(cmd);
}

Test(iptable_index, same_answers_as_whole_table_and_linear_scan)
{
    RC_IPTABLE t, plain;
    char    c[64];
    const char *why;

    rc_iptable_init(&t);
    for (int i = 0; i < 5000; i++) {
	RC_CIDR cidr;

	random_cidr(c, sizeof(c));
	cr_assert(rc_cidr_parse(c, &cidr, &why), "%s: %s", c, why);
	cr_assert(rc_iptable_add(&t, &cidr, i + 1));
    }
    rc_iptable_seal(&t);
    cr_assert(t.n >= RC_IPTABLE_INDEX_MIN);
    cr_assert(t.index != NULL);
    plain = t;
    plain.index = NULL;
    for (int i = 0; i < 20000; i++) {
	RC_ADDR a;
	const RC_IPENTRY *e;

	random_addr(&a);
	e = rc_iptable_lookup(&t, &a);
	cr_assert(eq(ptr, (void *) e, (void *) rc_iptable_lookup(&plain, &a)));
	cr_assert(eq(ptr, (void *) e, (void *) linear(&t, &a)));
    }
    rc_iptable_free(&t);
}

Test(iptable_index, bucket_key_never_decreases)
{
    static const char *const order[] = {
	"::", "::1", "::fffe:ffff:ffff", "::ffff:0.0.0.0", "::ffff:0.0.255.255",
	"::ffff:1.0.0.0", "::ffff:255.255.255.255", "::1:0:0:0", "0:ff::", "1::",
	"2001:db8::", "ffff:ffff::",
    };

    for (unsigned bits = RC_IPTABLE_BITS_MIN; bits <= RC_IPTABLE_BITS_MAX; bits++) {
	uint32_t prev = 0;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
	    RC_ADDR a;
	    uint32_t k;

	    cr_assert(rc_addr_parse(order[i], &a), "%s", order[i]);
	    k = rc_iptable_bucket(&a, bits);
	    cr_assert(k >= prev, "%s: key %u after %u", order[i], k, prev);
	    cr_assert(k < RC_IPTABLE_KEYS(bits));
	    prev = k;
	}
    }
}

Test(nsccache, compiled_list_is_used_and_gives_the_same_configuration)
{
    char   *dir = tmpdir(), *cache = xasprintf("%s/cache", dir);
    char   *path = write_ini(dir, 3000, "\n[dnsbl bl.example]\nscore = 2\n");
    char   *errors = NULL, note[1024], *d1, *d2;
    RC_CONFIG *parsed = rc_config_load(path, &errors, NULL);
    RC_CONFIG *first, *second;
    RC_FILESTAMP st;

    cr_assert(parsed != NULL, "%s", errors ? errors : "");
    first = rc_config_load_cached(path, cache, &errors, &st, note, sizeof(note));
    cr_assert(first != NULL);
    cr_assert(first->nsc_ip.map == NULL);
    cr_assert(strstr(note, "compiled the No Server Check list") != NULL, "%s", note);
    second = rc_config_load_cached(path, cache, &errors, &st, note, sizeof(note));
    cr_assert(second != NULL);
    cr_assert(eq(str, note, ""));
    cr_assert(second->nsc_ip.map != NULL, "the compiled file was not used");
    d1 = rc_config_dump(parsed);
    d2 = rc_config_dump(second);
    cr_assert(eq(str, d1, d2));
    for (int i = 0; i < 20000; i++) {
	RC_ADDR a;
	const RC_IPENTRY *x, *y;

	random_addr(&a);
	x = rc_iptable_lookup(&parsed->nsc_ip, &a);
	y = rc_iptable_lookup(&second->nsc_ip, &a);
	bool    both = (x == NULL) == (y == NULL);

	cr_assert(both);
	if (x)
	    cr_assert(x->cidr.plen == y->cidr.plen && x->line == y->line
		      && rc_addr_cmp(&x->cidr.addr, &y->cidr.addr) == 0);
    }
    free(d1);
    free(d2);
    rc_config_free(parsed);
    rc_config_free(first);
    rc_config_free(second);
    rm_rf(dir);
    free(dir); free(cache); free(path);
}

Test(nsccache, an_edited_ini_file_is_parsed_again)
{
    char   *dir = tmpdir(), *cache = xasprintf("%s/cache", dir);
    char   *path = write_ini(dir, 2000, NULL), *errors = NULL, note[1024];
    RC_CONFIG *cfg;
    RC_ADDR a;
    FILE   *fp;

    rc_config_free(rc_config_load_cached(path, cache, &errors, NULL, note, sizeof(note)));
    cfg = rc_config_load_cached(path, cache, &errors, NULL, note, sizeof(note));
    cr_assert(cfg->nsc_ip.map != NULL);
    rc_config_free(cfg);
    fp = fopen(path, "a");			/* same inode, new size and mtime */
    fprintf(fp, "ip = 198.51.100.0/24\n");
    fclose(fp);
    cfg = rc_config_load_cached(path, cache, &errors, NULL, note, sizeof(note));
    cr_assert(cfg != NULL);
    cr_assert(cfg->nsc_ip.map == NULL, "a stale compiled file was used");
    cr_assert(rc_addr_parse("198.51.100.7", &a));
    cr_assert(rc_iptable_lookup(&cfg->nsc_ip, &a) != NULL);
    rc_config_free(cfg);
    cfg = rc_config_load_cached(path, cache, &errors, NULL, note, sizeof(note));
    cr_assert(cfg->nsc_ip.map != NULL);
    cr_assert(rc_iptable_lookup(&cfg->nsc_ip, &a) != NULL);
    rc_config_free(cfg);
    rm_rf(dir);
    free(dir); free(cache); free(path);
}

Test(nsccache, untrusted_or_damaged_files_are_not_used)
{
    char   *dir = tmpdir(), *cache = xasprintf("%s/cache", dir);
    char   *path = write_ini(dir, 2000, NULL), *errors = NULL, note[1024], file[4200];
    RC_CONFIG *cfg;
    FILE   *fp;

    rc_config_free(rc_config_load_cached(path, cache, &errors, NULL, note, sizeof(note)));
    rc_nsccache_path(cache, path, file, sizeof(file));
    cr_assert(chmod(file, 0666) == 0);		/* writable by others */
    cfg = rc_config_load_cached(path, cache, &errors, NULL, note, sizeof(note));
    cr_assert(cfg->nsc_ip.map == NULL);
    rc_config_free(cfg);			/* (this also rewrote it, 0640) */
    cr_assert(truncate(file, 4096) == 0);	/* damaged */
    cfg = rc_config_load_cached(path, cache, &errors, NULL, note, sizeof(note));
    cr_assert(cfg->nsc_ip.map == NULL);
    cr_assert(cfg->nsc_ip.n > 2000 / 2);
    rc_config_free(cfg);
    fp = fopen(file, "r+");			/* another format */
    fputs("XXXXXXXX", fp);
    fclose(fp);
    cfg = rc_config_load_cached(path, cache, &errors, NULL, note, sizeof(note));
    cr_assert(cfg->nsc_ip.map == NULL);
    rc_config_free(cfg);
    rm_rf(dir);
    free(dir); free(cache); free(path);
}

Test(nsccache, small_lists_and_errors_are_not_compiled)
{
    char   *dir = tmpdir(), *cache = xasprintf("%s/cache", dir);
    char   *path = write_ini(dir, 10, NULL), *errors = NULL, note[1024];
    RC_CONFIG *cfg = rc_config_load_cached(path, cache, &errors, NULL, note, sizeof(note));
    struct stat st;

    cr_assert(cfg != NULL);
    cr_assert(eq(str, note, ""));
    cr_assert(stat(cache, &st) != 0, "a cache directory for a small list");
    rc_config_free(cfg);
    free(path);
    path = write_ini(dir, 2000, "\n[relaycheck]\nbogus = 1\n");
    cfg = rc_config_load_cached(path, cache, &errors, NULL, note, sizeof(note));
    cr_assert(cfg == NULL);
    cr_assert(errors != NULL && strstr(errors, "unknown key") != NULL);
    free(errors);
    rm_rf(dir);
    free(dir); free(cache); free(path);
}

/*
 * The INI path and the compiled file's path may each name a FIFO: neither
 * blocks. The INI file gives "not a regular file"; a FIFO where the
 * compiled file should be is not used, and the list is parsed instead.
 */
Test(nsccache, fifo_paths_are_refused_at_once, .timeout = 20.0)
{
    char   *dir = tmpdir(), *cache = xasprintf("%s/cache", dir);
    char   *fifo = xasprintf("%s/fifo.ini", dir), *want;
    char   *path = write_ini(dir, 2000, NULL), *errors = NULL, note[1024], file[4200];
    RC_CONFIG *cfg;

    cr_assert(mkfifo(fifo, 0600) == 0);
    cfg = rc_config_load_cached(fifo, cache, &errors, NULL, note, sizeof(note));
    cr_expect(cfg == NULL);
    cr_assert(errors != NULL);
    want = xasprintf("%s:0: not a regular file\n", fifo);
    cr_expect(eq(str, errors, want));
    free(want);
    free(errors);

    cr_assert(mkdir(cache, 0750) == 0);
    rc_nsccache_path(cache, path, file, sizeof(file));
    cr_assert(mkfifo(file, 0600) == 0);
    cfg = rc_config_load_cached(path, cache, &errors, NULL, note, sizeof(note));
    cr_assert(cfg != NULL, "%s", errors ? errors : "");
    cr_expect(cfg->nsc_ip.map == NULL);
    cr_expect(cfg->nsc_ip.n > 2000 / 2);
    rc_config_free(cfg);
    rm_rf(dir);
    free(dir); free(cache); free(fifo); free(path);
}
