/*
 * eximlog.c - Exim main logs for --replay: files read plain or gzip (zlib
 * reads both, so the name does not matter), and the arrival lines parsed
 *
 * An arrival line is Exim's timestamp (with the optional milliseconds,
 * time zone and [pid] that log_selector adds), a message id, "<=", the
 * envelope sender ("<>" for a bounce), then fields. Received over SMTP
 * means an H= field:
 *	H=name [ip]		HELO was the name Exim found for ip
 *	H=name (helo) [ip]	a HELO that is not that name
 *	H=(helo) [ip]		no name looked up
 *	H=[ip]			neither
 * each [ip] perhaps followed by :port (or .port); IPv6 inside the
 * brackets. A= means an authenticated session. Quoted values (T="...",
 * DN="...") are skipped whole, so nothing inside a subject can pass for a
 * field; the fields end at "from <" or "for ". An arrival without H= was
 * local (P=local, -bs); one whose H= or address cannot be read is
 * RC_ARRIVAL_BAD, with the reason.
 */
#include "eximlog.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

struct rc_logfile {
    gzFile      gz;
    char       *buf;
    size_t      cap;
    bool        failed;
};

/* is_msgid - an Exim message id: letters and digits in three parts */
static bool
is_msgid(const char *s, size_t len)
{
    int     dashes = 0;

    if (len < 14)
	return (false);
    for (size_t i = 0; i < len; i++) {
	if (s[i] == '-')
	    dashes++;
	else if (!isalnum((unsigned char) s[i]))
	    return (false);
    }
    return (dashes == 2);
}

/* copy_bounded - n bytes of s into buf; false when they do not fit */
static bool
copy_bounded(char *buf, size_t size, const char *s, size_t n)
{
    if (n >= size)
	return (false);
    memcpy(buf, s, n);
    buf[n] = 0;
    return (true);
}

/* skip_value - past a field's value at p: a quoted one whole, else to a blank */
static const char *
skip_value(const char *p)
{
    if (*p == '"') {
	for (p++; *p && *p != '"'; p++)
	    if (*p == '\\' && p[1])
		p++;
	return (*p ? p + 1 : p);
    }
    return (p + strcspn(p, " "));
}

/* parse_host - an H= value at p into *a, *next past it; NULL, or what is wrong */
static const char *
parse_host(const char *p, RC_ARRIVAL *a, const char **next)
{
    const char *name = NULL, *end;
    size_t  nlen = 0;
    bool    have_helo = false;

    if (*p != '(' && *p != '[') {
	name = p;
	nlen = strcspn(p, " ");
	p += nlen;
	if (*p == ' ')
	    p++;
    }
    if (*p == '(') {
	if ((end = strstr(p, ") [")) == NULL)
	    return ("H=: no \") [\" after the HELO name");
	if (!copy_bounded(a->helo, sizeof(a->helo), p + 1, (size_t) (end - p - 1)))
	    return ("H=: HELO name too long");
	have_helo = true;
	p = end + 2;
    }
    if (*p != '[')
	return ("H=: no [address]");
    if ((end = strchr(p, ']')) == NULL)
	return ("H=: no ] after the address");
    if (!copy_bounded(a->ip, sizeof(a->ip), p + 1, (size_t) (end - p - 1)))
	return ("H=: address too long");
    {
	RC_ADDR addr;

	if (!rc_addr_parse(a->ip, &addr))
	    return ("H=: not an IP address");
    }
    if (!have_helo && name && !copy_bounded(a->helo, sizeof(a->helo), name, nlen))
	return ("H=: host name too long");
    /* ":port" or ".port" */
    *next = end + 1 + strcspn(end + 1, " ");
    return (NULL);
}

/* rc_eximlog_arrival - a main-log line read (eximlog.h) */

RC_ARRIVAL_KIND
rc_eximlog_arrival(const char *line, RC_ARRIVAL *a, const char **why)
{
    const char *arrow, *p, *id;
    bool    smtp = false;

    memset(a, 0, sizeof(*a));
    *why = NULL;
    /* "YYYY-MM-DD HH:MM:SS" first */
    if (strlen(line) < 19 || !isdigit((unsigned char) line[0]) || line[4] != '-'
	|| line[10] != ' ' || line[13] != ':')
	return (RC_ARRIVAL_NONE);
    if ((arrow = strstr(line, " <= ")) == NULL)
	return (RC_ARRIVAL_NONE);
    /* the token before "<=" is the message id */
    for (id = arrow; id > line && id[-1] != ' '; id--)
	;
    if (!is_msgid(id, (size_t) (arrow - id)))
	return (RC_ARRIVAL_NONE);
    memcpy(a->when, line, 19);
    a->when[19] = 0;

    p = arrow + 4;
    {
	size_t  n = strcspn(p, " ");

	if (n == 2 && strncmp(p, "<>", 2) == 0)
	    a->sender[0] = 0;
	else if (!copy_bounded(a->sender, sizeof(a->sender), p, n)) {
	    *why = "sender too long";
	    return (RC_ARRIVAL_BAD);
	}
	p += n;
    }
    while (*p) {
	while (*p == ' ')
	    p++;
	if (*p == 0 || strncmp(p, "from <", 6) == 0 || strncmp(p, "for ", 4) == 0)
	    break;
	if (strncmp(p, "H=", 2) == 0) {
	    if ((*why = parse_host(p + 2, a, &p)) != NULL)
		return (RC_ARRIVAL_BAD);
	    smtp = true;
	    continue;
	}
	if (strncmp(p, "A=", 2) == 0)
	    a->auth = true;
	{
	    const char *eq = p + strcspn(p, "= ");

	    p = *eq == '=' ? skip_value(eq + 1) : eq;
	}
    }
    return (smtp ? RC_ARRIVAL_SMTP : RC_ARRIVAL_LOCAL);
}

/* rc_logfile_open - plain or gzip, "-" standard input (eximlog.h) */

RC_LOGFILE *
rc_logfile_open(const char *path)
{
    RC_LOGFILE *f;
    int     fd;

    if (strcmp(path, "-") == 0)
	fd = dup(STDIN_FILENO);
    else
	fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
	return (NULL);
    if ((f = calloc(1, sizeof(*f))) == NULL || (f->gz = gzdopen(fd, "rb")) == NULL) {
	int     e = errno ? errno : ENOMEM;

	free(f);
	close(fd);
	errno = e;
	return (NULL);
    }
    return (f);
}

/* rc_logfile_line - the next line (eximlog.h) */

const char *
rc_logfile_line(RC_LOGFILE *f)
{
    size_t  len = 0;

    for (;;) {
	if (f->cap - len < 2) {
	    char   *n = realloc(f->buf, f->cap ? 2 * f->cap : 4096);

	    if (n == NULL) {
		f->failed = true;
		return (NULL);
	    }
	    f->buf = n;
	    f->cap = f->cap ? 2 * f->cap : 4096;
	}
	if (gzgets(f->gz, f->buf + len, (int) (f->cap - len)) == NULL) {
	    int     err;

	    gzerror(f->gz, &err);
	    if (err != Z_OK)
		f->failed = true;	/* a read error, or a gzip file cut short */
	    if (len == 0 || f->failed)
		return (NULL);
	    return (f->buf);
	}
	len += strlen(f->buf + len);
	if (len > 0 && f->buf[len - 1] == '\n') {
	    f->buf[--len] = 0;
	    if (len > 0 && f->buf[len - 1] == '\r')
		f->buf[--len] = 0;
	    return (f->buf);
	}
    }
}

/* rc_logfile_close - the file closed (eximlog.h) */

int
rc_logfile_close(RC_LOGFILE *f, const char **err)
{
    int     errnum = Z_OK;
    int     rc;

    *err = NULL;
    if (f->failed) {
	*err = gzerror(f->gz, &errnum);
	if (errnum == Z_OK || errnum == Z_ERRNO)
	    *err = errno ? strerror(errno) : "read error";
    }
    rc = f->failed ? -1 : 0;
    if (f->failed && *err) {
	/* gzerror's text lives in the gzFile: keep a copy past gzclose */
	static char msg[256];

	snprintf(msg, sizeof(msg), "%s", *err);
	*err = msg;
    }
    gzclose(f->gz);
    free(f->buf);
    free(f);
    return (rc);
}
