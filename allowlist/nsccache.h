/*
 * nsccache.h - a compiled No Server Check list, loaded in O(1) per process
 *
 * Exim runs one process per SMTP connection, and the module parses its
 * INI file once per process: with a hundred thousand `ip =' lines under
 * [no_server_check] that alone costs a connection a few hundred ms.
 * rc_config_load_cached() does what rc_config_load() does, but keeps the
 * sealed IP table of a large list (RC_NSCCACHE_MIN entries or more) in a
 * compiled file in cache_dir, next to the rest of the INI text without
 * those lines. While the INI file is unchanged (device, inode, size and
 * mtime, as the module's own reload check), later processes map the table
 * read-only (shared between all of them in the page cache) and parse only
 * the short rest: the cost no longer grows with the list.
 *
 * The compiled file is written by the first process that parses a changed
 * INI file, to a temporary name and then renamed, so readers see a whole
 * file or none. It is written only after the rest of the text was parsed
 * back and gave exactly the same configuration (rc_config_dump()), and is
 * used only when it belongs to the running user, is writable by no one
 * else, was written by the same format and entry layout, and names the
 * same INI path and stamp. Anything else - no cache_dir, a stale, foreign
 * or damaged file, any error while writing - falls back to the plain parse,
 * which is always correct.
 */
#ifndef RC_NSCCACHE_H_INCLUDED
#define RC_NSCCACHE_H_INCLUDED

#include <stddef.h>

#include "config.h"

#define RC_NSCCACHE_MIN		1000	/* entries: smaller lists are just parsed */

/*
 * rc_config_load_cached - rc_config_load() through the compiled form in
 * cache_dir (created, mode 0750, when missing; NULL: no cache). note gets
 * one line for the log when a compiled file was written or could not be
 * written ("" otherwise). Errors and the stamp are as for rc_config_load().
 */
extern RC_CONFIG *rc_config_load_cached(const char *path, const char *cache_dir,
					char **errors, RC_FILESTAMP *stamp,
					char *note, size_t notelen);

/* rc_nsccache_path - the compiled file's name for an INI path */
extern void rc_nsccache_path(const char *cache_dir, const char *ini_path, char *buf,
			     size_t len);

#endif
