/* cli_sqs — `stratus sqs OPERATION [OPTIONS]`, shaped like `aws sqs`.
 *
 * Each operation is a row of one table: its AWS CLI name (send-message),
 * its AWS action (SendMessage) and its options, each naming the request
 * member it sets and the member's type. Parsing is generic: an option
 * --kebab-case sets the member PascalCase (unless the table says
 * otherwise), its value read in the AWS CLI's forms for the type; the
 * request document goes to st_call and the response document is printed
 * as pretty JSON (4-space indent, like the AWS CLI; nothing for an empty
 * response). */
#ifndef STRATUS_CLI_SQS_H
#define STRATUS_CLI_SQS_H

#include <jansson.h>
#include <stdbool.h>

#include "stratus.h"

/* The type of a request member, which decides the option's value forms. */
enum cli_type {
	CLI_T_STRING,	   /* the argument as is */
	CLI_T_INTEGER,	   /* a decimal integer */
	CLI_T_BOOLEAN,	   /* true | false */
	CLI_T_STRING_LIST, /* one or more args (commas split too), or JSON */
	CLI_T_STRING_MAP,  /* JSON object of strings, or K=V,K2=V2 */
	CLI_T_STRUCT_MAP,  /* JSON object of objects, or K={k=v,..},.. */
	CLI_T_STRUCT_LIST, /* JSON array, or one k=v,.. (or JSON) per arg */
	CLI_T_JSON	   /* JSON only */
};

/* One option of an operation. */
struct cli_member {
	const char *option; /* without "--": "queue-url" */
	const char *member; /* NULL = PascalCase of option ("QueueUrl") */
	enum cli_type type;
	bool required;
	const char *help;
};

#define CLI_SQS_MAX_MEMBERS 12

struct cli_sqs_op {
	const char *name;   /* "send-message" */
	const char *action; /* "SendMessage" */
	const char *summary;
	struct cli_member members[CLI_SQS_MAX_MEMBERS]; /* ends at NULL */
	/* Paginated (the response can carry a NextToken): the list member
	 * merged across pages ("QueueUrls"); NULL otherwise. */
	const char *page_result;
};

/* The operation called name, or NULL. */
const struct cli_sqs_op *cli_sqs_find(const char *name);

/* A usage error: AWS-style name and message. */
struct cli_sqs_error {
	char name[64];
	char message[512];
};

/* Build op's request document from its options argv[0..argc) (borrowed).
 * Returns 0 with *input owned (json_decref) and *queue_name NULL, or
 * borrowed from argv when --queue-name was given for an operation that
 * takes a queue URL (the caller resolves it and sets QueueUrl). Else -1
 * with e filled: "InvalidParameterValue" (unknown option, a value of the
 * wrong form), "MissingParameter" (required option missing, no value). */
int cli_sqs_build(const struct cli_sqs_op *op, int argc, char *const *argv,
		  json_t **input, const char **queue_name,
		  struct cli_sqs_error *e);

/* Exit statuses of `stratus sqs`: the AWS CLI v2's return codes. */
#define CLI_SQS_EXIT_USAGE   252 /* bad syntax, option or value */
#define CLI_SQS_EXIT_SERVICE 254 /* the cluster answered with an error */
#define CLI_SQS_EXIT_OTHER   255 /* no answer (timeout, unreachable), other */

/* The CLI's client, opened on first use; NULL with *status an exit status
 * (the error already printed). */
typedef st_client *(*cli_client_fn)(void *ctx, int *status);

struct cli_globals; /* cli_globals.h */

/* Run `stratus sqs ARGS`: argv[0] is the operation (or "help"; absent:
 * the list of operations), the rest its options, with the global options
 * already taken out into g (borrowed; cli_globals_take): --output json|text
 * picks the output format, --query a JMESPath expression applied to the
 * response before it is formatted, --no-paginate one call as given; a
 * malformed global option (g->error) is reported here, as a usage error.
 * Paginated operations take --max-items N, --starting-token T and
 * --page-size N anywhere after the operation (see cli_paging.h). Returns
 * the exit status: 0, or CLI_SQS_EXIT_*. */
int cli_sqs_main(cli_client_fn client, void *ctx, int argc, char **argv,
		 const struct cli_globals *g);

#endif
