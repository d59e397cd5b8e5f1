/* config — a node's configuration: defaults, a JSON file, command-line flags.
 *
 * Precedence: defaults < JSON file (--config) < flags. Parsing never exits
 * the process: every function reports a clear message in errmsg (for a JSON
 * file: "FILE:LINE:COLUMN: what is wrong") and returns -1.
 *
 * JSON file (every key optional except where the node needs it):
 *   {
 *     "node_id": 1,
 *     "data_dir": "/var/lib/stratus",
 *     "raft_address": "tcp://10.0.0.1:7001",
 *     "client_address": "tcp://10.0.0.1:7002",
 *     "http_address": "10.0.0.1:7003",
 *     "peers": [ {"id": 1, "raft_address": "...", "client_address": "...",
 *                 "http_address": "..."}, ... ],
 *     "join": false,
 *     "enable_test_hooks": false,
 *     "region": "us-east-1", "account_id": "000000000000",
 *     "raft": { "election_timeout_ms": 300, "heartbeat_timeout_ms": 50,
 *               "install_snapshot_timeout_ms": 5000,
 *               "snapshot_threshold": 65536, "snapshot_log_bytes": 1073741824,
 *               "snapshot_trailing": 2048 },
 *     "limits": { "max_request_bytes": 4194304, "max_batch_commands": 4096,
 *                 "max_batch_bytes": 4194304, "max_connections": 1024,
 *                 "max_state_bytes": 0 },
 *     "log_level": "info"
 *   }
 * Unknown keys are errors (a typo must not silently fall back to a default).
 *
 * Flags (same names with dashes): --config FILE, --id N, --data-dir DIR,
 * --raft-address A, --client-address A, --http-address A,
 * --peer ID=RAFT_ADDR,CLIENT_ADDR[,HTTP_ADDR] (repeatable), --join,
 * --enable-test-hooks,
 * --election-timeout-ms N, --heartbeat-timeout-ms N,
 * --install-snapshot-timeout-ms N, --snapshot-threshold N,
 * --snapshot-trailing N, --max-request-bytes N, --max-connections N,
 * --max-state-bytes N,
 * --region R, --account-id A, --log-level debug|info|warn|error, --help. */
#ifndef STRATUS_CONFIG_H
#define STRATUS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_PEERS   16
#define CONFIG_ADDR_MAX	   256
#define CONFIG_ERRMSG_SIZE 512

struct config_peer {
	uint64_t id;
	char raft_address[CONFIG_ADDR_MAX];
	char client_address[CONFIG_ADDR_MAX];
	char http_address[CONFIG_ADDR_MAX]; /* "" when not given */
};

enum config_log_level {
	LOGLEVEL_DEBUG,
	LOGLEVEL_INFO,
	LOGLEVEL_WARN,
	LOGLEVEL_ERROR
};

struct config {
	uint64_t node_id;
	char data_dir[1024];
	char raft_address[CONFIG_ADDR_MAX];
	char client_address[CONFIG_ADDR_MAX];
	char http_address[CONFIG_ADDR_MAX];
	/* TLS for tls+tcp:// addresses (raft: mutual, both sides verified
	 * against the cluster CA; client listener: server side): PEM files */
	char tls_ca[1024];
	char tls_cert[1024];
	char tls_key[1024];
	/* tcp:// (plaintext) on a non-loopback address only with this set */
	bool allow_plaintext;
	/* HTTPS: PEM certificate chain and key; both "" = plain HTTP */
	char http_tls_cert[1024];
	char http_tls_key[1024];
	struct config_peer peers[CONFIG_MAX_PEERS]; /* the bootstrap cluster */
	size_t n_peers;
	bool join; /* start empty and wait to be added (not in peers) */
	/* accept test-only commands (DebugDrop: simulated partitions) */
	bool enable_test_hooks;
	char region[64];
	char account_id[32];
	/* raft */
	unsigned election_timeout_ms;	      /* default 300 */
	unsigned heartbeat_timeout_ms;	      /* default 50 */
	unsigned install_snapshot_timeout_ms; /* default 5000 */
	unsigned snapshot_threshold;	      /* default 65536 entries */
	/* Fewer entries between snapshots when they are large: about this
	 * many bytes of log (node.c); 0: snapshot_threshold alone. */
	size_t snapshot_log_bytes;  /* default 1 GiB */
	unsigned snapshot_trailing; /* default 2048 entries */
	size_t segment_bytes; /* raft_uv segment file size; 0: its 8 MiB */
	/* a leader whose log writes stay slower than this hands over (0: no) */
	unsigned slow_disk_ms; /* default 500 */
	/* limits */
	size_t max_request_bytes;  /* default 4 MiB */
	size_t max_batch_commands; /* default 4096 per raft entry */
	size_t max_batch_bytes;	   /* default 4 MiB per raft entry */
	unsigned max_connections;  /* default 1024 */
	/* Memory budget of the replicated state (fsm_state_bytes): the
	 * leader refuses writes that would grow it beyond (OverLimit).
	 * 0 = automatic (node.c: a quarter of physical memory). */
	size_t max_state_bytes;
	enum config_log_level log_level;
};

/* Fill in the defaults. */
void config_defaults(struct config *c);

/* Read a JSON file into c (keys present override). -1 with
 * "PATH:LINE:COL: message" in errmsg on a syntax error, or
 * "PATH: key 'raft.election_timeout_ms': must be a positive integer" on a
 * bad value. */
int config_load_file(struct config *c, const char *path, char *errmsg,
		     size_t errmsg_size);

/* Apply argv (after argv[0]). --config is applied first wherever it
 * appears, then the other flags in order. Sets *help when --help was given.
 * -1 with a message naming the flag on error. */
int config_parse_args(struct config *c, int argc, char **argv, bool *help,
		      char *errmsg, size_t errmsg_size);

/* Check the whole configuration is usable (id set, addresses set, this
 * node in peers unless join, unique peer ids, timings sane). */
int config_validate(const struct config *c, char *errmsg, size_t errmsg_size);

/* Usage text for --help. */
const char *config_usage(void);

/* The peer entry with this id, or NULL. */
const struct config_peer *config_find_peer(const struct config *c, uint64_t id);

#endif
