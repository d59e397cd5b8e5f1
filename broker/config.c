/* config — a node's configuration from defaults, a JSON file and flags.
 *
 * Every setting is described once, in the field table below: its JSON key,
 * its flag, its kind and where it lives in struct config. The file loader
 * and the flag parser both go through that table, so a value means the same
 * thing and is checked the same way wherever it comes from. Loading and
 * parsing work on a copy and commit it only on success: on error the caller's
 * struct config is left as it was. Nothing here exits or prints. */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#define DEFAULT_REGION	   "us-east-1"
#define DEFAULT_ACCOUNT_ID "000000000000"
#define ACCOUNT_ID_DIGITS  12

/* What is wrong with a value, without the "where" prefix. */
#define WHY_SIZE 384
/* A JSON key path such as "peers[3].raft_address". */
#define KEY_SIZE 128

enum field_kind {
	FK_ID,	      /* uint64_t, >= 1 */
	FK_UNSIGNED,  /* unsigned */
	FK_SIZE,      /* size_t */
	FK_BOOL,      /* bool; as a flag it takes no value */
	FK_PATH,      /* char[], non-empty */
	FK_NNG_ADDR,  /* char[], tcp://HOST:PORT or tls+tcp://HOST:PORT */
	FK_HTTP_ADDR, /* char[], HOST:PORT */
	FK_REGION,    /* char[], like us-east-1 */
	FK_ACCOUNT,   /* char[], 12 digits */
	FK_LOG_LEVEL, /* enum config_log_level */
};

struct field {
	const char *section; /* "" (top level), "raft", "limits" or "tls" */
	const char *name;    /* JSON key inside section */
	const char *flag;    /* "--election-timeout-ms" */
	enum field_kind kind;
	size_t offset; /* of the member in struct config */
	size_t size;   /* of the member; for strings the buffer size */
	bool allow_zero;
};

#define FIELD(section, name, flag, kind, member, zero)                         \
	{                                                                      \
		section, name, flag, kind, offsetof(struct config, member),    \
		    sizeof(((struct config *)0)->member), zero                 \
	}

static const struct field fields[] = {
    FIELD("", "node_id", "--id", FK_ID, node_id, false),
    FIELD("", "data_dir", "--data-dir", FK_PATH, data_dir, false),
    FIELD("", "raft_address", "--raft-address", FK_NNG_ADDR, raft_address,
	  false),
    FIELD("", "client_address", "--client-address", FK_NNG_ADDR, client_address,
	  false),
    FIELD("", "http_address", "--http-address", FK_HTTP_ADDR, http_address,
	  false),
    FIELD("tls", "ca", "--tls-ca", FK_PATH, tls_ca, false),
    FIELD("tls", "cert", "--tls-cert", FK_PATH, tls_cert, false),
    FIELD("tls", "key", "--tls-key", FK_PATH, tls_key, false),
    FIELD("", "allow_plaintext", "--allow-plaintext", FK_BOOL, allow_plaintext,
	  false),
    FIELD("tls", "http_cert", "--http-tls-cert", FK_PATH, http_tls_cert, false),
    FIELD("tls", "http_key", "--http-tls-key", FK_PATH, http_tls_key, false),
    FIELD("", "join", "--join", FK_BOOL, join, false),
    FIELD("", "enable_test_hooks", "--enable-test-hooks", FK_BOOL,
	  enable_test_hooks, false),
    FIELD("", "region", "--region", FK_REGION, region, false),
    FIELD("", "account_id", "--account-id", FK_ACCOUNT, account_id, false),
    FIELD("raft", "election_timeout_ms", "--election-timeout-ms", FK_UNSIGNED,
	  election_timeout_ms, false),
    FIELD("raft", "heartbeat_timeout_ms", "--heartbeat-timeout-ms", FK_UNSIGNED,
	  heartbeat_timeout_ms, false),
    FIELD("raft", "install_snapshot_timeout_ms",
	  "--install-snapshot-timeout-ms", FK_UNSIGNED,
	  install_snapshot_timeout_ms, false),
    FIELD("raft", "snapshot_threshold", "--snapshot-threshold", FK_UNSIGNED,
	  snapshot_threshold, false),
    /* 0: snapshot every snapshot_threshold entries, whatever their size. */
    FIELD("raft", "snapshot_log_bytes", "--snapshot-log-bytes", FK_SIZE,
	  snapshot_log_bytes, true),
    /* 0 is fine: keep no entries behind a snapshot. */
    FIELD("raft", "snapshot_trailing", "--snapshot-trailing", FK_UNSIGNED,
	  snapshot_trailing, true),
    /* 0 keeps raft_uv's default (8 MiB). */
    FIELD("raft", "segment_bytes", "--segment-bytes", FK_SIZE, segment_bytes,
	  true),
    /* 0: a leader never hands over because of its disk. */
    FIELD("raft", "slow_disk_ms", "--slow-disk-ms", FK_UNSIGNED, slow_disk_ms,
	  true),
    FIELD("limits", "max_request_bytes", "--max-request-bytes", FK_SIZE,
	  max_request_bytes, false),
    FIELD("limits", "max_batch_commands", "--max-batch-commands", FK_SIZE,
	  max_batch_commands, false),
    FIELD("limits", "max_batch_bytes", "--max-batch-bytes", FK_SIZE,
	  max_batch_bytes, false),
    FIELD("limits", "max_connections", "--max-connections", FK_UNSIGNED,
	  max_connections, false),
    /* 0 = automatic: a quarter of the host's memory */
    FIELD("limits", "max_state_bytes", "--max-state-bytes", FK_SIZE,
	  max_state_bytes, true),
    FIELD("", "log_level", "--log-level", FK_LOG_LEVEL, log_level, false),
};

#define N_FIELDS (sizeof fields / sizeof fields[0])

static const char *const log_level_names[] = {
    [LOGLEVEL_DEBUG] = "debug",
    [LOGLEVEL_INFO] = "info",
    [LOGLEVEL_WARN] = "warn",
    [LOGLEVEL_ERROR] = "error",
};

static const char usage[] =
    "usage: stratusd [--config FILE] [flags]\n"
    "\n"
    "Flags override the JSON file given with --config, which overrides the\n"
    "defaults.\n"
    "\n"
    "  --config FILE                   JSON configuration file\n"
    "  --id N                          this node's id (>= 1)\n"
    "  --data-dir DIR                  where the raft log and snapshots live\n"
    "  --raft-address A                tcp://HOST:PORT or tls+tcp://HOST:PORT\n"
    "  --client-address A              tcp://HOST:PORT or tls+tcp://HOST:PORT\n"
    "  --http-address A                HOST:PORT\n"
    "  --tls-ca FILE                   cluster CA (PEM) for tls+tcp:// peers\n"
    "  --tls-cert FILE                 this node's certificate (PEM)...\n"
    "  --tls-key FILE                  ...and key, for tls+tcp:// listeners\n"
    "  --allow-plaintext               allow tcp:// on non-loopback addresses\n"
    "  --http-tls-cert FILE            serve HTTPS with this PEM chain...\n"
    "  --http-tls-key FILE             ...and this PEM key (both or neither)\n"
    "  --peer ID=RAFT,CLIENT[,HTTP]    a member of the bootstrap cluster\n"
    "                                  (repeatable; replaces the file's "
    "peers)\n"
    "  --join                          start empty and wait to be added\n"
    "  --enable-test-hooks             accept test-only commands (simulated\n"
    "                                  partitions); never in production\n"
    "  --election-timeout-ms N         default 300\n"
    "  --heartbeat-timeout-ms N        default 50\n"
    "  --install-snapshot-timeout-ms N default 5000\n"
    "  --snapshot-threshold N          most entries between snapshots, "
    "default 65536\n"
    "  --snapshot-log-bytes N          ...and fewer when entries are large:\n"
    "                                  about N bytes of log between them,\n"
    "                                  default 1 GiB (0: count only)\n"
    "  --snapshot-trailing N           entries kept after one, default 2048\n"
    "  --segment-bytes N               raft log segment file size (each is\n"
    "                                  preallocated), default 8388608\n"
    "  --slow-disk-ms N                a leader whose log writes take longer\n"
    "                                  (smoothed, for 2 s) hands leadership\n"
    "                                  over; 0: never; default 500\n"
    "  --max-request-bytes N           default 4194304\n"
    "  --max-batch-commands N          commands per raft entry, default 4096\n"
    "  --max-batch-bytes N             bytes per raft entry, default 4194304\n"
    "  --max-connections N             default 1024\n"
    "  --max-state-bytes N             memory budget of the replicated state;\n"
    "                                  growing writes are refused (OverLimit)\n"
    "                                  beyond it; default 0 = a quarter of\n"
    "                                  the host's memory\n"
    "  --region R                      default us-east-1\n"
    "  --account-id A                  12 digits, default 000000000000\n"
    "  --log-level L                   debug, info, warn or error\n"
    "  --help                          print this text\n";

/* Write a message into errmsg; a NULL or empty buffer is allowed. */
static void seterr(char *errmsg, size_t errmsg_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *errmsg, size_t errmsg_size, const char *fmt, ...)
{
	va_list ap;

	if (errmsg == NULL || errmsg_size == 0) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(errmsg, errmsg_size, fmt, ap);
	va_end(ap);
}

/* Copy s for quoting in a message: bounded, non-printable bytes as '?'
 * (an unknown key may hold anything). */
static const char *printable(const char *s, char *buf, size_t size)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < size; i++) {
		unsigned char ch = (unsigned char)s[i];
		buf[i] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	buf[i] = '\0';
	return buf;
}

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->region, sizeof c->region, "%s", DEFAULT_REGION);
	snprintf(c->account_id, sizeof c->account_id, "%s", DEFAULT_ACCOUNT_ID);
	c->election_timeout_ms = 300;
	c->heartbeat_timeout_ms = 50;
	c->install_snapshot_timeout_ms = 5000;
	c->snapshot_threshold = 65536;
	c->snapshot_log_bytes = 1024u * 1024 * 1024;
	c->snapshot_trailing = 2048;
	c->slow_disk_ms = 500;
	c->max_request_bytes = 4 * 1024 * 1024;
	c->max_batch_commands = 4096;
	c->max_batch_bytes = 4 * 1024 * 1024;
	c->max_connections = 1024;
	c->log_level = LOGLEVEL_INFO;
}

/* --- value checks, shared by the file and the flags -------------------- */

/* HOST:PORT, HOST a name or IPv4 address, or an IPv6 address in brackets;
 * PORT 1..65535. */
static bool is_host_port(const char *s)
{
	const char *port;
	unsigned long n = 0;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (end == NULL || end == s + 1 || end[1] != ':') {
			return false;
		}
		for (const char *p = s + 1; p < end; p++) {
			if (!isxdigit((unsigned char)*p) && *p != ':' &&
			    *p != '.' && *p != '%') {
				return false;
			}
		}
		port = end + 2;
	} else {
		const char *colon = strchr(s, ':');
		if (colon == NULL || colon == s) {
			return false;
		}
		for (const char *p = s; p < colon; p++) {
			if (!isalnum((unsigned char)*p) && *p != '.' &&
			    *p != '-' && *p != '_') {
				return false;
			}
		}
		port = colon + 1;
	}
	if (*port == '\0' || strlen(port) > 5) {
		return false;
	}
	for (const char *p = port; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p)) {
			return false;
		}
		n = n * 10 + (unsigned long)(*p - '0');
	}
	return n >= 1 && n <= 65535;
}

static bool is_nng_address(const char *s)
{
	if (strncmp(s, "tcp://", 6) == 0) {
		return is_host_port(s + 6);
	}
	if (strncmp(s, "tls+tcp://", 10) == 0) {
		return is_host_port(s + 10);
	}
	return false;
}

static int check_nng_address(const char *s, char *why, size_t why_size)
{
	char shown[96];

	if (is_nng_address(s)) {
		return 0;
	}
	seterr(why, why_size,
	       "must look like tcp://HOST:PORT or tls+tcp://HOST:PORT (got "
	       "'%s')",
	       printable(s, shown, sizeof shown));
	return -1;
}

static bool is_tls_address(const char *s)
{
	return strncmp(s, "tls+tcp://", 10) == 0;
}

/* A tcp:// address on a loopback host (127.x, localhost, [::1]). */
static bool is_loopback_address(const char *s)
{
	const char *h = strncmp(s, "tcp://", 6) == 0 ? s + 6 : s;
	return strncmp(h, "127.", 4) == 0 ||
	       strncmp(h, "localhost:", 10) == 0 ||
	       strncmp(h, "[::1]:", 6) == 0;
}

/* tls+tcp:// needs the CA, certificate and key; plaintext off loopback
 * needs allow_plaintext; the cluster uses one transport for raft. */
static int check_transport_security(const struct config *c, char *errmsg,
				    size_t errmsg_size)
{
	bool tls = is_tls_address(c->raft_address) ||
		   is_tls_address(c->client_address);
	const char *plain = NULL;
	size_t i;

	for (i = 0; i < c->n_peers && i < CONFIG_MAX_PEERS; i++) {
		if (is_tls_address(c->peers[i].raft_address) !=
		    is_tls_address(c->raft_address)) {
			seterr(errmsg, errmsg_size,
			       "peers: node %llu's raft address uses another "
			       "transport than this node's (all tcp:// or all "
			       "tls+tcp://)",
			       (unsigned long long)c->peers[i].id);
			return -1;
		}
	}
	if (tls && (c->tls_ca[0] == '\0' || c->tls_cert[0] == '\0' ||
		    c->tls_key[0] == '\0')) {
		seterr(errmsg, errmsg_size,
		       "tls: tls+tcp:// addresses need the cluster CA, this "
		       "node's certificate and key (--tls-ca, --tls-cert, "
		       "--tls-key; deploy/make-certs.sh makes them)");
		return -1;
	}
	if (!is_tls_address(c->raft_address) &&
	    !is_loopback_address(c->raft_address)) {
		plain = c->raft_address;
	} else if (!is_tls_address(c->client_address) &&
		   !is_loopback_address(c->client_address)) {
		plain = c->client_address;
	}
	if (plain != NULL && !c->allow_plaintext) {
		seterr(errmsg, errmsg_size,
		       "%s is plaintext on a non-loopback address: use "
		       "tls+tcp:// (with --tls-ca/--tls-cert/--tls-key) or "
		       "set allow_plaintext (--allow-plaintext) for a trusted "
		       "network",
		       plain);
		return -1;
	}
	return 0;
}

static int check_http_address(const char *s, char *why, size_t why_size)
{
	char shown[96];

	if (is_host_port(s)) {
		return 0;
	}
	seterr(why, why_size, "must look like HOST:PORT (got '%s')",
	       printable(s, shown, sizeof shown));
	return -1;
}

static int parse_log_level(const char *s, enum config_log_level *level)
{
	for (size_t i = 0;
	     i < sizeof log_level_names / sizeof log_level_names[0]; i++) {
		if (strcmp(s, log_level_names[i]) == 0) {
			*level = (enum config_log_level)i;
			return 0;
		}
	}
	return -1;
}

/* Check s for a string-kind field and store it. */
static int set_string(struct config *c, const struct field *f, const char *s,
		      char *why, size_t why_size)
{
	char *dst = (char *)c + f->offset;
	char shown[96];
	size_t len = strlen(s);

	if (f->kind == FK_LOG_LEVEL) {
		enum config_log_level level;
		if (parse_log_level(s, &level) != 0) {
			seterr(why, why_size,
			       "must be debug, info, warn or error (got '%s')",
			       printable(s, shown, sizeof shown));
			return -1;
		}
		*(enum config_log_level *)(void *)dst = level;
		return 0;
	}
	if (len == 0) {
		seterr(why, why_size, "must not be empty");
		return -1;
	}
	if (len >= f->size) {
		seterr(why, why_size, "must be at most %zu characters",
		       f->size - 1);
		return -1;
	}
	switch (f->kind) {
	case FK_NNG_ADDR:
		if (check_nng_address(s, why, why_size) != 0) {
			return -1;
		}
		break;
	case FK_HTTP_ADDR:
		if (check_http_address(s, why, why_size) != 0) {
			return -1;
		}
		break;
	case FK_REGION:
		for (const char *p = s; *p != '\0'; p++) {
			if (!islower((unsigned char)*p) &&
			    !isdigit((unsigned char)*p) && *p != '-') {
				seterr(why, why_size,
				       "must be lowercase letters, digits "
				       "and '-' like us-east-1 (got '%s')",
				       printable(s, shown, sizeof shown));
				return -1;
			}
		}
		break;
	case FK_ACCOUNT:
		if (len != ACCOUNT_ID_DIGITS ||
		    strspn(s, "0123456789") != len) {
			seterr(why, why_size, "must be %d digits (got '%s')",
			       ACCOUNT_ID_DIGITS,
			       printable(s, shown, sizeof shown));
			return -1;
		}
		break;
	default:
		break;
	}
	memcpy(dst, s, len + 1);
	return 0;
}

static const char *positive_text(const struct field *f)
{
	return f->allow_zero ? "must be a non-negative integer"
			     : "must be a positive integer";
}

/* Range-check v for a number-kind field and store it. */
static int set_number(struct config *c, const struct field *f, uint64_t v,
		      char *why, size_t why_size)
{
	void *dst = (char *)c + f->offset;

	if (v == 0 && !f->allow_zero) {
		seterr(why, why_size, "%s", positive_text(f));
		return -1;
	}
	switch (f->kind) {
	case FK_ID:
		*(uint64_t *)dst = v;
		return 0;
	case FK_UNSIGNED:
		if (v > UINT_MAX) {
			seterr(why, why_size, "must be at most %u", UINT_MAX);
			return -1;
		}
		*(unsigned *)dst = (unsigned)v;
		return 0;
	case FK_SIZE:
		if (v > SIZE_MAX) {
			seterr(why, why_size, "must be at most %zu",
			       (size_t)SIZE_MAX);
			return -1;
		}
		*(size_t *)dst = (size_t)v;
		return 0;
	default:
		seterr(why, why_size, "internal error: not a number");
		return -1;
	}
}

static bool is_number_kind(enum field_kind kind)
{
	return kind == FK_ID || kind == FK_UNSIGNED || kind == FK_SIZE;
}

/* Strict decimal: digits only, no sign, no spaces, no overflow. */
static int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0') {
		return -1;
	}
	for (; *s != '\0'; s++) {
		unsigned d;
		if (!isdigit((unsigned char)*s)) {
			return -1;
		}
		d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10) {
			return -1;
		}
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Add p to c->peers: -1 when full or its id is taken. */
static int add_peer(struct config *c, const struct config_peer *p, char *why,
		    size_t why_size)
{
	if (config_find_peer(c, p->id) != NULL) {
		seterr(why, why_size, "duplicate peer id %llu",
		       (unsigned long long)p->id);
		return -1;
	}
	if (c->n_peers >= CONFIG_MAX_PEERS) {
		seterr(why, why_size, "at most %d peers", CONFIG_MAX_PEERS);
		return -1;
	}
	c->peers[c->n_peers++] = *p;
	return 0;
}

/* Check and copy one peer address; what names it in a message ("raft
 * address", or "" when the caller's prefix already does). */
static int set_peer_address(char *dst, const char *s, bool http,
			    const char *what, char *why, size_t why_size)
{
	char inner[WHY_SIZE - 32];
	const char *sep = what[0] != '\0' ? " " : "";

	if (strlen(s) >= CONFIG_ADDR_MAX) {
		seterr(why, why_size, "%s%smust be at most %d characters", what,
		       sep, CONFIG_ADDR_MAX - 1);
		return -1;
	}
	if ((http ? check_http_address(s, inner, sizeof inner)
		  : check_nng_address(s, inner, sizeof inner)) != 0) {
		seterr(why, why_size, "%s%s%s", what, sep, inner);
		return -1;
	}
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

/* --- the JSON file ----------------------------------------------------- */

static const struct field *find_field_json(const char *section,
					   const char *name)
{
	for (size_t i = 0; i < N_FIELDS; i++) {
		if (strcmp(fields[i].section, section) == 0 &&
		    strcmp(fields[i].name, name) == 0) {
			return &fields[i];
		}
	}
	return NULL;
}

/* A JSON string as a C string; -1 when v is not a string or holds NUL. */
static int json_c_string(json_t *v, const char **s, char *why, size_t why_size)
{
	if (!json_is_string(v)) {
		seterr(why, why_size, "must be a string");
		return -1;
	}
	*s = json_string_value(v);
	if (strlen(*s) != json_string_length(v)) {
		seterr(why, why_size, "must not contain NUL characters");
		return -1;
	}
	return 0;
}

static int json_set_field(struct config *c, const struct field *f, json_t *v,
			  char *why, size_t why_size)
{
	const char *s;

	if (is_number_kind(f->kind)) {
		json_int_t n;
		if (!json_is_integer(v) || (n = json_integer_value(v)) < 0) {
			seterr(why, why_size, "%s", positive_text(f));
			return -1;
		}
		return set_number(c, f, (uint64_t)n, why, why_size);
	}
	if (f->kind == FK_BOOL) {
		if (!json_is_boolean(v)) {
			seterr(why, why_size, "must be true or false");
			return -1;
		}
		*(bool *)(void *)((char *)c + f->offset) = json_is_true(v);
		return 0;
	}
	if (json_c_string(v, &s, why, why_size) != 0) {
		return -1;
	}
	return set_string(c, f, s, why, why_size);
}

/* One element of "peers"; key receives the path of a bad member. */
static int load_peer(struct config *c, json_t *obj, size_t index, char *key,
		     size_t key_size, char *why, size_t why_size)
{
	struct config_peer p;
	const char *name;
	json_t *v;
	char shown[64];

	memset(&p, 0, sizeof p);
	snprintf(key, key_size, "peers[%zu]", index);
	if (!json_is_object(obj)) {
		seterr(why, why_size,
		       "must be an object with id, raft_address, "
		       "client_address and optionally http_address");
		return -1;
	}
	json_object_foreach(obj, name, v)
	{
		const char *s;
		char *dst;
		bool http = false;

		snprintf(key, key_size, "peers[%zu].%s", index,
			 printable(name, shown, sizeof shown));
		if (strcmp(name, "id") == 0) {
			json_int_t n;
			if (!json_is_integer(v) ||
			    (n = json_integer_value(v)) < 1) {
				seterr(why, why_size,
				       "must be a positive integer");
				return -1;
			}
			p.id = (uint64_t)n;
			continue;
		}
		if (strcmp(name, "raft_address") == 0) {
			dst = p.raft_address;
		} else if (strcmp(name, "client_address") == 0) {
			dst = p.client_address;
		} else if (strcmp(name, "http_address") == 0) {
			dst = p.http_address;
			http = true;
		} else {
			seterr(why, why_size, "unknown key");
			return -1;
		}
		if (json_c_string(v, &s, why, why_size) != 0) {
			return -1;
		}
		/* The key already names the member: no extra label. */
		if (set_peer_address(dst, s, http, "", why, why_size) != 0) {
			return -1;
		}
	}
	if (p.id == 0 || p.raft_address[0] == '\0' ||
	    p.client_address[0] == '\0') {
		const char *missing = p.id == 0 ? "id"
				      : p.raft_address[0] == '\0'
					  ? "raft_address"
					  : "client_address";
		snprintf(key, key_size, "peers[%zu].%s", index, missing);
		seterr(why, why_size, "missing");
		return -1;
	}
	snprintf(key, key_size, "peers[%zu].id", index);
	return add_peer(c, &p, why, why_size);
}

static int load_peers(struct config *c, json_t *arr, char *key, size_t key_size,
		      char *why, size_t why_size)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr)) {
		seterr(why, why_size, "must be an array");
		return -1;
	}
	if (json_array_size(arr) > CONFIG_MAX_PEERS) {
		seterr(why, why_size, "at most %d peers", CONFIG_MAX_PEERS);
		return -1;
	}
	/* The file's list replaces whatever was there. */
	c->n_peers = 0;
	json_array_foreach(arr, i, v)
	{
		if (load_peer(c, v, i, key, key_size, why, why_size) != 0) {
			return -1;
		}
	}
	return 0;
}

/* The members of one object: the top level (section "") or a section. */
static int load_object(struct config *c, json_t *obj, const char *section,
		       char *key, size_t key_size, char *why, size_t why_size)
{
	const char *name;
	json_t *v;
	char shown[64];

	json_object_foreach(obj, name, v)
	{
		const struct field *f;

		printable(name, shown, sizeof shown);
		if (section[0] != '\0') {
			snprintf(key, key_size, "%s.%s", section, shown);
		} else {
			snprintf(key, key_size, "%s", shown);
		}
		if (section[0] == '\0' &&
		    (strcmp(name, "raft") == 0 || strcmp(name, "limits") == 0 ||
		     strcmp(name, "tls") == 0)) {
			if (!json_is_object(v)) {
				seterr(why, why_size, "must be an object");
				return -1;
			}
			if (load_object(c, v, name, key, key_size, why,
					why_size) != 0) {
				return -1;
			}
			continue;
		}
		if (section[0] == '\0' && strcmp(name, "peers") == 0) {
			if (load_peers(c, v, key, key_size, why, why_size) !=
			    0) {
				return -1;
			}
			continue;
		}
		f = find_field_json(section, name);
		if (f == NULL) {
			seterr(why, why_size, "unknown key");
			return -1;
		}
		if (json_set_field(c, f, v, why, why_size) != 0) {
			return -1;
		}
	}
	return 0;
}

/* Jansson's "unable to open PATH: REASON" without the repeated path. */
static const char *open_reason(const json_error_t *jerr, const char *path)
{
	static const char prefix[] = "unable to open ";
	size_t plen = strlen(prefix), len = strlen(path);

	if (strncmp(jerr->text, prefix, plen) == 0 &&
	    strncmp(jerr->text + plen, path, len) == 0 &&
	    strncmp(jerr->text + plen + len, ": ", 2) == 0) {
		return jerr->text + plen + len + 2;
	}
	return jerr->text;
}

int config_load_file(struct config *c, const char *path, char *errmsg,
		     size_t errmsg_size)
{
	struct config tmp;
	json_error_t jerr;
	json_t *root;
	struct stat st;
	char key[KEY_SIZE] = "";
	char why[WHY_SIZE] = "";
	int rc;

	/* Jansson reads a directory as an empty file; say what it is. */
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		seterr(errmsg, errmsg_size, "%s: is a directory", path);
		return -1;
	}
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		if (json_error_code(&jerr) == json_error_cannot_open_file) {
			seterr(errmsg, errmsg_size, "%s: %s", path,
			       open_reason(&jerr, path));
		} else if (jerr.line >= 1) {
			seterr(errmsg, errmsg_size, "%s:%d:%d: %s", path,
			       jerr.line, jerr.column, jerr.text);
		} else {
			seterr(errmsg, errmsg_size, "%s: %s", path, jerr.text);
		}
		return -1;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		seterr(errmsg, errmsg_size,
		       "%s: the top level must be a JSON object", path);
		return -1;
	}
	tmp = *c;
	rc = load_object(&tmp, root, "", key, sizeof key, why, sizeof why);
	json_decref(root);
	if (rc != 0) {
		seterr(errmsg, errmsg_size, "%s: key '%s': %s", path, key, why);
		return -1;
	}
	*c = tmp;
	return 0;
}

/* --- flags ------------------------------------------------------------- */

enum flag_what { FL_FIELD, FL_CONFIG, FL_PEER, FL_HELP };

/* One flag occurrence from argv. */
struct flag_arg {
	enum flag_what what;
	const struct field *field; /* FL_FIELD only */
	const char *name;	   /* the flag as the table spells it */
	const char *value;	   /* borrowed from argv; NULL for no value */
};

/* The flag at argv[*i]; advances *i past it and its value. */
static int next_flag(int argc, char **argv, int *i, struct flag_arg *out,
		     char *errmsg, size_t errmsg_size)
{
	const char *arg = argv[*i];
	const char *eq;
	size_t len;
	bool takes_value;
	char shown[96];

	(*i)++;
	memset(out, 0, sizeof *out);
	if (strcmp(arg, "-h") == 0) {
		arg = "--help";
	}
	if (strncmp(arg, "--", 2) != 0) {
		seterr(errmsg, errmsg_size, "unexpected argument '%s'",
		       printable(arg, shown, sizeof shown));
		return -1;
	}
	eq = strchr(arg, '=');
	len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
	if (len == 8 && strncmp(arg, "--config", len) == 0) {
		out->what = FL_CONFIG;
		out->name = "--config";
	} else if (len == 6 && strncmp(arg, "--peer", len) == 0) {
		out->what = FL_PEER;
		out->name = "--peer";
	} else if (len == 6 && strncmp(arg, "--help", len) == 0) {
		out->what = FL_HELP;
		out->name = "--help";
	} else {
		for (size_t k = 0; k < N_FIELDS; k++) {
			if (strlen(fields[k].flag) == len &&
			    strncmp(arg, fields[k].flag, len) == 0) {
				out->what = FL_FIELD;
				out->field = &fields[k];
				out->name = fields[k].flag;
				break;
			}
		}
		if (out->name == NULL) {
			seterr(errmsg, errmsg_size,
			       "unknown flag '%s' (see --help)",
			       printable(arg, shown, sizeof shown));
			return -1;
		}
	}
	takes_value = out->what == FL_CONFIG || out->what == FL_PEER ||
		      (out->what == FL_FIELD && out->field->kind != FK_BOOL);
	if (!takes_value) {
		if (eq != NULL) {
			seterr(errmsg, errmsg_size, "%s: takes no value",
			       out->name);
			return -1;
		}
		return 0;
	}
	if (eq != NULL) {
		out->value = eq + 1;
		return 0;
	}
	/* A following flag is not a value: "--data-dir --join" is a
	 * forgotten argument, not a directory called "--join". */
	if (*i >= argc || strncmp(argv[*i], "--", 2) == 0) {
		seterr(errmsg, errmsg_size, "%s: missing value", out->name);
		return -1;
	}
	out->value = argv[(*i)++];
	return 0;
}

/* ID=RAFT_ADDR,CLIENT_ADDR[,HTTP_ADDR] */
static int parse_peer_flag(const char *value, struct config_peer *p, char *why,
			   size_t why_size)
{
	char buf[4 * CONFIG_ADDR_MAX];
	char *eq, *addrs[3], *comma, *rest;
	size_t n = 0;
	char shown[96];
	static const char *const what[] = {"raft address", "client address",
					   "http address"};

	memset(p, 0, sizeof *p);
	if (strlen(value) >= sizeof buf) {
		seterr(why, why_size, "too long");
		return -1;
	}
	memcpy(buf, value, strlen(value) + 1);
	eq = strchr(buf, '=');
	if (eq == NULL) {
		goto err_format;
	}
	*eq = '\0';
	if (parse_u64(buf, &p->id) != 0 || p->id == 0) {
		seterr(why, why_size,
		       "id must be a positive integer (got '%s')",
		       printable(buf, shown, sizeof shown));
		return -1;
	}
	rest = eq + 1;
	for (;;) {
		if (n == 3) {
			goto err_format;
		}
		addrs[n++] = rest;
		comma = strchr(rest, ',');
		if (comma == NULL) {
			break;
		}
		*comma = '\0';
		rest = comma + 1;
	}
	if (n < 2) {
		goto err_format;
	}
	if (set_peer_address(p->raft_address, addrs[0], false, what[0], why,
			     why_size) != 0 ||
	    set_peer_address(p->client_address, addrs[1], false, what[1], why,
			     why_size) != 0 ||
	    (n == 3 && set_peer_address(p->http_address, addrs[2], true,
					what[2], why, why_size) != 0)) {
		return -1;
	}
	return 0;

err_format:
	seterr(why, why_size,
	       "expected ID=RAFT_ADDR,CLIENT_ADDR[,HTTP_ADDR] (got '%s')",
	       printable(value, shown, sizeof shown));
	return -1;
}

static int apply_flag(struct config *c, const struct flag_arg *fa,
		      bool *peers_from_flags, char *why, size_t why_size)
{
	const struct field *f = fa->field;
	char shown[96];

	if (fa->what == FL_PEER) {
		struct config_peer p;
		if (parse_peer_flag(fa->value, &p, why, why_size) != 0) {
			return -1;
		}
		/* Peers given as flags replace the file's list. */
		if (!*peers_from_flags) {
			c->n_peers = 0;
			*peers_from_flags = true;
		}
		return add_peer(c, &p, why, why_size);
	}
	if (f->kind == FK_BOOL) {
		*(bool *)(void *)((char *)c + f->offset) = true;
		return 0;
	}
	if (is_number_kind(f->kind)) {
		uint64_t v;
		if (parse_u64(fa->value, &v) != 0 ||
		    (v == 0 && !f->allow_zero)) {
			seterr(why, why_size, "%s (got '%s')", positive_text(f),
			       printable(fa->value, shown, sizeof shown));
			return -1;
		}
		return set_number(c, f, v, why, why_size);
	}
	return set_string(c, f, fa->value, why, why_size);
}

int config_parse_args(struct config *c, int argc, char **argv, bool *help,
		      char *errmsg, size_t errmsg_size)
{
	struct config tmp;
	struct flag_arg fa;
	const char *config_path = NULL;
	bool peers_from_flags = false;
	char why[WHY_SIZE];
	int i;

	if (help != NULL) {
		*help = false;
	}
	/* Pass 1: check the syntax of every flag, find --help and --config. */
	for (i = 0; i < argc;) {
		if (next_flag(argc, argv, &i, &fa, errmsg, errmsg_size) != 0) {
			return -1;
		}
		if (fa.what == FL_HELP) {
			if (help != NULL) {
				*help = true;
			}
			return 0;
		}
		if (fa.what == FL_CONFIG) {
			if (config_path != NULL) {
				seterr(errmsg, errmsg_size,
				       "--config: given more than once");
				return -1;
			}
			if (fa.value[0] == '\0') {
				seterr(errmsg, errmsg_size,
				       "--config: must not be empty");
				return -1;
			}
			config_path = fa.value;
		}
	}
	tmp = *c;
	if (config_path != NULL &&
	    config_load_file(&tmp, config_path, errmsg, errmsg_size) != 0) {
		return -1;
	}
	/* Pass 2: the other flags, in order. */
	for (i = 0; i < argc;) {
		if (next_flag(argc, argv, &i, &fa, errmsg, errmsg_size) != 0) {
			return -1;
		}
		if (fa.what == FL_CONFIG) {
			continue;
		}
		if (apply_flag(&tmp, &fa, &peers_from_flags, why, sizeof why) !=
		    0) {
			seterr(errmsg, errmsg_size, "%s: %s", fa.name, why);
			return -1;
		}
	}
	*c = tmp;
	return 0;
}

/* --- the whole configuration ------------------------------------------- */

static int validate_peers(const struct config *c, char *errmsg,
			  size_t errmsg_size)
{
	for (size_t i = 0; i < c->n_peers; i++) {
		const struct config_peer *p = &c->peers[i];
		char why[WHY_SIZE];
		const char *bad = NULL;

		if (p->id == 0) {
			seterr(errmsg, errmsg_size,
			       "peers: entry %zu has no id (ids start at 1)",
			       i + 1);
			return -1;
		}
		if (check_nng_address(p->raft_address, why, sizeof why) != 0) {
			bad = "raft address";
		} else if (check_nng_address(p->client_address, why,
					     sizeof why) != 0) {
			bad = "client address";
		} else if (p->http_address[0] != '\0' &&
			   check_http_address(p->http_address, why,
					      sizeof why) != 0) {
			bad = "http address";
		}
		if (bad != NULL) {
			seterr(errmsg, errmsg_size, "peer %llu: %s %s",
			       (unsigned long long)p->id, bad, why);
			return -1;
		}
		for (size_t j = 0; j < i; j++) {
			if (c->peers[j].id == p->id) {
				seterr(errmsg, errmsg_size,
				       "duplicate peer id %llu",
				       (unsigned long long)p->id);
				return -1;
			}
			if (strcmp(c->peers[j].raft_address, p->raft_address) ==
			    0) {
				seterr(errmsg, errmsg_size,
				       "peers %llu and %llu have the same "
				       "raft address %s",
				       (unsigned long long)c->peers[j].id,
				       (unsigned long long)p->id,
				       p->raft_address);
				return -1;
			}
		}
	}
	return 0;
}

int config_validate(const struct config *c, char *errmsg, size_t errmsg_size)
{
	const struct config_peer *self;
	char why[WHY_SIZE];
	unsigned long long id = (unsigned long long)c->node_id;

	if (c->node_id == 0) {
		seterr(errmsg, errmsg_size,
		       "node_id is not set (--id or \"node_id\"; ids start "
		       "at 1)");
		return -1;
	}
	if (c->data_dir[0] == '\0') {
		seterr(errmsg, errmsg_size,
		       "data_dir is not set (--data-dir or \"data_dir\")");
		return -1;
	}
	if (c->raft_address[0] == '\0') {
		seterr(errmsg, errmsg_size,
		       "raft_address is not set (--raft-address or "
		       "\"raft_address\")");
		return -1;
	}
	if (check_nng_address(c->raft_address, why, sizeof why) != 0) {
		seterr(errmsg, errmsg_size, "raft_address: %s", why);
		return -1;
	}
	if (c->client_address[0] == '\0') {
		seterr(errmsg, errmsg_size,
		       "client_address is not set (--client-address or "
		       "\"client_address\")");
		return -1;
	}
	if (check_nng_address(c->client_address, why, sizeof why) != 0) {
		seterr(errmsg, errmsg_size, "client_address: %s", why);
		return -1;
	}
	if (c->http_address[0] != '\0' &&
	    check_http_address(c->http_address, why, sizeof why) != 0) {
		seterr(errmsg, errmsg_size, "http_address: %s", why);
		return -1;
	}
	if (check_transport_security(c, errmsg, errmsg_size) != 0) {
		return -1;
	}
	if ((c->http_tls_cert[0] == '\0') != (c->http_tls_key[0] == '\0')) {
		seterr(
		    errmsg, errmsg_size,
		    "tls: http_cert and http_key go together (--http-tls-cert "
		    "and --http-tls-key)");
		return -1;
	}
	if (c->http_tls_cert[0] != '\0' && c->http_address[0] == '\0') {
		seterr(errmsg, errmsg_size,
		       "tls: an HTTPS certificate without http_address");
		return -1;
	}
	if (c->n_peers > CONFIG_MAX_PEERS) {
		seterr(errmsg, errmsg_size, "peers: at most %d peers",
		       CONFIG_MAX_PEERS);
		return -1;
	}
	if (validate_peers(c, errmsg, errmsg_size) != 0) {
		return -1;
	}
	self = config_find_peer(c, c->node_id);
	if (c->join && self != NULL) {
		seterr(errmsg, errmsg_size,
		       "join is set but node %llu is listed in peers (a "
		       "joining node is not a bootstrap member)",
		       id);
		return -1;
	}
	if (!c->join && self == NULL) {
		seterr(errmsg, errmsg_size,
		       "node %llu is not in peers (list the bootstrap cluster "
		       "with --peer %llu=RAFT_ADDR,CLIENT_ADDR, or set join)",
		       id, id);
		return -1;
	}
	if (self != NULL && strcmp(self->raft_address, c->raft_address) != 0) {
		seterr(errmsg, errmsg_size,
		       "raft_address %s does not match peer %llu's raft "
		       "address %s",
		       c->raft_address, id, self->raft_address);
		return -1;
	}
	if (c->election_timeout_ms == 0 || c->heartbeat_timeout_ms == 0 ||
	    c->install_snapshot_timeout_ms == 0) {
		seterr(errmsg, errmsg_size, "raft timeouts must be positive");
		return -1;
	}
	if (c->heartbeat_timeout_ms >= c->election_timeout_ms) {
		seterr(errmsg, errmsg_size,
		       "heartbeat_timeout_ms (%u) must be less than "
		       "election_timeout_ms (%u)",
		       c->heartbeat_timeout_ms, c->election_timeout_ms);
		return -1;
	}
	if (c->snapshot_threshold == 0) {
		seterr(errmsg, errmsg_size,
		       "snapshot_threshold must be positive");
		return -1;
	}
	if (c->snapshot_trailing > c->snapshot_threshold) {
		seterr(errmsg, errmsg_size,
		       "snapshot_trailing (%u) must not exceed "
		       "snapshot_threshold (%u)",
		       c->snapshot_trailing, c->snapshot_threshold);
		return -1;
	}
	if (c->max_request_bytes == 0 || c->max_batch_commands == 0 ||
	    c->max_batch_bytes == 0 || c->max_connections == 0) {
		seterr(errmsg, errmsg_size, "limits must be positive");
		return -1;
	}
	/* raft_uv preallocates segments of this size and an entry must fit
	 * one: a bigger entry would be written past the preallocated space
	 * (where a full disk fails it half-way). */
	size_t biggest = c->max_batch_bytes > c->max_request_bytes
			     ? c->max_batch_bytes
			     : c->max_request_bytes;
	if (c->segment_bytes != 0 && (c->segment_bytes % 4096 != 0 ||
				      c->segment_bytes < biggest + 64 * 1024)) {
		seterr(errmsg, errmsg_size,
		       "segment_bytes (%zu) must be a multiple of 4096 and at "
		       "least max_batch_bytes and max_request_bytes + 65536 "
		       "(%zu)",
		       c->segment_bytes, biggest + 64 * 1024);
		return -1;
	}
	if (c->region[0] == '\0' || c->account_id[0] == '\0') {
		seterr(errmsg, errmsg_size,
		       "region and account_id must not be empty");
		return -1;
	}
	if ((unsigned)c->log_level > LOGLEVEL_ERROR) {
		seterr(errmsg, errmsg_size, "log_level is not valid");
		return -1;
	}
	return 0;
}

const char *config_usage(void)
{
	return usage;
}

const struct config_peer *config_find_peer(const struct config *c, uint64_t id)
{
	for (size_t i = 0; i < c->n_peers && i < CONFIG_MAX_PEERS; i++) {
		if (c->peers[i].id == id) {
			return &c->peers[i];
		}
	}
	return NULL;
}
