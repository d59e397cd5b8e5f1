/* cli_paging — the AWS CLI v2's automatic paging for `stratus sqs`
 * operations whose responses carry a NextToken (list-queues,
 * list-dead-letter-source-queues).
 *
 * By default the CLI follows NextToken to the end and prints one merged
 * response: the first page's other members, the result lists of every
 * page concatenated, no NextToken. --page-size N sets MaxResults on each
 * call; --max-items N stops after N items and adds a NextToken of the
 * CLI's own (base64 of {"NextToken": server token, "boto_truncate_amount":
 * items of that page already printed}) that --starting-token takes back
 * to resume exactly after the last item printed. */
#ifndef STRATUS_CLI_PAGING_H
#define STRATUS_CLI_PAGING_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The paging options of one command. */
struct cli_paging {
	bool no_paginate;	    /* --no-paginate: one call, as given */
	long long max_items;	    /* --max-items; 0: no cap */
	long long page_size;	    /* --page-size; 0: the server's default */
	const char *starting_token; /* --starting-token (borrowed); NULL */
};

/* Fetch one page: send request (borrowed) and return 0 with *page owned,
 * or an exit status (the error already printed). */
typedef int (*cli_page_fn)(void *ctx, json_t *request, json_t **page);

/* A resume token for starting at the server's next_token (NULL: the
 * first page) after skip items. Returns owned (free), NULL out of
 * memory. */
char *cli_paging_token_encode(const char *next_token, long long skip);

/* Decode a token from cli_paging_token_encode: 0 with *next_token owned
 * (free; NULL for the first page) and *skip set, or -1 (not a token of
 * ours) with errmsg filled. */
int cli_paging_token_decode(const char *token, char **next_token,
			    long long *skip, char *errmsg, size_t errlen);

/* Run the pages of a paginated call: input (borrowed) is the request
 * document; result_key the response list merged across pages. Returns 0
 * with *pages owned: a JSON array of the page documents as printed (the
 * first with the response's other members, each with result_key cut to
 * what --starting-token and --max-items leave; no NextToken), and
 * *resume owned (free) or NULL: the token to print when --max-items
 * stopped before the end. Else an exit status, the error printed:
 * fetch's own, CLI_EXIT_USAGE for a --starting-token that is not ours,
 * CLI_SQS_EXIT_OTHER for a server that hands the same NextToken twice. */
int cli_paging_run(const struct cli_paging *pg, const char *result_key,
		   json_t *input, cli_page_fn fetch, void *ctx, json_t **pages,
		   char **resume);

/* The one merged response of pages (borrowed, from cli_paging_run): the
 * first page's members, result_key concatenated over the pages (absent
 * when no page had it), and NextToken: resume when not NULL. Returns
 * owned, NULL out of memory. */
json_t *cli_paging_merge(json_t *pages, const char *result_key,
			 const char *resume);

#endif
