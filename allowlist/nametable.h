/*
 * nametable.h - a set of DNS names matched exactly or by parent domain
 *
 * Used for the No Server Check list's `domain` entries (a sender domain and
 * everything below it) and `host` entries ("mx.example" exactly, or
 * ".example" for every name below example). Names are compared without
 * regard to ASCII case and without a trailing dot. Lookup costs one binary
 * search per label of the name looked up.
 */
#ifndef RC_NAMETABLE_H_INCLUDED
#define RC_NAMETABLE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

typedef struct rc_nameentry {
    char       *name;			/* lower case, no leading/trailing dot */
    bool        exact;			/* the name itself matches */
    bool        below;			/* names below it match */
    int         line;
} RC_NAMEENTRY;

typedef struct rc_nametable {
    RC_NAMEENTRY *v;
    size_t      n, cap;
    bool        sealed;
} RC_NAMETABLE;

extern void rc_nametable_init(RC_NAMETABLE *);
extern bool rc_nametable_add(RC_NAMETABLE *, const char *, bool exact, bool below, int line);
extern void rc_nametable_seal(RC_NAMETABLE *);
extern const RC_NAMEENTRY *rc_nametable_lookup(const RC_NAMETABLE *, const char *);
extern void rc_nametable_free(RC_NAMETABLE *);


#endif
