/*
 * config.c - what every configuration layer shares: freeing a
 * configuration, and the stamp of the file it was read from
 *
 * The option table is in options.c, the reader in inifile.c and the dump
 * in dump.c (config.h says which function lives where).
 */
#include "config.h"

#include <stdlib.h>
#include <sys/stat.h>

/* free_lists - the [dnsbl]/[rhsbl] lists */

static void
free_lists(RC_LIST *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
	free(v[i].zone);
	free(v[i].codes);
    }
    free(v);
}

/* rc_config_free - everything a configuration owns */

void
rc_config_free(RC_CONFIG *cfg)
{
    if (cfg == NULL)
	return;
    free(cfg->path);
    rc_iptable_free(&cfg->skip_hosts);
    rc_iptable_free(&cfg->nsc_ip);
    rc_nametable_free(&cfg->nsc_domain);
    rc_nametable_free(&cfg->nsc_host);
    free_lists(cfg->dnsbl, cfg->ndnsbl);
    free_lists(cfg->rhsbl, cfg->nrhsbl);
    free(cfg);
}

/* rc_filestamp_of - the stamp of what stat() or fstat() returned */

void
rc_filestamp_of(const struct stat *sb, RC_FILESTAMP *st)
{
    st->dev = sb->st_dev;
    st->ino = sb->st_ino;
    st->size = sb->st_size;
    st->mtime = sb->st_mtim;
}

/* rc_config_stamp - stat() a file into its stamp */

bool
rc_config_stamp(const char *path, RC_FILESTAMP *st)
{
    struct stat sb;

    if (stat(path, &sb) < 0)
	return (false);
    rc_filestamp_of(&sb, st);
    return (true);
}

/* rc_filestamp_equal - the same file, unchanged */

bool
rc_filestamp_equal(const RC_FILESTAMP *a, const RC_FILESTAMP *b)
{
    return (a->dev == b->dev && a->ino == b->ino && a->size == b->size
	    && a->mtime.tv_sec == b->mtime.tv_sec
	    && a->mtime.tv_nsec == b->mtime.tv_nsec);
}
