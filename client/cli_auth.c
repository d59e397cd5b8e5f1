/* cli_auth — `stratus auth OPERATION` (see cli_auth.h): the operation
 * table, help, and running one operation against the "auth" service. */
#include "cli_auth.h"

#include "cli_globals.h"
#include "cli_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct cli_sqs_op auth_ops[] = {
    {"create-key",
     "CreateAccessKey",
     "Create an access key; the only time its secret is shown.",
     {{NULL}}},
    {"list-keys",
     "ListAccessKeys",
     "List the access keys (ids, status, creation dates; never secrets).",
     {{NULL}}},
    {"delete-key",
     "DeleteAccessKey",
     "Delete an access key.",
     {{"access-key-id", NULL, CLI_T_STRING, true, "the key's id (AKIA...)"}}},
    {NULL},
};

static const struct cli_sqs_op *find_op(const char *name)
{
	for (const struct cli_sqs_op *op = auth_ops; op->name; op++)
		if (strcmp(op->name, name) == 0)
			return op;
	return NULL;
}

static void help_ops(FILE *f)
{
	fprintf(f,
		"usage: stratus auth OPERATION [OPTIONS]\n\n"
		"The cluster's access keys (like 'aws iam "
		"create-access-key' and friends).\nWith no keys the "
		"cluster accepts unsigned requests; with at least one,\n"
		"every request must be signed by one of them (the CLI "
		"signs with\nSTRATUS_ACCESS_KEY_ID/STRATUS_SECRET_ACCESS_KEY "
		"or AWS_ACCESS_KEY_ID/\nAWS_SECRET_ACCESS_KEY).\n\n"
		"Operations:\n");
	for (const struct cli_sqs_op *op = auth_ops; op->name; op++)
		fprintf(f, "  %-12s %s\n", op->name, op->summary);
	fprintf(f,
		"\nSee 'stratus auth OPERATION --help' for its options.\n"
		"Output: the response document as JSON (nothing when it is "
		"empty); errors:\n"
		"{\"Error\":{\"Name\",\"Message\"}} on stderr, exit status 1 "
		"(2 for usage errors).\n");
}

static void help_op(FILE *f, const struct cli_sqs_op *op)
{
	fprintf(f, "usage: stratus auth %s", op->name);
	for (const struct cli_member *m = op->members; m->option; m++)
		fprintf(f, " %s--%s S%s", m->required ? "" : "[", m->option,
			m->required ? "" : "]");
	fprintf(f, "\n\n%s (%s)\n", op->summary, op->action);
	if (op->members[0].option != NULL)
		fprintf(f, "\nOptions:\n");
	for (const struct cli_member *m = op->members; m->option; m++)
		fprintf(f, "  --%-20s %s%s\n", m->option, m->help,
			m->required ? " (required)" : "");
	fprintf(f, "\nGlobal options: --endpoints A,B,C, --timeout-ms N (see "
		   "'stratus --help').\n");
}

/* The members of an access key in the order `aws iam` prints them (the
 * service's documents come with sorted keys). Takes ownership of k;
 * returns a new reference (k itself when it is not an object). */
static json_t *key_in_aws_order(json_t *k)
{
	static const char *const order[] = {"AccessKeyId", "SecretAccessKey",
					    "Status", "CreateDate"};
	json_t *o = json_object();
	const char *name;
	json_t *v;

	if (!json_is_object(k) || o == NULL) {
		json_decref(o);
		return k;
	}
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		if ((v = json_object_get(k, order[i])) != NULL)
			json_object_set(o, order[i], v);
	json_object_foreach(k, name, v)
	{
		if (json_object_get(o, name) == NULL)
			json_object_set(o, name, v);
	}
	json_decref(k);
	return o;
}

static void aws_order(json_t *doc)
{
	json_t *k = json_object_get(doc, "AccessKey");
	json_t *list = json_object_get(doc, "AccessKeyMetadata");
	size_t i;

	if (k != NULL)
		json_object_set_new(doc, "AccessKey",
				    key_in_aws_order(json_incref(k)));
	for (i = 0; i < json_array_size(list); i++)
		json_array_set_new(
		    list, i,
		    key_in_aws_order(json_incref(json_array_get(list, i))));
}

static int run_op(const struct cli_sqs_op *op, cli_client_fn client, void *ctx,
		  json_t *input)
{
	st_error err;
	int status = 0;
	char *in, *out = NULL;

	st_client *c = client(ctx, &status);
	if (c == NULL)
		return status;
	if ((in = json_dumps(input, JSON_COMPACT)) == NULL)
		return cli_json_fail("InternalFailure", "out of memory");
	int rc = st_call(c, "auth", op->action, in, &out, &err);
	free(in);
	if (rc != 0)
		return cli_json_fail_err(&err);

	json_error_t jerr;
	json_t *doc = json_loads(out, JSON_DECODE_ANY, &jerr);
	st_free(out);
	if (doc == NULL)
		return cli_json_fail("SerializationException",
				     "auth %s: the response is not JSON: %s",
				     op->action, jerr.text);
	/* Like aws: an empty response (delete-key) prints nothing. */
	if (json_is_object(doc) && json_object_size(doc) == 0) {
		json_decref(doc);
		return CLI_EXIT_OK;
	}
	aws_order(doc);
	return cli_json_print_indent(doc, 4);
}

int cli_auth_main(cli_client_fn client, void *ctx, int argc, char **argv,
		  const struct cli_globals *g)
{
	const struct cli_sqs_op *op = argc >= 1 ? find_op(argv[0]) : NULL;
	char help_cmd[64];

	snprintf(help_cmd, sizeof help_cmd, "auth %s%s", op ? op->name : "",
		 op ? " " : "");
	int refused = cli_globals_refuse(g, help_cmd);
	if (refused >= 0)
		return refused;
	if (argc < 1 || strcmp(argv[0], "help") == 0) {
		help_ops(g->help || argc >= 1 ? stdout : stderr);
		return g->help || argc >= 1 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	}
	if (op == NULL)
		return cli_json_usage("InvalidAction", "auth ",
				      "unknown operation 'auth %s'", argv[0]);
	if (g->help) {
		help_op(stdout, op);
		return CLI_EXIT_OK;
	}

	json_t *input;
	const char *queue_name;
	struct cli_sqs_error e;
	if (cli_sqs_build(op, argc - 1, argv + 1, &input, &queue_name, &e) != 0)
		return cli_json_usage(e.name, help_cmd, "%s", e.message);
	int status = run_op(op, client, ctx, input);
	json_decref(input);
	return status;
}
