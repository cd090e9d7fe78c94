/*
 * args.h - private to the relaycheck command: its command line (see args.c)
 */
#ifndef RC_ARGS_H_INCLUDED
#define RC_ARGS_H_INCLUDED

#include "cli.h"

/*
 * rc_cli_args_parse - argv into *a, every rule of relaycheck(8) checked:
 * a usage error exits with EX_USAGE after a message. Returns -1 when
 * a->mode is to run; otherwise the exit status (--version, --help: 0).
 * rc_cli_args_free() when done.
 */
extern int rc_cli_args_parse(RC_CLI_ARGS *a, int argc, char **argv);

/* rc_cli_args_free - what rc_cli_args_parse() allocated */
extern void rc_cli_args_free(RC_CLI_ARGS *a);

#endif
