/*
 * nametable.c - sorted name table with parent-domain lookup
 */
#include "nametable.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
rc_nametable_init(RC_NAMETABLE *t)
{
    memset(t, 0, sizeof(*t));
}

/* rc_nametable_add - copy the name, lower-cased */

bool
rc_nametable_add(RC_NAMETABLE *t, const char *name, bool exact, bool below, int line)
{
    char   *copy;

    if (t->n == t->cap) {
	size_t  ncap = t->cap ? 2 * t->cap : 16;
	RC_NAMEENTRY *nv = realloc(t->v, ncap * sizeof(*nv));

	if (nv == NULL)
	    return (false);
	t->v = nv;
	t->cap = ncap;
    }
    if ((copy = strdup(name)) == NULL)
	return (false);
    for (char *p = copy; *p; p++)
	*p = (char) tolower((unsigned char) *p);
    t->v[t->n].name = copy;
    t->v[t->n].exact = exact;
    t->v[t->n].below = below;
    t->v[t->n].line = line;
    t->n++;
    t->sealed = false;
    return (true);
}

static int
entry_cmp(const void *x, const void *y)
{
    const RC_NAMEENTRY *a = x, *b = y;

    return (strcmp(a->name, b->name));
}

/* rc_nametable_seal - sort and merge duplicates (their flags add up) */

void
rc_nametable_seal(RC_NAMETABLE *t)
{
    size_t  out = 0;

    if (t->n > 1)
	qsort(t->v, t->n, sizeof(*t->v), entry_cmp);
    for (size_t i = 0; i < t->n; i++) {
	if (out > 0 && strcmp(t->v[out - 1].name, t->v[i].name) == 0) {
	    t->v[out - 1].exact |= t->v[i].exact;
	    t->v[out - 1].below |= t->v[i].below;
	    free(t->v[i].name);
	    continue;
	}
	t->v[out++] = t->v[i];
    }
    t->n = out;
    t->sealed = true;
}

/* find - exact binary search on a name of known length (case-insensitive) */

static const RC_NAMEENTRY *
find(const RC_NAMETABLE *t, const char *name, size_t len)
{
    size_t  lo = 0, hi = t->n;

    while (lo < hi) {
	size_t  mid = lo + (hi - lo) / 2;
	const char *e = t->v[mid].name;
	int     c = strncasecmp(e, name, len);

	if (c == 0 && e[len] != 0)
	    c = 1;
	/* strncasecmp folds to lower case, as the stored names are */
	if (c == 0)
	    return (&t->v[mid]);
	if (c < 0)
	    lo = mid + 1;
	else
	    hi = mid;
    }
    return (NULL);
}

/* rc_nametable_lookup - the entry matching the name itself or a parent */

const RC_NAMEENTRY *
rc_nametable_lookup(const RC_NAMETABLE *t, const char *name)
{
    size_t  len = strlen(name);
    const RC_NAMEENTRY *e;

    if (!t->sealed || t->n == 0 || len == 0)
	return (NULL);
    /*
     * A name from DNS in presentation form may hold escapes ("a\.b" is one
     * label): splitting it at its dots would match a parent it does not
     * have. No list entry can be such a name, so it matches nothing.
     */
    if (memchr(name, '\\', len) != NULL)
	return (NULL);
    if (name[len - 1] == '.')
	len--;
    if (len == 0)
	return (NULL);
    if ((e = find(t, name, len)) != NULL && e->exact)
	return (e);
    for (size_t i = 0; i < len; i++) {
	if (name[i] != '.')
	    continue;
	if ((e = find(t, name + i + 1, len - i - 1)) != NULL && e->below)
	    return (e);
    }
    return (NULL);
}

void
rc_nametable_free(RC_NAMETABLE *t)
{
    for (size_t i = 0; i < t->n; i++)
	free(t->v[i].name);
    free(t->v);
    rc_nametable_init(t);
}
