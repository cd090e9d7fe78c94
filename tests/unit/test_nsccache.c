/*
 * test_nsccache.c - the bucket index of large IP tables and the compiled
 * No Server Check list: the same answers as without them, a compiled file
 * used only while the INI file is unchanged and only when trustworthy
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "allowlist/config.h"
#include "allowlist/iptable.h"
#include "allowlist/nsccache.h"
#include "testutil.h"

/*
 * A test that could hang (a loop in a damaged table, an open() that
 * blocks) arms alarm(HANG_SECONDS) first: SIGALRM ends its process and
 * Criterion reports a crash instead of waiting for ever. Criterion's own
 * .timeout is not used here: with --jobs 2 its runner leaks a 48-byte
 * block now and then when several tests have one, which fails every
 * SANITIZE=1 run (doc/HACKING.md, Criterion).
 */
#define HANG_SECONDS	30

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
    cr_assert(rc_iptable_check(&t, &why), "%s", why);
    plain = t;
    plain.index = NULL;
    cr_assert(rc_iptable_check(&plain, &why), "%s", why);
    for (int i = 0; i < 20000; i++) {
	RC_ADDR a;
	const RC_IPENTRY *e;

	random_addr(&a);
	e = rc_iptable_lookup(&t, &a);
	cr_assert(eq(ptr, (void *) e, (void *) rc_iptable_lookup(&plain, &a)));
	cr_assert(eq(ptr, (void *) e, (void *) rc_iptable_lookup_linear(&t, &a)));
    }
    rc_iptable_free(&t);
}

/*
 * Even on a table that fails rc_iptable_check(), a lookup ends and stays
 * inside the table: a parent that is not before its child ends the walk,
 * a bucket range that is not one is ignored.
 */
Test(iptable_index, lookup_bounded_on_a_damaged_table)
{
    static const char *const cidrs[] = {"10.0.0.0/8", "10.1.0.0/16", "10.2.0.0/16"};
    RC_IPTABLE t;
    RC_ADDR a;
    const char *why;
    uint32_t idx[RC_IPTABLE_KEYS(RC_IPTABLE_BITS_MIN) + 1];

    alarm(HANG_SECONDS);			/* a hang is a crash, not a wait */
    rc_iptable_init(&t);
    for (size_t i = 0; i < 3; i++) {
	RC_CIDR c;

	cr_assert(rc_cidr_parse(cidrs[i], &c, &why));
	cr_assert(rc_iptable_add(&t, &c, (int) i + 1));
    }
    rc_iptable_seal(&t);
    cr_assert(rc_iptable_check(&t, &why), "%s", why);
    cr_assert(rc_addr_parse("10.1.255.255", &a));
    cr_assert(eq(int, rc_iptable_lookup(&t, &a)->line, 2));
    cr_assert(rc_addr_parse("11.0.0.0", &a));
    t.v[2].parent = 2;				/* its own parent */
    cr_assert(not(rc_iptable_check(&t, &why)));
    cr_assert(eq(str, (char *) why, "a wrong parent link"));
    cr_assert(rc_iptable_lookup(&t, &a) == NULL);
    t.v[2].parent = 1L << 40;			/* far outside */
    cr_assert(rc_iptable_lookup(&t, &a) == NULL);
    t.v[2].parent = 0;
    for (size_t k = 0; k < sizeof(idx) / sizeof(idx[0]); k++)
	idx[k] = 1000;				/* beyond the table */
    t.index = idx;
    t.bits = RC_IPTABLE_BITS_MIN;
    cr_assert(not(rc_iptable_check(&t, &why)));
    cr_assert(eq(str, (char *) why, "index out of range or not in order"));
    cr_assert(rc_addr_parse("10.2.0.1", &a));
    cr_assert(eq(int, rc_iptable_lookup(&t, &a)->line, 3));
    t.bits = 200;
    cr_assert(not(rc_iptable_check(&t, &why)));
    cr_assert(eq(str, (char *) why, "index size out of range"));
    cr_assert(eq(int, rc_iptable_lookup(&t, &a)->line, 3));
    t.index = NULL;
    t.v[1].cidr.plen = 200;
    cr_assert(not(rc_iptable_check(&t, &why)));
    cr_assert(eq(str, (char *) why, "prefix length or address family out of range"));
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
Test(nsccache, fifo_paths_are_refused_at_once)
{
    char   *dir = tmpdir(), *cache = xasprintf("%s/cache", dir);
    char   *fifo = xasprintf("%s/fifo.ini", dir), *want;
    char   *path = write_ini(dir, 2000, NULL), *errors = NULL, note[1024], file[4200];
    RC_CONFIG *cfg;

    alarm(HANG_SECONDS);			/* a hang is a crash, not a wait */
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

/* ---- a damaged compiled file is refused when it is mapped ---- */

/*
 * A compiled list of 2000 entries (so with a bucket index), the same list
 * parsed from the INI file, and the compiled file mapped writable so a
 * test can damage it the way a disk, a bug or a hostile writer might.
 */
typedef struct damaged {
    char       *dir, *cache, *path;
    char        file[4200];
    RC_CONFIG  *plain;
    void       *map;
    size_t      size;
    RC_NSC_HEADER *h;
    RC_IPENTRY *v;
    uint32_t   *index;
} DAMAGED;

static void
damaged_open(DAMAGED *d)
{
    char   *errors = NULL, note[1024];
    RC_CONFIG *cfg;
    struct stat st;
    int     fd;

    d->dir = tmpdir();
    d->cache = xasprintf("%s/cache", d->dir);
    d->path = write_ini(d->dir, 2000, NULL);
    d->plain = rc_config_load(d->path, &errors, NULL);
    cr_assert(d->plain != NULL, "%s", errors ? errors : "");
    rc_config_free(rc_config_load_cached(d->path, d->cache, &errors, NULL, note, sizeof(note)));
    cfg = rc_config_load_cached(d->path, d->cache, &errors, NULL, note, sizeof(note));
    cr_assert(cfg != NULL && cfg->nsc_ip.map != NULL, "the compiled file is not used");
    cr_assert(cfg->nsc_ip.index != NULL, "no bucket index");
    rc_config_free(cfg);
    rc_nsccache_path(d->cache, d->path, d->file, sizeof(d->file));
    fd = open(d->file, O_RDWR);
    cr_assert(fd >= 0 && fstat(fd, &st) == 0);
    d->size = (size_t) st.st_size;
    d->map = mmap(NULL, d->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    cr_assert(d->map != MAP_FAILED);
    d->h = d->map;
    cr_assert(eq(u64, d->h->n, (uint64_t) d->plain->nsc_ip.n));
    d->v = (RC_IPENTRY *) ((char *) d->map + d->h->table_off);
    d->index = (uint32_t *) ((char *) d->map + d->h->index_off);
}

/* same_answer - the lookup in cfg gives the entry the plain parse gives */
static void
same_answer(const RC_CONFIG *plain, const RC_CONFIG *cfg, const RC_ADDR *a)
{
    const RC_IPENTRY *x = rc_iptable_lookup(&plain->nsc_ip, a);
    const RC_IPENTRY *y = rc_iptable_lookup(&cfg->nsc_ip, a);
    char    buf[64];
    bool    both = (x == NULL) == (y == NULL);

    rc_addr_format(a, buf, sizeof(buf));
    cr_assert(both, "%s: %s / %s", buf, x ? "found" : "none",
	      y ? "found" : "none");
    if (x)
	cr_assert(x->cidr.plen == y->cidr.plen && x->line == y->line
		  && rc_addr_cmp(&x->cidr.addr, &y->cidr.addr) == 0, "%s", buf);
}

/*
 * damaged_check - loading again falls back to the INI file, and every
 * lookup (around every entry, and at random) answers as the plain parse
 */
static void
damaged_check(DAMAGED *d)
{
    char   *errors = NULL, note[1024];
    RC_CONFIG *cfg;

    munmap(d->map, d->size);
    cfg = rc_config_load_cached(d->path, d->cache, &errors, NULL, note, sizeof(note));
    cr_assert(cfg != NULL, "%s", errors ? errors : "");
    cr_expect(cfg->nsc_ip.map == NULL, "the damaged compiled file was used");
    cr_expect(strstr(note, "compiled the No Server Check list") != NULL,
	      "not compiled again: %s", note);
    for (size_t i = 0; i < d->plain->nsc_ip.n; i++) {
	RC_ADDR a = d->plain->nsc_ip.v[i].last;
	int     k;

	same_answer(d->plain, cfg, &a);
	for (k = 15; k >= 0 && a.b[k] == 0xff; k--)
	    a.b[k] = 0;
	if (k >= 0) {
	    a.b[k]++;				/* the address after the entry */
	    same_answer(d->plain, cfg, &a);
	}
    }
    for (int i = 0; i < 20000; i++) {
	RC_ADDR a;

	random_addr(&a);
	same_answer(d->plain, cfg, &a);
    }
    rc_config_free(cfg);
    /* and the file written again is the good one */
    cfg = rc_config_load_cached(d->path, d->cache, &errors, NULL, note, sizeof(note));
    cr_assert(cfg != NULL);
    cr_expect(cfg->nsc_ip.map != NULL, "the rewritten compiled file is not used");
    rc_config_free(cfg);
    rc_config_free(d->plain);
    rm_rf(d->dir);
    free(d->dir);
    free(d->cache);
    free(d->path);
}

/* An entry that is its own parent: the lookup's walk up the parents never ended. */
Test(nsccache, self_parent_refused)
{
    DAMAGED d;

    alarm(HANG_SECONDS);			/* a hang is a crash, not a wait */
    damaged_open(&d);
    for (size_t i = 0; i < d.h->n; i++)
	if (d.v[i].parent == -1)
	    d.v[i].parent = (long) i;
    damaged_check(&d);
}

/* A parent after its child: a loop through two entries. */
Test(nsccache, parent_after_child_refused)
{
    DAMAGED d;
    size_t  done = 0;

    alarm(HANG_SECONDS);			/* a hang is a crash, not a wait */
    damaged_open(&d);
    for (size_t i = 1; i < d.h->n; i++)
	if (d.v[i].parent == -1 && d.v[i - 1].parent == -1) {
	    d.v[i - 1].parent = (long) i;
	    d.v[i].parent = (long) i - 1;
	    done++;
	}
    cr_assert(done > 0);
    damaged_check(&d);
}

/* A parent index far outside the table: the walk read outside the mapping. */
Test(nsccache, parent_out_of_range_refused)
{
    DAMAGED d;

    damaged_open(&d);
    for (size_t i = 0; i < d.h->n; i++)
	if (d.v[i].parent == -1)
	    d.v[i].parent = (long) d.h->n + (1L << 40);
    damaged_check(&d);
}

/* Bucket starts beyond the table: the search read outside the mapping. */
Test(nsccache, bucket_out_of_range_refused)
{
    DAMAGED d;

    damaged_open(&d);
    for (uint32_t k = 1; k < RC_IPTABLE_KEYS(d.h->bits); k++)
	d.index[k] = (uint32_t) d.h->n + 100000;
    damaged_check(&d);
}

/* Bucket starts that go backwards: inside the table, but wrong answers. */
Test(nsccache, bucket_not_monotonic_refused)
{
    DAMAGED d;

    damaged_open(&d);
    for (uint32_t k = 1; k < RC_IPTABLE_KEYS(d.h->bits); k++)
	d.index[k] = (uint32_t) d.h->n - d.index[k];
    damaged_check(&d);
}

/* An index of 2^200 buckets: the size was computed with a shift of 200 first. */
Test(nsccache, index_bits_200_refused)
{
    DAMAGED d;

    damaged_open(&d);
    d.h->bits = 200;
    damaged_check(&d);
}

/* Prefix lengths beyond 128 bits (or an IPv4 one beyond 32): wrong entries in reports. */
Test(nsccache, prefix_length_out_of_range_refused)
{
    DAMAGED d;

    damaged_open(&d);
    for (size_t i = 0; i < d.h->n; i++)
	d.v[i].cidr.plen += 100;
    damaged_check(&d);
}

/* Entries out of order: the binary search found the wrong one. */
Test(nsccache, entries_out_of_order_refused)
{
    DAMAGED d;
    RC_IPENTRY t;

    damaged_open(&d);
    for (size_t i = 100; i + 1 < d.h->n; i += 100) {
	long    p = d.v[i].parent;

	t = d.v[i];				/* parent links kept where they were */
	d.v[i] = d.v[i + 1];
	d.v[i + 1] = t;
	d.v[i + 1].parent = d.v[i].parent;
	d.v[i].parent = p;
    }
    damaged_check(&d);
}
