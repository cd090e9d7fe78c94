/*
 * config.h - the relaycheck INI file as an immutable, validated structure
 *
 * rc_config_load() parses a file into a new RC_CONFIG or fails with every
 * error found, each as "file:line: what". A loaded configuration is never
 * changed afterwards; rc_config_free() releases it. rc_config_defaults()
 * gives the built-in configuration used when the default file is absent.
 *
 * The schema (sections, keys, defaults) is the option table in options.c,
 * one row per key; it is documented in README.md and relaycheck.ini(5),
 * the reference. The functions below are spread over the configuration
 * layers: config.c (freeing, file stamps), options.c (the table, the
 * defaults, rc_config_override), inifile.c (reading a file) and dump.c
 * (rc_config_dump); doc/HACKING.md (4.4) says which inih behaviours the
 * reader works around.
 */
#ifndef RC_CONFIG_H_INCLUDED
#define RC_CONFIG_H_INCLUDED

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "dnscheck/checks.h"
#include "dnscheck/listsyntax.h"
#include "iptable.h"
#include "nametable.h"
#include "parse.h"

#define RC_DEFAULT_CONFIG	"/etc/exim4/relaycheck.ini"
#define RC_MAX_NAMESERVERS	6		/* udns DNS_MAXSERV */
#define RC_PREFIX_MAX		48
#define RC_EXEMPT_MAX		32		/* exempt_recipients entries */
#define RC_LOCALPART_MAX	64		/* RFC 5321 4.5.3.1.1 */
#define RC_HEADER_NAME_MAX	64		/* spam_score_header, and its NUL */

/*
 * Built-in defaults that are also the static build's Exim options: the
 * option table (options.c) runs them through their setters like every
 * other default, and local_scan/relaycheck.c initialises its options
 * with them, which `exim -bP local_scan' shows.
 */
#define RC_DEFAULT_REJECT_SCORE		15
#define RC_DEFAULT_TEMPREJECT_SCORE	0
#define RC_DEFAULT_DNS_TIMEOUT_S	5	/* seconds: Exim's opt_time */
#define RC_DEFAULT_ON_DNS_FAILURE	"accept"
#define RC_DEFAULT_HEADER_PREFIX	"X-Relaycheck"

typedef enum rc_dnsfail {
    RC_DNSFAIL_ACCEPT,
    RC_DNSFAIL_TEMPREJECT
} RC_DNSFAIL;

typedef struct rc_list {
    char       *zone;
    char        label[RC_LABEL_MAX];
    int         score;
    bool        txt;
    RC_RHS_TARGET target;		/* rhsbl only */
    RC_CODE    *codes;
    size_t      ncodes;
    int         line;			/* of the section header */
} RC_LIST;

typedef struct rc_config {
    char       *path;			/* NULL for built-in defaults */
    int         reject_score;		/* 0 = never */
    int         tempreject_score;	/* 0 = never */
    int         dns_timeout_ms;
    struct sockaddr_storage nameservers[RC_MAX_NAMESERVERS];
    size_t      nnameservers;		/* 0: /etc/resolv.conf */
    RC_DNSFAIL  on_dns_failure;
    char        header_prefix[RC_PREFIX_MAX];
    bool        skip_authenticated;
    RC_IPTABLE  skip_hosts;
    int         scores[RC_CHK_NSCORE_COUNT];
    RC_LIST    *dnsbl;
    size_t      ndnsbl;
    RC_LIST    *rhsbl;
    size_t      nrhsbl;
    RC_IPTABLE  nsc_ip;			/* [no_server_check] */
    RC_NAMETABLE nsc_domain;
    RC_NAMETABLE nsc_host;
    bool        domain_requires_spf;
    int         max_ptr_names;		/* forward lookups per client */
    /* local parts never rejected or deferred by local_scan(), lower case */
    char        exempt_recipients[RC_EXEMPT_MAX][RC_LOCALPART_MAX + 1];
    size_t      nexempt;
    /* the site's spam-score header ("" = off) and how it is combined */
    char        spam_score_header[RC_HEADER_NAME_MAX];
    int         spam_score_factor;	/* thousandths */
    int         combined_reject_score;	/* thousandths; 0 = never */
    unsigned long generation;		/* unique per loaded configuration */
} RC_CONFIG;

/* Where a configuration was read from, to notice when it changes. */
typedef struct rc_filestamp {
    dev_t       dev;
    ino_t       ino;
    off_t       size;
    struct timespec mtime;
} RC_FILESTAMP;

/* rc_config_defaults - built-in configuration; NULL only on ENOMEM */
extern RC_CONFIG *rc_config_defaults(void);

/*
 * rc_config_load - parse and validate a file. On failure returns NULL and
 * a malloc'ed error text (one "file:line: what" per line) in *errors. The
 * stamp of the file that was read is stored in *stamp when not NULL.
 */
extern RC_CONFIG *rc_config_load(const char *path, char **errors, RC_FILESTAMP *stamp);

/* rc_config_parse_string - the same for text in memory (tests, fuzzing) */
extern RC_CONFIG *rc_config_parse_string(const char *name, const char *text, char **errors);

extern void rc_config_free(RC_CONFIG *);

/*
 * rc_config_preload - open libinih now rather than at the first parse (the
 * preloaded module, README "Performance"); false with the reason in err.
 */
extern bool rc_config_preload(char *err, size_t errlen);

/*
 * rc_filestamp_of - the stamp of a struct stat: the one place that knows
 * which fields make it (nsccache.c still copies them; to be moved here).
 */
extern void rc_filestamp_of(const struct stat *, RC_FILESTAMP *);

/* rc_config_stamp - stat a file; false with errno set when it cannot be */
extern bool rc_config_stamp(const char *path, RC_FILESTAMP *);
extern bool rc_filestamp_equal(const RC_FILESTAMP *, const RC_FILESTAMP *);

/* rc_config_dump - the effective configuration, as an INI text (malloc'ed) */
extern char *rc_config_dump(const RC_CONFIG *);

/*
 * rc_config_override - set one single-valued [relaycheck] key (e.g.
 * reject_score, "8") of a configuration before it is used, validated as
 * in the INI file: the static build's Exim options. False with a reason.
 */
extern bool rc_config_override(RC_CONFIG *, const char *key, const char *value,
			       const char **why);

#endif
