/* cli_auth — `stratus auth OPERATION [OPTIONS]`: the cluster's access keys,
 * shaped like the access-key commands of `aws iam`:
 *   stratus auth create-key                       (CreateAccessKey)
 *   stratus auth list-keys                        (ListAccessKeys)
 *   stratus auth delete-key --access-key-id ID    (DeleteAccessKey)
 * Each calls the replicated "auth" service with st_call and prints the
 * response document as pretty JSON (4-space indent, like the AWS CLI;
 * nothing for an empty response). Options are parsed as for `stratus sqs`
 * (cli_sqs_build), so --opt=VALUE, file:// and --cli-input-json work. */
#ifndef STRATUS_CLI_AUTH_H
#define STRATUS_CLI_AUTH_H

#include <stdbool.h>

#include "cli_sqs.h"

/* Run `stratus auth ARGS`: argv[0] is the operation (or "help"; absent:
 * the list of operations), the rest its options; g (borrowed) holds the
 * global options taken out of the line (cli_globals_take): a malformed one
 * (g->error), or --output / --query / --no-paginate, which only `stratus
 * sqs` takes, is a usage error. Returns the exit status (CLI_EXIT_*). */
int cli_auth_main(cli_client_fn client, void *ctx, int argc, char **argv,
		  const struct cli_globals *g);

#endif
