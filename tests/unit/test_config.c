/* Unit tests for broker/config: defaults, the JSON file, flags, their
 * precedence, and every kind of error message the operator can see. Files
 * are written to a fresh directory under $TMPDIR (or /tmp) that the group
 * teardown removes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "node.h"

static char tmpdir[256]; /* mkdtemp under /tmp: short */

static int group_setup(void **state)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof tmpdir, "%s/test_config.XXXXXX",
		 base != NULL && base[0] != '\0' ? base : "/tmp");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int group_teardown(void **state)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	char path[PATH_MAX + 256];

	if (d == NULL) {
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0) {
			continue;
		}
		snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(tmpdir);
}

/* Write text to NAME in the temp dir; returns the path (static buffer). */
static const char *write_file(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

#define assert_contains(haystack, needle)                                      \
	do {                                                                   \
		if (strstr((haystack), (needle)) == NULL) {                    \
			fail_msg("'%s' does not contain '%s'", (haystack),     \
				 (needle));                                    \
		}                                                              \
	} while (0)

/* Load text as a file; expect failure with a message containing want. */
static void expect_file_error(const char *text, const char *want)
{
	struct config c, before;
	char err[CONFIG_ERRMSG_SIZE] = "";
	const char *path = write_file("bad.json", text);
	char full[CONFIG_ERRMSG_SIZE + 600];

	config_defaults(&c);
	before = c;
	if (config_load_file(&c, path, err, sizeof err) != -1) {
		fail_msg("loaded without error: %s", text);
	}
	/* Every file error starts with the path ... */
	snprintf(full, sizeof full, "%s:", path);
	assert_int_equal(strncmp(err, full, strlen(full)), 0);
	assert_contains(err, want);
	/* ... and leaves the config untouched. */
	assert_memory_equal(&c, &before, sizeof c);
}

/* Parse flags (NULL-terminated); expect failure containing want. */
static void expect_args_error_v(const char *want, char **argv)
{
	struct config c, before;
	char err[CONFIG_ERRMSG_SIZE] = "";
	bool help = true;
	int argc = 0;

	while (argv[argc] != NULL) {
		argc++;
	}
	config_defaults(&c);
	before = c;
	if (config_parse_args(&c, argc, argv, &help, err, sizeof err) != -1) {
		fail_msg("parsed without error, wanted '%s'", want);
	}
	assert_contains(err, want);
	assert_false(help);
	assert_memory_equal(&c, &before, sizeof c);
}

#define expect_args_error(want, ...)                                           \
	expect_args_error_v(want, (char *[]){__VA_ARGS__, NULL})

static int parse(struct config *c, char **argv, bool *help, char *err)
{
	int argc = 0;

	while (argv[argc] != NULL) {
		argc++;
	}
	return config_parse_args(c, argc, argv, help, err, CONFIG_ERRMSG_SIZE);
}

#define PARSE(c, help, err, ...)                                               \
	parse(c, (char *[]){__VA_ARGS__, NULL}, help, err)

/* A minimal valid single-node configuration. */
static void valid_config(struct config *c)
{
	config_defaults(c);
	c->node_id = 1;
	snprintf(c->data_dir, sizeof c->data_dir, "/tmp/x");
	snprintf(c->raft_address, sizeof c->raft_address,
		 "tcp://127.0.0.1:7001");
	snprintf(c->client_address, sizeof c->client_address,
		 "tcp://127.0.0.1:7002");
	c->n_peers = 1;
	c->peers[0].id = 1;
	snprintf(c->peers[0].raft_address, CONFIG_ADDR_MAX,
		 "tcp://127.0.0.1:7001");
	snprintf(c->peers[0].client_address, CONFIG_ADDR_MAX,
		 "tcp://127.0.0.1:7002");
}

static const char full_json[] =
    "{\n"
    "  \"node_id\": 2,\n"
    "  \"data_dir\": \"/var/lib/stratus\",\n"
    "  \"raft_address\": \"tcp://10.0.0.2:7001\",\n"
    "  \"client_address\": \"tls+tcp://10.0.0.2:7002\",\n"
    "  \"http_address\": \"10.0.0.2:7003\",\n"
    "  \"peers\": [\n"
    "    {\"id\": 1, \"raft_address\": \"tcp://10.0.0.1:7001\",\n"
    "     \"client_address\": \"tcp://10.0.0.1:7002\",\n"
    "     \"http_address\": \"10.0.0.1:7003\"},\n"
    "    {\"id\": 2, \"raft_address\": \"tcp://10.0.0.2:7001\",\n"
    "     \"client_address\": \"tls+tcp://10.0.0.2:7002\"},\n"
    "    {\"id\": 3, \"raft_address\": \"tcp://[fd00::3]:7001\",\n"
    "     \"client_address\": \"tcp://node3.example:7002\",\n"
    "     \"http_address\": \"[fd00::3]:7003\"}\n"
    "  ],\n"
    "  \"join\": false,\n"
    "  \"region\": \"eu-west-1\", \"account_id\": \"123456789012\",\n"
    "  \"raft\": { \"election_timeout_ms\": 1000, \"heartbeat_timeout_ms\": "
    "100,\n"
    "            \"install_snapshot_timeout_ms\": 7000,\n"
    "            \"snapshot_threshold\": 1000, \"snapshot_trailing\": 0 },\n"
    "  \"limits\": { \"max_request_bytes\": 1048576, \"max_batch_commands\": "
    "128,\n"
    "              \"max_batch_bytes\": 2097152, \"max_connections\": 64,\n"
    "              \"max_state_bytes\": 1073741824 },\n"
    "  \"tls\": { \"ca\": \"/etc/stratus/ca.pem\", \"cert\": "
    "\"/etc/stratus/node2.pem\",\n"
    "           \"key\": \"/etc/stratus/node2.key\" },\n"
    "  \"allow_plaintext\": true,\n"
    "  \"log_level\": \"debug\"\n"
    "}\n";

/* --- defaults ---------------------------------------------------------- */

/* The snapshot interval follows entry sizes: the count for small entries,
 * about snapshot_log_bytes of log for large ones, never below trailing. */
static void test_snapshot_threshold(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	assert_int_equal(node_snapshot_threshold(&c, 0), 65536);
	assert_int_equal(node_snapshot_threshold(&c, 1500), 65536);
	assert_int_equal(node_snapshot_threshold(&c, 128 * 1024), 8192);
	assert_int_equal(node_snapshot_threshold(&c, 4e9), 2048);
	c.snapshot_log_bytes = 0;
	assert_int_equal(node_snapshot_threshold(&c, 128 * 1024), 65536);
	c.snapshot_threshold = 64;
	c.snapshot_trailing = 16;
	c.snapshot_log_bytes = 1024;
	assert_int_equal(node_snapshot_threshold(&c, 100), 16);
	/* staggered by node id: 1/8 less for each of id % 4 */
	config_defaults(&c);
	c.node_id = 1;
	assert_int_equal(node_snapshot_threshold(&c, 0), 57344);
	c.node_id = 3;
	assert_int_equal(node_snapshot_threshold(&c, 0), 40960);
	c.node_id = 4;
	assert_int_equal(node_snapshot_threshold(&c, 0), 65536);
	c.node_id = 3;
	c.snapshot_threshold = 2100; /* 2100 - 3 * 262 < trailing 2048 */
	assert_int_equal(node_snapshot_threshold(&c, 0), 2048);
}

static void test_defaults(void **state)
{
	struct config c;
	char err[CONFIG_ERRMSG_SIZE] = "";

	memset(&c, 0xff, sizeof c);
	config_defaults(&c);
	assert_int_equal(c.node_id, 0);
	assert_string_equal(c.data_dir, "");
	assert_string_equal(c.raft_address, "");
	assert_string_equal(c.client_address, "");
	assert_string_equal(c.http_address, "");
	assert_int_equal(c.n_peers, 0);
	assert_false(c.join);
	assert_string_equal(c.region, "us-east-1");
	assert_string_equal(c.account_id, "000000000000");
	assert_int_equal(c.election_timeout_ms, 300);
	assert_int_equal(c.heartbeat_timeout_ms, 50);
	assert_int_equal(c.install_snapshot_timeout_ms, 5000);
	assert_int_equal(c.snapshot_threshold, 65536);
	assert_int_equal(c.snapshot_log_bytes, 1024u * 1024 * 1024);
	assert_int_equal(c.snapshot_trailing, 2048);
	assert_int_equal(c.segment_bytes, 0);
	assert_int_equal(c.slow_disk_ms, 500);
	assert_int_equal(c.max_request_bytes, 4 * 1024 * 1024);
	assert_int_equal(c.max_batch_commands, 4096);
	assert_int_equal(c.max_batch_bytes, 4 * 1024 * 1024);
	assert_int_equal(c.max_connections, 1024);
	assert_int_equal(c.max_state_bytes, 0); /* automatic */
	assert_int_equal(c.log_level, LOGLEVEL_INFO);
	/* Defaults alone are not a usable node: the id is missing. */
	assert_int_equal(config_validate(&c, err, sizeof err), -1);
	assert_contains(err, "node_id is not set");
}

/* --- the file ---------------------------------------------------------- */

static void test_full_file(void **state)
{
	struct config c;
	char err[CONFIG_ERRMSG_SIZE] = "";
	const char *path = write_file("full.json", full_json);

	config_defaults(&c);
	assert_int_equal(config_load_file(&c, path, err, sizeof err), 0);
	assert_int_equal(c.node_id, 2);
	assert_string_equal(c.data_dir, "/var/lib/stratus");
	assert_string_equal(c.raft_address, "tcp://10.0.0.2:7001");
	assert_string_equal(c.client_address, "tls+tcp://10.0.0.2:7002");
	assert_string_equal(c.http_address, "10.0.0.2:7003");
	assert_int_equal(c.n_peers, 3);
	assert_int_equal(c.peers[0].id, 1);
	assert_string_equal(c.peers[0].raft_address, "tcp://10.0.0.1:7001");
	assert_string_equal(c.peers[0].client_address, "tcp://10.0.0.1:7002");
	assert_string_equal(c.peers[0].http_address, "10.0.0.1:7003");
	assert_int_equal(c.peers[1].id, 2);
	assert_string_equal(c.peers[1].http_address, "");
	assert_int_equal(c.peers[2].id, 3);
	assert_string_equal(c.peers[2].raft_address, "tcp://[fd00::3]:7001");
	assert_string_equal(c.peers[2].client_address,
			    "tcp://node3.example:7002");
	assert_string_equal(c.peers[2].http_address, "[fd00::3]:7003");
	assert_false(c.join);
	assert_string_equal(c.region, "eu-west-1");
	assert_string_equal(c.account_id, "123456789012");
	assert_int_equal(c.election_timeout_ms, 1000);
	assert_int_equal(c.heartbeat_timeout_ms, 100);
	assert_int_equal(c.install_snapshot_timeout_ms, 7000);
	assert_int_equal(c.snapshot_threshold, 1000);
	assert_int_equal(c.snapshot_trailing, 0);
	assert_int_equal(c.max_request_bytes, 1048576);
	assert_int_equal(c.max_batch_commands, 128);
	assert_int_equal(c.max_batch_bytes, 2097152);
	assert_int_equal(c.max_connections, 64);
	assert_int_equal(c.max_state_bytes, 1073741824);
	assert_int_equal(c.log_level, LOGLEVEL_DEBUG);
	assert_string_equal(c.tls_ca, "/etc/stratus/ca.pem");
	assert_string_equal(c.tls_cert, "/etc/stratus/node2.pem");
	assert_string_equal(c.tls_key, "/etc/stratus/node2.key");
	assert_true(c.allow_plaintext);
	assert_int_equal(config_validate(&c, err, sizeof err), 0);

	assert_ptr_equal(config_find_peer(&c, 3), &c.peers[2]);
	assert_null(config_find_peer(&c, 4));
	assert_null(config_find_peer(&c, 0));
}

static void test_partial_file_keeps_defaults(void **state)
{
	struct config c;
	char err[CONFIG_ERRMSG_SIZE] = "";
	const char *path = write_file(
	    "partial.json", "{\"raft\": {\"heartbeat_timeout_ms\": 75}, "
			    "\"limits\": {}, \"join\": true}");

	config_defaults(&c);
	assert_int_equal(config_load_file(&c, path, err, sizeof err), 0);
	assert_int_equal(c.heartbeat_timeout_ms, 75);
	assert_int_equal(c.election_timeout_ms, 300);
	assert_int_equal(c.max_connections, 1024);
	assert_true(c.join);
	assert_string_equal(c.region, "us-east-1");
}

static void test_file_peers_replace(void **state)
{
	struct config c;
	char err[CONFIG_ERRMSG_SIZE] = "";
	const char *path = write_file("nopeers.json", "{\"peers\": []}");

	valid_config(&c);
	assert_int_equal(config_load_file(&c, path, err, sizeof err), 0);
	assert_int_equal(c.n_peers, 0);
}

static void test_syntax_error_position(void **state)
{
	struct config c;
	char err[CONFIG_ERRMSG_SIZE] = "";
	char want[CONFIG_ERRMSG_SIZE + 600];
	/* The stray ',' is on line 3, column 15. */
	const char *path = write_file("syntax.json", "{\n"
						     "  \"node_id\": 1,\n"
						     "  \"data_dir\": ,\n"
						     "}\n");

	config_defaults(&c);
	assert_int_equal(config_load_file(&c, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:3:15: ", path);
	assert_int_equal(strncmp(err, want, strlen(want)), 0);
	assert_contains(err, "unexpected token");

	/* Truncated: '}' expected at the end of line 2. */
	path = write_file("trunc.json", "{\n  \"node_id\": 1\n");
	assert_int_equal(config_load_file(&c, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:3:", path);
	assert_int_equal(strncmp(err, want, strlen(want)), 0);
}

static void test_duplicate_key(void **state)
{
	struct config c;
	char err[CONFIG_ERRMSG_SIZE] = "";
	char want[CONFIG_ERRMSG_SIZE + 600];
	const char *path = write_file(
	    "dup.json", "{\n  \"node_id\": 1,\n  \"node_id\": 2\n}\n");

	config_defaults(&c);
	assert_int_equal(config_load_file(&c, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:3:11: ", path);
	assert_int_equal(strncmp(err, want, strlen(want)), 0);
	assert_contains(err, "duplicate object key");
}

static void test_unknown_key(void **state)
{
	expect_file_error("{\"node_idd\": 1}", "key 'node_idd': unknown key");
	expect_file_error("{\"raft\": {\"election_timout_ms\": 1}}",
			  "key 'raft.election_timout_ms': unknown key");
	expect_file_error("{\"limits\": {\"node_id\": 1}}",
			  "key 'limits.node_id': unknown key");
	/* A dotted name at the top level is not a nested key. */
	expect_file_error("{\"raft.election_timeout_ms\": 1}",
			  "key 'raft.election_timeout_ms': unknown key");
	expect_file_error("{\"election_timeout_ms\": 1}",
			  "key 'election_timeout_ms': unknown key");
	expect_file_error("{\"peers\": [{\"id\": 1, \"raft_address\": "
			  "\"tcp://a:1\", \"client_address\": \"tcp://a:2\", "
			  "\"port\": 3}]}",
			  "key 'peers[0].port': unknown key");
}

static void test_wrong_type(void **state)
{
	struct config c;
	char err[CONFIG_ERRMSG_SIZE] = "";
	char want[CONFIG_ERRMSG_SIZE + 600];
	const char *path =
	    write_file("type.json", "{\"raft\": {\"election_timeout_ms\": "
				    "\"300\"}}");

	/* The exact form promised by config.h. */
	config_defaults(&c);
	assert_int_equal(config_load_file(&c, path, err, sizeof err), -1);
	snprintf(want, sizeof want,
		 "%s: key 'raft.election_timeout_ms': must be a positive "
		 "integer",
		 path);
	assert_string_equal(err, want);

	expect_file_error("{\"node_id\": 1.5}",
			  "key 'node_id': must be a positive integer");
	expect_file_error("{\"node_id\": null}",
			  "key 'node_id': must be a positive integer");
	expect_file_error("{\"data_dir\": 5}",
			  "key 'data_dir': must be a string");
	expect_file_error("{\"join\": 1}", "key 'join': must be true or false");
	expect_file_error("{\"raft\": 5}", "key 'raft': must be an object");
	expect_file_error("{\"limits\": []}",
			  "key 'limits': must be an object");
	expect_file_error("{\"peers\": {}}", "key 'peers': must be an array");
	expect_file_error("{\"peers\": [1]}",
			  "key 'peers[0]': must be an object");
	expect_file_error("{\"peers\": [{\"id\": \"1\"}]}",
			  "key 'peers[0].id': must be a positive integer");
	expect_file_error(
	    "{\"log_level\": \"verbose\"}",
	    "key 'log_level': must be debug, info, warn or error");
	expect_file_error("{\"region\": \"US East\"}",
			  "key 'region': must be lowercase letters");
	expect_file_error("{\"account_id\": \"12345\"}",
			  "key 'account_id': must be 12 digits");
	/* jansson itself refuses NUL inside strings (a syntax error). */
	expect_file_error("{\"data_dir\": \"a\\u0000b\"}",
			  "bad.json:1:23: \\u0000 is not allowed");
	expect_file_error("[]", "the top level must be a JSON object");
}

static void test_out_of_range(void **state)
{
	expect_file_error("{\"node_id\": 0}",
			  "key 'node_id': must be a positive integer");
	expect_file_error("{\"node_id\": -3}",
			  "key 'node_id': must be a positive integer");
	expect_file_error("{\"raft\": {\"heartbeat_timeout_ms\": 0}}",
			  "key 'raft.heartbeat_timeout_ms': must be a positive "
			  "integer");
	expect_file_error("{\"raft\": {\"snapshot_trailing\": -1}}",
			  "key 'raft.snapshot_trailing': must be a "
			  "non-negative integer");
	expect_file_error("{\"raft\": {\"election_timeout_ms\": 4294967296}}",
			  "key 'raft.election_timeout_ms': must be at most "
			  "4294967295");
	expect_file_error("{\"limits\": {\"max_connections\": 4294967296}}",
			  "key 'limits.max_connections': must be at most");
	expect_file_error("{\"limits\": {\"max_request_bytes\": 0}}",
			  "key 'limits.max_request_bytes': must be a positive "
			  "integer");
	expect_file_error("{\"raft_address\": \"tcp://10.0.0.1:65536\"}",
			  "key 'raft_address': must look like tcp://HOST:PORT");
	expect_file_error("{\"client_address\": \"udp://10.0.0.1:1\"}",
			  "key 'client_address': must look like");
	expect_file_error("{\"http_address\": \"http://10.0.0.1:80\"}",
			  "key 'http_address': must look like HOST:PORT");
	expect_file_error("{\"data_dir\": \"\"}",
			  "key 'data_dir': must not be empty");
}

static void test_long_values(void **state)
{
	char text[4096];
	char dir[1100];

	memset(dir, 'd', sizeof dir - 1);
	dir[sizeof dir - 1] = '\0';
	snprintf(text, sizeof text, "{\"data_dir\": \"/%s\"}", dir);
	expect_file_error(text, "key 'data_dir': must be at most 1023 "
				"characters");
	snprintf(text, sizeof text, "{\"raft_address\": \"tcp://%.300s:1\"}",
		 dir);
	expect_file_error(text, "key 'raft_address': must be at most 255");
}

static void test_peer_errors_in_file(void **state)
{
	expect_file_error("{\"peers\": [\n"
			  " {\"id\": 1, \"raft_address\": \"tcp://a:1\", "
			  "\"client_address\": \"tcp://a:2\"},\n"
			  " {\"id\": 1, \"raft_address\": \"tcp://b:1\", "
			  "\"client_address\": \"tcp://b:2\"}]}",
			  "key 'peers[1].id': duplicate peer id 1");
	expect_file_error("{\"peers\": [{\"id\": 1, \"client_address\": "
			  "\"tcp://a:2\"}]}",
			  "key 'peers[0].raft_address': missing");
	expect_file_error("{\"peers\": [{\"raft_address\": \"tcp://a:1\", "
			  "\"client_address\": \"tcp://a:2\"}]}",
			  "key 'peers[0].id': missing");
	expect_file_error("{\"peers\": [{\"id\": 0}]}",
			  "key 'peers[0].id': must be a positive integer");
	expect_file_error("{\"peers\": [{\"id\": 1, \"raft_address\": "
			  "\"a:1\"}]}",
			  "key 'peers[0].raft_address': must look like "
			  "tcp://HOST:PORT");
	expect_file_error("{\"peers\": [{\"id\": 1, \"raft_address\": "
			  "\"tcp://a:1\", \"client_address\": \"tcp://a:2\", "
			  "\"http_address\": \"a\"}]}",
			  "key 'peers[0].http_address': must look like "
			  "HOST:PORT");
}

static void test_too_many_peers_in_file(void **state)
{
	char text[8192];
	size_t len;

	len = (size_t)snprintf(text, sizeof text, "{\"peers\": [");
	for (int i = 1; i <= CONFIG_MAX_PEERS + 1; i++) {
		len += (size_t)snprintf(
		    text + len, sizeof text - len,
		    "%s{\"id\": %d, \"raft_address\": \"tcp://h%d:1\", "
		    "\"client_address\": \"tcp://h%d:2\"}",
		    i > 1 ? "," : "", i, i, i);
	}
	snprintf(text + len, sizeof text - len, "]}");
	expect_file_error(text, "key 'peers': at most 16 peers");
}

static void test_missing_file(void **state)
{
	struct config c;
	char err[CONFIG_ERRMSG_SIZE] = "";
	char path[PATH_MAX + 32];
	char want[PATH_MAX + 64];

	snprintf(path, sizeof path, "%s/nonexistent.json", tmpdir);
	config_defaults(&c);
	assert_int_equal(config_load_file(&c, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: No such file or directory", path);
	assert_string_equal(err, want);

	assert_int_equal(config_load_file(&c, tmpdir, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: is a directory", tmpdir);
	assert_string_equal(err, want);

	/* Empty file: a syntax error at line 1. */
	assert_int_equal(
	    config_load_file(&c, write_file("empty.json", ""), err, sizeof err),
	    -1);
	assert_contains(err, "empty.json:1:");
}

static void test_small_errmsg(void **state)
{
	struct config c;
	char err[8];
	const char *path = write_file("u.json", "{\"nope\": 1}");

	config_defaults(&c);
	assert_int_equal(config_load_file(&c, path, err, sizeof err), -1);
	assert_int_equal(strlen(err), sizeof err - 1);
	/* No buffer at all is allowed too. */
	assert_int_equal(config_load_file(&c, path, NULL, 0), -1);
	assert_int_equal(config_validate(&c, NULL, 0), -1);
}

/* --- flags ------------------------------------------------------------- */

static void test_every_flag(void **state)
{
	struct config c;
	char err[CONFIG_ERRMSG_SIZE] = "";
	bool help = true;

	config_defaults(&c);
	assert_int_equal(
	    PARSE(&c, &help, err, "--id", "3", "--data-dir", "/d/3",
		  "--raft-address", "tcp://127.0.0.1:7131", "--client-address",
		  "tls+tcp://127.0.0.1:7132", "--http-address",
		  "127.0.0.1:7133", "--peer",
		  "1=tcp://127.0.0.1:7111,tcp://127.0.0.1:7112,127.0.0.1:7113",
		  "--peer", "3=tcp://127.0.0.1:7131,tls+tcp://127.0.0.1:7132",
		  "--join", "--election-timeout-ms", "900",
		  "--heartbeat-timeout-ms", "90",
		  "--install-snapshot-timeout-ms", "9000",
		  "--snapshot-threshold", "99", "--snapshot-trailing", "9",
		  "--max-request-bytes", "999", "--max-batch-commands", "8",
		  "--max-batch-bytes", "888", "--max-connections", "7",
		  "--max-state-bytes", "5000000", "--region", "ap-south-2",
		  "--account-id", "111122223333", "--log-level", "warn"),
	    0);
	assert_false(help);
	assert_int_equal(c.node_id, 3);
	assert_string_equal(c.data_dir, "/d/3");
	assert_string_equal(c.raft_address, "tcp://127.0.0.1:7131");
	assert_string_equal(c.client_address, "tls+tcp://127.0.0.1:7132");
	assert_string_equal(c.http_address, "127.0.0.1:7133");
	assert_int_equal(c.n_peers, 2);
	assert_int_equal(c.peers[0].id, 1);
	assert_string_equal(c.peers[0].raft_address, "tcp://127.0.0.1:7111");
	assert_string_equal(c.peers[0].client_address, "tcp://127.0.0.1:7112");
	assert_string_equal(c.peers[0].http_address, "127.0.0.1:7113");
	assert_int_equal(c.peers[1].id, 3);
	assert_string_equal(c.peers[1].client_address,
			    "tls+tcp://127.0.0.1:7132");
	assert_string_equal(c.peers[1].http_address, "");
	assert_true(c.join);
	assert_int_equal(c.election_timeout_ms, 900);
	assert_int_equal(c.heartbeat_timeout_ms, 90);
	assert_int_equal(c.install_snapshot_timeout_ms, 9000);
	assert_int_equal(c.snapshot_threshold, 99);
	assert_int_equal(c.snapshot_trailing, 9);
	assert_int_equal(c.max_request_bytes, 999);
	assert_int_equal(c.max_batch_commands, 8);
	assert_int_equal(c.max_batch_bytes, 888);
	assert_int_equal(c.max_connections, 7);
	assert_int_equal(c.max_state_bytes, 5000000);
	assert_string_equal(c.region, "ap-south-2");
	assert_string_equal(c.account_id, "111122223333");
	assert_int_equal(c.log_level, LOGLEVEL_WARN);

	/* The log levels, and the --flag=value form. */
	assert_int_equal(PARSE(&c, &help, err, "--log-level=debug"), 0);
	assert_int_equal(c.log_level, LOGLEVEL_DEBUG);
	assert_int_equal(PARSE(&c, &help, err, "--log-level", "info"), 0);
	assert_int_equal(c.log_level, LOGLEVEL_INFO);
	assert_int_equal(PARSE(&c, &help, err, "--log-level=error"), 0);
	assert_int_equal(c.log_level, LOGLEVEL_ERROR);
	assert_int_equal(PARSE(&c, &help, err, "--id=7",
			       "--peer=7=tcp://"
			       "h:1,tcp://h:2"),
			 0);
	assert_int_equal(c.node_id, 7);
	assert_int_equal(c.n_peers, 1);

	/* No flags at all changes nothing. */
	assert_int_equal(parse(&c, (char *[]){NULL}, &help, err), 0);
	assert_int_equal(c.node_id, 7);
}

/* tls+tcp:// needs the CA, certificate and key; plaintext off loopback
 * needs allow_plaintext; raft transports agree across peers. */
static void test_transport_security(void **state)
{
	struct config c;
	char err[CONFIG_ERRMSG_SIZE] = "";

	(void)state;
	config_defaults(&c);
	c.node_id = 1;
	snprintf(c.data_dir, sizeof c.data_dir, "/tmp/x");
	snprintf(c.raft_address, sizeof c.raft_address, "tcp://10.0.0.1:7001");
	snprintf(c.client_address, sizeof c.client_address,
		 "tcp://127.0.0.1:7002");
	c.n_peers = 1;
	c.peers[0].id = 1;
	snprintf(c.peers[0].raft_address, sizeof c.peers[0].raft_address,
		 "tcp://10.0.0.1:7001");
	snprintf(c.peers[0].client_address, sizeof c.peers[0].client_address,
		 "tcp://127.0.0.1:7002");
	assert_int_equal(config_validate(&c, err, sizeof err), -1);
	assert_contains(err, "plaintext on a non-loopback address");
	c.allow_plaintext = true;
	assert_int_equal(config_validate(&c, err, sizeof err), 0);

	c.allow_plaintext = false;
	snprintf(c.raft_address, sizeof c.raft_address,
		 "tls+tcp://10.0.0.1:7001");
	assert_int_equal(config_validate(&c, err, sizeof err), -1);
	assert_contains(err, "another transport");
	snprintf(c.peers[0].raft_address, sizeof c.peers[0].raft_address,
		 "tls+tcp://10.0.0.1:7001");
	assert_int_equal(config_validate(&c, err, sizeof err), -1);
	assert_contains(err, "--tls-ca");
	snprintf(c.tls_ca, sizeof c.tls_ca, "ca.pem");
	snprintf(c.tls_cert, sizeof c.tls_cert, "n1.pem");
	assert_int_equal(config_validate(&c, err, sizeof err), -1);
	snprintf(c.tls_key, sizeof c.tls_key, "n1.key");
	assert_int_equal(config_validate(&c, err, sizeof err), 0);
}

static void test_flags_override_file(void **state)
{
	struct config c;
	char err[CONFIG_ERRMSG_SIZE] = "";
	bool help = false;
	const char *path = write_file("full2.json", full_json);
	char *argv[16];
	int argc = 0;

	/* --config comes last but is applied first. */
	argv[argc++] = "--election-timeout-ms";
	argv[argc++] = "2000";
	argv[argc++] = "--peer";
	argv[argc++] = "2=tcp://10.0.0.2:7001,tcp://10.0.0.2:7002";
	argv[argc++] = "--log-level";
	argv[argc++] = "error";
	argv[argc++] = "--config";
	argv[argc++] = (char *)path;
	argv[argc] = NULL;

	config_defaults(&c);
	assert_int_equal(
	    config_parse_args(&c, argc, argv, &help, err, sizeof err), 0);
	assert_int_equal(c.election_timeout_ms, 2000); /* flag */
	assert_int_equal(c.heartbeat_timeout_ms, 100); /* file */
	assert_int_equal(c.node_id, 2);		       /* file */
	assert_int_equal(c.log_level, LOGLEVEL_ERROR); /* flag */
	assert_int_equal(c.snapshot_trailing, 0);      /* file */
	assert_int_equal(c.max_connections, 64);       /* file */
	/* --peer flags replace the file's peers. */
	assert_int_equal(c.n_peers, 1);
	assert_int_equal(c.peers[0].id, 2);
	assert_string_equal(c.peers[0].client_address, "tcp://10.0.0.2:7002");
	assert_int_equal(config_validate(&c, err, sizeof err), 0);

	/* The same with --config=PATH, and without --peer the file's list
	 * stays. */
	char cfg[PATH_MAX + 64];
	snprintf(cfg, sizeof cfg, "--config=%s", path);
	config_defaults(&c);
	assert_int_equal(PARSE(&c, &help, err, "--id", "3", cfg), 0);
	assert_int_equal(c.node_id, 3);
	assert_int_equal(c.n_peers, 3);
	assert_int_equal(config_validate(&c, err, sizeof err), -1);
	assert_contains(err, "raft_address tcp://10.0.0.2:7001 does not match "
			     "peer 3's raft address tcp://[fd00::3]:7001");

	/* A broken file named by --config reports the file error. */
	path = write_file("broken.json", "{\"node_id\": }");
	config_defaults(&c);
	argv[0] = "--config";
	argv[1] = (char *)path;
	assert_int_equal(config_parse_args(&c, 2, argv, &help, err, sizeof err),
			 -1);
	assert_contains(err, "broken.json:1:");
}

static void test_help(void **state)
{
	struct config c, before;
	char err[CONFIG_ERRMSG_SIZE] = "";
	bool help = false;
	const char *u = config_usage();

	config_defaults(&c);
	before = c;
	assert_int_equal(PARSE(&c, &help, err, "--id", "4", "--help"), 0);
	assert_true(help);
	/* --help applies nothing, even a --config that does not exist. */
	assert_memory_equal(&c, &before, sizeof c);
	help = false;
	assert_int_equal(
	    PARSE(&c, &help, err, "--config", "/nonexistent", "-h"), 0);
	assert_true(help);
	assert_int_equal(PARSE(&c, NULL, err, "--help"), 0);

	/* The usage names every flag. */
	static const char *const flags[] = {
	    "--config",
	    "--id",
	    "--data-dir",
	    "--raft-address",
	    "--client-address",
	    "--http-address",
	    "--peer",
	    "--join",
	    "--election-timeout-ms",
	    "--heartbeat-timeout-ms",
	    "--install-snapshot-timeout-ms",
	    "--snapshot-threshold",
	    "--snapshot-trailing",
	    "--max-request-bytes",
	    "--max-batch-commands",
	    "--max-batch-bytes",
	    "--max-connections",
	    "--region",
	    "--account-id",
	    "--log-level",
	    "--help",
	};
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		assert_contains(u, flags[i]);
	}
}

static void test_flag_errors(void **state)
{
	expect_args_error("unknown flag '--bogus' (see --help)", "--bogus");
	expect_args_error("unknown flag '--id2=3'", "--id2=3");
	expect_args_error("unexpected argument 'node1'", "node1");
	expect_args_error("unexpected argument '-i'", "-i", "1");
	expect_args_error("--id: missing value", "--id");
	expect_args_error("--data-dir: missing value", "--data-dir", "--join");
	expect_args_error("--join: takes no value", "--join=true");
	expect_args_error("--help: takes no value", "--help=1");
	expect_args_error("--id: must be a positive integer (got 'abc')",
			  "--id", "abc");
	expect_args_error("--id: must be a positive integer (got '0')", "--id",
			  "0");
	expect_args_error("--id: must be a positive integer (got '-1')", "--id",
			  "-1");
	expect_args_error("--id: must be a positive integer (got '1x')", "--id",
			  "1x");
	expect_args_error("--id: must be a positive integer (got ' 1')", "--id",
			  " 1");
	expect_args_error("--id: must be a positive integer (got '')", "--id=");
	expect_args_error("--id: must be a positive integer (got "
			  "'18446744073709551616')",
			  "--id", "18446744073709551616");
	expect_args_error("--election-timeout-ms: must be at most 4294967295",
			  "--election-timeout-ms", "4294967296");
	expect_args_error("--snapshot-trailing: must be a non-negative integer",
			  "--snapshot-trailing", "-1");
	expect_args_error("--max-request-bytes: must be a positive integer",
			  "--max-request-bytes", "0");
	expect_args_error("--raft-address: must look like tcp://HOST:PORT or "
			  "tls+tcp://HOST:PORT (got '127.0.0.1:7001')",
			  "--raft-address", "127.0.0.1:7001");
	expect_args_error("--client-address: must look like",
			  "--client-address", "tcp://:7002");
	expect_args_error("--client-address: must look like",
			  "--client-address", "tcp://h:0");
	expect_args_error("--client-address: must look like",
			  "--client-address", "tcp://::1:5");
	expect_args_error("--http-address: must look like HOST:PORT",
			  "--http-address", "tcp://127.0.0.1:80");
	expect_args_error("--http-address: must look like HOST:PORT",
			  "--http-address", "127.0.0.1:");
	expect_args_error("--data-dir: must not be empty", "--data-dir=");
	expect_args_error("--log-level: must be debug, info, warn or error "
			  "(got 'INFO')",
			  "--log-level", "INFO");
	expect_args_error("--account-id: must be 12 digits", "--account-id",
			  "12345678901a");
	expect_args_error("--region: must not be empty", "--region", "");
	expect_args_error("--region: must be lowercase", "--region", "US");
	expect_args_error("--config: given more than once", "--config", "a",
			  "--config", "b");
	expect_args_error("--config: must not be empty", "--config=");
	expect_args_error("nonexistent.json: No such file or directory",
			  "--config", "/nonexistent/nonexistent.json");
	/* A later error leaves earlier flags unapplied. */
	expect_args_error("--id: must be", "--data-dir", "/x", "--id", "z");
}

static void test_peer_flag_errors(void **state)
{
	expect_args_error(
	    "--peer: expected ID=RAFT_ADDR,CLIENT_ADDR[,HTTP_ADDR] "
	    "(got 'tcp://a:1,tcp://a:2')",
	    "--peer", "tcp://a:1,tcp://a:2");
	expect_args_error("--peer: expected ID=RAFT_ADDR,CLIENT_ADDR", "--peer",
			  "1=tcp://a:1");
	expect_args_error("--peer: expected ID=RAFT_ADDR,CLIENT_ADDR", "--peer",
			  "1=tcp://a:1,tcp://a:2,a:3,a:4");
	expect_args_error("--peer: expected ID=RAFT_ADDR,CLIENT_ADDR", "--peer",
			  "1=");
	expect_args_error("--peer: id must be a positive integer (got 'x')",
			  "--peer", "x=tcp://a:1,tcp://a:2");
	expect_args_error("--peer: id must be a positive integer (got '0')",
			  "--peer", "0=tcp://a:1,tcp://a:2");
	expect_args_error("--peer: id must be a positive integer (got '')",
			  "--peer", "=tcp://a:1,tcp://a:2");
	expect_args_error("--peer: raft address must look like tcp://HOST:PORT",
			  "--peer", "1=a:1,tcp://a:2");
	expect_args_error("--peer: client address must look like", "--peer",
			  "1=tcp://a:1,");
	expect_args_error("--peer: http address must look like HOST:PORT",
			  "--peer", "1=tcp://a:1,tcp://a:2,");
	expect_args_error("--peer: http address must look like HOST:PORT",
			  "--peer", "1=tcp://a:1,tcp://a:2,http://a:3");
	expect_args_error("--peer: duplicate peer id 2", "--peer",
			  "2=tcp://a:1,tcp://a:2", "--peer",
			  "2=tcp://b:1,tcp://b:2");
	expect_args_error("--peer: missing value", "--peer");

	char *argv[2 * (CONFIG_MAX_PEERS + 1) + 1];
	char vals[CONFIG_MAX_PEERS + 1][64];
	int argc = 0;
	for (int i = 1; i <= CONFIG_MAX_PEERS + 1; i++) {
		snprintf(vals[i - 1], sizeof vals[0],
			 "%d=tcp://h%d:1,tcp://h%d:2", i, i, i);
		argv[argc++] = "--peer";
		argv[argc++] = vals[i - 1];
	}
	argv[argc] = NULL;
	expect_args_error_v("--peer: at most 16 peers", argv);
}

/* --- validate ---------------------------------------------------------- */

static void test_validate_ok(void **state)
{
	struct config c;
	char err[CONFIG_ERRMSG_SIZE] = "";

	valid_config(&c);
	assert_int_equal(config_validate(&c, err, sizeof err), 0);
	/* A joining node needs no peers. */
	c.join = true;
	c.n_peers = 0;
	assert_int_equal(config_validate(&c, err, sizeof err), 0);
	/* Equal trailing and threshold is fine. */
	valid_config(&c);
	c.snapshot_trailing = c.snapshot_threshold;
	assert_int_equal(config_validate(&c, err, sizeof err), 0);
}

/* A raft_uv segment must hold the biggest entry: a multiple of 4096 of at
 * least max(max_batch_bytes, max_request_bytes) + 64 KiB, or 0. */
static void test_validate_segment_bytes(void **state)
{
	struct config c;
	char err[CONFIG_ERRMSG_SIZE] = "";

	(void)state;
	valid_config(&c);
	c.max_batch_bytes = 262144;
	c.max_request_bytes = 262144;
	c.segment_bytes = 1048576;
	assert_int_equal(config_validate(&c, err, sizeof err), 0);
	c.segment_bytes = 262144 + 65536;
	assert_int_equal(config_validate(&c, err, sizeof err), 0);
	c.segment_bytes = 262144 + 65536 - 4096; /* too small for an entry */
	assert_int_not_equal(config_validate(&c, err, sizeof err), 0);
	assert_non_null(strstr(err, "segment_bytes (323584)"));
	c.segment_bytes = 1048576 + 1; /* not a multiple of 4096 */
	assert_int_not_equal(config_validate(&c, err, sizeof err), 0);
	c.segment_bytes = 1048576;
	c.max_request_bytes = 4 * 1024 * 1024; /* a request is an entry too */
	assert_int_not_equal(config_validate(&c, err, sizeof err), 0);
	c.segment_bytes = 0; /* raft_uv's default */
	assert_int_equal(config_validate(&c, err, sizeof err), 0);
}

static void test_validate_failures(void **state)
{
	static const struct {
		int what;
		const char *want;
	} cases[] = {
	    {0, "node_id is not set"},
	    {1, "data_dir is not set"},
	    {2, "raft_address is not set"},
	    {3, "client_address is not set"},
	    {4, "node 1 is not in peers"},
	    {5, "raft_address tcp://127.0.0.1:7009 does not match peer 1's "
		"raft address tcp://127.0.0.1:7001"},
	    {6, "duplicate peer id 1"},
	    {7, "join is set but node 1 is listed in peers"},
	    {8, "heartbeat_timeout_ms (300) must be less than "
		"election_timeout_ms (300)"},
	    {9, "snapshot_trailing (101) must not exceed snapshot_threshold "
		"(100)"},
	    {10, "peers: at most 16 peers"},
	    {11, "raft_address: must look like"},
	    {12, "peer 2: client address must look like"},
	    {13, "peers 1 and 2 have the same raft address"},
	    {14, "peers: entry 2 has no id"},
	    {15, "raft timeouts must be positive"},
	    {16, "limits must be positive"},
	    {17, "http_address: must look like HOST:PORT"},
	    {18, "snapshot_threshold must be positive"},
	    {19, "node 1 is not in peers"},
	};
	struct config c;
	char err[CONFIG_ERRMSG_SIZE];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		valid_config(&c);
		struct config_peer *p2 = &c.peers[1];
		*p2 = c.peers[0];
		p2->id = 2;
		snprintf(p2->raft_address, CONFIG_ADDR_MAX, "tcp://h:1");
		switch (cases[i].what) {
		case 0:
			c.node_id = 0;
			break;
		case 1:
			c.data_dir[0] = '\0';
			break;
		case 2:
			c.raft_address[0] = '\0';
			break;
		case 3:
			c.client_address[0] = '\0';
			break;
		case 4:
			c.peers[0].id = 5;
			break;
		case 5:
			snprintf(c.raft_address, CONFIG_ADDR_MAX,
				 "tcp://127.0.0.1:7009");
			break;
		case 6:
			c.n_peers = 2;
			p2->id = 1;
			break;
		case 7:
			c.join = true;
			break;
		case 8:
			c.heartbeat_timeout_ms = c.election_timeout_ms;
			break;
		case 9:
			c.snapshot_threshold = 100;
			c.snapshot_trailing = 101;
			break;
		case 10:
			c.n_peers = CONFIG_MAX_PEERS + 1;
			break;
		case 11:
			snprintf(c.raft_address, CONFIG_ADDR_MAX, "x");
			break;
		case 12:
			c.n_peers = 2;
			snprintf(p2->client_address, CONFIG_ADDR_MAX, "h:2");
			break;
		case 13:
			c.n_peers = 2;
			snprintf(p2->raft_address, CONFIG_ADDR_MAX,
				 "tcp://127.0.0.1:7001");
			break;
		case 14:
			c.n_peers = 2;
			p2->id = 0;
			break;
		case 15:
			c.install_snapshot_timeout_ms = 0;
			break;
		case 16:
			c.max_batch_bytes = 0;
			break;
		case 17:
			snprintf(c.http_address, CONFIG_ADDR_MAX, "x");
			break;
		case 18:
			c.snapshot_threshold = 0;
			c.snapshot_trailing = 0;
			break;
		case 19:
			c.n_peers = 0;
			break;
		}
		err[0] = '\0';
		if (config_validate(&c, err, sizeof err) != -1) {
			fail_msg("case %zu validated, wanted '%s'", i,
				 cases[i].want);
		}
		assert_contains(err, cases[i].want);
	}
}

/* The whole path main.c takes: flags, then validate. */
static void test_flags_then_validate(void **state)
{
	struct config c;
	char err[CONFIG_ERRMSG_SIZE] = "";
	bool help = false;

	config_defaults(&c);
	assert_int_equal(
	    PARSE(&c, &help, err, "--id", "2", "--data-dir", "d",
		  "--raft-address", "tcp://127.0.0.1:7121", "--client-address",
		  "tcp://127.0.0.1:7122", "--peer",
		  "1=tcp://127.0.0.1:7111,tcp://127.0.0.1:7112", "--peer",
		  "2=tcp://127.0.0.1:7121,tcp://127.0.0.1:7122",
		  "--heartbeat-timeout-ms", "400"),
	    0);
	assert_int_equal(config_validate(&c, err, sizeof err), -1);
	assert_contains(err, "heartbeat_timeout_ms (400) must be less than "
			     "election_timeout_ms (300)");
	assert_int_equal(PARSE(&c, &help, err, "--election-timeout-ms", "1000"),
			 0);
	assert_int_equal(config_validate(&c, err, sizeof err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_snapshot_threshold),
	    cmocka_unit_test(test_validate_segment_bytes),
	    cmocka_unit_test(test_full_file),
	    cmocka_unit_test(test_partial_file_keeps_defaults),
	    cmocka_unit_test(test_file_peers_replace),
	    cmocka_unit_test(test_syntax_error_position),
	    cmocka_unit_test(test_duplicate_key),
	    cmocka_unit_test(test_unknown_key),
	    cmocka_unit_test(test_wrong_type),
	    cmocka_unit_test(test_out_of_range),
	    cmocka_unit_test(test_long_values),
	    cmocka_unit_test(test_peer_errors_in_file),
	    cmocka_unit_test(test_too_many_peers_in_file),
	    cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_small_errmsg),
	    cmocka_unit_test(test_every_flag),
	    cmocka_unit_test(test_transport_security),
	    cmocka_unit_test(test_flags_override_file),
	    cmocka_unit_test(test_help),
	    cmocka_unit_test(test_flag_errors),
	    cmocka_unit_test(test_peer_flag_errors),
	    cmocka_unit_test(test_validate_ok),
	    cmocka_unit_test(test_validate_failures),
	    cmocka_unit_test(test_flags_then_validate),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
