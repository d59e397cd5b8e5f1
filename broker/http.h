/* http — the HTTP front door of a node: h2o (libuv build) on a thread and
 * libuv loop of its own, so the raft loop never parses HTTP.
 *
 * What it serves:
 *   POST (any path) with X-Amz-Target  AWS JSON 1.0 (SQS: AmazonSQS.*)
 *   POST (any path) form-encoded,      AWS Query (Action=...); also GET
 *     or GET with ?Action=...          with the parameters in the URL
 *   GET /healthz, /readyz, /metrics    this node's own state, answered by
 *                                      the node loop (http_local_fn)
 * An AWS request is decoded by its protocol's codec (http_codec.h) into a
 * ServiceCall — the same one the native protocol makes — authenticated
 * (SigV4 against the cluster's access keys, auth.h, when there are any),
 * and sent through an internal libstratus client to the leader, which is
 * how a follower serves requests: the client follows the leader like any
 * native client, retries safely with its session, and signs each call with
 * the key the HTTP caller signed with. Its answer goes back through the
 * same codec. Queue URLs in answers use the Host the caller used.
 *
 * Threads: the HTTP thread owns h2o, the codecs and SigV4; libstratus
 * callbacks (library threads) only queue completions and wake it; the node
 * loop answers local pages through a uv_async of its own. A request whose
 * client hangs up is dropped when its answer arrives. */
#ifndef STRATUS_HTTP_H
#define STRATUS_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "metrics.h"

struct service;
struct http_server;

/* A local page (/healthz, /readyz, /metrics) for the node loop to fill. */
enum http_page { HTTP_PAGE_HEALTHZ, HTTP_PAGE_READYZ, HTTP_PAGE_METRICS };

struct http_local {
	enum http_page page;
	/* filled by the node: status, and a body (owned) */
	int status;
	struct strbuf body;
	/* private */
	void *pending_;
	struct http_local *next_;
};

/* Called on the node loop thread; fills job->status and job->body. */
typedef void (*http_local_fn)(void *ctx, struct http_local *job);

struct http_config {
	const char *address;		/* "127.0.0.1:7102" */
	const char *cluster_endpoints;	/* native endpoints, comma-separated */
	size_t max_body_bytes;		/* larger bodies get 413 */
	const char *tls_cert, *tls_key; /* PEM files: HTTPS; NULL: HTTP */
	/* the internal client's TLS for tls+tcp:// endpoints (or NULL) */
	const char *cluster_ca, *cluster_cert, *cluster_key;
	struct service *auth; /* access keys (thread-safe lookups) */
	uv_loop_t *node_loop;
	http_local_fn local;
	void *local_ctx;
};

/* Start serving (from the node loop thread). 0, or -1 with errmsg. */
int http_start(struct http_server **out, const struct http_config *cfg,
	       char *errmsg, size_t errmsg_size);

/* Stop (node loop thread): stop listening, answer what is pending with
 * 503, join the thread. The server is freed once its node-loop handle has
 * closed (so call it before the node loop's last run). NULL is a no-op. */
void http_stop(struct http_server *s);

/* Append the HTTP layer's own metrics (requests by protocol and status).
 * Any thread. */
void http_write_metrics(struct http_server *s, struct strbuf *b);

#endif
