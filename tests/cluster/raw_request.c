/* raw_request — send arbitrary bytes to a node's client address over nng
 * REQ and print what comes back. The cluster tests use it to feed stratusd
 * requests that libstratus would never build.
 *
 *   raw_request --address tcp://127.0.0.1:7111 PAYLOAD [--timeout-ms N]
 *   PAYLOAD: --hex HEX        the bytes, in hex ("1a00": one empty Op)
 *            --file PATH      the bytes of a file
 *            --random N       N pseudo-random bytes (--seed S, default 1)
 *            --size N         a valid Request of about N bytes: one KvPut
 *                             with a padded value, encoded by hand so that
 *                             no client-side bound gets in the way
 *            --get KEY        a valid KvGet of KEY (no session): a read
 *                             sent to exactly this node, with no redirect
 *            --drop IDS       test hook (node started with
 *                             --enable-test-hooks): drop all raft traffic
 *                             with peers IDS (comma-separated) on this node
 *            --undrop IDS     stop dropping it
 *
 * Output, one line on stdout:
 *   {"code":2,"error_name":"SerializationException",...}   a decoded Response
 *       (for a ClusterStatus request, results[0].nodes lists what the node
 *       reports; nodes[0] is the node itself: role, term, applied index,
 *       digest — the tests' way to ask ONE node, with no redirect)
 *   NO_REPLY {"connection_closed":B,...}   no reply: the node closed the
 *                                     connection (we do not reconnect, so a
 *                                     close ends the wait) or the timeout hit
 *   UNDECODABLE_REPLY {"reply_bytes":N}   a reply that is not a Response
 *   NO_CONNECT {"error":"..."}         nothing listens at the address
 * Exit status 0 for all of these (the caller judges), 1 on a local failure,
 * 2 on a usage error. */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>
#include <nng/protocol/reqrep0/req.h>

#include "wire.h"

#define MAX_PAYLOAD_BYTES (256u * 1024 * 1024)

static atomic_int pipes_added, pipes_closed;
static nng_aio *recv_aio; /* set before any pipe can exist */

/* nng thread: a connection came or went. A close ends the wait for a
 * reply at once (we never reconnect). */
static void pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	(void)p;
	(void)arg;
	if (ev == NNG_PIPE_EV_ADD_POST) {
		atomic_fetch_add(&pipes_added, 1);
	} else if (ev == NNG_PIPE_EV_REM_POST) {
		atomic_fetch_add(&pipes_closed, 1);
		nng_aio_cancel(recv_aio);
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\') {
			printf("\\%c", ch);
		} else if (ch < 0x20 || ch >= 0x7f) {
			printf("\\u%04x", ch);
		} else {
			putchar(ch);
		}
	}
	putchar('"');
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Returns owned bytes (free()) or NULL on bad hex. */
static uint8_t *from_hex(const char *hex, size_t *len)
{
	size_t n = strlen(hex);
	uint8_t *out;

	if (n % 2 != 0) {
		return NULL;
	}
	out = malloc(n / 2 + 1);
	if (out == NULL) {
		return NULL;
	}
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			free(out);
			return NULL;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return out;
}

static uint8_t *from_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *out = NULL;
	size_t cap = 0, n = 0;

	if (f == NULL) {
		fprintf(stderr, "raw_request: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			uint8_t *p;
			if (ncap > MAX_PAYLOAD_BYTES ||
			    (p = realloc(out, ncap)) == NULL) {
				fprintf(stderr, "raw_request: %s: too big\n",
					path);
				free(out);
				fclose(f);
				return NULL;
			}
			out = p;
			cap = ncap;
		}
		size_t got = fread(out + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			break;
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "raw_request: %s: read error\n", path);
		free(out);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = n;
	return out != NULL ? out : calloc(1, 1);
}

static uint8_t *random_bytes(size_t n, uint64_t seed)
{
	uint8_t *out = malloc(n ? n : 1);
	uint64_t x = seed ? seed : 0x9e3779b97f4a7c15ull;

	if (out == NULL) {
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		/* xorshift64*: reproducible from the seed */
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		out[i] = (uint8_t)((x * 0x2545f4914f6cdd1dull) >> 56);
	}
	return out;
}

static size_t varint_len(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* Sizes of Request{ops:[Op{kv_put:KvPut{key, value(vlen)}}]}. */
static const char size_key[] = "raw/size";

static void size_parts(size_t vlen, size_t *kvput, size_t *op, size_t *req)
{
	size_t klen = sizeof size_key - 1;
	*kvput = 1 + varint_len(klen) + klen + 1 + varint_len(vlen) + vlen;
	*op = 1 + varint_len(*kvput) + *kvput;
	*req = 1 + varint_len(*op) + *op;
}

/* Request{ops:[Op{kv_get:KvGet{key}}]}; returns owned bytes. */
static uint8_t *get_request(const char *key, size_t *len)
{
	size_t klen = strlen(key);
	size_t kvget = 1 + varint_len(klen) + klen;
	size_t op = 1 + varint_len(kvget) + kvget;
	uint8_t *out = malloc(1 + varint_len(op) + op), *p;

	if (out == NULL) {
		return NULL;
	}
	p = out;
	*p++ = 3 << 3 | 2; /* Request.ops */
	p = put_varint(p, op);
	*p++ = 2 << 3 | 2; /* Op.kv_get */
	p = put_varint(p, kvget);
	*p++ = 1 << 3 | 2; /* KvGet.key */
	p = put_varint(p, klen);
	memcpy(p, key, klen);
	p += klen;
	*len = (size_t)(p - out);
	return out;
}

/* A DebugDrop request for the comma-separated peer ids (wire codec). */
static uint8_t *drop_request(const char *ids, bool drop, size_t *len)
{
	uint64_t peers[64];
	struct wire_op op = {.type = WIRE_OP_DEBUG_DROP, .drop = drop};
	struct wire_request r = {.ops = &op, .n_ops = 1};
	const char *p = ids;
	uint8_t *buf;
	char *end;

	while (*p != '\0' && op.n_peers < 64) {
		peers[op.n_peers++] = strtoull(p, &end, 10);
		if (end == p || (*end != ',' && *end != '\0')) {
			return NULL;
		}
		p = *end == ',' ? end + 1 : end;
	}
	op.peers = peers;
	if (wire_request_encode(&r, &buf, len) != 0) {
		return NULL;
	}
	return buf;
}

/* A valid KvPut Request of at most (and usually exactly) target bytes. */
static uint8_t *sized_request(size_t target, size_t *len)
{
	size_t klen = sizeof size_key - 1, vlen, kvput, op, req;
	uint8_t *out, *p;

	if (target < 32) {
		target = 32;
	}
	vlen = target;
	do {
		vlen--;
		size_parts(vlen, &kvput, &op, &req);
	} while (req > target);
	out = malloc(req);
	if (out == NULL) {
		return NULL;
	}
	p = out;
	*p++ = 3 << 3 | 2; /* Request.ops */
	p = put_varint(p, op);
	*p++ = 1 << 3 | 2; /* Op.kv_put */
	p = put_varint(p, kvput);
	*p++ = 1 << 3 | 2; /* KvPut.key */
	p = put_varint(p, klen);
	memcpy(p, size_key, klen);
	p += klen;
	*p++ = 2 << 3 | 2; /* KvPut.value */
	p = put_varint(p, vlen);
	memset(p, 'x', vlen);
	p += vlen;
	*len = (size_t)(p - out);
	return out;
}

/* ,"name":"bytes as a JSON string" (skipped when out of memory). */
static void text_field(const char *name, const uint8_t *data, size_t len)
{
	char *v = malloc(len + 1);

	if (v != NULL) {
		memcpy(v, data, len);
		v[len] = '\0';
		printf(",\"%s\":", name);
		json_str(v);
		free(v);
	}
}

static void print_response(const struct wire_response *r, size_t reply_len,
			   int64_t elapsed_ms, size_t req_len)
{
	printf("{\"code\":%" PRIu32 ",\"error_name\":", r->code);
	json_str(r->code != 0 && r->error_name[0] == '\0'
		     ? wire_code_name(r->code)
		     : r->error_name);
	printf(",\"error_message\":");
	json_str(r->error_message);
	printf(",\"leader_id\":%" PRIu64 ",\"leader_address\":", r->leader_id);
	json_str(r->leader_address);
	printf(",\"results\":[");
	for (size_t i = 0; i < r->n_results; i++) {
		printf("%s{\"code\":%" PRIu32 ",\"error_name\":", i ? "," : "",
		       r->results[i].code);
		json_str(r->results[i].error_name);
		printf(",\"error_message\":");
		json_str(r->results[i].error_message);
		if (r->results[i].found) {
			/* KvGet: the value, as text (our values are ASCII). */
			printf(",\"found\":true");
			text_field("value", r->results[i].value,
				   r->results[i].value_len);
		}
		/* ServiceCall: the response document, as text. */
		if (r->results[i].output_len > 0) {
			text_field("output", r->results[i].output,
				   r->results[i].output_len);
		}
		/* ClusterStatus: nodes[0] is the answering node's own view. */
		if (r->results[i].n_nodes > 0) {
			printf(",\"nodes\":[");
			for (size_t k = 0; k < r->results[i].n_nodes; k++) {
				const struct wire_node_status *ns =
				    &r->results[i].nodes[k];
				printf("%s{\"id\":%" PRIu64 ",\"role\":",
				       k ? "," : "", ns->addr.id);
				json_str(ns->role);
				printf(",\"voter_role\":");
				json_str(ns->voter_role);
				printf(",\"term\":%" PRIu64
				       ",\"commit_index\":%" PRIu64
				       ",\"applied_index\":%" PRIu64
				       ",\"last_index\":%" PRIu64
				       ",\"leader_id\":%" PRIu64
				       ",\"digest\":\"%016" PRIx64
				       "\",\"reachable\":%s}",
				       ns->term, ns->commit_index,
				       ns->applied_index, ns->last_index,
				       ns->leader_id, ns->digest,
				       ns->reachable ? "true" : "false");
			}
			printf("]");
		}
		printf("}");
	}
	printf("],\"reply_bytes\":%zu,\"request_bytes\":%zu,\"elapsed_ms\":"
	       "%" PRId64 "}\n",
	       reply_len, req_len, elapsed_ms);
}

static void usage(FILE *f)
{
	fputs("usage: raw_request --address ADDR (--hex HEX | --file PATH | "
	      "--random N [--seed S] | --size N | --get KEY | --drop IDS | "
	      "--undrop IDS) [--timeout-ms N]\n",
	      f);
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (s == NULL || *s == '\0' || *s == '-') {
		return false;
	}
	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno == 0 && *end == '\0';
}

int main(int argc, char **argv)
{
	const char *address = NULL, *hex = NULL, *file = NULL, *get = NULL;
	const char *drop = NULL, *undrop = NULL;
	uint64_t random_n = 0, seed = 1, size_n = 0, timeout_ms = 2000;
	bool have_random = false, have_size = false;
	uint8_t *payload = NULL;
	size_t len = 0;
	nng_socket sock;
	nng_dialer dialer;
	nng_msg *msg = NULL;
	int64_t start;
	int rv, status = 0, n_payloads;

	for (int a = 1; a < argc; a++) {
		const char *name = argv[a],
			   *val = a + 1 < argc ? argv[a + 1] : NULL;
		bool ok = true;

		if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (val == NULL) {
			fprintf(stderr, "raw_request: %s: missing value\n",
				name);
			return 2;
		}
		a++;
		if (strcmp(name, "--address") == 0) {
			address = val;
		} else if (strcmp(name, "--hex") == 0) {
			hex = val;
		} else if (strcmp(name, "--get") == 0) {
			get = val;
			ok = *val != '\0';
		} else if (strcmp(name, "--drop") == 0) {
			drop = val;
		} else if (strcmp(name, "--undrop") == 0) {
			undrop = val;
		} else if (strcmp(name, "--file") == 0) {
			file = val;
		} else if (strcmp(name, "--random") == 0) {
			ok = parse_u64(val, &random_n) &&
			     random_n <= MAX_PAYLOAD_BYTES;
			have_random = true;
		} else if (strcmp(name, "--seed") == 0) {
			ok = parse_u64(val, &seed);
		} else if (strcmp(name, "--size") == 0) {
			ok = parse_u64(val, &size_n) &&
			     size_n <= MAX_PAYLOAD_BYTES;
			have_size = true;
		} else if (strcmp(name, "--timeout-ms") == 0) {
			ok = parse_u64(val, &timeout_ms) && timeout_ms > 0 &&
			     timeout_ms <= 600000;
		} else {
			fprintf(stderr, "raw_request: unknown option %s\n",
				name);
			usage(stderr);
			return 2;
		}
		if (!ok) {
			fprintf(stderr, "raw_request: %s: bad value '%s'\n",
				name, val);
			return 2;
		}
	}
	n_payloads = (hex != NULL) + (file != NULL) + (get != NULL) +
		     (drop != NULL) + (undrop != NULL) + have_random +
		     have_size;
	if (address == NULL || n_payloads != 1) {
		usage(stderr);
		return 2;
	}
	if (hex != NULL) {
		payload = from_hex(hex, &len);
		if (payload == NULL) {
			fprintf(stderr, "raw_request: --hex: not hex\n");
			return 2;
		}
	} else if (file != NULL) {
		payload = from_file(file, &len);
	} else if (get != NULL) {
		payload = get_request(get, &len);
	} else if (drop != NULL || undrop != NULL) {
		payload =
		    drop_request(drop ? drop : undrop, drop != NULL, &len);
		if (payload == NULL) {
			fprintf(stderr, "raw_request: bad peer list\n");
			return 2;
		}
	} else if (have_random) {
		payload = random_bytes(random_n, seed);
		len = random_n;
	} else {
		payload = sized_request(size_n, &len);
	}
	if (payload == NULL) {
		return 1;
	}

	if ((rv = nng_aio_alloc(&recv_aio, NULL, NULL)) != 0 ||
	    (rv = nng_req0_open(&sock)) != 0) {
		fprintf(stderr, "raw_request: nng: %s\n", nng_strerror(rv));
		free(payload);
		nng_aio_free(recv_aio);
		return 1;
	}
	/* One request, one connection: no resend, no reconnect, so a
	 * connection the node closes shows up as such. */
	nng_socket_set_ms(sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO, (nng_duration)timeout_ms);
	nng_socket_set_size(sock, NNG_OPT_RECVMAXSZ, 64u * 1024 * 1024);
	nng_pipe_notify(sock, NNG_PIPE_EV_ADD_POST, pipe_cb, NULL);
	nng_pipe_notify(sock, NNG_PIPE_EV_REM_POST, pipe_cb, NULL);
	if ((rv = nng_dialer_create(&dialer, sock, address)) != 0) {
		printf("NO_CONNECT {\"error\":");
		json_str(nng_strerror(rv));
		printf("}\n");
		goto out_after_open;
	}
	nng_dialer_set_ms(dialer, NNG_OPT_RECONNMINT, 3600000);
	nng_dialer_set_ms(dialer, NNG_OPT_RECONNMAXT, 3600000);
	/* tls+tcp:// (clusters started with STRATUS_TLS=1): the CA from
	 * STRATUS_CA, as the CLI takes it. */
	if (strncmp(address, "tls+tcp://", 10) == 0 &&
	    getenv("STRATUS_CA") != NULL) {
		nng_tls_config *tls = NULL;
		if ((rv = nng_tls_config_alloc(&tls, NNG_TLS_MODE_CLIENT)) ==
			0 &&
		    (rv = nng_tls_config_ca_file(tls, getenv("STRATUS_CA"))) ==
			0) {
			rv =
			    nng_dialer_set_ptr(dialer, NNG_OPT_TLS_CONFIG, tls);
		}
		if (tls != NULL) {
			nng_tls_config_free(tls); /* the dialer holds its own */
		}
	}
	if ((rv = nng_dialer_start(dialer, 0)) != 0) {
		printf("NO_CONNECT {\"error\":");
		json_str(nng_strerror(rv));
		printf("}\n");
		goto out_after_open;
	}
	if ((rv = nng_msg_alloc(&msg, 0)) != 0 ||
	    (rv = nng_msg_append(msg, payload, len)) != 0) {
		fprintf(stderr, "raw_request: message: %s\n", nng_strerror(rv));
		nng_msg_free(msg);
		status = 1;
		goto out_after_open;
	}
	start = now_ms();
	if ((rv = nng_sendmsg(sock, msg, 0)) != 0) {
		nng_msg_free(msg);
		printf("NO_REPLY {\"send_error\":");
		json_str(nng_strerror(rv));
		printf(",\"connection_closed\":%s,\"pipes_closed\":%d,"
		       "\"request_bytes\":%zu}\n",
		       atomic_load(&pipes_closed) > 0 ? "true" : "false",
		       atomic_load(&pipes_closed), len);
		goto out_after_open;
	}
	nng_aio_set_timeout(recv_aio, (nng_duration)timeout_ms);
	nng_recv_aio(sock, recv_aio);
	if (atomic_load(&pipes_closed) > 0) {
		nng_aio_cancel(recv_aio); /* closed before we armed the aio */
	}
	nng_aio_wait(recv_aio);
	rv = nng_aio_result(recv_aio);
	if (rv == 0) {
		nng_msg *reply = nng_aio_get_msg(recv_aio);
		struct wire_response resp;
		size_t rlen = nng_msg_len(reply);

		if (wire_response_decode(nng_msg_body(reply), rlen, &resp) ==
		    0) {
			print_response(&resp, rlen, now_ms() - start, len);
			wire_response_release(&resp);
		} else {
			printf("UNDECODABLE_REPLY {\"reply_bytes\":%zu}\n",
			       rlen);
		}
		nng_msg_free(reply);
	} else {
		/* The receive can fail with the reset before the pipe event
		 * has run: either one says the node closed the connection. */
		bool closed = atomic_load(&pipes_closed) > 0 ||
			      rv == NNG_ECONNRESET || rv == NNG_ECONNSHUT;
		printf("NO_REPLY {\"error\":");
		json_str(nng_strerror(rv));
		printf(",\"connection_closed\":%s,\"pipes_closed\":%d,"
		       "\"request_bytes\":%zu,\"elapsed_ms\":%" PRId64 "}\n",
		       closed ? "true" : "false", atomic_load(&pipes_closed),
		       len, now_ms() - start);
	}

out_after_open:
	fflush(stdout);
	nng_close(sock);
	nng_aio_free(recv_aio);
	free(payload);
	return status;
}
