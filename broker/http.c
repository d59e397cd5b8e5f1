/* http — see http.h.
 *
 * Life of an AWS request on the HTTP thread:
 *   on_req: route → codec decode → SigV4 → st_call_with (internal client)
 *   library thread: on_call_done queues the pending request, wakes us
 *   on_wake: codec encode → h2o_send_inline (unless the client left)
 * A pending request is referenced from the h2o request's memory pool by a
 * small pending_ref whose dispose callback clears pending->req when h2o
 * frees the request (the client hung up); the pending itself is freed by
 * on_wake only, so a late answer never touches freed memory. */
#define H2O_USE_LIBUV 1
#include "http.h"

#include <h2o.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "auth.h"
#include "clock.h"
#include "http_codec.h"
#include "log.h"
#include "sigv4.h"
#include "stratus.h"
#include "jsondoc.h"

/* Protocols, for routing and the request counters. */
enum http_proto { PROTO_QUERY, PROTO_JSON, PROTO_OPS, PROTO_OTHER, PROTO_N };
static const char *const proto_names[PROTO_N] = {"query", "json", "ops",
						 "other"};
#define STATUS_SLOTS 600

/* Stopping: how long the HTTP loop may take to let connections go. */
#define STOP_DRAIN_MS 1000

struct pending {
	struct http_server *s;
	h2o_req_t *req; /* NULL once h2o freed the request */
	enum http_proto proto;
	char service[HTTP_CODEC_NAME_SIZE];
	char action[HTTP_CODEC_NAME_SIZE];
	char request_id[40];
	struct http_local *job;	 /* a local page, else NULL */
	struct pending_ref *ref; /* in req's pool while req != NULL */
	/* the answer (set on a library thread before queueing) */
	bool failed;
	st_error err;
	char *output;
	struct pending *next;
};

struct pending_ref {
	struct pending *p;
};

struct handler {
	h2o_handler_t super;
	struct http_server *s;
};

struct http_server {
	struct http_config cfg;
	char address[256];
	char *endpoints;
	pthread_t thread;
	bool thread_started;
	uv_loop_t loop;
	uv_tcp_t listener;
	uv_async_t wake; /* HTTP loop: answers arrived, or stop */
	uv_timer_t drain_timer;
	uv_async_t node_async; /* node loop: local pages to fill */
	h2o_globalconf_t config;
	h2o_context_t ctx;
	h2o_accept_ctx_t accept_ctx;
	SSL_CTX *ssl_ctx;   /* HTTPS, or NULL */
	const char *scheme; /* "http" or "https", for queue URLs */
	st_client *client;
	pthread_mutex_t mu;
	struct pending *done_head, *done_tail;	  /* for the HTTP loop */
	struct http_local *jobs_head, *jobs_tail; /* for the node loop */
	bool stop_requested;			  /* under mu */
	bool stopping;				  /* HTTP thread */
	atomic_uint_fast64_t requests[PROTO_N][STATUS_SLOTS];
};

/* ---- small helpers ------------------------------------------------------- */

static bool iov_eq(h2o_iovec_t v, const char *s)
{
	size_t n = strlen(s);
	return v.len == n && memcmp(v.base, s, n) == 0;
}

static void count(struct http_server *s, enum http_proto proto, int status)
{
	if (status < 0 || status >= STATUS_SLOTS) {
		status = 0;
	}
	atomic_fetch_add(&s->requests[proto][status], 1);
}

/* A request id like AWS's (a random UUID v4). */
static void make_request_id(char out[40])
{
	uint8_t b[16] = {0};

	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
		uint64_t t = clock_wall_ms();
		memcpy(b, &t, sizeof t);
	}
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(out, 40,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
}

static const char *header_value(h2o_req_t *req, const char *name, size_t *len)
{
	ssize_t i =
	    h2o_find_header_by_str(&req->headers, name, strlen(name), -1);
	if (i < 0) {
		*len = 0;
		return NULL;
	}
	*len = req->headers.entries[i].value.len;
	return req->headers.entries[i].value.base;
}

/* A Host header fit for queue URLs: host[:port] with a name, an IPv4 or
 * a bracketed IPv6 address. */
static bool authority_ok(h2o_iovec_t a)
{
	if (a.len == 0 || a.len > 250) {
		return false;
	}
	for (size_t i = 0; i < a.len; i++) {
		char c = a.base[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		      c == ':' || c == '[' || c == ']' || c == '_')) {
			return false;
		}
	}
	return true;
}

/* Did the client send a Host? h2o keeps it as the authority (not among
 * the headers) and puts its host configuration's name there otherwise. */
static bool has_host_header(h2o_req_t *req)
{
	return !iov_eq(req->input.authority, "default");
}

/* Send a reply (copied) with the request id; frees nothing. */
static void send_reply(struct http_server *s, h2o_req_t *req,
		       enum http_proto proto, const struct http_reply *r,
		       const char *request_id)
{
	int i;

	req->res.status = r->status;
	req->res.reason = r->status == 200   ? "OK"
			  : r->status == 400 ? "Bad Request"
			  : r->status == 403 ? "Forbidden"
			  : r->status == 404 ? "Not Found"
			  : r->status == 413 ? "Payload Too Large"
			  : r->status == 500 ? "Internal Server Error"
			  : r->status == 503 ? "Service Unavailable"
					     : "Error";
	if (r->content_type != NULL) {
		h2o_add_header(&req->pool, &req->res.headers,
			       H2O_TOKEN_CONTENT_TYPE, NULL, r->content_type,
			       strlen(r->content_type));
	}
	for (i = 0; i < r->n_headers && request_id != NULL; i++) {
		if (strcasecmp(r->headers[i].name, "x-amzn-requestid") == 0)
			request_id = NULL; /* the codec set it */
	}
	if (request_id != NULL) {
		h2o_add_header_by_str(&req->pool, &req->res.headers,
				      H2O_STRLIT("x-amzn-requestid"), 0, NULL,
				      request_id, strlen(request_id));
	}
	for (i = 0; i < r->n_headers; i++) {
		h2o_add_header_by_str(
		    &req->pool, &req->res.headers, r->headers[i].name,
		    strlen(r->headers[i].name), 0, NULL, r->headers[i].value,
		    strlen(r->headers[i].value));
	}
	count(s, proto, r->status);
	req->res.content_length = r->body_len;
	h2o_send_inline(req, r->body != NULL ? r->body : "", r->body_len);
}

static void send_text(struct http_server *s, h2o_req_t *req,
		      enum http_proto proto, int status, const char *text)
{
	struct http_reply r = {.status = status,
			       .content_type = "text/plain; charset=utf-8",
			       .body = (char *)text,
			       .body_len = strlen(text)};
	send_reply(s, req, proto, &r, NULL);
}

/* An error in the request's protocol (code: the JSON-protocol code). */
static void send_error(struct http_server *s, h2o_req_t *req,
		       enum http_proto proto, const char *service,
		       const char *code, const char *message, int status,
		       const char *request_id)
{
	struct http_reply r;
	int mapped = 400;
	int rc;

	query_error_code(service, code, &mapped);
	if (status == 0) {
		status = mapped;
	}
	bool sender = status < 500;
	if (proto == PROTO_JSON) {
		rc = json_protocol_encode_error(service, code, message, sender,
						&r);
	} else {
		rc = query_encode_error(service, code, message, sender,
					request_id, &r);
	}
	if (rc != 0) {
		send_text(s, req, proto, 500, "out of memory\n");
		return;
	}
	r.status = status;
	send_reply(s, req, proto, &r, request_id);
	http_reply_release(&r);
}

/* ---- answers from the cluster -------------------------------------------- */

static void pending_free(struct pending *p)
{
	free(p->output);
	free(p);
}

/* h2o frees the request (answered, or the client went away). */
static void on_req_dispose(void *arg)
{
	struct pending_ref *ref = arg;

	if (ref->p != NULL) {
		ref->p->req = NULL;
	}
}

static void queue_done(struct pending *p)
{
	struct http_server *s = p->s;

	pthread_mutex_lock(&s->mu);
	if (s->done_tail != NULL) {
		s->done_tail->next = p;
	} else {
		s->done_head = p;
	}
	s->done_tail = p;
	pthread_mutex_unlock(&s->mu);
	uv_async_send(&s->wake);
}

/* Library thread: the cluster answered. */
static void on_call_done(void *arg, const st_error *err, const char *output)
{
	struct pending *p = arg;

	if (err != NULL) {
		p->failed = true;
		p->err = *err;
	} else if ((p->output = strdup(output)) == NULL) {
		p->failed = true;
		p->err.code = ST_ERR_INTERNAL;
		snprintf(p->err.name, sizeof p->err.name, "InternalFailure");
		snprintf(p->err.message, sizeof p->err.message,
			 "out of memory");
	}
	queue_done(p);
}

/* A transport or envelope error of the internal client as AWS words it:
 * code, and HTTP status (0: the codec's status for the code). */
static const char *client_error_code(const st_error *e, int *status)
{
	*status = 0;
	switch (e->code) {
	case ST_ERR_SERVICE:
	case ST_ERR_ACCESS_DENIED:
		*status = e->code == ST_ERR_ACCESS_DENIED ? 403 : 0;
		return e->name;
	case ST_ERR_UNKNOWN_OP:
		return "InvalidAction";
	case ST_ERR_INVALID_PARAM:
		return "InvalidParameterValue";
	case ST_ERR_MISSING_PARAM:
		return "MissingParameter";
	case ST_ERR_TOO_LARGE:
		*status = 413;
		return "RequestEntityTooLarge";
	case ST_ERR_MALFORMED:
		return "MalformedQueryString";
	case ST_ERR_INTERNAL:
		*status = 500;
		return "InternalFailure";
	default: /* timeout, no leader, over limit, shutting down: the
		  * library's message names internal addresses; say less */
		*status = 503;
		return "ServiceUnavailable";
	}
}

static void answer(struct pending *p)
{
	struct http_server *s = p->s;
	h2o_req_t *req = p->req;
	struct http_reply r;
	int rc, status;

	if (p->job != NULL) {
		struct http_local *job = p->job;
		r = (struct http_reply){
		    .status = job->status,
		    .content_type =
			job->page == HTTP_PAGE_METRICS
			    ? "text/plain; version=0.0.4; charset=utf-8"
			    : "text/plain; charset=utf-8",
		    .body = job->body.data,
		    .body_len = job->body.len};
		send_reply(s, req, PROTO_OPS, &r, NULL);
		return;
	}
	if (p->failed) {
		const char *code = client_error_code(&p->err, &status);
		const char *msg = status == 503 ? "The service is unavailable "
						  "right now (no leader, or "
						  "overloaded); retry."
						: p->err.message;
		/* The library prefixes its own errors with "service Action: ";
		 * a service's message is verbatim. */
		send_error(s, req, p->proto, p->service, code, msg, status,
			   p->request_id);
		return;
	}
	if (p->proto == PROTO_JSON) {
		rc = json_protocol_encode_output(p->service, p->output,
						 strlen(p->output), &r);
	} else {
		json_t *doc = jsondoc_parse(p->output, strlen(p->output));
		rc = doc == NULL ? -1
				 : query_encode_output(p->service, p->action,
						       doc, p->request_id, &r);
		json_decref(doc);
	}
	if (rc != 0) {
		send_error(s, req, p->proto, p->service, "InternalFailure",
			   "could not encode the response", 500, p->request_id);
		return;
	}
	send_reply(s, req, p->proto, &r, p->request_id);
	http_reply_release(&r);
}

static void on_wake(uv_async_t *h);

/* ---- local pages (node loop) --------------------------------------------- */

static void on_node_async(uv_async_t *h)
{
	struct http_server *s = h->data;
	struct http_local *jobs, *job;

	pthread_mutex_lock(&s->mu);
	jobs = s->jobs_head;
	s->jobs_head = s->jobs_tail = NULL;
	pthread_mutex_unlock(&s->mu);
	while ((job = jobs) != NULL) {
		jobs = job->next_;
		job->status = 500;
		s->cfg.local(s->cfg.local_ctx, job);
		if (job->body.oom) {
			job->status = 500;
		}
		queue_done(job->pending_);
	}
}

static int serve_local(struct http_server *s, h2o_req_t *req,
		       enum http_page page)
{
	struct pending *p = calloc(1, sizeof *p);
	struct http_local *job = calloc(1, sizeof *job);
	struct pending_ref *ref;

	if (p == NULL || job == NULL) {
		free(p);
		free(job);
		send_text(s, req, PROTO_OPS, 500, "out of memory\n");
		return 0;
	}
	p->s = s;
	p->req = req;
	p->job = job;
	job->page = page;
	job->pending_ = p;
	ref = h2o_mem_alloc_shared(&req->pool, sizeof *ref, on_req_dispose);
	ref->p = p;
	p->ref = ref;
	pthread_mutex_lock(&s->mu);
	if (s->jobs_tail != NULL) {
		s->jobs_tail->next_ = job;
	} else {
		s->jobs_head = job;
	}
	s->jobs_tail = job;
	pthread_mutex_unlock(&s->mu);
	uv_async_send(&s->node_async);
	return 0;
}

/* ---- AWS requests -------------------------------------------------------- */

/* SigV4 over the request as received. 0: go on (signed by a known key, or
 * the cluster has no keys); -1: answered. key_id/secret: the signer's. */
static int authenticate(struct http_server *s, h2o_req_t *req,
			enum http_proto proto, const char *service,
			const char *request_id, const char *query,
			size_t query_len, char key_id[SIGV4_KEY_ID_SIZE],
			char secret[SIGV4_SECRET_SIZE])
{
	struct sigv4_header hdrs[64];
	struct sigv4_request sr;
	struct sigv4_outcome out;
	size_t i, n = 0;
	bool have_host = false;
	char length[32];

	*key_id = '\0';
	*secret = '\0';
	if (s->cfg.auth == NULL || auth_key_count(s->cfg.auth) == 0) {
		return 0; /* open cluster: signatures are not checked */
	}
	for (i = 0; i < req->headers.size && n < 62; i++) {
		const h2o_header_t *h = &req->headers.entries[i];
		hdrs[n++] = (struct sigv4_header){h->name->base, h->name->len,
						  h->value.base, h->value.len};
		if (iov_eq(*h->name, "host")) {
			have_host = true;
		}
	}
	/* h2o keeps Host as the request's authority, and the length as the
	 * entity's; signatures cover them as sent. */
	if (!have_host) {
		hdrs[n++] =
		    (struct sigv4_header){"host", 4, req->input.authority.base,
					  req->input.authority.len};
	}
	if (h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_LENGTH, -1) < 0 &&
	    req->entity.base != NULL) {
		snprintf(length, sizeof length, "%zu", req->entity.len);
		hdrs[n++] = (struct sigv4_header){"content-length", 14, length,
						  strlen(length)};
	}
	size_t path_len = req->input.query_at != SIZE_MAX ? req->input.query_at
							  : req->input.path.len;
	sr = (struct sigv4_request){
	    .method = req->input.method.base,
	    .method_len = req->input.method.len,
	    .path = req->input.path.base,
	    .path_len = path_len,
	    .query = query,
	    .query_len = query_len,
	    .headers = hdrs,
	    .n_headers = n,
	    .body =
		(const uint8_t *)(req->entity.base != NULL ? req->entity.base
							   : ""),
	    .body_len = req->entity.base != NULL ? req->entity.len : 0};
	switch (sigv4_verify(&sr, clock_wall_ms(), auth_lookup_secret,
			     s->cfg.auth, &out)) {
	case SIGV4_OK:
		break;
	case SIGV4_UNSIGNED:
		send_error(s, req, proto, service, "MissingAuthenticationToken",
			   "Request is missing Authentication Token", 403,
			   request_id);
		return -1;
	default:
		send_error(s, req, proto, service, out.error_code, out.message,
			   out.http_status, request_id);
		return -1;
	}
	if (auth_lookup_secret(s->cfg.auth, out.access_key_id, secret) != 0) {
		/* deleted between the two lookups */
		send_error(s, req, proto, service, "InvalidClientTokenId",
			   "The security token included in the request is "
			   "invalid.",
			   403, request_id);
		return -1;
	}
	snprintf(key_id, SIGV4_KEY_ID_SIZE, "%s", out.access_key_id);
	return 0;
}

static int serve_aws(struct http_server *s, h2o_req_t *req,
		     enum http_proto proto)
{
	struct http_request_view v = {0};
	struct http_codec_error cerr = {0};
	struct http_call_doc call = {0};
	char request_id[40], key_id[SIGV4_KEY_ID_SIZE],
	    secret[SIGV4_SECRET_SIZE], endpoint[300];
	const char *query = "";
	size_t query_len = 0;
	int rc;

	make_request_id(request_id);
	if (req->input.query_at != SIZE_MAX) {
		query = req->input.path.base + req->input.query_at + 1;
		query_len = req->input.path.len - req->input.query_at - 1;
	}
	v.method = req->input.method.base;
	v.method_len = req->input.method.len;
	v.path = req->input.path.base;
	v.path_len = req->input.query_at != SIZE_MAX ? req->input.query_at
						     : req->input.path.len;
	v.query = query;
	v.query_len = query_len;
	v.content_type = header_value(req, "content-type", &v.content_type_len);
	v.amz_target = header_value(req, "x-amz-target", &v.amz_target_len);
	v.body = req->entity.base != NULL ? req->entity.base : "";
	v.body_len = req->entity.base != NULL ? req->entity.len : 0;

	rc = proto == PROTO_JSON ? json_protocol_decode(&v, &call, &cerr)
				 : query_decode(&v, &call, &cerr);
	if (rc != 0) {
		send_error(s, req, proto, "sqs", cerr.code, cerr.message,
			   cerr.status, request_id);
		return 0;
	}
	if (authenticate(s, req, proto, call.service, request_id, query,
			 query_len, key_id, secret) != 0) {
		json_decref(call.input);
		return 0;
	}
	char *input = jsondoc_dump(call.input, NULL);
	json_decref(call.input);
	struct pending *p = calloc(1, sizeof *p);
	if (input == NULL || p == NULL) {
		free(input);
		free(p);
		send_error(s, req, proto, call.service, "InternalFailure",
			   "out of memory", 500, request_id);
		return 0;
	}
	p->s = s;
	p->req = req;
	p->proto = proto;
	snprintf(p->service, sizeof p->service, "%s", call.service);
	snprintf(p->action, sizeof p->action, "%s", call.action);
	memcpy(p->request_id, request_id, sizeof request_id);
	/* Queue URLs name the host the caller used; without a usable Host
	 * (HTTP/1.0, garbage), this node's own address. */
	if (has_host_header(req) && authority_ok(req->input.authority)) {
		snprintf(endpoint, sizeof endpoint, "%s://%.*s", s->scheme,
			 (int)req->input.authority.len,
			 req->input.authority.base);
	} else {
		snprintf(endpoint, sizeof endpoint, "%s://%s", s->scheme,
			 s->address);
	}
	st_call_params params = {
	    .service = call.service,
	    .action = call.action,
	    .input_json = input,
	    .endpoint = endpoint,
	    .access_key_id = *key_id != '\0' ? key_id : NULL,
	    .secret_access_key = *key_id != '\0' ? secret : NULL};
	rc = st_call_with(s->client, &params, on_call_done, p);
	free(input);
	explicit_bzero(secret, sizeof secret);
	if (rc != 0) {
		free(p);
		send_error(s, req, proto, call.service, "ServiceUnavailable",
			   rc == ST_ERR_OVER_LIMIT
			       ? "Too many requests in flight on this node."
			       : "The request could not be sent to the "
				 "cluster.",
			   rc == ST_ERR_TOO_LARGE ? 413 : 503, request_id);
		return 0;
	}
	struct pending_ref *ref =
	    h2o_mem_alloc_shared(&req->pool, sizeof *ref, on_req_dispose);
	ref->p = p;
	p->ref = ref;
	return 0;
}

/* Does the query string carry Action=...? */
static bool query_has_action(h2o_req_t *req)
{
	if (req->input.query_at == SIZE_MAX) {
		return false;
	}
	const char *q = req->input.path.base + req->input.query_at + 1;
	size_t len = req->input.path.len - req->input.query_at - 1;
	for (size_t i = 0; i + 7 <= len; i++) {
		if ((i == 0 || q[i - 1] == '&') &&
		    memcmp(q + i, "Action=", 7) == 0)
			return true;
	}
	return false;
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
	struct http_server *s = ((struct handler *)self)->s;
	bool get = iov_eq(req->method, "GET") || iov_eq(req->method, "HEAD");
	h2o_iovec_t path = req->path_normalized;

	if (s->stopping) {
		send_text(s, req, PROTO_OTHER, 503, "shutting down\n");
		return 0;
	}
	if (get && iov_eq(path, "/healthz"))
		return serve_local(s, req, HTTP_PAGE_HEALTHZ);
	if (get && iov_eq(path, "/readyz"))
		return serve_local(s, req, HTTP_PAGE_READYZ);
	if (get && iov_eq(path, "/metrics"))
		return serve_local(s, req, HTTP_PAGE_METRICS);
	if (h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-amz-target"),
				   -1) >= 0 &&
	    iov_eq(req->method, "POST"))
		return serve_aws(s, req, PROTO_JSON);
	if (iov_eq(req->method, "POST") || (get && query_has_action(req)))
		return serve_aws(s, req, PROTO_QUERY);
	send_text(s, req, PROTO_OTHER, get ? 404 : 405,
		  get ? "not found: AWS APIs take POST; see also /healthz, "
			"/readyz, /metrics\n"
		      : "method not allowed\n");
	return 0;
}

/* ---- the HTTP loop ------------------------------------------------------- */

static void on_accept(uv_stream_t *listener, int status)
{
	struct http_server *s = listener->data;
	uv_tcp_t *conn;

	if (status != 0 || s->stopping) {
		return;
	}
	conn = h2o_mem_alloc(sizeof *conn);
	uv_tcp_init(listener->loop, conn);
	if (uv_accept(listener, (uv_stream_t *)conn) != 0) {
		uv_close((uv_handle_t *)conn, (uv_close_cb)free);
		return;
	}
	uv_tcp_nodelay(conn, 1);
	h2o_accept(&s->accept_ctx, h2o_uv_socket_create((uv_stream_t *)conn,
							(uv_close_cb)free));
}

static void on_drained(uv_timer_t *t)
{
	uv_stop(t->loop);
}

static void begin_stop(struct http_server *s)
{
	s->stopping = true;
	uv_close((uv_handle_t *)&s->listener, NULL);
	/* Fails what is in flight (callbacks queue their answers: 503). */
	st_client_free(s->client);
	s->client = NULL;
	h2o_context_request_shutdown(&s->ctx);
	uv_timer_start(&s->drain_timer, on_drained, STOP_DRAIN_MS, 0);
}

static void on_wake(uv_async_t *h)
{
	struct http_server *s = h->data;
	struct pending *list, *p;
	bool stop;

	pthread_mutex_lock(&s->mu);
	stop = s->stop_requested && !s->stopping;
	pthread_mutex_unlock(&s->mu);
	if (stop) {
		begin_stop(s);
	}
	pthread_mutex_lock(&s->mu);
	list = s->done_head;
	s->done_head = s->done_tail = NULL;
	pthread_mutex_unlock(&s->mu);
	while ((p = list) != NULL) {
		list = p->next;
		if (p->req != NULL) {
			/* Detach first: replying may free the request (and
			 * its pool, with the ref in it). */
			p->ref->p = NULL;
			answer(p);
		}
		if (p->job != NULL) {
			strbuf_release(&p->job->body);
			free(p->job);
		}
		pending_free(p);
	}
}

static void *http_thread(void *arg)
{
	struct http_server *s = arg;

	uv_run(&s->loop, UV_RUN_DEFAULT);
	return NULL;
}

static int parse_address(const char *address, struct sockaddr_storage *sa)
{
	char host[256];
	const char *colon = strrchr(address, ':');
	int port;

	if (colon == NULL || colon == address ||
	    (size_t)(colon - address) >= sizeof host) {
		return -1;
	}
	memcpy(host, address, (size_t)(colon - address));
	host[colon - address] = '\0';
	port = atoi(colon + 1);
	if (port <= 0 || port > 65535) {
		return -1;
	}
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		host[strlen(host) - 1] = '\0';
		return uv_ip6_addr(host + 1, port, (struct sockaddr_in6 *)sa);
	}
	if (strcmp(host, "localhost") == 0) {
		snprintf(host, sizeof host, "127.0.0.1");
	}
	return uv_ip4_addr(host, port, (struct sockaddr_in *)sa);
}

/* An OpenSSL server context for HTTPS: TLS 1.2 and up, the chain and key
 * from PEM files. NULL with errmsg on failure. */
static SSL_CTX *tls_context(const char *cert, const char *key, char *errmsg,
			    size_t errmsg_size)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	char why[256] = "out of memory";

	if (ctx == NULL) {
		goto fail;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		ERR_error_string_n(ERR_get_error(), why, sizeof why);
		SSL_CTX_free(ctx);
		goto fail;
	}
	return ctx;
fail:
	snprintf(errmsg, errmsg_size, "http: TLS with %s and %s: %s", cert, key,
		 why);
	return NULL;
}

int http_start(struct http_server **out, const struct http_config *cfg,
	       char *errmsg, size_t errmsg_size)
{
	struct http_server *s = calloc(1, sizeof *s);
	struct sockaddr_storage sa;
	st_options opts = {0};
	st_error err;
	int rv;

	*out = NULL;
	if (s == NULL) {
		snprintf(errmsg, errmsg_size, "http: out of memory");
		return -1;
	}
	s->cfg = *cfg;
	snprintf(s->address, sizeof s->address, "%s", cfg->address);
	s->cfg.address = s->address;
	if ((s->endpoints = strdup(cfg->cluster_endpoints)) == NULL) {
		free(s);
		snprintf(errmsg, errmsg_size, "http: out of memory");
		return -1;
	}
	s->cfg.cluster_endpoints = s->endpoints;
	if (parse_address(s->address, &sa) != 0) {
		snprintf(errmsg, errmsg_size,
			 "http: cannot parse address '%s' (want host:port)",
			 s->address);
		goto err_free;
	}
	s->scheme = "http";
	if (cfg->tls_cert != NULL) {
		s->ssl_ctx = tls_context(cfg->tls_cert, cfg->tls_key, errmsg,
					 errmsg_size);
		if (s->ssl_ctx == NULL) {
			goto err_free;
		}
		s->scheme = "https";
	}
	/* The internal client answers 503 when full instead of blocking the
	 * HTTP thread. */
	opts.max_inflight = 4096;
	opts.fail_when_full = true;
	opts.tls_ca_file = cfg->cluster_ca;
	opts.tls_cert_file = cfg->cluster_cert;
	opts.tls_key_file = cfg->cluster_key;
	s->client = st_client_new(s->endpoints, &opts, &err);
	if (s->client == NULL) {
		snprintf(errmsg, errmsg_size, "http: internal client: %s",
			 err.message);
		goto err_free;
	}
	pthread_mutex_init(&s->mu, NULL);
	uv_loop_init(&s->loop);
	h2o_config_init(&s->config);
	s->config.max_request_entity_size = cfg->max_body_bytes;
	h2o_hostconf_t *host = h2o_config_register_host(
	    &s->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
	h2o_pathconf_t *pathconf = h2o_config_register_path(host, "/", 0);
	struct handler *handler =
	    (struct handler *)h2o_create_handler(pathconf, sizeof *handler);
	handler->super.on_req = on_req;
	handler->s = s;
	h2o_context_init(&s->ctx, &s->loop, &s->config);
	s->accept_ctx.ctx = &s->ctx;
	s->accept_ctx.hosts = s->config.hosts;
	s->accept_ctx.ssl_ctx = s->ssl_ctx;

	uv_tcp_init(&s->loop, &s->listener);
	s->listener.data = s;
	if ((rv = uv_tcp_bind(&s->listener, (struct sockaddr *)&sa, 0)) != 0 ||
	    (rv = uv_listen((uv_stream_t *)&s->listener, 1024, on_accept)) !=
		0) {
		snprintf(errmsg, errmsg_size, "http: cannot listen at %s: %s",
			 s->address, uv_strerror(rv));
		goto err_loop;
	}
	uv_async_init(&s->loop, &s->wake, on_wake);
	s->wake.data = s;
	uv_timer_init(&s->loop, &s->drain_timer);
	uv_async_init(cfg->node_loop, &s->node_async, on_node_async);
	s->node_async.data = s;
	if (pthread_create(&s->thread, NULL, http_thread, s) != 0) {
		snprintf(errmsg, errmsg_size, "http: cannot start its thread");
		uv_close((uv_handle_t *)&s->node_async, NULL);
		goto err_loop;
	}
	s->thread_started = true;
	*out = s;
	return 0;

err_loop:
	/* Setup failed before anything ran: the process exits. */
	st_client_free(s->client);
	return -1;
err_free:
	if (s->ssl_ctx != NULL) {
		SSL_CTX_free(s->ssl_ctx);
	}
	free(s->endpoints);
	free(s);
	return -1;
}

/* volatile: the store must happen although nothing reads it (it is what
 * keeps the retired server reachable for LeakSanitizer; without it the
 * compiler drops the store and the server shows as leaked whenever no
 * stale pointer happens to keep it visible). */
static struct http_server *volatile retired;

static void on_node_async_closed(uv_handle_t *h)
{
	struct http_server *s = h->data;
	struct http_local *job;

	/* Jobs nobody will fill (their requests are gone with the loop). */
	while ((job = s->jobs_head) != NULL) {
		s->jobs_head = job->next_;
		free(job->pending_);
		free(job);
	}
	/* Connections that outlived the drain still point into s (h2o's
	 * context, the loop); the process is about to exit, so s stays
	 * allocated and reachable rather than be freed under them. */
	retired = s;
}

void http_stop(struct http_server *s)
{
	if (s == NULL) {
		return;
	}
	pthread_mutex_lock(&s->mu);
	s->stop_requested = true;
	pthread_mutex_unlock(&s->mu);
	uv_async_send(&s->wake);
	if (s->thread_started) {
		pthread_join(s->thread, NULL);
		s->thread_started = false;
	}
	/* Answers queued after the drain: drop them. */
	struct pending *p;
	while ((p = s->done_head) != NULL) {
		s->done_head = p->next;
		if (p->job != NULL) {
			strbuf_release(&p->job->body);
			free(p->job);
		}
		pending_free(p);
	}
	uv_close((uv_handle_t *)&s->node_async, on_node_async_closed);
}

void http_write_metrics(struct http_server *s, struct strbuf *b)
{
	char code[8];

	metrics_family(b, "stratus_http_requests_total", "counter",
		       "HTTP requests answered, by protocol and status code.");
	for (int p = 0; p < PROTO_N; p++) {
		for (int c = 0; c < STATUS_SLOTS; c++) {
			uint64_t n = atomic_load(&s->requests[p][c]);
			if (n == 0) {
				continue;
			}
			snprintf(code, sizeof code, "%d", c);
			metrics_sample(b, "stratus_http_requests_total",
				       (double)n, "protocol", proto_names[p],
				       "code", code, NULL);
		}
	}
}
