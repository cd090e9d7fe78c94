/*
 * table.h - the check table: every check's row, in Report order
 *
 * The engine walks this table: it starts the rows in this order (those
 * that wait last), and adds their findings in this order, the client rows
 * (RC_SCOPE_CLIENT, kept per connection) before the message rows. A check
 * is added by writing its file, which defines its row (checkdef.h), and
 * naming the row once in table.c.
 */
#ifndef RC_TABLE_H_INCLUDED
#define RC_TABLE_H_INCLUDED

#include <stddef.h>

#include "checkdef.h"

#define RC_TABLE_MAX	16		/* rows, for the engine's per-run arrays */

extern const RC_CHECKDEF *const rc_check_table[];
extern const size_t rc_check_table_len;

#endif
