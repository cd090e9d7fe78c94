/*
 * batch.c - relaycheck --batch [FILE]: many relays through the engine,
 * one JSON object out per relay in, in input order
 *
 * Input (FILE, or standard input for none or "-"), one relay per line:
 *	{"ip": "192.0.2.1", "helo": "mx.example", "from": "a@example", "auth": false}
 *	192.0.2.1<TAB>mx.example<TAB>a@example
 * A line that starts with '{' is JSON (keys ip, helo, from, auth; sender
 * and authenticated as the --json object spells them), any other is TSV
 * (ip, then HELO and sender, both optional). Blank lines and lines that
 * start with '#' are skipped. Each relay is run by a worker (pool.c,
 * --jobs of them) exactly as a check runs it; the output line is the
 * check's --json object on one line, with "input_line" first. A line that
 * cannot be read gives {"input_line": N, "error": "..."} and the run goes
 * on. Exit status 0 when every relay was evaluated, EX_DATAERR when any
 * line gave an error. On a terminal, stderr shows done/total, rate and
 * the time left.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "allowlist/addr.h"
#include "dnscheck/front.h"
#include "dnscheck/spf.h"
#include "pool.h"
#include "cli.h"

#define FIELD_MAX 1024			/* longest ip, helo or from taken */

/* One relay's facts, as read from a line. */
typedef struct relay {
    char        ip[FIELD_MAX];
    char        helo[FIELD_MAX];
    char        from[FIELD_MAX];
    bool        auth;
} RELAY;

/* What the workers need, set before they are forked. */
typedef struct batch_work {
    const RC_CONFIG *cfg;
    const char *cfgname;
    const char *hostname;
    const char *interface;
} BATCH_WORK;

/* What the parent keeps while results come back. */
typedef struct batch_out {
    long       *lines;			/* input line of each sequence number */
    size_t      nlines, caplines;
    long        done, total, failed;
    bool        progress;
    struct timespec t0;
    int         werr;			/* errno of a failed write */
} BATCH_OUT;

/* json_skip_ws - past blanks */
static const char *
json_skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
	p++;
    return (p);
}

/* parse_json - a JSON object line into *r; NULL, or the error */
static const char *
parse_json(const char *line, RELAY *r)
{
    const char *p = json_skip_ws(line + 1), *err;
    bool    have_ip = false;

    if (*p == '}')
	p = json_skip_ws(p + 1);
    else
	for (;;) {
	    char    key[32], *dst = NULL;

	    if (*p != '"')
		return ("expected a key");
	    if ((err = rc_cli_json_string(&p, key, sizeof(key))) != NULL)
		return (err);
	    p = json_skip_ws(p);
	    if (*p++ != ':')
		return ("expected ':'");
	    p = json_skip_ws(p);
	    if (strcmp(key, "ip") == 0)
		dst = r->ip, have_ip = true;
	    else if (strcmp(key, "helo") == 0)
		dst = r->helo;
	    else if (strcmp(key, "from") == 0 || strcmp(key, "sender") == 0)
		dst = r->from;
	    else if (strcmp(key, "auth") == 0 || strcmp(key, "authenticated") == 0) {
		if (strncmp(p, "true", 4) == 0)
		    r->auth = true, p += 4;
		else if (strncmp(p, "false", 5) == 0)
		    r->auth = false, p += 5;
		else
		    return ("auth: expected true or false");
	    } else
		return ("unknown key (ip, helo, from, auth)");
	    if (dst) {
		if (strncmp(p, "null", 4) == 0 && dst != r->ip)
		    *dst = 0, p += 4;
		else if (*p != '"')
		    return ("expected a string value");
		else if ((err = rc_cli_json_string(&p, dst, FIELD_MAX)) != NULL)
		    return (err);
	    }
	    p = json_skip_ws(p);
	    if (*p == ',') {
		p = json_skip_ws(p + 1);
		continue;
	    }
	    if (*p != '}')
		return ("expected ',' or '}'");
	    p = json_skip_ws(p + 1);
	    break;
	}
    if (*p)
	return ("text after the object");
    if (!have_ip)
	return ("no \"ip\"");
    return (NULL);
}

/* parse_tsv - ip<TAB>helo<TAB>from into *r; NULL, or the error */
static const char *
parse_tsv(const char *line, RELAY *r)
{
    const char *p = line;
    char   *dst[3] = {r->ip, r->helo, r->from};
    int     tabs = 0;

    for (const char *t = line; *t; t++)
	tabs += *t == '\t';
    if (tabs > 2)
	return ("more than three fields (ip, helo, from)");
    for (int i = 0; i <= tabs; i++) {
	size_t  n = strcspn(p, "\t");

	if (n >= FIELD_MAX)
	    return ("value too long");
	memcpy(dst[i], p, n);
	dst[i][n] = 0;
	p += n + (p[n] == '\t');
    }
    return (NULL);
}

/* parse_line - a line of input into *r; NULL, or the error */
static const char *
parse_line(const char *line, RELAY *r)
{
    const char *err;
    RC_ADDR addr;

    memset(r, 0, sizeof(*r));
    err = line[0] == '{' ? parse_json(line, r) : parse_tsv(line, r);
    if (err)
	return (err);
    if (r->ip[0] == 0)
	return ("no ip");
    if (!rc_addr_parse(r->ip, &addr))
	return ("ip: not an IPv4 or IPv6 address");
    return (NULL);
}

/* error_object - {"input_line": N, "error": "..."}, malloc'ed */
static char *
error_object(long lineno, const char *err, size_t *len)
{
    char   *buf = NULL;
    FILE   *fp;

    if ((fp = open_memstream(&buf, len)) == NULL)
	return (NULL);
    fprintf(fp, "{\"input_line\": %ld, \"error\": ", lineno);
    rc_cli_json_str(fp, err);
    fprintf(fp, "}\n");
    if (fclose(fp) != 0) {
	free(buf);
	return (NULL);
    }
    return (buf);
}

/*
 * batch_work - in a worker: one relay ("lineno\0ip\0helo\0from\0auth")
 * through rc_front_check(), its --json object on one line
 */
static char *
batch_work(void *arg, const char *req, size_t reqlen, size_t *len)
{
    static RC_VERDICT v;
    static RC_FRONT_OUT out;
    const BATCH_WORK *w = arg;
    RC_FACTS facts;
    char   *buf = NULL, *obj = NULL;
    size_t  objlen;
    FILE   *fp;
    long    lineno;

    if (req == NULL) {
	rc_cli_worker_end();
	return (NULL);
    }
    (void) reqlen;
    lineno = strtol(req, NULL, 10);
    rc_cli_relay_facts(&facts, req, 1, w->hostname, w->interface);
    rc_front_check(w->cfg, &facts, NULL, &v, &out);

    if ((fp = open_memstream(&obj, &objlen)) == NULL)
	return (NULL);
    rc_cli_json_verdict(fp, &facts, w->cfg, w->cfgname, &v, &out, rc_cli_exit_status(&out),
			true);
    if (fclose(fp) != 0) {
	free(obj);
	return (NULL);
    }
    /* "{" + "input_line" + the object's fields */
    if ((fp = open_memstream(&buf, len)) == NULL) {
	free(obj);
	return (NULL);
    }
    fprintf(fp, "{\"input_line\": %ld, %s", lineno, obj + 1);
    free(obj);
    if (fclose(fp) != 0) {
	free(buf);
	return (NULL);
    }
    return (buf);
}

/* elapsed - seconds since t0 */
static double
elapsed(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return ((double) (t.tv_sec - t0->tv_sec) + (double) (t.tv_nsec - t0->tv_nsec) / 1e9);
}

/* progress - "done/total, rate, time left" on the terminal */
static void
progress(BATCH_OUT *o, bool last)
{
    double  s = elapsed(&o->t0), rate = s > 0 ? (double) o->done / s : 0;

    fprintf(stderr, "\r%s: %ld", rc_cli_progname, o->done);
    if (o->total > 0)
	fprintf(stderr, "/%ld", o->total);
    fprintf(stderr, " relays, %.1f/s", rate);
    if (o->total > 0 && rate > 0 && !last)
	fprintf(stderr, ", %.0f s left", (double) (o->total - o->done) / rate);
    fprintf(stderr, "%s", last ? "          \n" : "   ");
}

/* batch_done - in the parent: a result, in input order, to stdout */
static void
batch_done(void *arg, size_t seq, const char *rep, size_t len)
{
    BATCH_OUT *o = arg;
    char   *lost = NULL;

    if (rep == NULL) {
	lost = error_object(o->lines[seq], "the worker evaluating it died", &len);
	rep = lost;
    }
    if (rep == NULL || strncmp(rep + strcspn(rep, ","), ", \"error\"", 9) == 0)
	o->failed++;
    if (rep && fwrite(rep, 1, len, stdout) != len && o->werr == 0)
	o->werr = errno ? errno : EIO;
    free(lost);
    o->done++;
    if (o->progress)
	progress(o, false);
}

/* count_lines - the relays in a regular file, for the progress line; 0: unknown */
static long
count_lines(FILE *fp)
{
    struct stat st;
    long    n = 0;
    int     c, prev = '\n';

    if (fstat(fileno(fp), &st) < 0 || !S_ISREG(st.st_mode))
	return (0);
    while ((c = getc(fp)) != EOF) {
	if (prev == '\n' && c != '\n' && c != '#' && c != '\r')
	    n++;
	prev = c;
    }
    if (fseek(fp, 0, SEEK_SET) < 0)
	return (0);
    clearerr(fp);
    return (n);
}

/* blank - nothing but blanks */
static bool
blank(const char *s)
{
    return (s[strspn(s, " \t\r\n")] == 0);
}

/* run_batch - every line of fp through the pool */
static int
run_batch(RC_POOL *pool, FILE *fp, const char *name, BATCH_OUT *o)
{
    char   *line = NULL;
    size_t  cap = 0;
    ssize_t n;
    long    lineno = 0;
    static RELAY r;
    int     rc = 0;

    while ((n = getline(&line, &cap, fp)) >= 0) {
	const char *err;

	lineno++;
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
	    line[--n] = 0;
	if (blank(line) || line[0] == '#')
	    continue;
	if ((size_t) n != strlen(line))
	    err = "NUL character in the line";
	else
	    err = parse_line(line, &r);
	/* the line of each sequence number, for a worker that dies with it */
	if (o->nlines == o->caplines) {
	    o->caplines = o->caplines ? 2 * o->caplines : 1024;
	    o->lines = rc_cli_xrealloc(o->lines, o->caplines * sizeof(*o->lines));
	}
	o->lines[o->nlines++] = lineno;
	if (err) {
	    size_t  len;
	    char   *obj = error_object(lineno, err, &len);

	    if (obj == NULL)
		return (EX_SOFTWARE);
	    rc_pool_ready(pool, obj, len);
	    free(obj);
	} else {
	    char    req[32 + 3 * FIELD_MAX + 2];
	    int     k = snprintf(req, sizeof(req), "%ld%c%s%c%s%c%s%c%c", lineno, 0, r.ip, 0,
				 r.helo, 0, r.from, 0, r.auth ? '1' : '0');

	    rc_pool_submit(pool, req, (size_t) k + 1);
	}
    }
    if (ferror(fp)) {
	fprintf(stderr, "%s: %s: %s\n", rc_cli_progname, name, strerror(errno));
	rc = EX_NOINPUT;
    }
    free(line);
    return (rc);
}

/* rc_cli_batch - the mode's run function (cli.h) */

int
rc_cli_batch(const RC_CLI_ARGS *a)
{
    const char *name;
    const RC_CONFIG *cfg;
    char    cfgname[PATH_MAX + 64];
    BATCH_WORK w;
    BATCH_OUT o;
    RC_POOL *pool;
    FILE   *fp;
    int     rc, bad;

    if ((cfg = rc_cli_engine_config(a->config, cfgname, sizeof(cfgname), &rc)) == NULL)
	return (rc);

    name = a->nfiles > 0 ? a->files[0] : "-";
    if (strcmp(name, "-") == 0) {
	fp = stdin;
	name = "standard input";
    } else if ((fp = fopen(name, "r")) == NULL) {
	fprintf(stderr, "%s: %s: %s\n", rc_cli_progname, name, strerror(errno));
	rc_cli_config_release();
	return (EX_NOINPUT);
    }
    memset(&o, 0, sizeof(o));
    o.progress = isatty(STDERR_FILENO);
    if (o.progress)
	o.total = count_lines(fp);
    clock_gettime(CLOCK_MONOTONIC, &o.t0);

    w.cfg = cfg;
    w.cfgname = cfgname;
    w.hostname = a->hostname;
    w.interface = a->interface;
    fflush(NULL);
    if ((pool = rc_pool_open(a->jobs, batch_work, &w, batch_done, &o)) == NULL) {
	fprintf(stderr, "%s: starting %d workers: %s\n", rc_cli_progname, a->jobs,
		strerror(errno));
	if (fp != stdin)
	    fclose(fp);
	rc_cli_config_release();
	return (EX_OSERR);
    }
    rc = run_batch(pool, fp, name, &o);
    bad = rc_pool_close(pool);
    if (o.progress)
	progress(&o, true);
    if (fp != stdin)
	fclose(fp);
    free(o.lines);
    rc_cli_config_release();
    if (bad)
	fprintf(stderr, "%s: %d worker%s died\n", rc_cli_progname, bad, bad == 1 ? "" : "s");
    if (fflush(stdout) != 0 || ferror(stdout) || o.werr) {
	fprintf(stderr, "%s: writing output: %s\n", rc_cli_progname,
		strerror(o.werr ? o.werr : errno));
	return (EX_IOERR);
    }
    if (rc)
	return (rc);
    return (o.failed ? EX_DATAERR : 0);
}
