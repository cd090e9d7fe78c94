/*
 * nsccache.h - a compiled No Server Check list, parsed once, mapped per process
 *
 * Exim runs one process per SMTP connection, and the module parses its
 * INI file once per process: with a hundred thousand `ip =' lines under
 * [no_server_check] that alone costs a connection a few hundred ms.
 * rc_config_load_cached() does what rc_config_load() does, but keeps the
 * sealed IP table of a large list (RC_NSCCACHE_MIN entries or more) in a
 * compiled file in cache_dir, next to the rest of the INI text without
 * those lines. While the INI file is unchanged (device, inode, size and
 * mtime, as the module's own reload check), later processes map the table
 * read-only (shared between all of them in the page cache), check it in
 * one linear pass, and parse only the short rest: a small part of the cost
 * of parsing the list (about 6 ms for 100,000 entries, 55 ms for a million,
 * where parsing takes 80 ms and 1 s).
 *
 * The compiled file is written by the first process that parses a changed
 * INI file, to a temporary name and then renamed, so readers see a whole
 * file or none. It is written only after the rest of the text was parsed
 * back and gave exactly the same configuration (rc_config_dump()), and is
 * used only when it belongs to the running user, is writable by no one
 * else, was written by the same format and entry layout, names the same
 * INI path and stamp, and its table passes rc_iptable_check() - every
 * entry, parent link and bucket as rc_iptable_seal() makes them, checked
 * once when it is mapped (linear in the list). Anything else - no cache_dir, a stale, foreign
 * or damaged file, any error while writing - falls back to the plain parse,
 * which is always correct.
 */
#ifndef RC_NSCCACHE_H_INCLUDED
#define RC_NSCCACHE_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define RC_NSCCACHE_MIN		1000	/* entries: smaller lists are just parsed */

/*
 * The compiled file (native byte order and struct layout; the header says
 * which format, entry size and index size wrote it):
 *
 *	header		RC_NSC_HEADER
 *	path		the INI path, NUL-terminated
 *	text		the INI text without its [no_server_check] ip lines,
 *			NUL-terminated
 *	table		n RC_IPENTRY, sorted and parent-linked (64-byte aligned)
 *	index		RC_IPTABLE_KEYS(bits) + 1 uint32_t, or nothing
 */
#define RC_NSC_MAGIC	"RCNSC\r\n\032"	/* 8 bytes, no NUL */
#define RC_NSC_FORMAT	1u		/* bump when the layout changes */
#define RC_NSC_ALIGN	64u

typedef struct rc_nsc_header {
    char        magic[8];
    uint32_t    format;
    uint32_t    entry_size;		/* sizeof(RC_IPENTRY) */
    uint32_t    bits;			/* of the index; 0: no index */
    uint32_t    reserved;
    uint64_t    ini_dev, ini_ino, ini_size;
    int64_t     ini_mtime_sec, ini_mtime_nsec;
    uint64_t    n;			/* entries */
    uint64_t    path_off, path_len;	/* lengths without the NUL */
    uint64_t    text_off, text_len;
    uint64_t    table_off, index_off;	/* index_off 0: no index */
    uint64_t    file_size;
} RC_NSC_HEADER;

/*
 * rc_config_load_cached - rc_config_load() through the compiled form in
 * cache_dir (created, mode 0750, when missing; NULL: no cache). note gets
 * one line for the log when a compiled file was written or could not be
 * written ("" otherwise). Errors and the stamp are as for rc_config_load().
 */
extern RC_CONFIG *rc_config_load_cached(const char *path, const char *cache_dir,
					char **errors, RC_FILESTAMP *stamp,
					char *note, size_t notelen);

/*
 * rc_nsccache_check - is `size' bytes at `image' (aligned to RC_NSC_ALIGN)
 * a compiled file that may be used for the INI file `path' with `stamp'?
 * Every header field, entry, parent link and bucket is checked first. On
 * success *t is a sealed read-only view of the table inside the image
 * (t->map NULL: not to be rc_iptable_free()d) and *text the rest of the
 * INI text; on failure the caller parses the INI file.
 */
extern bool rc_nsccache_check(const void *image, size_t size, const char *path,
			      const RC_FILESTAMP *stamp, RC_IPTABLE *t, const char **text);

/* rc_nsccache_path - the compiled file's name for an INI path */
extern void rc_nsccache_path(const char *cache_dir, const char *ini_path, char *buf,
			     size_t len);

#endif
