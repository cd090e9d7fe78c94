/*
 * front.h - what the Exim adapter and the command share around the engine
 *
 * Both front ends find the configuration the same way (a file named by
 * the caller, else $RELAYCHECK_CONFIG, else RC_DEFAULT_CONFIG, and the
 * built-in defaults when that default file is absent), keep it until its
 * file changes, run the engine on the facts they gathered, and render the
 * verdict into the same texts, cut at the same sizes. --summary decides
 * what other thresholds would have done with the rules of
 * rc_verdict_action(). Nothing here calls Exim: the adapter passes hooks
 * for what only it does (Exim's options, its spool directory, its log).
 */
#ifndef RC_FRONT_H_INCLUDED
#define RC_FRONT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "allowlist/config.h"
#include "engine.h"
#include "report.h"
#include "verdict.h"

/* What the module answers (451) while the configuration cannot be used. */
#define RC_FRONT_CONFIG_ERROR_REPLY "relaycheck: configuration error, see log"

/* The configuration of a process, with the stamp of its file. */
typedef struct rc_front_cfg {
    RC_CONFIG  *cfg;			/* NULL before the first load */
    char       *path;			/* its file; NULL for the defaults */
    bool        is_default;		/* built-in: the default file absent */
    RC_FILESTAMP stamp;
} RC_FRONT_CFG;

/* What only the caller knows how to do; any hook may be NULL. */
typedef struct rc_front_hooks {
    /* where compiled No Server Check lists go (nsccache.h), or NULL */
    const char *(*cache_dir) (char *buf, size_t len);
    /* adjust a freshly loaded configuration; false: refused, reported */
    bool        (*prepare) (RC_CONFIG *);
    /* a remark for the log: defaults in use, a list compiled */
    void        (*note) (const char *);
} RC_FRONT_HOOKS;

/* The outcome of one lookup. */
typedef struct rc_front_lookup {
    const char *path;			/* the file looked up */
    bool        defaults;		/* that file absent: built-in defaults */
    bool        reported;		/* on failure: prepare() reported it */
    char       *errors;			/* on failure: "file:line: what\n"... */
} RC_FRONT_LOOKUP;

/*
 * rc_front_config_path - the file to use: `file' when not NULL, else
 * $RELAYCHECK_CONFIG when set, else RC_DEFAULT_CONFIG (then *explicit is
 * false, when explicit is not NULL: only that file may be absent).
 */
extern const char *rc_front_config_path(const char *file, bool *explicit);

/*
 * rc_front_config - the configuration to use: `file' when not NULL, else
 * $RELAYCHECK_CONFIG when set, else RC_DEFAULT_CONFIG. A file is parsed
 * again only when its inode, size or mtime change; a file with errors is
 * parsed again on every call. NULL on failure, with rc_front_errors(lk)
 * to report (unless lk->reported). rc_front_lookup_free(lk) after use.
 */
extern const RC_CONFIG *rc_front_config(RC_FRONT_CFG *, const char *file,
					const RC_FRONT_HOOKS *, RC_FRONT_LOOKUP *);

/* rc_front_errors - the "file:line: what" lines of a failed lookup */
extern const char *rc_front_errors(const RC_FRONT_LOOKUP *);

extern void rc_front_lookup_free(RC_FRONT_LOOKUP *);
extern void rc_front_config_free(RC_FRONT_CFG *);

/*
 * rc_front_preload - open now the libraries the engine opens on first use
 * (libudns, libinih, libpsl; dnscheck/lazylib.h), so that processes forked
 * from this one inherit them; once per process, later calls do nothing.
 * One that does not load is left to its first use, which reports it
 * (libudns, libinih; a missing libpsl only makes the last two labels the
 * registrable domain).
 */
extern void rc_front_preload(void);

/* The largest each text of a verdict may be, with its NUL. */
#define RC_OUT_SPF_MAX		(RC_RECEIVED_SPF_MAX + 32)
#define RC_OUT_SCORE_MAX	16384
#define RC_OUT_REPORT_MAX	16384
#define RC_OUT_LOG_MAX		2048
#define RC_OUT_REPLY_MAX	8192
#define RC_OUT_LSDATA_MAX	8192

/*
 * The texts of one verdict, each as the front ends pass it on. Each points
 * into `text', where rc_front_render() packs them one after the other: a
 * message writes the page or two its texts fill, not a page for each text
 * at its largest (each page a connection process writes for the first time
 * is a page fault; BENCHMARKS.md, "Per-connection cost").
 */
typedef struct rc_front_out {
    int         code;			/* 550, 451, or 0 to accept */
    const char *received_spf;		/* the Received-SPF header, or "" */
    const char *score;			/* the Score header */
    const char *report;			/* the Report header */
    const char *log;			/* the main-log line */
    const char *reply;			/* the 550/451 text, "" on accept */
    const char *lsdata;			/* $local_scan_data on accept, else "" */
    char        text[RC_OUT_SPF_MAX + RC_OUT_SCORE_MAX + RC_OUT_REPORT_MAX + RC_OUT_LOG_MAX
			 + RC_OUT_REPLY_MAX + RC_OUT_LSDATA_MAX];
} RC_FRONT_OUT;

/*
 * rc_front_render - every text of a verdict. A skipped message gets only
 * $local_scan_data: no headers, no log line. The texts stay valid until
 * the next call with the same o.
 */
extern void rc_front_render(const RC_CONFIG *, const RC_VERDICT *, const char *ip,
			    RC_FRONT_OUT *);

/* rc_front_check - run the engine on the facts and render the verdict */
extern void rc_front_check(const RC_CONFIG *, const RC_FACTS *, RC_CONNCACHE *,
			   RC_VERDICT *, RC_FRONT_OUT *);

/*
 * rc_front_whatif - the action a logged message would have got with
 * other thresholds and a what-if score: accept when allowlisted, else
 * rc_verdict_action(); a logged tempreject the thresholds do not explain
 * came from on_dns_failure (or a configuration error) and stays.
 */
extern RC_ACTION rc_front_whatif(const RC_THRESHOLDS *, const RC_LOGLINE *, int score);

#endif
