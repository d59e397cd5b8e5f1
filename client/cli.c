/* cli — the stratus command-line client, shaped like the AWS CLI.
 *
 *   stratus [--endpoints A,B,C] [--timeout-ms N] FAMILY OPERATION [ARGS]
 *
 * The global options (cli_globals.c: these two, --help, and the AWS CLI's
 * --output, --query and --no-paginate, which `stratus sqs` takes) may
 * appear anywhere on the line; they are taken out of argv in one place
 * before the command is looked up.
 * Command families (kv, cluster, sqs; later sns, ...) are rows of one
 * table, each with its own table of operations; an operation declares its
 * positional arguments and its flags, so parsing, validation and --help are
 * generic. Adding a family is adding a table. AWS-compatible services
 * (sqs: cli_sqs.c) bring their own generic parser instead, which maps
 * AWS CLI options onto the action's request document. Results are JSON on
 * stdout; errors are {"Error":{"Name","Message"}} on stderr with exit
 * status 1 (2 for usage errors) — except `stratus sqs`, which exits like
 * the AWS CLI v2 (254 service error, 252 usage, 255 other). */
#include "cli_auth.h"
#include "cli_globals.h"
#include "cli_json.h"
#include "cli_sqs.h"
#include "stratus.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_ENDPOINTS                                                      \
	"tcp://127.0.0.1:7111,tcp://127.0.0.1:7121,tcp://127.0.0.1:7131"
#define CLI_MAX_OPTS 8
#define CLI_MAX_POS  4

/* A flag of an operation: "--name ARG" (or "--name=ARG"), or a switch
 * "--name" when arg is NULL. */
struct cli_opt {
	const char *name;
	const char *arg; /* metavar for help: "N", "ADDR"; NULL = switch */
	bool required;
	const char *help;
};

/* Parsed arguments of one operation: value[i] for opts[i] (NULL when not
 * given; "" for a given switch), and the positionals. All borrowed from
 * argv. */
struct cli_args {
	const char *value[CLI_MAX_OPTS];
	const char *pos[CLI_MAX_POS];
	int n_pos;
};

struct cli; /* the run-time context */

struct cli_op {
	const char *name;
	const char *summary;
	const char *synopsis;		   /* positionals, e.g. "KEY VALUE" */
	int n_pos;			   /* exactly this many positionals */
	struct cli_opt opts[CLI_MAX_OPTS]; /* ends at name == NULL */
	int (*run)(struct cli *cli, const struct cli_args *a);
};

struct cli_family {
	const char *name;
	const char *summary;
	const struct cli_op *ops; /* ends at name == NULL */
	/* Instead of ops: a family that parses its own operations (sqs:
	 * AWS-style options mapped to a request document). argv[0] is the
	 * operation, if any; g the global options, reported by the family
	 * when malformed (its own exit status); returns the exit status. */
	int (*main)(struct cli *cli, int argc, char **argv,
		    const struct cli_globals *g);
};

struct cli {
	const char *endpoints;
	unsigned timeout_ms; /* 0 = library defaults */
	st_client *client;   /* opened on first use */
	const struct cli_family *family;
	const struct cli_op *op;
};

/* ---- helpers ------------------------------------------------------------- */

static st_client *cli_client(struct cli *cli, int *status)
{
	st_options o = {0};
	st_error err;

	if (cli->client != NULL)
		return cli->client;
	if (cli->timeout_ms > 0) {
		/* --timeout-ms bounds the whole command: every retry fits
		 * in it; one attempt gets at most the library default. */
		o.retry_deadline_ms = cli->timeout_ms;
		o.request_timeout_ms =
		    cli->timeout_ms < 5000 ? cli->timeout_ms : 5000;
		o.status_timeout_ms =
		    cli->timeout_ms < 1000 ? cli->timeout_ms : 1000;
	}
	/* The cluster's access keys (`stratus auth create-key`): ours first,
	 * then the AWS CLI's variables, so one key pair serves both. */
	o.access_key_id = getenv("STRATUS_ACCESS_KEY_ID");
	o.secret_access_key = getenv("STRATUS_SECRET_ACCESS_KEY");
	if (o.access_key_id == NULL || o.secret_access_key == NULL) {
		o.access_key_id = getenv("AWS_ACCESS_KEY_ID");
		o.secret_access_key = getenv("AWS_SECRET_ACCESS_KEY");
	}
	/* TLS endpoints (tls+tcp://): the cluster CA, and a client
	 * certificate where the cluster wants one. */
	o.tls_ca_file = getenv("STRATUS_CA");
	o.tls_cert_file = getenv("STRATUS_CLIENT_CERT");
	o.tls_key_file = getenv("STRATUS_CLIENT_KEY");
	cli->client = st_client_new(cli->endpoints, &o, &err);
	if (cli->client == NULL)
		*status = cli_json_fail_err(&err);
	return cli->client;
}

/* Parse an unsigned integer option; *ok false on garbage. */
static uint64_t parse_u64(const char *s, bool *ok)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	*ok = *s != '\0' && *s != '-' && *end == '\0' && errno == 0;
	return v;
}

static int op_usage_error(const struct cli *cli, const char *name,
			  const char *fmt, const char *arg)
{
	char help[128];
	snprintf(help, sizeof help, "%s %s ", cli->family->name, cli->op->name);
	return cli_json_usage(name, help, fmt, arg);
}

static int int_opt(const struct cli *cli, const char *flag, const char *s,
		   uint64_t max, uint64_t *out)
{
	bool ok;
	*out = parse_u64(s, &ok);
	if (!ok || *out > max) {
		char help[128];
		snprintf(help, sizeof help, "%s %s ", cli->family->name,
			 cli->op->name);
		return cli_json_usage(
		    "InvalidParameterValue", help,
		    "--%s: '%s' is not an integer in 0..%" PRIu64, flag, s,
		    max);
	}
	return 0;
}

/* ---- kv ------------------------------------------------------------------ */

static int kv_put(struct cli *cli, const struct cli_args *a)
{
	st_error err;
	int status = 0;
	st_client *c = cli_client(cli, &status);

	if (c == NULL)
		return status;
	if (st_kv_put(c, a->pos[0], a->pos[1], strlen(a->pos[1]), &err) != 0)
		return cli_json_fail_err(&err);
	json_t *out = json_object();
	if (out != NULL)
		cli_json_set_bytes(out, "Key", a->pos[0], strlen(a->pos[0]));
	return cli_json_print(out);
}

static int kv_get(struct cli *cli, const struct cli_args *a)
{
	st_error err;
	int status = 0;
	st_client *c = cli_client(cli, &status);
	void *value;
	size_t len;
	bool found;

	if (c == NULL)
		return status;
	if (st_kv_get(c, a->pos[0], &value, &len, &found, &err) != 0)
		return cli_json_fail_err(&err);
	if (!found)
		return cli_json_fail(st_code_name(ST_ERR_NOT_FOUND),
				     "kv get: key '%s' does not exist",
				     a->pos[0]);
	json_t *out = json_object();
	if (out != NULL) {
		cli_json_set_bytes(out, "Key", a->pos[0], strlen(a->pos[0]));
		cli_json_set_bytes(out, "Value", value, len);
	}
	st_free(value);
	return cli_json_print(out);
}

static int kv_delete(struct cli *cli, const struct cli_args *a)
{
	st_error err;
	int status = 0;
	st_client *c = cli_client(cli, &status);

	if (c == NULL)
		return status;
	if (st_kv_delete(c, a->pos[0], &err) != 0)
		return cli_json_fail_err(&err);
	json_t *out = json_object();
	if (out != NULL)
		cli_json_set_bytes(out, "Key", a->pos[0], strlen(a->pos[0]));
	return cli_json_print(out);
}

/* Like the AWS CLI: without --max-items, page through everything; with it,
 * stop after that many items and print a NextToken to resume from. */
static int kv_list(struct cli *cli, const struct cli_args *a)
{
	const char *prefix = a->value[0] ? a->value[0] : "";
	uint64_t max_items = 0; /* 0 = all */
	const uint32_t page = 1000;
	char *token = a->value[2] ? strdup(a->value[2]) : NULL;
	st_error err;
	int status = 0;

	if (a->value[1] != NULL &&
	    (status = int_opt(cli, "max-items", a->value[1], UINT32_MAX,
			      &max_items)) != 0)
		goto out_token;
	st_client *c = cli_client(cli, &status);
	if (c == NULL)
		goto out_token;
	json_t *out = json_object(), *items = json_array();
	if (out == NULL || items == NULL ||
	    json_object_set_new(out, "Items", items) != 0) {
		json_decref(out);
		status = cli_json_fail("InternalFailure", "out of memory");
		goto out_token;
	}
	uint64_t n_out = 0;
	do {
		uint32_t limit = page;
		if (max_items > 0 && max_items - n_out < limit)
			limit = (uint32_t)(max_items - n_out);
		st_kv_item *got;
		size_t n;
		char *next;
		if (st_kv_list(c, prefix, token, limit, &got, &n, &next,
			       &err) != 0) {
			json_decref(out);
			status = cli_json_fail_err(&err);
			goto out_token;
		}
		for (size_t i = 0; i < n; i++) {
			json_t *item = json_object();
			if (item == NULL || json_array_append_new(items, item))
				break;
			cli_json_set_bytes(item, "Key", got[i].key,
					   strlen(got[i].key));
			cli_json_set_bytes(item, "Value", got[i].value,
					   got[i].value_len);
		}
		n_out += n;
		st_kv_items_free(got, n);
		free(token);
		token = next;
	} while (token != NULL && (max_items == 0 || n_out < max_items));
	if (token != NULL)
		json_object_set_new(out, "NextToken", json_string(token));
	status = cli_json_print(out);
out_token:
	free(token);
	return status;
}

static const struct cli_op kv_ops[] = {
    {.name = "put",
     .summary = "Store VALUE under KEY.",
     .synopsis = "KEY VALUE",
     .n_pos = 2,
     .run = kv_put},
    {.name = "get",
     .summary = "Read KEY (ResourceNotFoundException when missing).",
     .synopsis = "KEY",
     .n_pos = 1,
     .run = kv_get},
    {.name = "delete",
     .summary = "Delete KEY.",
     .synopsis = "KEY",
     .n_pos = 1,
     .run = kv_delete},
    {.name = "list",
     .summary = "List keys in order.",
     .synopsis = "",
     .n_pos = 0,
     .opts = {{"prefix", "P", false, "only keys starting with P"},
	      {"max-items", "N", false,
	       "at most N items, then a NextToken (default: all)"},
	      {"starting-token", "T", false,
	       "resume after a previous NextToken"}},
     .run = kv_list},
    {0},
};

/* ---- cluster ------------------------------------------------------------- */

static json_t *node_json(const st_node_info *n)
{
	json_t *o = json_object();
	char digest[17];

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "Id", json_integer((json_int_t)n->id));
	json_object_set_new(o, "RaftAddress", json_string(n->raft_address));
	json_object_set_new(o, "ClientAddress", json_string(n->client_address));
	json_object_set_new(o, "HttpAddress", json_string(n->http_address));
	json_object_set_new(o, "Role", json_string(n->role));
	json_object_set_new(o, "VoterRole", json_string(n->voter_role));
	if (n->reachable) {
		json_object_set_new(o, "Term",
				    json_integer((json_int_t)n->term));
		json_object_set_new(o, "CommitIndex",
				    json_integer((json_int_t)n->commit_index));
		json_object_set_new(o, "AppliedIndex",
				    json_integer((json_int_t)n->applied_index));
		json_object_set_new(o, "LastIndex",
				    json_integer((json_int_t)n->last_index));
		json_object_set_new(o, "LeaderId",
				    json_integer((json_int_t)n->leader_id));
		snprintf(digest, sizeof digest, "%016" PRIx64, n->digest);
		json_object_set_new(o, "Digest", json_string(digest));
		snprintf(digest, sizeof digest, "%016" PRIx64,
			 n->content_digest);
		json_object_set_new(o, "ContentDigest", json_string(digest));
	}
	json_object_set_new(o, "Reachable", json_boolean(n->reachable));
	if (n->lag >= 0)
		json_object_set_new(o, "Lag", json_integer(n->lag));
	return o;
}

static int cluster_status(struct cli *cli, const struct cli_args *a)
{
	st_cluster_view *view;
	st_error err;
	int status = 0;
	st_client *c = cli_client(cli, &status);

	if (c == NULL)
		return status;
	if (st_cluster_status(c, &view, &err) != 0)
		return cli_json_fail_err(&err);
	json_t *out = json_object(), *nodes = json_array();
	if (out != NULL && nodes != NULL) {
		json_object_set_new(out, "LeaderId",
				    json_integer((json_int_t)view->leader_id));
		json_object_set(out, "Nodes", nodes);
		for (size_t i = 0; i < view->n_nodes; i++)
			json_array_append_new(nodes,
					      node_json(&view->nodes[i]));
	}
	json_decref(nodes);
	st_cluster_status_free(view);
	return cli_json_print(out);
}

static int cluster_add_node(struct cli *cli, const struct cli_args *a)
{
	uint64_t id;
	st_error err;
	int status;

	if ((status = int_opt(cli, "id", a->value[0], INT64_MAX, &id)) != 0)
		return status;
	st_client *c = cli_client(cli, &status);
	if (c == NULL)
		return status;
	bool voter = a->value[4] == NULL;
	if (st_cluster_add_node(c, id, a->value[1], a->value[2],
				a->value[3] ? a->value[3] : "", voter,
				&err) != 0)
		return cli_json_fail_err(&err);
	return cli_json_print(
	    json_pack("{s:I,s:b}", "Id", (json_int_t)id, "Voter", voter));
}

static int cluster_remove_node(struct cli *cli, const struct cli_args *a)
{
	uint64_t id;
	st_error err;
	int status;

	if ((status = int_opt(cli, "id", a->value[0], INT64_MAX, &id)) != 0)
		return status;
	st_client *c = cli_client(cli, &status);
	if (c == NULL)
		return status;
	if (st_cluster_remove_node(c, id, &err) != 0)
		return cli_json_fail_err(&err);
	return cli_json_print(json_pack("{s:I}", "Id", (json_int_t)id));
}

static int cluster_transfer_leader(struct cli *cli, const struct cli_args *a)
{
	uint64_t id = 0;
	st_error err;
	int status;

	if (a->value[0] != NULL &&
	    (status = int_opt(cli, "id", a->value[0], INT64_MAX, &id)) != 0)
		return status;
	st_client *c = cli_client(cli, &status);
	if (c == NULL)
		return status;
	if (st_cluster_transfer_leader(c, id, &err) != 0)
		return cli_json_fail_err(&err);
	return cli_json_print(json_pack("{s:I}", "TargetId", (json_int_t)id));
}

static const struct cli_op cluster_ops[] = {
    {.name = "status",
     .summary = "Every member's own status (asks each node directly).",
     .synopsis = "",
     .run = cluster_status},
    {.name = "add-node",
     .summary = "Add a node (as a voter once caught up, unless "
		"--no-voter).",
     .synopsis = "",
     .opts = {{"id", "N", true, "the new node's id"},
	      {"raft-address", "ADDR", true,
	       "its raft address, tcp://HOST:PORT"},
	      {"client-address", "ADDR", true,
	       "its client address, tcp://HOST:PORT"},
	      {"http-address", "ADDR", false, "its HTTP address, HOST:PORT"},
	      {"no-voter", NULL, false, "keep it a spare (no vote)"}},
     .run = cluster_add_node},
    {.name = "remove-node",
     .summary = "Remove a node from the cluster.",
     .synopsis = "",
     .opts = {{"id", "N", true, "the node to remove"}},
     .run = cluster_remove_node},
    {.name = "transfer-leader",
     .summary = "Hand leadership to another node.",
     .synopsis = "",
     .opts = {{"id", "N", false,
	       "the node to lead (default: let raft choose)"}},
     .run = cluster_transfer_leader},
    {0},
};

/* ---- admin: backup and restore ------------------------------------------ */

/* Read a whole file into a malloc'd buffer; 0, or the exit status of a
 * printed error. */
static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	size_t n = 0, cap = 0;

	if (f == NULL)
		return cli_json_fail("InvalidParameterValue", "%s: %s", path,
				     strerror(errno));
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1 << 20;
			uint8_t *nb = realloc(b, cap);
			if (nb == NULL) {
				free(b);
				fclose(f);
				return cli_json_fail("InternalFailure",
						     "%s: out of memory", path);
			}
			b = nb;
		}
		size_t got = fread(b + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno;
		free(b);
		fclose(f);
		return cli_json_fail("InvalidParameterValue", "%s: %s", path,
				     strerror(e));
	}
	fclose(f);
	*buf = b;
	*len = n;
	return 0;
}

/* Write buf to path through a temporary file renamed into place, so a
 * failed backup never leaves a half-written file under the name. */
static int write_file(const char *path, const void *buf, size_t len)
{
	char tmp[4096];
	FILE *f;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return cli_json_fail("InvalidParameterValue",
				     "%s: path too long", path);
	f = fopen(tmp, "wb");
	if (f == NULL)
		return cli_json_fail("InvalidParameterValue", "%s: %s", tmp,
				     strerror(errno));
	if (fwrite(buf, 1, len, f) != len || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0) {
		int e = errno;
		fclose(f);
		unlink(tmp);
		return cli_json_fail("InternalFailure", "%s: %s", tmp,
				     strerror(e));
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return cli_json_fail("InternalFailure", "%s: %s", path,
				     strerror(e));
	}
	return 0;
}

static json_t *backup_info_json(const st_backup_info *info, const char *file)
{
	char digest[17];

	snprintf(digest, sizeof digest, "%016" PRIx64, info->content_digest);
	json_t *o = json_pack(
	    "{s:I,s:I,s:I,s:s}", "AppliedIndex",
	    (json_int_t)info->applied_index, "Term", (json_int_t)info->term,
	    "Bytes", (json_int_t)info->total_bytes, "ContentDigest", digest);
	if (o != NULL && file != NULL)
		json_object_set_new(o, "File", json_string(file));
	if (o != NULL && info->created_ms != 0)
		json_object_set_new(o, "CreatedMs",
				    json_integer((json_int_t)info->created_ms));
	if (o != NULL && info->node_id != 0)
		json_object_set_new(o, "NodeId",
				    json_integer((json_int_t)info->node_id));
	return o;
}

static int admin_snapshot(struct cli *cli, const struct cli_args *a)
{
	st_backup_info info;
	st_error err;
	void *file;
	size_t len;
	int status = 0;
	st_client *c = cli_client(cli, &status);

	if (c == NULL)
		return status;
	if (st_admin_backup(c, &file, &len, &info, &err) != 0)
		return cli_json_fail_err(&err);
	status = write_file(a->value[0], file, len);
	st_free(file);
	if (status != 0)
		return status;
	return cli_json_print(backup_info_json(&info, a->value[0]));
}

static int admin_verify(struct cli *cli, const struct cli_args *a)
{
	st_backup_info info;
	st_error err;
	uint8_t *file;
	size_t len;
	int status;

	if ((status = read_file(a->value[0], &file, &len)) != 0)
		return status;
	status = st_backup_check(file, len, &info, &err);
	free(file);
	if (status != 0)
		return cli_json_fail_err(&err);
	return cli_json_print(backup_info_json(&info, a->value[0]));
}

static int admin_restore(struct cli *cli, const struct cli_args *a)
{
	st_backup_info info;
	st_error err;
	uint8_t *file;
	size_t len;
	int status;

	if ((status = read_file(a->value[0], &file, &len)) != 0)
		return status;
	/* Check the file before touching the cluster. */
	if (st_backup_check(file, len, NULL, &err) != 0) {
		free(file);
		return cli_json_fail_err(&err);
	}
	st_client *c = cli_client(cli, &status);
	if (c == NULL) {
		free(file);
		return status;
	}
	status =
	    st_admin_restore(c, file, len, a->value[1] != NULL, &info, &err);
	free(file);
	if (status != 0)
		return cli_json_fail_err(&err);
	return cli_json_print(backup_info_json(&info, a->value[0]));
}

static const struct cli_op admin_ops[] = {
    {.name = "snapshot",
     .summary = "Back up the whole replicated state, online, to a file.",
     .synopsis = "",
     .opts = {{"out", "FILE", true,
	       "where to write the backup (replaced atomically)"}},
     .run = admin_snapshot},
    {.name = "restore",
     .summary = "Restore a backup into an empty cluster (replaces its "
		"state).",
     .synopsis = "",
     .opts = {{"in", "FILE", true, "the backup file"},
	      {"force", NULL, false,
	       "replace the state even if the cluster holds data"}},
     .run = admin_restore},
    {.name = "verify",
     .summary = "Check a backup file (header, size, checksum); no cluster "
		"needed.",
     .synopsis = "",
     .opts = {{"in", "FILE", true, "the backup file"}},
     .run = admin_verify},
    {0},
};

/* ---- sqs (cli_sqs.c) --------------------------------------------------- */

static st_client *sqs_client(void *ctx, int *status)
{
	return cli_client(ctx, status);
}

static int sqs_main(struct cli *cli, int argc, char **argv,
		    const struct cli_globals *g)
{
	return cli_sqs_main(sqs_client, cli, argc, argv, g);
}

/* ---- auth (cli_auth.c) ------------------------------------------------- */

static int auth_main(struct cli *cli, int argc, char **argv,
		     const struct cli_globals *g)
{
	return cli_auth_main(sqs_client, cli, argc, argv, g);
}

/* ---- the command table --------------------------------------------------- */

static const struct cli_family families[] = {
    {"kv", "The replicated key-value namespace.", kv_ops, NULL},
    {"cluster", "Cluster membership and status.", cluster_ops, NULL},
    {"admin", "Backup and restore of the whole cluster state.", admin_ops,
     NULL},
    {"sqs", "Amazon SQS-compatible queues (like 'aws sqs').", NULL, sqs_main},
    {"auth", "Access keys for signed requests (like 'aws iam').", NULL,
     auth_main},
    {0},
};

static void help_main(FILE *f)
{
	fprintf(f,
		"usage: stratus [--endpoints A,B,C] [--timeout-ms N] COMMAND "
		"OPERATION [ARGS]\n\n"
		"Global options (anywhere on the line):\n"
		"  --endpoints A,B,C  node client addresses (env "
		"STRATUS_ENDPOINTS;\n"
		"                     default " DEFAULT_ENDPOINTS ")\n"
		"  --timeout-ms N     give up after N ms in total (default "
		"30000)\n"
		"  --output json|text, --query JMESPATH, --no-paginate\n"
		"                     as in the AWS CLI ('stratus sqs' only)\n"
		"  --help             this text; 'stratus COMMAND --help', "
		"'stratus COMMAND OPERATION --help'\n\n"
		"Commands:\n");
	for (const struct cli_family *fam = families; fam->name; fam++)
		fprintf(f, "  %-10s %s\n", fam->name, fam->summary);
	fprintf(f,
		"\nOutput is JSON on stdout; errors are "
		"{\"Error\":{\"Name\",\"Message\"}} on stderr\n"
		"with exit status 1 (2 for usage errors; 'stratus sqs': 254 / "
		"252 / 255,\nas the AWS CLI v2).\n");
}

static void help_family(FILE *f, const struct cli_family *fam)
{
	fprintf(f, "usage: stratus %s OPERATION [ARGS]\n\n%s\n\nOperations:\n",
		fam->name, fam->summary);
	for (const struct cli_op *op = fam->ops; op->name; op++)
		fprintf(f, "  %-16s %s\n", op->name, op->summary);
}

static void help_op(FILE *f, const struct cli_family *fam,
		    const struct cli_op *op)
{
	fprintf(f, "usage: stratus %s %s", fam->name, op->name);
	for (const struct cli_opt *o = op->opts; o->name; o++)
		fprintf(f, " %s--%s%s%s%s", o->required ? "" : "[", o->name,
			o->arg ? " " : "", o->arg ? o->arg : "",
			o->required ? "" : "]");
	fprintf(f, "%s%s\n\n%s\n", *op->synopsis ? " " : "", op->synopsis,
		op->summary);
	if (op->opts[0].name != NULL)
		fprintf(f, "\nOptions:\n");
	for (const struct cli_opt *o = op->opts; o->name; o++) {
		char flag[64];
		snprintf(flag, sizeof flag, "--%s%s%s", o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "  %-24s %s%s\n", flag, o->help,
			o->required ? " (required)" : "");
	}
	fprintf(f, "\nGlobal options: --endpoints A,B,C, --timeout-ms N "
		   "(see 'stratus --help').\n");
}

/* Parse an operation's flags and positionals from argv[first..argc). */
static int parse_op(struct cli *cli, int first, int argc, char **argv,
		    struct cli_args *a, bool *help)
{
	const struct cli_op *op = cli->op;
	bool rest = false;

	memset(a, 0, sizeof *a);
	for (int i = first; i < argc; i++) {
		const char *arg = argv[i];
		if (rest || arg[0] != '-' || arg[1] == '\0') {
			if (a->n_pos == CLI_MAX_POS || a->n_pos >= op->n_pos)
				return op_usage_error(
				    cli, "InvalidParameterValue",
				    "unexpected argument '%s'", arg);
			a->pos[a->n_pos++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			rest = true;
			continue;
		}
		if (strncmp(arg, "--", 2) != 0)
			return op_usage_error(cli, "InvalidParameterValue",
					      "unknown option '%s'", arg);
		const char *name = arg + 2, *eq = strchr(name, '=');
		size_t n = eq ? (size_t)(eq - name) : strlen(name);
		int k = 0;
		for (; op->opts[k].name; k++)
			if (strlen(op->opts[k].name) == n &&
			    strncmp(op->opts[k].name, name, n) == 0)
				break;
		if (op->opts[k].name == NULL)
			return op_usage_error(cli, "InvalidParameterValue",
					      "unknown option '%s'", arg);
		if (op->opts[k].arg == NULL) {
			if (eq != NULL)
				return op_usage_error(
				    cli, "InvalidParameterValue",
				    "option '%s' takes no value", arg);
			a->value[k] = "";
		} else if (eq != NULL) {
			a->value[k] = eq + 1;
		} else if (i + 1 < argc) {
			a->value[k] = argv[++i];
		} else {
			return op_usage_error(cli, "MissingParameter",
					      "option '%s' needs a value", arg);
		}
	}
	if (*help)
		return 0;
	for (int k = 0; op->opts[k].name; k++)
		if (op->opts[k].required && a->value[k] == NULL)
			return op_usage_error(cli, "MissingParameter",
					      "--%s is required",
					      op->opts[k].name);
	if (a->n_pos < op->n_pos) {
		char help_cmd[128];
		snprintf(help_cmd, sizeof help_cmd, "%s %s ", cli->family->name,
			 op->name);
		return cli_json_usage("MissingParameter", help_cmd,
				      "expected %s", op->synopsis);
	}
	return 0;
}

/* Run the command left in argv once the global options g are out of it.
 * Returns the exit status (errors printed). */
static int run(struct cli *cli, int argc, char **argv,
	       const struct cli_globals *g)
{
	struct cli_args a;
	bool help = g->help;
	int status;

	if (argc < 2 || strcmp(argv[1], "help") == 0) {
		if (g->error.name[0] != '\0')
			return cli_json_usage(g->error.name, "", "%s",
					      g->error.message);
		help_main(help || argc >= 2 ? stdout : stderr);
		return help || argc >= 2 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	}
	for (cli->family = families; cli->family->name; cli->family++)
		if (strcmp(cli->family->name, argv[1]) == 0)
			break;
	if (cli->family->name == NULL)
		return cli_json_usage("InvalidAction", "",
				      "unknown command '%s'", argv[1]);
	if (cli->family->main != NULL)
		return cli->family->main(cli, argc - 2, argv + 2, g);

	char help_cmd[64];
	snprintf(help_cmd, sizeof help_cmd, "%s ", cli->family->name);
	int refused = cli_globals_refuse(g, help_cmd);
	if (refused >= 0)
		return refused;
	if (argc < 3 || strcmp(argv[2], "help") == 0) {
		help_family(help || argc >= 3 ? stdout : stderr, cli->family);
		return help || argc >= 3 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	}
	for (cli->op = cli->family->ops; cli->op->name; cli->op++)
		if (strcmp(cli->op->name, argv[2]) == 0)
			break;
	if (cli->op->name == NULL)
		return cli_json_usage("InvalidAction", help_cmd,
				      "unknown operation '%s %s'",
				      cli->family->name, argv[2]);
	if ((status = parse_op(cli, 3, argc, argv, &a, &help)) != 0)
		return status;
	if (help) {
		help_op(stdout, cli->family, cli->op);
		return CLI_EXIT_OK;
	}
	return cli->op->run(cli, &a);
}

int main(int argc, char **argv)
{
	struct cli cli = {0};
	struct cli_globals g;

	/* One parser for the global options, wherever they are on the line;
	 * a malformed one is reported by the command it belongs to (`stratus
	 * sqs` exits 252 for it, as the AWS CLI). */
	cli_globals_take(&g, &argc, argv);
	cli.endpoints = getenv("STRATUS_ENDPOINTS");
	if (cli.endpoints == NULL || *cli.endpoints == '\0')
		cli.endpoints = DEFAULT_ENDPOINTS;
	if (g.endpoints != NULL)
		cli.endpoints = g.endpoints;
	cli.timeout_ms = g.timeout_ms;
	int status = run(&cli, argc, argv, &g);
	st_client_free(cli.client);
	cli_globals_free(&g);
	return status;
}
