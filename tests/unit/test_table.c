/*
 * test_table.c - the check table's own rules: what the engine relies on
 * when it walks the rows (dnscheck/table.h, checkdef.h)
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "dnscheck/table.h"

/* Every [scores] id is reported by exactly one row; so are dnsbl and rhsbl. */
Test(table, every_scored_id_in_one_row)
{
    for (int c = 0; c < RC_CHK_ALLOWLIST; c++) {
	int     rows = 0;

	for (size_t i = 0; i < rc_check_table_len; i++)
	    for (size_t k = 0; k < rc_check_table[i]->nids; k++)
		if (rc_check_table[i]->ids[k] == (RC_CHECK) c)
		    rows++;
	if (c == RC_CHK_RHSBL)
	    cr_expect(eq(int, rows, 2), "rhsbl: the client and the sender lists");
	else
	    cr_expect(eq(int, rows, 1), "%s in %d rows", rc_checkinfo[c].id, rows);
    }
}

/* A client row's result is cached per connection: it must not read the message. */
Test(table, client_rows_read_no_message_fact)
{
    for (size_t i = 0; i < rc_check_table_len; i++) {
	const RC_CHECKDEF *d = rc_check_table[i];

	cr_expect(le(sz, d->nids, (size_t) RC_ROW_MAX_IDS), "%s", d->name);
	cr_expect(d->finish != NULL, "%s has no finish hook", d->name);
	if (d->scope == RC_SCOPE_CLIENT)
	    cr_expect(eq(u32, d->needs & (RC_FACT_SENDER | RC_FACT_SPF), 0),
		      "%s is cached per connection but reads the message", d->name);
    }
}

/* A fact is set by its provider's finish hook: a reader comes after it. */
Test(table, providers_before_their_readers)
{
    for (size_t i = 0; i < rc_check_table_len; i++) {
	const RC_CHECKDEF *d = rc_check_table[i];

	if (d->provides == 0)
	    continue;
	for (size_t j = 0; j < i; j++) {
	    const RC_CHECKDEF *e = rc_check_table[j];

	    cr_expect(not(e->needs & d->provides && e->scope == d->scope),
		      "%s reads what %s provides, but comes first", e->name, d->name);
	}
    }
}

/* The names are unique: they appear in traces and the documentation. */
Test(table, row_names_unique)
{
    for (size_t i = 0; i < rc_check_table_len; i++)
	for (size_t j = i + 1; j < rc_check_table_len; j++)
	    cr_expect(ne(str, (char *) rc_check_table[i]->name,
			 (char *) rc_check_table[j]->name));
}
