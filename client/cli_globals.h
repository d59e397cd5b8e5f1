/* cli_globals — the stratus CLI's global options, taken out of the command
 * line in one place wherever they appear (before the command, after the
 * operation, between its options; up to a "--"), as the AWS CLI allows:
 * `stratus --output text --query 'QueueUrls[0]' sqs list-queues` is
 * `stratus sqs list-queues --output text --query 'QueueUrls[0]'`.
 *
 * stratus's own: --endpoints A,B,C, --timeout-ms N, --help (-h). The AWS
 * CLI's, used by `stratus sqs` only: --output json|text, --query EXPR
 * (compiled here, so a malformed one is refused before any call) and
 * --no-paginate. Paging options that are per operation in the AWS CLI
 * (--max-items, --starting-token, --page-size) are not global: cli_sqs.c
 * takes them for the operations that page. */
#ifndef STRATUS_CLI_GLOBALS_H
#define STRATUS_CLI_GLOBALS_H

#include <stdbool.h>

#include "cli_sqs.h"
#include "jmespath.h"

struct cli_globals {
	const char *endpoints;	/* --endpoints (borrowed); NULL: not given */
	unsigned timeout_ms;	/* --timeout-ms; 0: not given */
	bool help;		/* --help or -h */
	bool text;		/* --output text (json: false) */
	const char *query_src;	/* --query (borrowed); NULL: not given */
	struct jmespath *query; /* compiled --query (owned); NULL: none */
	bool no_paginate;	/* --no-paginate */
	/* The first of --output, --query, --no-paginate given (for the
	 * commands that have no use for them); NULL: none. */
	const char *aws_option;
	/* The first malformed global option: error.name[0] != '\0'. */
	struct cli_sqs_error error;
};

/* Take the global options out of argv[1..*argc) (in place, the rest kept
 * in order; *argc shrinks, argv[*argc] = NULL) into g (zeroed first; free
 * with cli_globals_free). A malformed one does not stop the scan, so the
 * command and operation still end up in argv[1] and argv[2] and the caller
 * can report the error with the command's exit status: returns 0, or -1
 * with g->error filled ("MissingParameter": no value;
 * "InvalidParameterValue": --timeout-ms not a positive number of ms, an
 * --output other than json or text, a --query that does not compile). A
 * later value of the same option replaces an earlier one. */
int cli_globals_take(struct cli_globals *g, int *argc, char **argv);

/* For commands other than `stratus sqs`: report a global option error, or
 * an AWS-style option (--output, --query, --no-paginate) they do not take,
 * as a usage error of help_cmd. Returns the exit status, or -1 when there
 * is nothing to report. */
int cli_globals_refuse(const struct cli_globals *g, const char *help_cmd);

/* Release what g owns (the compiled --query). */
void cli_globals_free(struct cli_globals *g);

#endif
