/*
 * eximlog.h - private to the relaycheck command: Exim main logs read
 * (plain or gzip, or standard input) and their arrival lines parsed
 * (see eximlog.c)
 */
#ifndef RC_EXIMLOG_H_INCLUDED
#define RC_EXIMLOG_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "allowlist/addr.h"

/* What an arrival ("<=") line says about the message's relay. */
typedef struct rc_arrival {
    char        when[20];		/* "YYYY-MM-DD HH:MM:SS" */
    char        ip[RC_ADDR_STRLEN + 8];
    char        helo[256];		/* "" when none */
    char        sender[512];		/* "" for <> */
    bool        auth;			/* A= */
} RC_ARRIVAL;

typedef enum rc_arrival_kind {
    RC_ARRIVAL_NONE,			/* not an arrival line */
    RC_ARRIVAL_SMTP,			/* received over SMTP: H=... [ip] */
    RC_ARRIVAL_LOCAL,			/* an arrival without H= (local) */
    RC_ARRIVAL_BAD			/* an arrival line that cannot be read */
} RC_ARRIVAL_KIND;

/*
 * rc_eximlog_arrival - a main-log line; on RC_ARRIVAL_SMTP *a is filled,
 * on RC_ARRIVAL_BAD *why says what is wrong
 */
extern RC_ARRIVAL_KIND rc_eximlog_arrival(const char *line, RC_ARRIVAL *a, const char **why);

/* A log file being read. */
typedef struct rc_logfile RC_LOGFILE;

/*
 * rc_logfile_open - a main log: "-" is standard input; gzip or plain,
 * found by its content. NULL with errno set.
 */
extern RC_LOGFILE *rc_logfile_open(const char *path);

/* rc_logfile_line - the next line, without its newline; NULL at the end or on an error */
extern const char *rc_logfile_line(RC_LOGFILE *);

/* rc_logfile_close - 0, or -1 when reading failed (*err: what) */
extern int rc_logfile_close(RC_LOGFILE *, const char **err);

#endif
