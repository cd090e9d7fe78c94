/*
 * inifile.c - read the relaycheck INI file with inih
 *
 * inih does the tokenising (sections, key = value, inline comments); a
 * line reader placed in front of it does what inih would otherwise get
 * silently wrong: it counts lines, drops comments of any length, splits
 * key lines longer than inih's buffer itself (inih would cut them in
 * two), refuses indented continuation lines (inih would glue them onto
 * the previous value) and lines that are neither a section, a key nor a
 * comment, and it tracks the current section itself (inih truncates long
 * section names). Every key is looked up in the option table (options.c)
 * and validated by its row's setter as it is read; all errors are
 * collected, each as "file:line: what", so an operator fixes a file in
 * one pass. Also opening and loading the file.
 */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dnscheck/dnsname.h"
#include "dnscheck/lazylib.h"
#include "dnscheck/strbuf.h"

#define MAX_ERRORS	50
#define RC_SECTION_MAX	300		/* characters between [ and ] */

typedef enum section_kind {
    SEC_NONE,				/* before the first section */
    SEC_MAIN,				/* [relaycheck] */
    SEC_SCORES,
    SEC_DNSBL,
    SEC_RHSBL,
    SEC_NSC,				/* [no_server_check] */
    SEC_BAD				/* unknown: keys are not reported again */
} SECTION_KIND;

typedef struct parser {
    RC_OPTCTX   ctx;			/* first: the setters' view of it */
    const char *name;			/* file name for messages */
    /* line reader state */
    const char *pos, *end;
    int         lineno;
    /* section state */
    SECTION_KIND kind;
    /*
     * Single-valued keys seen, and where (0: not yet), per row of the
     * option table. [relaycheck], [scores] and [no_server_check] may
     * appear more than once, but a key is still set only once across
     * them; each [dnsbl]/[rhsbl] section starts afresh. A list key with a
     * default (skip_hosts, codes) drops it at its first line: replaced.
     */
    int         seen_line[RC_OPTIONS_MAX];
    bool        replaced[RC_OPTIONS_MAX];
    int         score_line[RC_CHK_NSCORE_COUNT];
    bool        main_seen;		/* a [relaycheck] section was read */
    /* errors */
    RC_STRBUF   errors;
    int         nerrors;
} PARSER;

/* error - record "file:line: what" */

static void __attribute__((format(printf, 3, 4)))
error(PARSER *p, int line, const char *fmt,...)
{
    char    buf[512];
    int     n;
    va_list ap;

    if (++p->nerrors > MAX_ERRORS)
	return;
    if (p->nerrors == MAX_ERRORS)
	n = snprintf(buf, sizeof(buf), "%.200s: too many errors, giving up\n", p->name);
    else {
	n = snprintf(buf, sizeof(buf), "%.200s:%d: ", p->name, line);	/* fits buf */
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t) n - 1, fmt, ap);
	va_end(ap);
	if (n > (int) sizeof(buf) - 2)
	    n = (int) sizeof(buf) - 2;
	buf[n++] = '\n';
	buf[n] = 0;
    }
    rc_strbuf_add(&p->errors, buf, (size_t) n);
    if (p->errors.cut)
	p->ctx.nomem = true;
}

/* printable - copy a value for an error message, bounded and escaped */

static const char *
printable(const char *s, char *buf, size_t len)
{
    size_t  o = 0;

    for (; *s && o + 5 < len; s++) {
	unsigned char c = (unsigned char) *s;

	if (c >= 0x20 && c < 0x7f)
	    buf[o++] = (char) c;
	else
	    o += (size_t) snprintf(buf + o, len - o, "\\x%02x", c);
    }
    if (*s && o + 4 < len) {
	memcpy(buf + o, "...", 3);
	o += 3;
    }
    buf[o] = 0;
    return (buf);
}

/* item_error - a refused item of a list value, reported on its line */

static void
item_error(RC_OPTCTX *c, const char *why, const char *item)
{
    PARSER *p = (PARSER *) c;
    char    esc[80];

    error(p, p->lineno, "%s: \"%s\"", why, printable(item, esc, sizeof(esc)));
}

/* forget_list_keys - a new [dnsbl]/[rhsbl] section may set its keys again */

static void
forget_list_keys(PARSER *p)
{
    for (size_t i = 0; rc_options[i].name; i++)
	if (rc_options[i].sections & RC_SEC_LISTS) {
	    p->seen_line[i] = 0;
	    p->replaced[i] = false;
	}
}

/* begin_section - a "[...]" line: name and optional argument */

static void
begin_section(PARSER *p, const char *inner)
{
    char    word[32], esc[80];
    const char *arg;
    size_t  wlen = strcspn(inner, " \t");

    p->ctx.list = NULL;
    arg = inner + wlen;
    while (*arg == ' ' || *arg == '\t')
	arg++;
    if (wlen >= sizeof(word)) {
	error(p, p->lineno, "unknown section [%s]", printable(inner, esc, sizeof(esc)));
	p->kind = SEC_BAD;
	return;
    }
    memcpy(word, inner, wlen);
    word[wlen] = 0;
    if (strcmp(word, "dnsbl") == 0 || strcmp(word, "rhsbl") == 0) {
	bool    dnsbl = (word[0] == 'd');
	RC_LIST **lists = dnsbl ? &p->ctx.cfg->dnsbl : &p->ctx.cfg->rhsbl;
	size_t *n = dnsbl ? &p->ctx.cfg->ndnsbl : &p->ctx.cfg->nrhsbl;
	RC_LIST *l;
	char    zone[256];
	size_t  zlen = strlen(arg);
	RC_LIST *nv;

	p->kind = SEC_BAD;
	forget_list_keys(p);
	while (zlen > 0 && arg[zlen - 1] == '.')
	    zlen--;
	if (zlen == 0) {
	    error(p, p->lineno, "[%s] needs a zone: [%s zone.example]", word, word);
	    return;
	}
	if (zlen >= sizeof(zone) || (memcpy(zone, arg, zlen), zone[zlen] = 0,
				     !rc_dnsname_ok(zone, RC_DN_HOST))) {
	    error(p, p->lineno, "[%s]: \"%s\" is not a DNS zone name", word,
		  printable(arg, esc, sizeof(esc)));
	    return;
	}
	for (char *s = zone; *s; s++)
	    *s = (char) tolower((unsigned char) *s);
	for (size_t i = 0; i < *n; i++)
	    if (strcmp((*lists)[i].zone, zone) == 0) {
		error(p, p->lineno, "duplicate section [%s %s] (first on line %d)",
		      word, zone, (*lists)[i].line);
		return;
	    }
	if ((nv = realloc(*lists, (*n + 1) * sizeof(*nv))) == NULL) {
	    p->ctx.nomem = true;
	    return;
	}
	*lists = nv;
	l = &nv[*n];
	memset(l, 0, sizeof(*l));
	if ((l->zone = strdup(zone)) == NULL) {
	    p->ctx.nomem = true;
	    return;
	}
	(*n)++;
	l->line = p->lineno;
	p->ctx.line = p->lineno;
	if (!rc_options_list_defaults(&p->ctx, l, dnsbl ? RC_SEC_DNSBL : RC_SEC_RHSBL)) {
	    p->ctx.nomem = true;
	    return;
	}
	p->ctx.list = l;
	p->kind = dnsbl ? SEC_DNSBL : SEC_RHSBL;
	return;
    }
    if (*arg != 0) {
	error(p, p->lineno, "unknown section [%s]", printable(inner, esc, sizeof(esc)));
	p->kind = SEC_BAD;
    } else if (strcmp(word, "relaycheck") == 0) {
	p->kind = SEC_MAIN;
	p->main_seen = true;
    } else if (strcmp(word, "scores") == 0)
	p->kind = SEC_SCORES;
    else if (strcmp(word, "no_server_check") == 0)
	p->kind = SEC_NSC;
    else {
	error(p, p->lineno, "unknown section [%s]", printable(inner, esc, sizeof(esc)));
	p->kind = SEC_BAD;
    }
}

/* key_like - does the line start with "name =" or "name:" (a key, not data)? */

static bool
key_like(const char *s, size_t len)
{
    size_t  i = 0;

    while (i < len && (isalnum((unsigned char) s[i]) || s[i] == '_'))
	i++;
    if (i == 0 || isdigit((unsigned char) s[0]))
	return (false);
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
	i++;
    return (i < len && (s[i] == '=' || s[i] == ':'));
}

static void handler_line(PARSER *, const char *, size_t);

/*
 * reader - the line source handed to inih. Returns one cleaned line per
 * call (always ending in '\n') or NULL at the end. Lines that are errors
 * are reported here and replaced by an empty line, so inih never sees them.
 * Comments of any length are dropped here; a key line longer than inih's
 * buffer (num - 3 characters: 197 with Debian's library) is read here
 * (handler_line()), and inih gets an empty line in its place.
 */

static char *
reader(char *out, int num, void *stream)
{
    PARSER *p = stream;
    const char *line, *nl, *s, *e;
    size_t  len;
    bool    indented;
    char    esc[80];

    if (p->pos >= p->end)
	return (NULL);
    line = p->pos;
    nl = memchr(line, '\n', (size_t) (p->end - line));
    e = nl ? nl : p->end;
    p->pos = nl ? nl + 1 : p->end;
    p->lineno++;
    if (e > line && e[-1] == '\r')
	e--;
    len = (size_t) (e - line);
    if (p->lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
	line += 3;				/* UTF-8 byte order mark */
	len -= 3;
    }
    strcpy(out, "\n");
    if (memchr(line, 0, len) != NULL) {
	error(p, p->lineno, "NUL byte in line");
	return (out);
    }
    for (s = line; s < e && (*s == ' ' || *s == '\t'); s++)
	 /* void */ ;
    indented = (s > line);
    if (s == e || *s == ';' || *s == '#')
	return (out);				/* blank or comment, any length */
    len = (size_t) (e - s);
    if (*s == '[') {
	char    inner[RC_SECTION_MAX + 1];
	const char *close = memchr(s, ']', len);
	const char *after;

	if (close == NULL) {
	    error(p, p->lineno, "section header without ']'");
	    p->kind = SEC_BAD;
	    return (out);
	}
	for (after = close + 1; after < e && (*after == ' ' || *after == '\t'); after++)
	     /* void */ ;
	if (after < e && *after != ';' && *after != '#') {
	    error(p, p->lineno, "text after section header");
	    p->kind = SEC_BAD;
	    return (out);
	}
	if ((size_t) (close - s - 1) > RC_SECTION_MAX) {
	    error(p, p->lineno, "section header too long (at most %d characters "
		  "between the brackets)", RC_SECTION_MAX);
	    p->kind = SEC_BAD;
	    return (out);
	}
	memcpy(inner, s + 1, (size_t) (close - s - 1));
	inner[close - s - 1] = 0;
	begin_section(p, inner);
	strcpy(out, "[s]\n");			/* the real name is ours to keep */
	return (out);
    }
    if ((memchr(s, '=', len) == NULL && memchr(s, ':', len) == NULL)
	|| (indented && !key_like(s, len))) {
	char    tmp[sizeof(esc)];
	size_t  n = len < sizeof(tmp) - 1 ? len : sizeof(tmp) - 1;

	memcpy(tmp, s, n);			/* printable() cuts it with "..." */
	tmp[n] = 0;
	if (indented)
	    error(p, p->lineno, "indented continuation line \"%s\": continuation lines "
		  "are not supported, repeat the key instead",
		  printable(tmp, esc, sizeof(esc)));
	else
	    error(p, p->lineno, "expected \"key = value\", got \"%s\"",
		  printable(tmp, esc, sizeof(esc)));
	return (out);
    }
    if (num < 3 || len > (size_t) num - 3) {
	handler_line(p, s, len);
	return (out);
    }
    memcpy(out, s, len);
    out[len] = '\n';
    out[len + 1] = 0;
    return (out);
}

/* handler - one key = value, called by inih right after reader() */

static int
handler(void *user, const char *section, const char *name, const char *value)
{
    static const unsigned sections[] = {
	[SEC_MAIN] = RC_SEC_MAIN, [SEC_NSC] = RC_SEC_NSC,
	[SEC_DNSBL] = RC_SEC_DNSBL, [SEC_RHSBL] = RC_SEC_RHSBL,
    };
    PARSER *p = user;
    const RC_OPTION *opt;
    const char *why = "bad value";
    char    esc[80], vesc[80];
    size_t  row;

    (void) section;
    switch (p->kind) {
    case SEC_NONE:
	error(p, p->lineno, "key \"%s\" outside any section (start with [relaycheck])",
	      printable(name, esc, sizeof(esc)));
	return (1);
    case SEC_BAD:
	return (1);				/* already reported */
    case SEC_MAIN:
    case SEC_NSC:
    case SEC_DNSBL:
    case SEC_RHSBL:
	break;
    case SEC_SCORES:{
	    int     id = rc_check_by_id(name);
	    long    n;

	    if (id < 0 || id >= RC_CHK_NSCORE_COUNT) {
		error(p, p->lineno, "unknown check \"%s\" in [scores]",
		      printable(name, esc, sizeof(esc)));
		return (1);
	    }
	    if (p->score_line[id] != 0) {
		error(p, p->lineno, "duplicate key \"%s\" (first set on line %d)",
		      name, p->score_line[id]);
		return (1);
	    }
	    p->score_line[id] = p->lineno;
	    if (!rc_parse_int(value, -1000, 1000, &n)) {
		error(p, p->lineno, "%s: \"%s\" is not an integer score (-1000..1000)",
		      name, printable(value, vesc, sizeof(vesc)));
		return (1);
	    }
	    p->ctx.cfg->scores[id] = (int) n;
	    return (1);
	}
    }
    if ((opt = rc_option_find(sections[p->kind], name)) == NULL) {
	error(p, p->lineno, "unknown key \"%s\" in this section",
	      printable(name, esc, sizeof(esc)));
	return (1);
    }
    row = (size_t) (opt - rc_options);
    if (!RC_OPT_IS_LIST(opt->type)) {
	if (p->seen_line[row] != 0) {
	    error(p, p->lineno, "duplicate key \"%s\" (first set on line %d)",
		  name, p->seen_line[row]);
	    return (1);
	}
	p->seen_line[row] = p->lineno;
    } else if (opt->def != NULL && *opt->def != 0 && !p->replaced[row]) {
	rc_option_clear(&p->ctx, opt);		/* the first line replaces the default */
	p->replaced[row] = true;
    }
    p->ctx.line = p->lineno;
    if (!rc_option_set(&p->ctx, opt, value, &why))
	error(p, p->lineno, "%s: \"%s\": %s", name, printable(value, vesc, sizeof(vesc)), why);
    return (1);
}

/* is_inline_comment - does s[i] start a comment after a value (" ;")? */

static bool
is_inline_comment(const char *s, size_t i)
{
    return (s[i] == ';' && i > 0 && isspace((unsigned char) s[i - 1]));
}

/*
 * handler_line - a key line too long for inih's line buffer, split into
 * key and value here the way inih splits a short one (ini.c, r55): the key
 * ends at the first '=' or ':'; a ';' after a blank starts a comment, in
 * the key too; blanks around key and value are dropped. handler() then
 * gets it as it would from inih: a long list is read whole, a long value
 * of a single-valued key is refused by that key's own check.
 */

static void
handler_line(PARSER *p, const char *s, size_t len)
{
    char   *copy = malloc(len + 1), *name, *value;
    size_t  i, end;

    if (copy == NULL) {
	p->ctx.nomem = true;
	return;
    }
    memcpy(copy, s, len);
    copy[len] = 0;
    for (i = 0; i < len && copy[i] != '=' && copy[i] != ':'; i++)
	if (is_inline_comment(copy, i))
	    break;
    if (i == len || copy[i] == ';') {
	error(p, p->lineno, "syntax error");	/* as inih says it */
	free(copy);
	return;
    }
    copy[i] = 0;
    for (end = i; end > 0 && isspace((unsigned char) copy[end - 1]); end--)
	copy[end - 1] = 0;
    name = copy;
    value = copy + i + 1;
    for (end = 0; value[end] != 0; end++)
	if (is_inline_comment(value, end)) {
	    value[end] = 0;
	    break;
	}
    while (isspace((unsigned char) *value))
	value++;
    for (end = strlen(value); end > 0 && isspace((unsigned char) value[end - 1]); end--)
	value[end - 1] = 0;
    (void) handler(p, "", name, value);
    free(copy);
}

/*
 * libinih is opened on the first parse of the process, not named to the
 * dynamic linker (dnscheck/lazylib.h): opened by path it costs a connection
 * process no search of the loader's cache. A library that will not load is
 * a configuration error like any other: "FILE:0: cannot load libinih.so.1:
 * why".
 */
#define RC_INIH_SONAME	"libinih.so.1"

static __typeof__(ini_parse_stream) *inih_parse_stream;

/* inih_load - find ini_parse_stream in libinih, once; false with the reason */

static bool
inih_load(char *err, size_t errlen)
{
    static const RC_LAZYSYM syms[] = {RC_LAZYSYM_OF(inih_parse_stream, ini_parse_stream)};

    return (inih_parse_stream != NULL || rc_lazylib_load(RC_INIH_SONAME, syms, 1, err, errlen));
}

bool
rc_config_preload(char *err, size_t errlen)
{
    return (inih_load(err, errlen));
}

/* parse_text - the common path of file and string parsing */

static RC_CONFIG *
parse_text(const char *name, const char *text, size_t len, char **errors)
{
    PARSER  p;
    RC_CONFIG *cfg;
    char    why[256];
    int     rc;

    *errors = NULL;
    if (!inih_load(why, sizeof(why))) {
	if (asprintf(errors, "%s:0: %s\n", name, why) < 0)
	    *errors = NULL;
	return (NULL);
    }
    cfg = malloc(sizeof(*cfg));
    memset(&p, 0, sizeof(p));
    rc_strbuf_heap(&p.errors);
    if (cfg == NULL || !rc_options_defaults(cfg)) {
	if (cfg)
	    rc_config_free(cfg);
	*errors = strdup("relaycheck: out of memory reading configuration\n");
	return (NULL);
    }
    p.name = name;
    p.ctx.cfg = cfg;
    p.ctx.item_error = item_error;
    p.pos = text;
    p.end = text + len;
    p.kind = SEC_NONE;
    rc = inih_parse_stream(reader, &p, handler, &p);
    if (rc > 0 && p.nerrors == 0)
	error(&p, rc, "syntax error");
    else if (rc < 0)
	p.ctx.nomem = true;

    /*
     * An empty file is what an editor or a copy leaves half-way: never run
     * on built-in defaults because of it. Reported only for an otherwise
     * valid file, whose other errors would say more.
     */
    if (!p.main_seen && p.nerrors == 0)
	error(&p, 1, "no [relaycheck] section: every configuration has one, even if "
	      "empty (is the file empty, or only partly written?)");
    if ((cfg->path = strdup(name)) == NULL)
	p.ctx.nomem = true;
    rc_options_seal(cfg);
    if (p.ctx.nomem)
	error(&p, p.lineno, "out of memory");
    if (p.nerrors > 0 || p.ctx.nomem) {
	rc_config_free(cfg);
	if ((*errors = rc_strbuf_take(&p.errors)) == NULL || **errors == 0) {
	    free(*errors);
	    *errors = strdup("relaycheck: out of memory reading configuration\n");
	}
	return (NULL);
    }
    free(p.errors.s);
    return (cfg);
}

RC_CONFIG *
rc_config_parse_string(const char *name, const char *text, char **errors)
{
    return (parse_text(name, text, strlen(text), errors));
}

/*
 * open_regular - open a file for reading, refusing anything but a regular
 * file before a read can block: opened non-blocking (a FIFO without a
 * writer would otherwise block the open for ever), checked with fstat(),
 * then made blocking again. Symbolic links are followed, as fopen() does.
 * NULL with the error text in msg.
 */

static FILE *
open_regular(const char *path, struct stat *sb, char *msg, size_t len)
{
    int     fd, fl;
    FILE   *fp;

    if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0
	|| fstat(fd, sb) < 0) {
	snprintf(msg, len, "%s:0: cannot open: %s\n", path, strerror(errno));
	if (fd >= 0)
	    close(fd);
	return (NULL);
    }
    if (!S_ISREG(sb->st_mode)) {
	snprintf(msg, len, "%s:0: not a regular file\n", path);
	close(fd);
	return (NULL);
    }
    if ((fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0
	|| (fp = fdopen(fd, "r")) == NULL) {
	snprintf(msg, len, "%s:0: cannot open: %s\n", path, strerror(errno));
	close(fd);
	return (NULL);
    }
    return (fp);
}

RC_CONFIG *
rc_config_load(const char *path, char **errors, RC_FILESTAMP *stamp)
{
    FILE   *fp;
    char   *buf = NULL;
    size_t  len = 0, cap = 0;
    struct stat sb;
    RC_CONFIG *cfg;
    char    msg[600];

    *errors = NULL;
    if ((fp = open_regular(path, &sb, msg, sizeof(msg))) == NULL) {
	*errors = strdup(msg);
	return (NULL);
    }
    if (stamp)
	rc_filestamp_of(&sb, stamp);
    for (;;) {
	size_t  n;

	if (len + 1 >= cap) {
	    size_t  ncap = cap ? cap * 2 : (size_t) sb.st_size + 4096;
	    char   *nb = realloc(buf, ncap);

	    if (nb == NULL) {
		free(buf);
		fclose(fp);
		*errors = strdup("relaycheck: out of memory reading configuration\n");
		return (NULL);
	    }
	    buf = nb;
	    cap = ncap;
	}
	n = fread(buf + len, 1, cap - len - 1, fp);
	len += n;
	if (n == 0)
	    break;
    }
    if (ferror(fp)) {
	snprintf(msg, sizeof(msg), "%s:0: read error: %s\n", path, strerror(errno));
	free(buf);
	fclose(fp);
	*errors = strdup(msg);
	return (NULL);
    }
    fclose(fp);
    buf[len] = 0;
    cfg = parse_text(path, buf, len, errors);
    free(buf);
    return (cfg);
}

