/*
 * options.h - the option table: one row per configuration key
 *
 * A row gives a key's sections, name, type, bounds, built-in default and
 * where its value is stored. From the table come the INI reader's lookup
 * (inifile.c), the built-in defaults (each row's default is run through
 * the row's own setter, so defaults are validated like the file),
 * rc_config_dump() (dump.c, rows in table order) and rc_config_override().
 * The [scores] keys are not rows: they are the check catalogue's ids and
 * default scores (dnscheck/checks.c). doc/HACKING.md, "Adding an option",
 * says how to add a row.
 */
#ifndef RC_OPTIONS_H_INCLUDED
#define RC_OPTIONS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* Sections a row belongs to (a bit set). */
#define RC_SEC_MAIN	0x01		/* [relaycheck] */
#define RC_SEC_NSC	0x02		/* [no_server_check] */
#define RC_SEC_DNSBL	0x04		/* [dnsbl zone] */
#define RC_SEC_RHSBL	0x08		/* [rhsbl zone] */
#define RC_SEC_LISTS	(RC_SEC_DNSBL | RC_SEC_RHSBL)	/* values in an RC_LIST */

/*
 * The types of value. The list types may be repeated and accumulate; the
 * others are set once. The type decides how a value is read and dumped.
 */
typedef enum rc_opttype {
    RC_OPT_INT,				/* int, min..max */
    RC_OPT_DURATION,			/* int milliseconds, min..max */
    RC_OPT_BOOL,			/* bool: yes/no */
    RC_OPT_STRING,			/* char[size], checked by `check` */
    RC_OPT_ENUM,			/* an enum: the index of the word in `words` */
    RC_OPT_DECIMAL,			/* int thousandths, min..max (thousandths) */
    RC_OPT_SERVERS,			/* list: the nameservers (cfg->nameservers) */
    RC_OPT_CIDRS,			/* list: RC_IPTABLE */
    RC_OPT_DOMAINS,			/* list: RC_NAMETABLE, a name and below */
    RC_OPT_HOSTS,			/* list: RC_NAMETABLE, name or .suffix */
    RC_OPT_CODES,			/* list: the list's codes (list->codes) */
    RC_OPT_LOCALPARTS			/* list: local parts (cfg->exempt_recipients) */
} RC_OPTTYPE;

#define RC_OPT_IS_LIST(t)	((t) >= RC_OPT_SERVERS)

typedef struct rc_option {
    unsigned    sections;		/* RC_SEC_* */
    const char *name;
    RC_OPTTYPE  type;
    long        min, max;		/* RC_OPT_INT, RC_OPT_DURATION (ms), RC_OPT_DECIMAL (1/1000) */
    const char *def;			/* default, read as from the file; NULL: none */
    size_t      offset;			/* in RC_CONFIG, or RC_LIST for the lists */
    size_t      size;			/* RC_OPT_STRING: buffer size */
    bool      (*check) (const char *, const char **why);	/* RC_OPT_STRING */
    const char *const *words;		/* RC_OPT_ENUM, NULL-terminated */
} RC_OPTION;

extern const RC_OPTION rc_options[];	/* ends with a row whose name is NULL */

#define RC_OPTIONS_MAX	64		/* rows, for per-row arrays */

/*
 * What a setter works on. A list item that is refused is passed to
 * item_error (NULL: counted in nitem_errors only) and the next item is
 * read; any other bad value makes the setter return false.
 */
typedef struct rc_optctx RC_OPTCTX;

struct rc_optctx {
    RC_CONFIG  *cfg;
    RC_LIST    *list;			/* the current [dnsbl]/[rhsbl], or NULL */
    int         line;			/* stored with list entries */
    bool        nomem;
    int         nitem_errors;
    void      (*item_error) (RC_OPTCTX *, const char *why, const char *item);
};

/* rc_option_find - the row of a key in a section (RC_SEC_*), or NULL */
extern const RC_OPTION *rc_option_find(unsigned section, const char *name);

/* rc_option_set - validate and store one value; false with a reason */
extern bool rc_option_set(RC_OPTCTX *, const RC_OPTION *, const char *value, const char **why);

/* rc_option_clear - empty a list key (its first line replaces the default) */
extern void rc_option_clear(RC_OPTCTX *, const RC_OPTION *);

/* rc_option_value - where a row's value is stored in a configuration or list */
extern const void *rc_option_value(const RC_CONFIG *, const RC_LIST *, const RC_OPTION *);

/* rc_options_defaults - a configuration of built-in defaults, not sealed */
extern bool rc_options_defaults(RC_CONFIG *);

/*
 * rc_options_list_defaults - the defaults of a new [dnsbl]/[rhsbl] list
 * (list->zone and list->line are set, the rest zeroed); the label is
 * the zone.
 */
extern bool rc_options_list_defaults(RC_OPTCTX *, RC_LIST *, unsigned section);

/* rc_options_seal - finish the tables of a configuration once it is read */
extern void rc_options_seal(RC_CONFIG *);

#endif
