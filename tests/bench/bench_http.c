/* bench_http — `stratus-bench http`: SQS through the HTTP front door (AWS
 * JSON 1.0 and AWS Query) against the native protocol, on the same cluster
 * in the same run with the same concurrency.
 *
 *   stratus-bench http [--endpoints E] [--http-endpoints H]
 *       [--protocols json,query,native] [--messages N] [--concurrency C]
 *       [--wait-seconds W] [--leader-only] [--queue PREFIX] [--timeout S]
 *   (E defaults to $STRATUS_ENDPOINTS, H to $STRATUS_HTTP_ENDPOINTS:
 *    comma-separated "http://host:port" or "host:port")
 *
 * Per protocol, on a fresh standard queue (created through that protocol):
 *   send            C connections, each a loop of one SendMessage (1 KiB
 *                   body) at a time, N messages in total;
 *   receive_delete  C connections, each a loop of ReceiveMessage
 *                   (MaxNumberOfMessages 10, WaitTimeSeconds W) followed by
 *                   one DeleteMessageBatch of what it got, until the
 *                   messages of `send` are all deleted;
 *   send_batch      C connections, SendMessageBatch of 10 x 1 KiB, N
 *                   messages in total;
 * then the queue is deleted. Every phase prints
 *   RESULT peer=stratus bench=http protocol=P phase=F rate=msgs/s
 *          lat_p50_ms lat_p99_ms (per request) errors ...
 * and at the end one line per phase with ratio_http_vs_native =
 * rate(json) / rate(native) (and the query ratio too).
 *
 * HTTP: one thread per connection with a blocking HTTP/1.1 keep-alive
 * client (status line, headers, Content-Length or chunked bodies, reconnect
 * when the server closes). Connections are spread round-robin over every
 * node's HTTP address (followers forward to the leader), or all go to the
 * leader's with --leader-only. Requests are unsigned (a cluster without
 * access keys accepts them).
 *
 * Native: one thread per "connection" too, each with its own st_client and
 * one synchronous st_call at a time, so every protocol has exactly C
 * requests outstanding. JSON answers (json, native) are parsed with
 * jansson; XML answers (query) are scanned for the receipt handles.
 * Latencies are per request; a ReceiveMessage that came back empty (a long
 * poll held for WaitTimeSeconds on the drained queue) is counted in
 * empty_receives, not in the latencies. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "stratus.h"

#define MSG_SIZE     1024
#define BATCH	     10
#define MAX_CONNS    256
#define MAX_HTTP_EPS 16
#define IO_TIMEOUT_S 30

enum proto { P_JSON, P_QUERY, P_NATIVE, P_N };
static const char *const proto_names[P_N] = {"json", "query", "native"};
enum phase { F_SEND, F_RECV_DEL, F_SEND_BATCH, F_N };
static const char *const phase_names[F_N] = {"send", "receive_delete",
					     "send_batch"};

struct hopts {
	const char *endpoints;
	const char *http_endpoints;
	const char *protocols;
	const char *queue;
	long n;
	int conc;
	int wait_s;
	bool leader_only;
	double timeout_s;
};

static struct hopts O;

struct http_ep {
	char host[128];
	char port[16];
	char hostport[160];
};
static struct http_ep g_eps[MAX_HTTP_EPS];
static int g_neps;

/* ---- run state (one phase of one protocol at a time) --------------------- */

static enum proto g_proto;
static enum phase g_phase;
static char g_queue_url[512];
static char g_queue_url_enc[1024];    /* form-urlencoded */
static char g_queue_url_json[600];    /* JSON-escaped */
static atomic_int_fast64_t g_tickets; /* messages left to send */
static atomic_int_fast64_t g_target;  /* receive_delete: messages to delete */
static atomic_uint_fast64_t g_msgs, g_errors, g_requests, g_reconnects,
    g_empty_receives, g_closes;
static _Atomic uint64_t g_last_ack_ns;
static atomic_bool g_stop;
static char g_first_error[700];
static atomic_flag g_first_error_set = ATOMIC_FLAG_INIT;

struct result {
	bool ran;
	double rate, p50, p99, max, recv_p50, recv_p99, del_p50, del_p99, secs;
	uint64_t msgs, errors, requests, reconnects, empty, closes;
};
static struct result g_res[P_N][F_N];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void amax(_Atomic uint64_t *p, uint64_t v)
{
	uint64_t o = atomic_load(p);

	while (v > o && !atomic_compare_exchange_weak(p, &o, v)) {
	}
}

static void note_error(const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add(&g_errors, 1);
	if (atomic_flag_test_and_set(&g_first_error_set)) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(g_first_error, sizeof g_first_error, fmt, ap);
	va_end(ap);
	fprintf(stderr, "stratus-bench http: %s %s: first error: %s\n",
		proto_names[g_proto], phase_names[g_phase], g_first_error);
}

/* ---- latency samples (one vector per connection) ------------------------- */

struct lvec {
	uint32_t *us;
	size_t n, cap;
};

static void lvec_push(struct lvec *l, uint64_t ns)
{
	uint64_t us = ns / 1000;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		uint32_t *v = realloc(l->us, cap * sizeof *v);
		if (v == NULL) {
			return;
		}
		l->us = v;
		l->cap = cap;
	}
	l->us[l->n++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* p50 and p99 (ms) of the union of the vectors ls[0..k). */
static double g_lat_max; /* of the last lat_pct call, ms */

static void lat_pct(struct lvec *const *ls, int k, double *p50, double *p99)
{
	size_t tot = 0, o = 0;
	uint32_t *all;
	int i;

	*p50 = *p99 = g_lat_max = -1;
	for (i = 0; i < k; i++) {
		tot += ls[i]->n;
	}
	if (tot == 0 || (all = malloc(tot * sizeof *all)) == NULL) {
		return;
	}
	for (i = 0; i < k; i++) {
		memcpy(all + o, ls[i]->us, ls[i]->n * sizeof *all);
		o += ls[i]->n;
	}
	qsort(all, tot, sizeof *all, cmp_u32);
	*p50 = all[(size_t)((double)(tot - 1) * 0.50)] / 1000.0;
	*p99 = all[(size_t)((double)(tot - 1) * 0.99)] / 1000.0;
	g_lat_max = all[tot - 1] / 1000.0;
	free(all);
}

/* ---- growable buffer ----------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_reserve(struct buf *b, size_t more)
{
	if (b->len + more + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + more + 1) {
			cap *= 2;
		}
		b->p = realloc(b->p, cap);
		if (b->p == NULL) {
			abort();
		}
		b->cap = cap;
	}
}

static void buf_add(struct buf *b, const void *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_fmt(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* application/x-www-form-urlencoded (unreserved characters kept). */
static void buf_urlenc(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	buf_reserve(b, strlen(s) * 3);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~') {
			b->p[b->len++] = (char)c;
		} else {
			b->p[b->len++] = '%';
			b->p[b->len++] = hex[c >> 4];
			b->p[b->len++] = hex[c & 15];
		}
	}
	b->p[b->len] = '\0';
}

/* The inside of a JSON string. */
static void buf_jsonesc(struct buf *b, const char *s)
{
	buf_reserve(b, strlen(s) * 6);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			b->p[b->len++] = '\\';
			b->p[b->len++] = (char)c;
		} else if (c < 0x20) {
			b->len += (size_t)sprintf(b->p + b->len, "\\u%04x", c);
		} else {
			b->p[b->len++] = (char)c;
		}
	}
	b->p[b->len] = '\0';
}

/* ---- HTTP/1.1 keep-alive client --------------------------------------------
 * Blocking, one request at a time. hc_request sends a POST and reads the
 * whole response into hc->body; on a connection the server closed (or a
 * failed write/read before any byte of the answer) it reconnects and sends
 * once more. */

struct hconn {
	const struct http_ep *ep;
	int fd;
	struct buf in;	 /* bytes read and not yet consumed */
	struct buf req;	 /* request being sent */
	struct buf body; /* the response body */
	int status;
	bool close_after; /* the server said Connection: close */
	bool connected_before;
	uint64_t requests_on_conn;
};

static int hc_connect(struct hconn *h)
{
	struct addrinfo hints = {0}, *ai = NULL, *a;
	struct timeval tv = {IO_TIMEOUT_S, 0};
	int one = 1, fd = -1;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(h->ep->host, h->ep->port, &hints, &ai) != 0) {
		return -1;
	}
	for (a = ai; a != NULL; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
		if (fd < 0) {
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
			break;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0) {
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	h->fd = fd;
	h->in.len = 0;
	h->close_after = false;
	h->requests_on_conn = 0;
	return 0;
}

static void hc_close(struct hconn *h)
{
	if (h->fd >= 0) {
		close(h->fd);
		h->fd = -1;
	}
	h->in.len = 0;
}

/* Read more bytes into h->in. >0: bytes; 0: EOF; -1: error. */
static ssize_t hc_fill(struct hconn *h)
{
	ssize_t r;

	buf_reserve(&h->in, 16384);
	do {
		r = recv(h->fd, h->in.p + h->in.len, h->in.cap - h->in.len - 1,
			 0);
	} while (r < 0 && errno == EINTR);
	if (r > 0) {
		h->in.len += (size_t)r;
		h->in.p[h->in.len] = '\0';
	}
	return r;
}

static void hc_consume(struct hconn *h, size_t n)
{
	memmove(h->in.p, h->in.p + n, h->in.len - n);
	h->in.len -= n;
	h->in.p[h->in.len] = '\0';
}

/* Position just past the first "\r\n" at or after from, or 0. */
static size_t find_crlf(const struct hconn *h, size_t from)
{
	size_t i;

	for (i = from; i + 1 < h->in.len; i++) {
		if (h->in.p[i] == '\r' && h->in.p[i + 1] == '\n') {
			return i + 2;
		}
	}
	return 0;
}

static bool header_is(const char *line, size_t len, const char *name,
		      const char **val, size_t *vlen)
{
	size_t n = strlen(name);

	if (len < n + 1 || strncasecmp(line, name, n) != 0 || line[n] != ':') {
		return false;
	}
	line += n + 1;
	len -= n + 1;
	while (len > 0 && (*line == ' ' || *line == '\t')) {
		line++, len--;
	}
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t')) {
		len--;
	}
	*val = line;
	*vlen = len;
	return true;
}

static bool token_in(const char *v, size_t vlen, const char *tok)
{
	size_t n = strlen(tok), i;

	for (i = 0; i + n <= vlen; i++) {
		if (strncasecmp(v + i, tok, n) == 0) {
			return true;
		}
	}
	return false;
}

/* Read one response. 0: ok; -1: the connection failed before any byte of
 * the answer (retryable); -2: a broken or truncated response. */
static int hc_read_response(struct hconn *h)
{
	size_t hdr_end = 0, pos, line;
	long long clen = -1;
	bool chunked = false, got_any = h->in.len > 0;
	int minor = 1;

	/* status line and headers */
	for (;;) {
		char *e = h->in.len >= 4 ? strstr(h->in.p, "\r\n\r\n") : NULL;
		ssize_t r;
		if (e != NULL) {
			hdr_end = (size_t)(e - h->in.p) + 4;
			break;
		}
		if (h->in.len > 65536) {
			return -2;
		}
		r = hc_fill(h);
		if (r <= 0) {
			return got_any ? -2 : -1;
		}
		got_any = true;
	}
	if (sscanf(h->in.p, "HTTP/1.%d %d", &minor, &h->status) != 2) {
		return -2;
	}
	h->close_after = minor == 0;
	pos = find_crlf(h, 0);
	while (pos + 2 < hdr_end) {
		const char *l = h->in.p + pos, *v;
		size_t vlen, next = find_crlf(h, pos);
		line = next - pos - 2;
		if (header_is(l, line, "content-length", &v, &vlen)) {
			clen = strtoll(v, NULL, 10);
		} else if (header_is(l, line, "transfer-encoding", &v, &vlen)) {
			chunked = token_in(v, vlen, "chunked");
		} else if (header_is(l, line, "connection", &v, &vlen)) {
			if (token_in(v, vlen, "close")) {
				h->close_after = true;
			} else if (token_in(v, vlen, "keep-alive")) {
				h->close_after = false;
			}
		}
		pos = next;
	}
	hc_consume(h, hdr_end);
	h->body.len = 0;
	buf_reserve(&h->body, 0);
	h->body.p[0] = '\0';
	if (chunked) {
		for (;;) {
			size_t e;
			unsigned long long sz;
			while ((e = find_crlf(h, 0)) == 0) {
				if (hc_fill(h) <= 0) {
					return -2;
				}
			}
			sz = strtoull(h->in.p, NULL, 16);
			hc_consume(h, e);
			if (sz == 0) {
				/* trailers, then the empty line */
				for (;;) {
					while ((e = find_crlf(h, 0)) == 0) {
						if (hc_fill(h) <= 0) {
							return -2;
						}
					}
					hc_consume(h, e);
					if (e == 2) {
						break;
					}
				}
				break;
			}
			while (h->in.len < sz + 2) {
				if (hc_fill(h) <= 0) {
					return -2;
				}
			}
			buf_add(&h->body, h->in.p, sz);
			hc_consume(h, sz + 2);
		}
	} else if (clen >= 0) {
		while (h->in.len < (size_t)clen) {
			if (hc_fill(h) <= 0) {
				return -2;
			}
		}
		buf_add(&h->body, h->in.p, (size_t)clen);
		hc_consume(h, (size_t)clen);
	} else if (h->status == 204 || h->status == 304 ||
		   h->status / 100 == 1) {
		/* no body */
	} else {
		/* body until the server closes */
		ssize_t r;
		while ((r = hc_fill(h)) > 0) {
		}
		if (r < 0) {
			return -2;
		}
		buf_add(&h->body, h->in.p, h->in.len);
		h->in.len = 0;
		h->close_after = true;
	}
	return 0;
}

static int hc_send_all(struct hconn *h)
{
	size_t off = 0;

	while (off < h->req.len) {
		ssize_t w =
		    send(h->fd, h->req.p + off, h->req.len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

/* POST body to "/" with content_type and (JSON) x-amz-target. 0 with
 * h->status and h->body set, or -1 (transport failure, noted). */
static int hc_request(struct hconn *h, const char *content_type,
		      const char *target, const char *body, size_t body_len)
{
	int attempt;

	h->req.len = 0;
	buf_fmt(&h->req,
		"POST / HTTP/1.1\r\nHost: %s\r\nUser-Agent: stratus-bench\r\n"
		"Content-Type: %s\r\n",
		h->ep->hostport, content_type);
	if (target != NULL) {
		buf_fmt(&h->req, "X-Amz-Target: %s\r\n", target);
	}
	buf_fmt(&h->req, "Content-Length: %zu\r\n\r\n", body_len);
	buf_add(&h->req, body, body_len);
	for (attempt = 0; attempt < 2; attempt++) {
		int rc;
		bool fresh = false;
		if (h->fd < 0) {
			if (hc_connect(h) != 0) {
				note_error("connect %s: %s", h->ep->hostport,
					   strerror(errno));
				return -1;
			}
			fresh = true;
			if (h->connected_before) {
				atomic_fetch_add(&g_reconnects, 1);
			}
			h->connected_before = true;
		}
		if (hc_send_all(h) != 0) {
			hc_close(h);
			if (fresh) {
				note_error("send to %s: %s", h->ep->hostport,
					   strerror(errno));
				return -1;
			}
			continue; /* the server closed an idle connection */
		}
		rc = hc_read_response(h);
		if (rc == 0) {
			h->requests_on_conn++;
			if (h->close_after) {
				atomic_fetch_add(&g_closes, 1);
				hc_close(h);
			}
			return 0;
		}
		hc_close(h);
		if (rc == -2 || fresh) {
			note_error("%s response from %s (%s)",
				   rc == -2 ? "broken/truncated" : "no",
				   h->ep->hostport, strerror(errno));
			return -1;
		}
		/* reused connection closed under us: once more, fresh */
		atomic_fetch_add(&g_closes, 1);
	}
	note_error("request to %s failed twice", h->ep->hostport);
	return -1;
}

/* ---- the three protocols behind one interface ---------------------------- */

struct conn {
	int idx;
	enum proto proto;
	struct hconn http;
	st_client *native;
	struct buf body; /* request document */
	struct buf msg;	 /* 1 KiB message body */
	char **handles;	 /* receipt handles of the last receive */
	int n_handles;
	struct lvec lat, lat_recv, lat_del;
	uint64_t t0, t1; /* the last call's start and end */
	pthread_t thread;
};

static void lat_note(struct conn *c, const char *action);

static const char *const json_ct = "application/x-amz-json-1.0";
static const char *const form_ct =
    "application/x-www-form-urlencoded; charset=utf-8";

/* Result of one call: 0 ok (out set: the body, a JSON or XML document);
 * -1 failed (error noted). */
static int call(struct conn *c, const char *action, const char **out)
{
	int rc = -1;

	c->t0 = now_ns();

	*out = NULL;
	atomic_fetch_add(&g_requests, 1);
	if (c->proto == P_NATIVE) {
		static __thread char *prev;
		st_error err;
		st_free(prev);
		prev = NULL;
		if (st_call(c->native, "sqs", action, c->body.p, &prev, &err) ==
		    0) {
			*out = prev;
			rc = 0;
		} else {
			note_error("%s: %s: %s", action, err.name, err.message);
			return -1;
		}
	} else {
		char target[96];
		snprintf(target, sizeof target, "AmazonSQS.%s", action);
		if (hc_request(&c->http, c->proto == P_JSON ? json_ct : form_ct,
			       c->proto == P_JSON ? target : NULL, c->body.p,
			       c->body.len) != 0) {
			return -1;
		}
		if (c->http.status != 200) {
			note_error("%s via %s: HTTP %d: %.300s", action,
				   c->http.ep->hostport, c->http.status,
				   c->http.body.p);
			return -1;
		}
		*out = c->http.body.p;
		rc = 0;
	}
	c->t1 = now_ns();
	if (strcmp(action, "ReceiveMessage") != 0) {
		lat_note(c, action);
	}
	return rc;
}

/* Keep the latency of the last call. ReceiveMessage calls the caller
 * notes only when they returned messages: an empty one is a long poll the
 * server held for WaitTimeSeconds (the drained queue at the end). */
static void lat_note(struct conn *c, const char *action)
{
	uint64_t d = c->t1 - c->t0;

	lvec_push(&c->lat, d);
	if (!strcmp(action, "ReceiveMessage")) {
		lvec_push(&c->lat_recv, d);
	} else if (!strcmp(action, "DeleteMessageBatch")) {
		lvec_push(&c->lat_del, d);
	}
}

/* Start a request document of action (JSON object or form). */
static void doc_begin(struct conn *c, const char *action)
{
	c->body.len = 0;
	if (c->proto == P_QUERY) {
		buf_fmt(&c->body, "Action=%s&Version=2012-11-05&QueueUrl=%s",
			action, g_queue_url_enc);
	} else {
		buf_fmt(&c->body, "{\"QueueUrl\":\"%s\"", g_queue_url_json);
	}
}

static void doc_end(struct conn *c)
{
	if (c->proto != P_QUERY) {
		buf_str(&c->body, "}");
	}
}

/* The message body: "<id hex16> " padded with 'x' to MSG_SIZE ('+' in the
 * form encoding is the space). */
static void make_msg(struct conn *c, uint64_t id)
{
	char head[24];

	c->msg.len = 0;
	snprintf(head, sizeof head, "%016" PRIx64, id);
	buf_str(&c->msg, head);
	buf_reserve(&c->msg, MSG_SIZE);
	memset(c->msg.p + c->msg.len, 'x', MSG_SIZE - c->msg.len);
	c->msg.len = MSG_SIZE;
	c->msg.p[c->msg.len] = '\0';
}

/* Count failed entries of a batch answer. */
static int batch_failed(struct conn *c, const char *out)
{
	int n = 0;

	if (c->proto == P_QUERY) {
		const char *p = out;
		while ((p = strstr(p, "<BatchResultErrorEntry>")) != NULL) {
			n++, p++;
		}
	} else {
		json_t *d = json_loads(out, 0, NULL);
		json_t *f = d ? json_object_get(d, "Failed") : NULL;
		if (d == NULL) {
			json_decref(d);
			return -1;
		}
		n = f ? (int)json_array_size(f) : 0;
		json_decref(d);
	}
	return n;
}

static int do_send(struct conn *c, uint64_t id)
{
	const char *out;

	make_msg(c, id);
	doc_begin(c, "SendMessage");
	if (c->proto == P_QUERY) {
		buf_str(&c->body, "&MessageBody=");
		buf_add(&c->body, c->msg.p, c->msg.len); /* alphanumeric */
	} else {
		buf_str(&c->body, ",\"MessageBody\":\"");
		buf_add(&c->body, c->msg.p, c->msg.len);
		buf_str(&c->body, "\"");
	}
	doc_end(c);
	if (call(c, "SendMessage", &out) != 0) {
		return -1;
	}
	if (c->proto == P_QUERY ? strstr(out, "<MessageId>") == NULL
				: strstr(out, "\"MessageId\"") == NULL) {
		note_error("SendMessage: no MessageId in %.200s", out);
		return -1;
	}
	return 0;
}

/* Send BATCH messages; returns how many were accepted, -1 on failure. */
static int do_send_batch(struct conn *c, uint64_t id)
{
	const char *out;
	int i, failed;

	doc_begin(c, "SendMessageBatch");
	if (c->proto != P_QUERY) {
		buf_str(&c->body, ",\"Entries\":[");
	}
	for (i = 0; i < BATCH; i++) {
		make_msg(c, id + (uint64_t)i);
		if (c->proto == P_QUERY) {
			buf_fmt(&c->body,
				"&SendMessageBatchRequestEntry.%d.Id=m%d"
				"&SendMessageBatchRequestEntry.%d.MessageBody=",
				i + 1, i, i + 1);
			buf_add(&c->body, c->msg.p, c->msg.len);
		} else {
			buf_fmt(&c->body,
				"%s{\"Id\":\"m%d\",\"MessageBody\":\"",
				i ? "," : "", i);
			buf_add(&c->body, c->msg.p, c->msg.len);
			buf_str(&c->body, "\"}");
		}
	}
	if (c->proto != P_QUERY) {
		buf_str(&c->body, "]");
	}
	doc_end(c);
	if (call(c, "SendMessageBatch", &out) != 0) {
		return -1;
	}
	failed = batch_failed(c, out);
	if (failed != 0) {
		note_error("SendMessageBatch: %d entries failed: %.300s",
			   failed, out);
		return failed < 0 ? -1 : BATCH - failed;
	}
	return BATCH;
}

static void clear_handles(struct conn *c)
{
	int i;

	for (i = 0; i < c->n_handles; i++) {
		free(c->handles[i]);
	}
	c->n_handles = 0;
}

/* XML text -> plain (the five entities and numeric references). */
static char *xml_unescape(const char *s, size_t n)
{
	char *o = malloc(n + 1), *w = o;
	size_t i = 0;

	while (i < n) {
		if (s[i] != '&') {
			*w++ = s[i++];
			continue;
		}
		if (!strncmp(s + i, "&amp;", 5)) {
			*w++ = '&', i += 5;
		} else if (!strncmp(s + i, "&lt;", 4)) {
			*w++ = '<', i += 4;
		} else if (!strncmp(s + i, "&gt;", 4)) {
			*w++ = '>', i += 4;
		} else if (!strncmp(s + i, "&quot;", 6)) {
			*w++ = '"', i += 6;
		} else if (!strncmp(s + i, "&apos;", 6)) {
			*w++ = '\'', i += 6;
		} else if (s[i + 1] == '#') {
			char *end;
			unsigned long v = s[i + 2] == 'x'
					      ? strtoul(s + i + 3, &end, 16)
					      : strtoul(s + i + 2, &end, 10);
			if (*end == ';' && v < 128) {
				*w++ = (char)v;
				i = (size_t)(end - s) + 1;
			} else {
				*w++ = s[i++];
			}
		} else {
			*w++ = s[i++];
		}
	}
	*w = '\0';
	return o;
}

/* ReceiveMessage; the receipt handles into c->handles. Count or -1. */
static int do_receive(struct conn *c)
{
	const char *out;

	clear_handles(c);
	doc_begin(c, "ReceiveMessage");
	if (c->proto == P_QUERY) {
		buf_fmt(&c->body, "&MaxNumberOfMessages=%d&WaitTimeSeconds=%d",
			BATCH, O.wait_s);
	} else {
		buf_fmt(&c->body,
			",\"MaxNumberOfMessages\":%d,\"WaitTimeSeconds\":%d",
			BATCH, O.wait_s);
	}
	doc_end(c);
	if (call(c, "ReceiveMessage", &out) != 0) {
		return -1;
	}
	if (c->proto == P_QUERY) {
		const char *p = out;
		static const char open[] = "<ReceiptHandle>",
				  close_[] = "</ReceiptHandle>";
		if (strstr(out, "<ReceiveMessageResult") == NULL) {
			note_error("ReceiveMessage: unexpected %.200s", out);
			return -1;
		}
		while (c->n_handles < BATCH && (p = strstr(p, open)) != NULL) {
			const char *e = strstr(p, close_);
			if (e == NULL) {
				break;
			}
			p += sizeof open - 1;
			c->handles[c->n_handles++] =
			    xml_unescape(p, (size_t)(e - p));
			p = e + sizeof close_ - 1;
		}
	} else {
		json_t *d = json_loads(out, 0, NULL), *ms, *m;
		size_t i;
		if (d == NULL) {
			note_error("ReceiveMessage: not JSON: %.200s", out);
			return -1;
		}
		ms = json_object_get(d, "Messages");
		json_array_foreach(ms, i, m)
		{
			const char *h = json_string_value(
			    json_object_get(m, "ReceiptHandle"));
			if (h != NULL && c->n_handles < BATCH) {
				c->handles[c->n_handles++] = strdup(h);
			}
		}
		json_decref(d);
	}
	if (c->n_handles > 0) {
		lat_note(c, "ReceiveMessage");
	}
	return c->n_handles;
}

/* DeleteMessageBatch of c->handles; how many were deleted, or -1. */
static int do_delete_batch(struct conn *c)
{
	const char *out;
	int i, failed;

	doc_begin(c, "DeleteMessageBatch");
	if (c->proto != P_QUERY) {
		buf_str(&c->body, ",\"Entries\":[");
	}
	for (i = 0; i < c->n_handles; i++) {
		if (c->proto == P_QUERY) {
			buf_fmt(&c->body,
				"&DeleteMessageBatchRequestEntry.%d.Id=d%d"
				"&DeleteMessageBatchRequestEntry.%d."
				"ReceiptHandle=",
				i + 1, i, i + 1);
			buf_urlenc(&c->body, c->handles[i]);
		} else {
			buf_fmt(&c->body,
				"%s{\"Id\":\"d%d\",\"ReceiptHandle\":\"",
				i ? "," : "", i);
			buf_jsonesc(&c->body, c->handles[i]);
			buf_str(&c->body, "\"}");
		}
	}
	if (c->proto != P_QUERY) {
		buf_str(&c->body, "]");
	}
	doc_end(c);
	if (call(c, "DeleteMessageBatch", &out) != 0) {
		return -1;
	}
	failed = batch_failed(c, out);
	if (failed != 0) {
		note_error("DeleteMessageBatch: %d entries failed: %.300s",
			   failed, out);
		return failed < 0 ? -1 : c->n_handles - failed;
	}
	return c->n_handles;
}

/* ---- phase workers ------------------------------------------------------- */

static void *worker_main(void *arg)
{
	struct conn *c = arg;

	while (!atomic_load(&g_stop)) {
		if (g_phase == F_SEND || g_phase == F_SEND_BATCH) {
			/* a ticket: one SendMessage or one batch */
			int_fast64_t left = atomic_fetch_sub(&g_tickets, 1);
			int n;
			if (left <= 0) {
				break;
			}
			/* ids: a batch's 10 messages are consecutive */
			n = g_phase == F_SEND
				? (do_send(c, (uint64_t)left) == 0 ? 1 : 0)
				: do_send_batch(c, (uint64_t)left * BATCH);
			if (n > 0) {
				atomic_fetch_add(&g_msgs, (uint64_t)n);
				amax(&g_last_ack_ns, now_ns());
			}
		} else {
			int n;
			if ((int_fast64_t)atomic_load(&g_msgs) >=
			    atomic_load(&g_target)) {
				break;
			}
			n = do_receive(c);
			if (n <= 0) {
				if (n == 0) {
					atomic_fetch_add(&g_empty_receives, 1);
				} else {
					usleep(10000);
				}
				continue;
			}
			n = do_delete_batch(c);
			if (n > 0) {
				atomic_fetch_add(&g_msgs, (uint64_t)n);
				amax(&g_last_ack_ns, now_ns());
			}
		}
	}
	return NULL;
}

static st_client *new_native(void)
{
	st_options so = {0};
	st_error err;
	st_client *cl;

	so.max_inflight = 16;
	cl = st_client_new(O.endpoints, &so, &err);
	if (cl == NULL) {
		fprintf(stderr, "stratus-bench http: client: %s: %s\n",
			err.name, err.message);
	}
	return cl;
}

static struct conn g_conns[MAX_CONNS];

static void conns_open(enum proto p)
{
	int i;

	for (i = 0; i < O.conc; i++) {
		struct conn *c = &g_conns[i];
		memset(c, 0, sizeof *c);
		c->idx = i;
		c->proto = p;
		c->http.fd = -1;
		c->http.ep = &g_eps[i % g_neps];
		c->handles = calloc(BATCH, sizeof *c->handles);
		if (p == P_NATIVE) {
			c->native = new_native();
		}
	}
}

static void conns_close(void)
{
	int i;

	for (i = 0; i < O.conc; i++) {
		struct conn *c = &g_conns[i];
		hc_close(&c->http);
		free(c->http.in.p);
		free(c->http.req.p);
		free(c->http.body.p);
		st_client_free(c->native);
		clear_handles(c);
		free(c->handles);
		free(c->body.p);
		free(c->msg.p);
		free(c->lat.us);
		free(c->lat_recv.us);
		free(c->lat_del.us);
	}
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* Run one phase on the open connections; print and keep its result. */
static void run_phase(enum phase f, int64_t target)
{
	struct result *r = &g_res[g_proto][f];
	struct lvec *ls[MAX_CONNS], *lr[MAX_CONNS], *ld[MAX_CONNS];
	uint64_t t0, deadline;
	double cpu0 = cpu_s(), wall;
	int i;

	g_phase = f;
	atomic_store(&g_tickets, f == F_SEND_BATCH ? target / BATCH : target);
	atomic_store(&g_target, target);
	atomic_store(&g_msgs, 0);
	atomic_store(&g_errors, 0);
	atomic_store(&g_requests, 0);
	atomic_store(&g_reconnects, 0);
	atomic_store(&g_empty_receives, 0);
	atomic_store(&g_closes, 0);
	atomic_store(&g_last_ack_ns, 0);
	atomic_store(&g_stop, false);
	atomic_flag_clear(&g_first_error_set);
	for (i = 0; i < O.conc; i++) {
		g_conns[i].lat.n = g_conns[i].lat_recv.n =
		    g_conns[i].lat_del.n = 0;
	}
	t0 = now_ns();
	deadline = t0 + (uint64_t)(O.timeout_s * 1e9);
	for (i = 0; i < O.conc; i++) {
		pthread_create(&g_conns[i].thread, NULL, worker_main,
			       &g_conns[i]);
	}
	/* progress, and the hard limit */
	for (;;) {
		bool done = f == F_RECV_DEL
				? (int64_t)atomic_load(&g_msgs) >= target
				: atomic_load(&g_tickets) <= 0;
		if (done || now_ns() > deadline) {
			if (!done) {
				fprintf(stderr,
					"stratus-bench http: %s %s hit the "
					"time limit (%.0f s)\n",
					proto_names[g_proto], phase_names[f],
					O.timeout_s);
			}
			break;
		}
		usleep(20000);
	}
	atomic_store(&g_stop, true);
	for (i = 0; i < O.conc; i++) {
		pthread_join(g_conns[i].thread, NULL);
		ls[i] = &g_conns[i].lat;
		lr[i] = &g_conns[i].lat_recv;
		ld[i] = &g_conns[i].lat_del;
	}
	wall = (double)(now_ns() - t0) / 1e9;
	r->ran = true;
	r->msgs = atomic_load(&g_msgs);
	r->secs = atomic_load(&g_last_ack_ns) > t0
		      ? (double)(atomic_load(&g_last_ack_ns) - t0) / 1e9
		      : wall;
	r->rate = r->secs > 0 ? (double)r->msgs / r->secs : 0;
	r->errors = atomic_load(&g_errors);
	r->requests = atomic_load(&g_requests);
	r->reconnects = atomic_load(&g_reconnects);
	r->empty = atomic_load(&g_empty_receives);
	r->closes = atomic_load(&g_closes);
	lat_pct(ls, O.conc, &r->p50, &r->p99);
	r->max = g_lat_max;
	lat_pct(lr, O.conc, &r->recv_p50, &r->recv_p99);
	lat_pct(ld, O.conc, &r->del_p50, &r->del_p99);
	printf("RESULT peer=stratus bench=http protocol=%s phase=%s "
	       "concurrency=%d msgs=%" PRIu64 " secs=%.3f rate=%.0f "
	       "req_rate=%.0f lat_p50_ms=%.2f lat_p99_ms=%.2f lat_max_ms=%.1f "
	       "errors=%" PRIu64,
	       proto_names[g_proto], phase_names[f], O.conc, r->msgs, r->secs,
	       r->rate, r->secs > 0 ? (double)r->requests / r->secs : 0, r->p50,
	       r->p99, r->max, r->errors);
	if (f == F_RECV_DEL) {
		printf(" recv_p50_ms=%.2f recv_p99_ms=%.2f del_p50_ms=%.2f "
		       "del_p99_ms=%.2f empty_receives=%" PRIu64,
		       r->recv_p50, r->recv_p99, r->del_p50, r->del_p99,
		       r->empty);
	}
	if (g_proto != P_NATIVE) {
		printf(" reconnects=%" PRIu64 " server_closes=%" PRIu64
		       " targets=%s",
		       r->reconnects, r->closes,
		       O.leader_only ? "leader" : "all");
	}
	printf(" client_cpu_s=%.2f\n", cpu_s() - cpu0);
	fflush(stdout);
}

/* ---- queue set-up through the protocol itself ---------------------------- */

static void set_queue_url(const char *url)
{
	struct buf b = {0};

	snprintf(g_queue_url, sizeof g_queue_url, "%s", url);
	buf_urlenc(&b, url);
	snprintf(g_queue_url_enc, sizeof g_queue_url_enc, "%s", b.p);
	b.len = 0;
	buf_jsonesc(&b, url);
	snprintf(g_queue_url_json, sizeof g_queue_url_json, "%s", b.p);
	free(b.p);
}

/* CreateQueue (or DeleteQueue when name is NULL) through conn 0. */
static int queue_admin(const char *name)
{
	struct conn *c = &g_conns[0];
	const char *out;
	const char *action = name ? "CreateQueue" : "DeleteQueue";

	c->body.len = 0;
	if (name == NULL) {
		doc_begin(c, action);
		doc_end(c);
	} else if (c->proto == P_QUERY) {
		buf_fmt(&c->body,
			"Action=CreateQueue&Version=2012-11-05&QueueName=%s",
			name);
	} else {
		buf_fmt(&c->body, "{\"QueueName\":\"%s\"}", name);
	}
	if (call(c, action, &out) != 0) {
		fprintf(stderr, "stratus-bench http: %s %s failed: %s\n",
			proto_names[c->proto], action, g_first_error);
		return -1;
	}
	if (name != NULL) {
		char url[512] = "";
		if (c->proto == P_QUERY) {
			const char *p = strstr(out, "<QueueUrl>"), *e;
			if (p && (e = strstr(p, "</QueueUrl>")) != NULL) {
				char *u =
				    xml_unescape(p + 10, (size_t)(e - p - 10));
				snprintf(url, sizeof url, "%s", u);
				free(u);
			}
		} else {
			json_t *d = json_loads(out, 0, NULL);
			const char *u =
			    json_string_value(json_object_get(d, "QueueUrl"));
			snprintf(url, sizeof url, "%s", u ? u : "");
			json_decref(d);
		}
		if (url[0] == '\0') {
			fprintf(stderr,
				"stratus-bench http: %s CreateQueue: no "
				"QueueUrl in %.300s\n",
				proto_names[c->proto], out);
			return -1;
		}
		set_queue_url(url);
	}
	return 0;
}

static int run_protocol(enum proto p)
{
	char qname[96];

	g_proto = p;
	g_phase = F_SEND;
	conns_open(p);
	if (p == P_NATIVE) {
		for (int i = 0; i < O.conc; i++) {
			if (g_conns[i].native == NULL) {
				conns_close();
				return -1;
			}
		}
	}
	snprintf(qname, sizeof qname, "%s-%s-%ld", O.queue, proto_names[p],
		 (long)time(NULL));
	atomic_flag_clear(&g_first_error_set);
	if (queue_admin(qname) != 0) {
		conns_close();
		return -1;
	}
	fprintf(stderr, "stratus-bench http: %s: queue %s\n", proto_names[p],
		g_queue_url);
	run_phase(F_SEND, O.n);
	run_phase(F_RECV_DEL, (int64_t)g_res[p][F_SEND].msgs);
	run_phase(F_SEND_BATCH, O.n);
	/* keep the state small for the next protocol */
	atomic_flag_clear(&g_first_error_set);
	queue_admin(NULL);
	conns_close();
	return 0;
}

/* ---- endpoints ----------------------------------------------------------- */

static int parse_http_endpoints(const char *list)
{
	char *dup = strdup(list), *save = NULL, *tok;

	g_neps = 0;
	for (tok = strtok_r(dup, ", ", &save); tok && g_neps < MAX_HTTP_EPS;
	     tok = strtok_r(NULL, ", ", &save)) {
		struct http_ep *e = &g_eps[g_neps];
		char *colon, *slash;
		if (!strncmp(tok, "http://", 7)) {
			tok += 7;
		}
		if ((slash = strchr(tok, '/')) != NULL) {
			*slash = '\0';
		}
		colon = strrchr(tok, ':');
		if (colon == NULL) {
			snprintf(e->host, sizeof e->host, "%s", tok);
			snprintf(e->port, sizeof e->port, "80");
		} else {
			*colon = '\0';
			snprintf(e->host, sizeof e->host, "%s", tok);
			snprintf(e->port, sizeof e->port, "%s", colon + 1);
			*colon = ':';
		}
		snprintf(e->hostport, sizeof e->hostport, "%s", tok);
		g_neps++;
	}
	free(dup);
	return g_neps > 0 ? 0 : -1;
}

/* --leader-only: the leader's HTTP address, from the cluster status. */
static int find_leader_http(char *out, size_t size)
{
	st_client *cl = new_native();
	st_cluster_view *v = NULL;
	st_error err;
	int rc = -1;
	size_t i;

	if (cl == NULL) {
		return -1;
	}
	for (int tries = 0; tries < 20 && rc != 0; tries++) {
		if (st_cluster_status(cl, &v, &err) != 0) {
			sleep(1);
			continue;
		}
		for (i = 0; i < v->n_nodes; i++) {
			if (v->nodes[i].id == v->leader_id &&
			    v->nodes[i].http_address[0] != '\0') {
				snprintf(out, size, "%s",
					 v->nodes[i].http_address);
				rc = 0;
			}
		}
		st_cluster_status_free(v);
		if (rc != 0) {
			sleep(1);
		}
	}
	st_client_free(cl);
	return rc;
}

/* ---- entry --------------------------------------------------------------- */

static void http_usage(void)
{
	fputs("usage: stratus-bench http [--endpoints E] [--http-endpoints H] "
	      "[--protocols json,query,native] [--messages N] "
	      "[--concurrency C] [--wait-seconds W] [--leader-only] "
	      "[--queue PREFIX] [--timeout S]\n"
	      "  E defaults to $STRATUS_ENDPOINTS, H to "
	      "$STRATUS_HTTP_ENDPOINTS\n",
	      stderr);
}

int bench_http_main(int argc, char **argv)
{
	bool want[P_N] = {false, false, false};
	enum proto order[P_N];
	int n_order = 0;
	char leader[256];
	int i, rc = 0;

	O = (struct hopts){
	    .endpoints = getenv("STRATUS_ENDPOINTS"),
	    .http_endpoints = getenv("STRATUS_HTTP_ENDPOINTS"),
	    .protocols = "json,query,native",
	    .queue = "bench-http",
	    .n = 20000,
	    .conc = 16,
	    .wait_s = 1,
	    .timeout_s = 60,
	};
	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--leader-only")) {
			O.leader_only = true;
			continue;
		}
		if (v == NULL) {
			http_usage();
			return 2;
		}
		if (!strcmp(a, "--endpoints")) {
			O.endpoints = v;
		} else if (!strcmp(a, "--http-endpoints")) {
			O.http_endpoints = v;
		} else if (!strcmp(a, "--protocols")) {
			O.protocols = v;
		} else if (!strcmp(a, "--messages") || !strcmp(a, "--n")) {
			O.n = strtol(v, NULL, 10);
		} else if (!strcmp(a, "--concurrency")) {
			O.conc = atoi(v);
		} else if (!strcmp(a, "--wait-seconds")) {
			O.wait_s = atoi(v);
		} else if (!strcmp(a, "--queue")) {
			O.queue = v;
		} else if (!strcmp(a, "--timeout")) {
			O.timeout_s = strtod(v, NULL);
		} else {
			http_usage();
			return 2;
		}
		i++;
	}
	if (O.endpoints == NULL) {
		O.endpoints = "tcp://127.0.0.1:7111,tcp://127.0.0.1:7121,"
			      "tcp://127.0.0.1:7131";
	}
	if (O.http_endpoints == NULL) {
		O.http_endpoints =
		    "http://127.0.0.1:7112,http://127.0.0.1:7122,"
		    "http://127.0.0.1:7132";
	}
	{
		/* the protocols, in the order given */
		char *dup = strdup(O.protocols), *save = NULL, *tok;
		for (tok = strtok_r(dup, ", ", &save); tok != NULL;
		     tok = strtok_r(NULL, ", ", &save)) {
			for (i = 0; i < P_N; i++) {
				if (!strcmp(tok, proto_names[i]) && !want[i]) {
					want[i] = true;
					order[n_order++] = (enum proto)i;
				}
			}
		}
		free(dup);
	}
	if (n_order == 0 || O.conc < 1 || O.conc > MAX_CONNS || O.n < BATCH ||
	    O.wait_s < 0 || O.wait_s > 20 || O.timeout_s <= 0 ||
	    parse_http_endpoints(O.http_endpoints) != 0) {
		http_usage();
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (O.leader_only && (want[P_JSON] || want[P_QUERY])) {
		if (find_leader_http(leader, sizeof leader) != 0) {
			fprintf(stderr, "stratus-bench http: no leader\n");
			return 1;
		}
		parse_http_endpoints(leader);
	}
	fprintf(stderr,
		"stratus-bench http: %ld messages, %d connections, "
		"WaitTimeSeconds %d, HTTP targets:",
		O.n, O.conc, O.wait_s);
	for (i = 0; i < g_neps; i++) {
		fprintf(stderr, " %s", g_eps[i].hostport);
	}
	fputc('\n', stderr);
	for (i = 0; i < n_order; i++) {
		if (run_protocol(order[i]) != 0) {
			rc = 1;
		}
	}
	for (i = 0; i < F_N; i++) {
		struct result *j = &g_res[P_JSON][i], *q = &g_res[P_QUERY][i],
			      *n = &g_res[P_NATIVE][i];
		if (!n->ran || n->rate <= 0 || (!j->ran && !q->ran)) {
			continue;
		}
		printf("RESULT peer=stratus bench=http phase=%s "
		       "concurrency=%d json_rate=%.0f query_rate=%.0f "
		       "native_rate=%.0f ratio_http_vs_native=%.3f "
		       "ratio_query_vs_native=%.3f json_p50_ms=%.2f "
		       "native_p50_ms=%.2f targets=%s\n",
		       phase_names[i], O.conc, j->rate, q->rate, n->rate,
		       j->ran ? j->rate / n->rate : 0,
		       q->ran ? q->rate / n->rate : 0, j->p50, n->p50,
		       O.leader_only ? "leader" : "all");
	}
	fflush(stdout);
	return rc;
}
