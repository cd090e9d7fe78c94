/*
 * nsccache.c - compiled No Server Check list: write once, map per process
 *
 * The file layout is in nsccache.h (RC_NSC_HEADER).
 *
 * See nsccache.h for when a file is written and when it is trusted.
 */
#include "nsccache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iptable.h"

/* rc_nsccache_path - <dir>/nsc-<FNV-1a 64 of the path>.bin */

void
rc_nsccache_path(const char *dir, const char *ini_path, char *buf, size_t len)
{
    uint64_t h = 14695981039346656037ull;

    for (const unsigned char *s = (const unsigned char *) ini_path; *s; s++)
	h = (h ^ *s) * 1099511628211ull;
    snprintf(buf, len, "%s/nsc-%016llx.bin", dir, (unsigned long long) h);
}

static uint64_t
align_up(uint64_t x)
{
    return ((x + RC_NSC_ALIGN - 1) / RC_NSC_ALIGN * RC_NSC_ALIGN);
}

static bool
stamp_matches(const RC_NSC_HEADER *h, const RC_FILESTAMP *st)
{
    return (h->ini_dev == (uint64_t) st->dev && h->ini_ino == (uint64_t) st->ino
	    && h->ini_size == (uint64_t) st->size
	    && h->ini_mtime_sec == (int64_t) st->mtime.tv_sec
	    && h->ini_mtime_nsec == (int64_t) st->mtime.tv_nsec);
}

/*
 * header_ok - is this a whole file of our format for this INI file? Every
 * field is range-checked before it is used in arithmetic or as an offset.
 */

static bool
header_ok(const char *base, size_t size, const char *path, const RC_FILESTAMP *ini)
{
    const RC_NSC_HEADER *h = (const void *) base;
    uint64_t table_len, index_len;

    if (size < sizeof(*h) || memcmp(h->magic, RC_NSC_MAGIC, 8) != 0
	|| h->format != RC_NSC_FORMAT || h->entry_size != sizeof(RC_IPENTRY)
	|| (h->index_off ? h->bits < RC_IPTABLE_BITS_MIN || h->bits > RC_IPTABLE_BITS_MAX
	    : h->bits != 0)
	|| h->file_size != size || !stamp_matches(h, ini) || h->n >= UINT32_MAX)
	return (false);
    table_len = h->n * (uint64_t) sizeof(RC_IPENTRY);
    index_len = h->index_off ? ((uint64_t) RC_IPTABLE_KEYS(h->bits) + 1) * sizeof(uint32_t) : 0;
    if (h->path_off > size || h->path_len >= size - h->path_off
	|| base[h->path_off + h->path_len] != 0 || strlen(path) != h->path_len
	|| memcmp(base + h->path_off, path, h->path_len) != 0)
	return (false);
    if (h->text_off > size || h->text_len >= size - h->text_off
	|| base[h->text_off + h->text_len] != 0)
	return (false);
    if (h->table_off % RC_NSC_ALIGN || h->table_off > size || table_len > size - h->table_off
	|| h->index_off % RC_NSC_ALIGN || h->index_off > size || index_len > size - h->index_off)
	return (false);
    return (true);
}

/*
 * rc_nsccache_check - is an image of a compiled file usable for the INI
 * file `path' with `stamp'? The header, then every entry, parent link and
 * bucket of the table (rc_iptable_check()): nothing in the file is trusted
 * before it was checked, and any mismatch means the plain parse.
 */

bool
rc_nsccache_check(const void *image, size_t size, const char *path,
		  const RC_FILESTAMP *stamp, RC_IPTABLE *t, const char **text)
{
    const char *base = image;
    const RC_NSC_HEADER *h = image;
    const char *why;

    rc_iptable_init(t);
    if ((uintptr_t) image % RC_NSC_ALIGN != 0 || !header_ok(base, size, path, stamp))
	return (false);
    t->v = (void *) (base + h->table_off);
    t->n = (size_t) h->n;
    t->index = h->index_off ? (const void *) (base + h->index_off) : NULL;
    t->bits = h->bits;
    t->sealed = true;
    if (!rc_iptable_check(t, &why)) {
	rc_iptable_init(t);
	return (false);
    }
    *text = base + h->text_off;
    return (true);
}

/*
 * try_map - the configuration from a compiled file that matches the INI
 * file's current stamp, or NULL (the caller parses the INI file instead).
 */

static RC_CONFIG *
try_map(const char *path, const char *file, const RC_FILESTAMP *ini)
{
    int     fd;
    struct stat st;
    void   *map;
    RC_CONFIG *cfg;
    RC_IPTABLE view;
    const char *text;
    char   *errors = NULL;

    if ((fd = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
	return (NULL);
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()
	|| (st.st_mode & (S_IWGRP | S_IWOTH)) || (uint64_t) st.st_size < sizeof(RC_NSC_HEADER)) {
	close(fd);
	return (NULL);
    }
    map = mmap(NULL, (size_t) st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
	return (NULL);
    if (!rc_nsccache_check(map, (size_t) st.st_size, path, ini, &view, &text)) {
	munmap(map, (size_t) st.st_size);
	return (NULL);
    }
    cfg = rc_config_parse_string(path, text, &errors);
    free(errors);
    if (cfg == NULL || cfg->nsc_ip.n != 0) {
	rc_config_free(cfg);
	munmap(map, (size_t) st.st_size);
	return (NULL);
    }
    rc_iptable_free(&cfg->nsc_ip);
    cfg->nsc_ip = view;
    cfg->nsc_ip.map = map;
    cfg->nsc_ip.maplen = (size_t) st.st_size;
    return (cfg);
}

/* read_text - the whole INI file, if it still has the stamp it was loaded with */

static char *
read_text(const char *path, const RC_FILESTAMP *stamp, size_t *len)
{
    int     fd;
    struct stat st;
    RC_FILESTAMP now;
    char   *buf;
    size_t  got = 0;

    if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
	return (NULL);
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
	close(fd);
	return (NULL);
    }
    rc_filestamp_of(&st, &now);			/* the file parsed is the file stamped */
    if (!rc_filestamp_equal(&now, stamp) || (buf = malloc((size_t) st.st_size + 1)) == NULL) {
	close(fd);
	return (NULL);
    }
    while (got < (size_t) st.st_size) {
	ssize_t n = read(fd, buf + got, (size_t) st.st_size - got);

	if (n < 0 && errno == EINTR)
	    continue;
	if (n <= 0) {
	    free(buf);
	    close(fd);
	    return (NULL);
	}
	got += (size_t) n;
    }
    close(fd);
    buf[got] = 0;
    *len = got;
    return (buf);
}

/*
 * strip_ip_lines - the text without the `ip' lines of [no_server_check]
 * sections, by the line rules of inifile.c's reader: a section starts with
 * '[' after optional blanks; a key is the text before the first '=' or
 * ':'. (The caller checks that the result gives the same configuration.)
 */

static char *
strip_ip_lines(const char *text, size_t len, size_t *outlen)
{
    static const char nsc[] = "no_server_check";
    char   *out = malloc(len + 1);
    size_t  o = 0;
    bool    in_nsc = false;
    const char *p = text, *end = text + len;

    if (out == NULL)
	return (NULL);
    while (p < end) {
	const char *nl = memchr(p, '\n', (size_t) (end - p));
	const char *e = nl ? nl + 1 : end;
	const char *s = p;
	bool    drop = false;

	while (s < e && (*s == ' ' || *s == '\t'))
	    s++;
	if (s < e && *s == '[') {
	    const char *w = s + 1;
	    size_t  wl = sizeof(nsc) - 1;

	    in_nsc = ((size_t) (e - w) > wl && memcmp(w, nsc, wl) == 0
		      && (w[wl] == ']' || w[wl] == ' ' || w[wl] == '\t'));
	} else if (in_nsc && e - s > 2 && s[0] == 'i' && s[1] == 'p') {
	    const char *k = s + 2;

	    while (k < e && (*k == ' ' || *k == '\t'))
		k++;
	    drop = (k < e && (*k == '=' || *k == ':'));
	}
	if (!drop) {
	    memcpy(out + o, p, (size_t) (e - p));
	    o += (size_t) (e - p);
	}
	p = e;
    }
    out[o] = 0;
    *outlen = o;
    return (out);
}

/* same_config - does the stripped text give cfg, apart from its ip list? */

static bool
same_config(const char *path, const char *text, RC_CONFIG *cfg)
{
    char   *errors = NULL, *d1, *d2;
    RC_CONFIG *rest = rc_config_parse_string(path, text, &errors);
    RC_IPTABLE keep = cfg->nsc_ip;
    bool    same;

    free(errors);
    if (rest == NULL)
	return (false);
    rc_iptable_init(&cfg->nsc_ip);
    d1 = rc_config_dump(cfg);
    cfg->nsc_ip = keep;
    d2 = rc_config_dump(rest);
    same = (d1 != NULL && d2 != NULL && rest->nsc_ip.n == 0 && strcmp(d1, d2) == 0);
    free(d1);
    free(d2);
    rc_config_free(rest);
    return (same);
}

/* write_all - the whole buffer, or false */

static bool
write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
	ssize_t n = write(fd, p, len);

	if (n < 0 && errno == EINTR)
	    continue;
	if (n <= 0)
	    return (false);
	p += n;
	len -= (size_t) n;
    }
    return (true);
}

static bool
pad_to(int fd, uint64_t from, uint64_t to)
{
    static const char zeros[RC_NSC_ALIGN];

    return (to <= from || write_all(fd, zeros, (size_t) (to - from)));
}

/* write_cache - compile cfg's ip list into `file'; false with a reason */

static bool
write_cache(const char *path, const char *dir, const char *file, RC_CONFIG *cfg,
	    const RC_FILESTAMP *stamp, const char **why)
{
    RC_NSC_HEADER h;
    char   *text, *rest, tmp[4200];
    size_t  len, rlen;
    uint64_t table_end;
    int     fd;
    bool    ok;

    *why = "the INI file changed while it was read";
    if ((text = read_text(path, stamp, &len)) == NULL)
	return (false);
    rest = strip_ip_lines(text, len, &rlen);
    free(text);
    *why = "the INI file without its ip lines is not the same configuration";
    if (rest == NULL || !same_config(path, rest, cfg)) {
	free(rest);
	return (false);
    }
    memset(&h, 0, sizeof(h));
    memcpy(h.magic, RC_NSC_MAGIC, 8);
    h.format = RC_NSC_FORMAT;
    h.entry_size = sizeof(RC_IPENTRY);
    h.bits = cfg->nsc_ip.index ? cfg->nsc_ip.bits : 0;
    h.ini_dev = (uint64_t) stamp->dev;
    h.ini_ino = (uint64_t) stamp->ino;
    h.ini_size = (uint64_t) stamp->size;
    h.ini_mtime_sec = (int64_t) stamp->mtime.tv_sec;
    h.ini_mtime_nsec = (int64_t) stamp->mtime.tv_nsec;
    h.n = cfg->nsc_ip.n;
    h.path_off = sizeof(h);
    h.path_len = strlen(path);
    h.text_off = h.path_off + h.path_len + 1;
    h.text_len = rlen;
    h.table_off = align_up(h.text_off + h.text_len + 1);
    table_end = h.table_off + h.n * sizeof(RC_IPENTRY);
    h.index_off = cfg->nsc_ip.index ? align_up(table_end) : 0;
    h.file_size = h.index_off ? h.index_off + ((uint64_t) RC_IPTABLE_KEYS(h.bits) + 1)
	* sizeof(uint32_t) : table_end;

    if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
	*why = strerror(errno);
	free(rest);
	return (false);
    }
    snprintf(tmp, sizeof(tmp), "%s/.nsc-XXXXXX", dir);
    if ((fd = mkstemp(tmp)) < 0) {
	*why = strerror(errno);
	free(rest);
	return (false);
    }
    errno = 0;
    ok = fchmod(fd, 0640) == 0
	&& write_all(fd, &h, sizeof(h)) && write_all(fd, path, h.path_len + 1)
	&& write_all(fd, rest, rlen + 1)
	&& pad_to(fd, h.text_off + h.text_len + 1, h.table_off)
	&& write_all(fd, cfg->nsc_ip.v, (size_t) h.n * sizeof(RC_IPENTRY))
	&& (h.index_off == 0
	    || (pad_to(fd, table_end, h.index_off)
		&& write_all(fd, cfg->nsc_ip.index,
			     ((size_t) RC_IPTABLE_KEYS(h.bits) + 1) * sizeof(uint32_t))));
    if (close(fd) != 0)
	ok = false;
    if (ok && rename(tmp, file) != 0)
	ok = false;
    if (!ok) {
	*why = strerror(errno ? errno : EIO);
	unlink(tmp);
    }
    free(rest);
    return (ok);
}

RC_CONFIG *
rc_config_load_cached(const char *path, const char *dir, char **errors,
		      RC_FILESTAMP *stamp, char *note, size_t notelen)
{
    char    file[4096];
    struct stat st;
    RC_CONFIG *cfg;
    RC_FILESTAMP got;
    const char *why;

    if (notelen > 0)
	note[0] = 0;
    if (dir == NULL || *dir == 0 || strlen(dir) > 4000 || stat(path, &st) < 0
	|| !S_ISREG(st.st_mode))
	return (rc_config_load(path, errors, stamp));
    rc_nsccache_path(dir, path, file, sizeof(file));
    rc_filestamp_of(&st, &got);
    if ((cfg = try_map(path, file, &got)) != NULL) {
	*errors = NULL;
	if (stamp)
	    *stamp = got;
	return (cfg);
    }
    if ((cfg = rc_config_load(path, errors, &got)) == NULL)
	return (NULL);
    if (stamp)
	*stamp = got;
    if (cfg->nsc_ip.n < RC_NSCCACHE_MIN)
	return (cfg);
    if (write_cache(path, dir, file, cfg, &got, &why))
	snprintf(note, notelen, "compiled the No Server Check list of %s (%zu entries) "
		 "into %s", path, cfg->nsc_ip.n, file);
    else
	snprintf(note, notelen, "could not compile the No Server Check list of %s into %s: "
		 "%s (every connection parses it)", path, file, why);
    return (cfg);
}
