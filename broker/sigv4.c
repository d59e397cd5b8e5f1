/* sigv4 — AWS Signature Version 4 verification (see sigv4.h).
 *
 * The canonical request is rebuilt the way botocore's SigV4Auth builds it
 * for non-S3 services (and AWS verifies it):
 *   method \n canonical URI \n canonical query \n canonical headers \n
 *   signed headers \n payload hash
 * - canonical URI: the path as received, dot segments and empty segments
 *   removed (botocore's remove_dot_segments), then every byte outside
 *   [A-Za-z0-9-_.~/] percent-encoded — so "%20" on the wire becomes "%2520"
 *   (non-S3 services encode the path twice);
 * - canonical query: each name and value form-decoded ('+' is a space,
 *   %XX a byte) and re-encoded with only RFC 3986's unreserved characters
 *   left bare, sorted by encoded name, then encoded value; presigned URLs
 *   leave X-Amz-Signature out;
 * - canonical headers: the signed headers in SignedHeaders' order, each
 *   "name:values" with values trimmed, inner whitespace runs collapsed and
 *   repeated headers joined with ',';
 * - payload hash: X-Amz-Content-Sha256 when present (as AWS does), else
 *   the hex SHA-256 of the body. A present value other than
 *   UNSIGNED-PAYLOAD must also be the body's hash.
 *
 * Errors follow what AWS's query services (SQS) answer:
 *   400 IncompleteSignature   a malformed or incomplete Authorization
 *                             header or presigned query, an unreadable date
 *   403 InvalidClientTokenId  an unknown access key
 *   403 SignatureDoesNotMatch a wrong signature, a credential scope that
 *                             does not match the date, a request time more
 *                             than 15 minutes from now ("Signature expired:
 *                             ... is now earlier than ... (... - 15 min.)" /
 *                             "Signature not yet current: ..."; SQS uses
 *                             this, not RequestTimeTooSkewed), an expired
 *                             presigned URL, a body that does not match
 *                             X-Amz-Content-Sha256.
 * X-Amz-Security-Token is signed like any other header when the client
 * signs it; its value is not checked (the cluster has no session
 * credentials). */
#include "sigv4.h"
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#define ALGORITHM	 "AWS4-HMAC-SHA256"
#define TERMINATOR	 "aws4_request"
#define UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
/* Longest presigned lifetime AWS accepts: a week. */
#define MAX_EXPIRES_S 604800
/* At most this many names in SignedHeaders. */
#define MAX_SIGNED_HEADERS 128

static const char MSG_MISMATCH[] =
    "The request signature we calculated does not match the signature you "
    "provided. Check your AWS Secret Access Key and signing method. Consult "
    "the service documentation for details.";

/* A view of bytes that are not NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

/* ---------------- small helpers ---------------- */

static enum sigv4_status reject(struct sigv4_outcome *out, const char *code,
				int http_status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Messages quote the request: keep them printable ASCII, so they are safe
 * in logs, XML and JSON. */
static void sanitize(char *m)
{
	for (; *m != '\0'; m++) {
		if ((unsigned char)*m < 0x20 || (unsigned char)*m >= 0x7f) {
			*m = '?';
		}
	}
}

static enum sigv4_status reject(struct sigv4_outcome *out, const char *code,
				int http_status, const char *fmt, ...)
{
	va_list ap;

	out->status = SIGV4_REJECTED;
	out->error_code = code;
	out->http_status = http_status;
	va_start(ap, fmt);
	vsnprintf(out->message, sizeof(out->message), fmt, ap);
	va_end(ap);
	sanitize(out->message);
	return SIGV4_REJECTED;
}

static enum sigv4_status incomplete(struct sigv4_outcome *out, const char *fmt,
				    ...) __attribute__((format(printf, 2, 3)));

static enum sigv4_status incomplete(struct sigv4_outcome *out, const char *fmt,
				    ...)
{
	va_list ap;

	out->status = SIGV4_REJECTED;
	out->error_code = "IncompleteSignature";
	out->http_status = 400;
	va_start(ap, fmt);
	vsnprintf(out->message, sizeof(out->message), fmt, ap);
	va_end(ap);
	sanitize(out->message);
	return SIGV4_REJECTED;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool span_ieq(struct span s, const char *lit)
{
	size_t i, n = strlen(lit);

	if (s.n != n) {
		return false;
	}
	for (i = 0; i < n; i++) {
		if (lower(s.p[i]) != lower(lit[i])) {
			return false;
		}
	}
	return true;
}

static bool span_eq(struct span s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

static struct span trim(struct span s)
{
	while (s.n > 0 && is_ws(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && is_ws(s.p[s.n - 1])) {
		s.n--;
	}
	return s;
}

/* Copy s into a NUL-terminated buffer of size n (truncating). */
static void span_copy(struct span s, char *dst, size_t n)
{
	size_t k = s.n < n - 1 ? s.n : n - 1;

	memcpy(dst, s.p, k);
	dst[k] = '\0';
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static void sha256_hex(const void *data, size_t n, char out[65])
{
	uint8_t md[SHA256_DIGEST_LENGTH];

	SHA256(data, n, md);
	hex(md, sizeof(md), out);
}

static void hmac(const uint8_t *key, size_t key_len, const void *msg,
		 size_t msg_len, uint8_t out[32])
{
	unsigned int len = 32;

	HMAC(EVP_sha256(), key, (int)key_len, msg, msg_len, out, &len);
}

/* ---------------- growable buffer ---------------- */

static void buf_ch(struct strbuf *b, char c)
{
	strbuf_put(b, &c, 1);
}

/* Append s percent-encoded: bytes other than [A-Za-z0-9-_.~] and those in
 * also_safe become %XX (upper-case hex). */
static void buf_encode(struct strbuf *b, struct span s, const char *also_safe)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~' ||
		    (c != '\0' && strchr(also_safe, c) != NULL)) {
			buf_ch(b, (char)c);
		} else {
			char e[3] = {'%', digits[c >> 4], digits[c & 15]};

			strbuf_put(b, e, 3);
		}
	}
}

/* ---------------- time ---------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool valid_ymdhms(int y, int mo, int d, int h, int mi, int s)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};

	return y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 &&
	       d <= mdays[mo - 1] && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 &&
	       s >= 0 && s <= 60;
}

static int64_t to_unix(int y, int mo, int d, int h, int mi, int s)
{
	return days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	       h * 3600 + mi * 60 + s;
}

static bool digits_at(struct span v, size_t at, size_t n, int *out)
{
	size_t i;
	int x = 0;

	if (at + n > v.n) {
		return false;
	}
	for (i = at; i < at + n; i++) {
		if (v.p[i] < '0' || v.p[i] > '9') {
			return false;
		}
		x = x * 10 + (v.p[i] - '0');
	}
	*out = x;
	return true;
}

/* "20261127T091000Z" -> Unix seconds; false when not that shape. */
static bool parse_basic(struct span v, int64_t *out)
{
	int y, mo, d, h, mi, s;

	if (v.n != 16 || v.p[8] != 'T' || v.p[15] != 'Z' ||
	    !digits_at(v, 0, 4, &y) || !digits_at(v, 4, 2, &mo) ||
	    !digits_at(v, 6, 2, &d) || !digits_at(v, 9, 2, &h) ||
	    !digits_at(v, 11, 2, &mi) || !digits_at(v, 13, 2, &s) ||
	    !valid_ymdhms(y, mo, d, h, mi, s)) {
		return false;
	}
	*out = to_unix(y, mo, d, h, mi, s);
	return true;
}

/* RFC 7231 IMF-fixdate ("Fri, 27 Nov 2026 09:10:00 GMT"), also with the
 * zone written "UTC", "+0000" or "-0000" (Python's formatdate, which
 * botocore uses). */
static bool parse_http_date(struct span v, int64_t *out)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char buf[64], mon[4], zone[8];
	int d, y, h, mi, s, mo, n = 0;
	const char *comma;

	if (v.n >= sizeof(buf)) {
		return false;
	}
	span_copy(v, buf, sizeof(buf));
	comma = strchr(buf, ',');
	if (comma == NULL ||
	    sscanf(comma + 1, " %2d %3s %4d %2d:%2d:%2d %7s%n", &d, mon, &y, &h,
		   &mi, &s, zone, &n) != 7 ||
	    comma[1 + n] != '\0' || strlen(mon) != 3) {
		return false;
	}
	if (strcmp(zone, "GMT") != 0 && strcmp(zone, "UTC") != 0 &&
	    strcmp(zone, "+0000") != 0 && strcmp(zone, "-0000") != 0) {
		return false;
	}
	for (mo = 0; mo < 12; mo++) {
		if (strncmp(months + 3 * mo, mon, 3) == 0) {
			break;
		}
	}
	if (mo == 12 || !valid_ymdhms(y, mo + 1, d, h, mi, s)) {
		return false;
	}
	*out = to_unix(y, mo + 1, d, h, mi, s);
	return true;
}

static void fmt_basic(int64_t t, char out[17])
{
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	int64_t secs = t - days * 86400;
	/* civil_from_days (Hinnant) */
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	char tmp[64];

	y += m <= 2;
	if (y < 0 || y > 9999) {
		snprintf(out, 17, "%s", "00000000T000000Z");
		return;
	}
	snprintf(tmp, sizeof(tmp), "%04d%02u%02uT%02d%02d%02dZ", (int)y, m, d,
		 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	memcpy(out, tmp, 16);
	out[16] = '\0';
}

/* ---------------- the request's parts ---------------- */

/* The first header called name (lower-case), or false. */
static bool find_header(const struct sigv4_request *r, const char *name,
			struct span *v)
{
	size_t i;

	for (i = 0; i < r->n_headers; i++) {
		struct span n = {r->headers[i].name, r->headers[i].name_len};

		if (n.p != NULL && span_ieq(n, name)) {
			v->p = r->headers[i].value ? r->headers[i].value : "";
			v->n =
			    r->headers[i].value ? r->headers[i].value_len : 0;
			return true;
		}
	}
	return false;
}

static size_t count_headers(const struct sigv4_request *r, const char *name)
{
	size_t i, k = 0;

	for (i = 0; i < r->n_headers; i++) {
		struct span n = {r->headers[i].name, r->headers[i].name_len};

		if (n.p != NULL && span_ieq(n, name)) {
			k++;
		}
	}
	return k;
}

/* One query parameter, decoded (owned). */
struct qparam {
	char *name, *value;
	size_t name_len, value_len;
	char *enc_name, *enc_value; /* canonical encodings (owned) */
};

struct query {
	struct qparam *p;
	size_t n;
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	c = lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Form-decode s into a new buffer ('+' is a space; a '%' not followed by
 * two hex digits stays as it is). NULL when out of memory. */
static char *decode(struct span s, size_t *len)
{
	char *o = malloc(s.n + 1);
	size_t i, k = 0;

	if (o == NULL) {
		return NULL;
	}
	for (i = 0; i < s.n; i++) {
		if (s.p[i] == '+') {
			o[k++] = ' ';
		} else if (s.p[i] == '%' && i + 2 < s.n &&
			   hexval(s.p[i + 1]) >= 0 && hexval(s.p[i + 2]) >= 0) {
			o[k++] = (char)(hexval(s.p[i + 1]) * 16 +
					hexval(s.p[i + 2]));
			i += 2;
		} else {
			o[k++] = s.p[i];
		}
	}
	o[k] = '\0';
	*len = k;
	return o;
}

static char *encode_dup(const char *s, size_t n)
{
	struct strbuf b = {0};
	struct span sp = {s, n};

	buf_encode(&b, sp, "");
	strbuf_put(&b, "", 0);
	if (b.oom) {
		free(b.data);
		return NULL;
	}
	if (b.data == NULL) {
		return strdup("");
	}
	return b.data;
}

static void query_free(struct query *q)
{
	size_t i;

	for (i = 0; i < q->n; i++) {
		free(q->p[i].name);
		free(q->p[i].value);
		free(q->p[i].enc_name);
		free(q->p[i].enc_value);
	}
	free(q->p);
	q->p = NULL;
	q->n = 0;
}

/* Split and decode the raw query. 0, or -1 when out of memory. */
static int query_parse(struct span raw, struct query *q)
{
	size_t i, start, cap = 1;

	q->p = NULL;
	q->n = 0;
	for (i = 0; i < raw.n; i++) {
		cap += raw.p[i] == '&';
	}
	if (raw.n == 0) {
		return 0;
	}
	q->p = calloc(cap, sizeof(*q->p));
	if (q->p == NULL) {
		return -1;
	}
	for (start = 0; start <= raw.n;) {
		size_t end = start;
		struct span name, value = {"", 0};
		const char *eq;
		struct qparam *p;

		while (end < raw.n && raw.p[end] != '&') {
			end++;
		}
		name.p = raw.p + start;
		name.n = end - start;
		start = end + 1;
		if (name.n == 0) {
			continue;
		}
		eq = memchr(name.p, '=', name.n);
		if (eq != NULL) {
			value.p = eq + 1;
			value.n = name.n - (size_t)(eq + 1 - name.p);
			name.n = (size_t)(eq - name.p);
		}
		p = &q->p[q->n++];
		p->name = decode(name, &p->name_len);
		p->value = decode(value, &p->value_len);
		if (p->name == NULL || p->value == NULL) {
			return -1;
		}
		p->enc_name = encode_dup(p->name, p->name_len);
		p->enc_value = encode_dup(p->value, p->value_len);
		if (p->enc_name == NULL || p->enc_value == NULL) {
			return -1;
		}
	}
	return 0;
}

/* The decoded value of the first parameter called name, or NULL. */
static const struct qparam *query_get(const struct query *q, const char *name)
{
	size_t i;

	for (i = 0; i < q->n; i++) {
		if (strcmp(q->p[i].name, name) == 0) {
			return &q->p[i];
		}
	}
	return NULL;
}

static struct span qspan(const struct qparam *p)
{
	struct span s = {p->value, p->value_len};

	return s;
}

static int qparam_cmp(const void *a, const void *b)
{
	const struct qparam *x = *(const struct qparam *const *)a;
	const struct qparam *y = *(const struct qparam *const *)b;
	int c = strcmp(x->enc_name, y->enc_name);

	return c != 0 ? c : strcmp(x->enc_value, y->enc_value);
}

/* ---------------- canonical request ---------------- */

/* The path with botocore's remove_dot_segments applied (which also drops
 * empty segments), then encoded with '/' left bare. */
static void canonical_uri(struct strbuf *b, struct span path)
{
	struct span *segs;
	size_t i, n = 0, cap = 1;
	bool lead, trail;

	if (path.n == 0) {
		buf_ch(b, '/');
		return;
	}
	for (i = 0; i < path.n; i++) {
		cap += path.p[i] == '/';
	}
	segs = calloc(cap, sizeof(*segs));
	if (segs == NULL) {
		b->oom = true;
		return;
	}
	for (i = 0; i <= path.n;) {
		size_t end = i;
		struct span s;

		while (end < path.n && path.p[end] != '/') {
			end++;
		}
		s.p = path.p + i;
		s.n = end - i;
		i = end + 1;
		if (s.n == 0 || span_eq(s, ".")) {
			continue;
		}
		if (span_eq(s, "..")) {
			if (n > 0) {
				n--;
			}
			continue;
		}
		segs[n++] = s;
	}
	lead = path.p[0] == '/';
	trail = path.p[path.n - 1] == '/' && n > 0;
	if (lead) {
		buf_ch(b, '/');
	}
	for (i = 0; i < n; i++) {
		if (i > 0) {
			buf_ch(b, '/');
		}
		buf_encode(b, segs[i], "");
	}
	if (trail) {
		buf_ch(b, '/');
	}
	free(segs);
}

static void canonical_query(struct strbuf *b, const struct query *q,
			    bool presigned)
{
	const struct qparam **v;
	size_t i, n = 0;
	bool first = true;

	if (q->n == 0) {
		return;
	}
	v = calloc(q->n, sizeof(*v));
	if (v == NULL) {
		b->oom = true;
		return;
	}
	for (i = 0; i < q->n; i++) {
		if (presigned && strcmp(q->p[i].name, "X-Amz-Signature") == 0) {
			continue;
		}
		v[n++] = &q->p[i];
	}
	qsort(v, n, sizeof(*v), qparam_cmp);
	for (i = 0; i < n; i++) {
		if (!first) {
			buf_ch(b, '&');
		}
		first = false;
		strbuf_puts(b, v[i]->enc_name);
		buf_ch(b, '=');
		strbuf_puts(b, v[i]->enc_value);
	}
	free(v);
}

/* Append a header value trimmed, with inner whitespace runs collapsed to
 * one space (botocore: ' '.join(value.split())). */
static void buf_trimall(struct strbuf *b, struct span v)
{
	size_t i = 0;
	bool first = true;

	while (i < v.n) {
		size_t j;

		while (i < v.n && is_ws(v.p[i])) {
			i++;
		}
		if (i >= v.n) {
			break;
		}
		j = i;
		while (j < v.n && !is_ws(v.p[j])) {
			j++;
		}
		if (!first) {
			buf_ch(b, ' ');
		}
		first = false;
		strbuf_put(b, v.p + i, j - i);
		i = j;
	}
}

/* "name:v1,v2\n" for each signed header name, in the given order. */
static void canonical_headers(struct strbuf *b, const struct sigv4_request *r,
			      const struct span *names, size_t n_names)
{
	size_t i, k;

	for (i = 0; i < n_names; i++) {
		bool first = true;

		for (k = 0; k < names[i].n; k++) {
			buf_ch(b, lower(names[i].p[k]));
		}
		buf_ch(b, ':');
		for (k = 0; k < r->n_headers; k++) {
			const struct sigv4_header *h = &r->headers[k];
			struct span hn = {h->name, h->name_len};
			struct span hv = {h->value ? h->value : "",
					  h->value ? h->value_len : 0};
			size_t j;
			bool same = hn.p != NULL && hn.n == names[i].n;

			for (j = 0; same && j < hn.n; j++) {
				same = lower(hn.p[j]) == lower(names[i].p[j]);
			}
			if (!same) {
				continue;
			}
			if (!first) {
				buf_ch(b, ',');
			}
			first = false;
			buf_trimall(b, hv);
		}
		buf_ch(b, '\n');
	}
}

/* ---------------- the signature's parts ---------------- */

/* What the Authorization header or the presigned query carried. */
struct sig_parts {
	struct span credential;
	struct span signed_headers;
	struct span signature;
	struct span date;  /* X-Amz-Date or Date value */
	bool date_is_http; /* from the Date header */
	int64_t expires_s; /* presigned only */
	bool presigned;
};

/* Parse "AWS4-HMAC-SHA256 Credential=.., SignedHeaders=.., Signature=..",
 * separators being commas and/or whitespace. */
static enum sigv4_status parse_authorization(struct span auth,
					     const struct sigv4_request *r,
					     struct sig_parts *sp,
					     struct sigv4_outcome *out)
{
	struct span a = trim(auth), alg;
	size_t i = 0;
	char msg[SIGV4_MSG_SIZE];
	size_t mlen = 0;
	bool have_date;

	while (i < a.n && !is_ws(a.p[i])) {
		i++;
	}
	alg.p = a.p;
	alg.n = i;
	if (!span_eq(alg, ALGORITHM)) {
		return incomplete(out, "Unsupported AWS 'algorithm': '%.*s'.",
				  (int)(alg.n > 64 ? 64 : alg.n), alg.p);
	}
	while (i < a.n) {
		struct span tok, key, val;
		const char *eq;
		struct span *slot = NULL;

		while (i < a.n && (is_ws(a.p[i]) || a.p[i] == ',')) {
			i++;
		}
		if (i >= a.n) {
			break;
		}
		tok.p = a.p + i;
		while (i < a.n && !is_ws(a.p[i]) && a.p[i] != ',') {
			i++;
		}
		tok.n = (size_t)(a.p + i - tok.p);
		eq = memchr(tok.p, '=', tok.n);
		if (eq == NULL || eq == tok.p) {
			return incomplete(
			    out,
			    "'%.*s' not a valid key=value pair (missing "
			    "equal-sign) in Authorization header: '%.*s'",
			    (int)(tok.n > 64 ? 64 : tok.n), tok.p,
			    (int)(a.n > 256 ? 256 : a.n), a.p);
		}
		key.p = tok.p;
		key.n = (size_t)(eq - tok.p);
		val.p = eq + 1;
		val.n = tok.n - key.n - 1;
		if (span_eq(key, "Credential")) {
			slot = &sp->credential;
		} else if (span_eq(key, "SignedHeaders")) {
			slot = &sp->signed_headers;
		} else if (span_eq(key, "Signature")) {
			slot = &sp->signature;
		}
		if (slot == NULL) {
			continue; /* unknown parameters are ignored */
		}
		if (slot->p != NULL) {
			return incomplete(out,
					  "Authorization header has duplicate "
					  "'%.*s' parameter.",
					  (int)key.n, key.p);
		}
		*slot = val;
		if (val.n == 0) {
			slot->p = NULL; /* an empty value counts as missing */
		}
	}
	have_date = find_header(r, "x-amz-date", &sp->date);
	if (!have_date && find_header(r, "date", &sp->date)) {
		have_date = true;
		sp->date_is_http = true;
	}
	msg[0] = '\0';
	if (sp->credential.p == NULL) {
		mlen += (size_t)snprintf(
		    msg + mlen, sizeof(msg) - mlen,
		    "Authorization header requires 'Credential' parameter. ");
	}
	if (sp->signature.p == NULL && mlen < sizeof(msg)) {
		mlen += (size_t)snprintf(
		    msg + mlen, sizeof(msg) - mlen,
		    "Authorization header requires 'Signature' parameter. ");
	}
	if (sp->signed_headers.p == NULL && mlen < sizeof(msg)) {
		mlen += (size_t)snprintf(msg + mlen, sizeof(msg) - mlen,
					 "Authorization header requires "
					 "'SignedHeaders' parameter. ");
	}
	if (!have_date && mlen < sizeof(msg)) {
		mlen += (size_t)snprintf(
		    msg + mlen, sizeof(msg) - mlen,
		    "Authorization header requires existence of either a "
		    "'X-Amz-Date' or a 'Date' header. ");
	}
	if (mlen > 0) {
		return incomplete(out, "%sAuthorization=%.*s", msg,
				  (int)(a.n > 200 ? 200 : a.n), a.p);
	}
	return SIGV4_OK;
}

static enum sigv4_status parse_presigned(const struct query *q,
					 struct sig_parts *sp,
					 struct sigv4_outcome *out)
{
	static const char *const required[] = {
	    "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature",
	    "X-Amz-SignedHeaders", "X-Amz-Date"};
	const struct qparam *alg, *exp;
	char msg[SIGV4_MSG_SIZE];
	size_t i, mlen = 0;

	msg[0] = '\0';
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		const struct qparam *p = query_get(q, required[i]);

		if ((p == NULL || p->value_len == 0) && mlen < sizeof(msg)) {
			mlen += (size_t)snprintf(
			    msg + mlen, sizeof(msg) - mlen,
			    "AWS query-string parameters must include '%s'. ",
			    required[i]);
		}
	}
	if (mlen > 0) {
		return incomplete(
		    out, "%sRe-examine the query-string parameters.", msg);
	}
	alg = query_get(q, "X-Amz-Algorithm");
	if (!span_eq(qspan(alg), ALGORITHM)) {
		return incomplete(
		    out,
		    "X-Amz-Algorithm only supports '" ALGORITHM
		    "', not '%.*s'.",
		    (int)(alg->value_len > 64 ? 64 : alg->value_len),
		    alg->value);
	}
	sp->credential = qspan(query_get(q, "X-Amz-Credential"));
	sp->signature = qspan(query_get(q, "X-Amz-Signature"));
	sp->signed_headers = qspan(query_get(q, "X-Amz-SignedHeaders"));
	sp->date = qspan(query_get(q, "X-Amz-Date"));
	sp->presigned = true;
	exp = query_get(q, "X-Amz-Expires");
	if (exp == NULL || exp->value_len == 0) {
		return incomplete(out, "AWS query-string parameters must "
				       "include 'X-Amz-Expires'. Re-examine "
				       "the query-string parameters.");
	}
	sp->expires_s = 0;
	for (i = 0; i < exp->value_len; i++) {
		char c = exp->value[i];

		if (c < '0' || c > '9' || sp->expires_s > MAX_EXPIRES_S) {
			sp->expires_s = -1;
			break;
		}
		sp->expires_s = sp->expires_s * 10 + (c - '0');
	}
	if (sp->expires_s < 1 || sp->expires_s > MAX_EXPIRES_S) {
		return incomplete(
		    out,
		    "X-Amz-Expires must be between 1 and %d "
		    "seconds (a week), got '%.*s'.",
		    MAX_EXPIRES_S,
		    (int)(exp->value_len > 32 ? 32 : exp->value_len),
		    exp->value);
	}
	return SIGV4_OK;
}

/* Split SignedHeaders on ';' into names (borrowed spans). */
static enum sigv4_status split_signed_headers(struct span sh,
					      struct span *names, size_t *n,
					      struct sigv4_outcome *out)
{
	size_t i = 0;

	*n = 0;
	while (i <= sh.n) {
		size_t end = i;
		struct span s;

		while (end < sh.n && sh.p[end] != ';') {
			end++;
		}
		s.p = sh.p + i;
		s.n = end - i;
		i = end + 1;
		if (s.n == 0) {
			return incomplete(out,
					  "SignedHeaders has an empty "
					  "header name: '%.*s'.",
					  (int)(sh.n > 200 ? 200 : sh.n), sh.p);
		}
		if (*n == MAX_SIGNED_HEADERS) {
			return incomplete(out,
					  "SignedHeaders names more than %d "
					  "headers.",
					  MAX_SIGNED_HEADERS);
		}
		names[(*n)++] = s;
	}
	return SIGV4_OK;
}

/* ---------------- verification ---------------- */

static bool hex_ieq(struct span a, const char *b)
{
	char l[65];
	size_t i;

	if (a.n != 64 || strlen(b) != 64) {
		return false;
	}
	for (i = 0; i < 64; i++) {
		l[i] = lower(a.p[i]);
	}
	l[64] = '\0';
	return CRYPTO_memcmp(l, b, 64) == 0;
}

/* The request's time from sp.date into *req_s and date_iso, and whether
 * it is close enough to now (presigned: not expired). */
static enum sigv4_status check_time(const struct sig_parts *sp, uint64_t now_ms,
				    int64_t *req_s, char date_iso[17],
				    struct sigv4_outcome *out)
{
	int64_t now_s = (int64_t)(now_ms / 1000);
	int64_t skew_s = (int64_t)(SIGV4_MAX_SKEW_MS / 1000);
	char bound[17], nowf[17];
	int dn = (int)(sp->date.n > 64 ? 64 : sp->date.n);

	if (sp->date_is_http && !parse_http_date(sp->date, req_s)) {
		return incomplete(out,
				  "Date must be in ISO-8601 'basic format' or "
				  "RFC 7231 format. Got '%.*s'.",
				  dn, sp->date.p);
	}
	if (!sp->date_is_http && !parse_basic(sp->date, req_s)) {
		return incomplete(out,
				  "Date must be in ISO-8601 'basic format'. "
				  "Got '%.*s'. See "
				  "http://en.wikipedia.org/wiki/ISO_8601",
				  dn, sp->date.p);
	}
	fmt_basic(*req_s, date_iso);
	fmt_basic(now_s, nowf);
	if (*req_s * 1000 > (int64_t)(now_ms + SIGV4_MAX_SKEW_MS)) {
		fmt_basic(now_s + skew_s, bound);
		return reject(out, "SignatureDoesNotMatch", 403,
			      "Signature not yet current: %s is still later "
			      "than %s (%s + 15 min.)",
			      date_iso, bound, nowf);
	}
	if (sp->presigned &&
	    (*req_s + sp->expires_s) * 1000 < (int64_t)now_ms) {
		fmt_basic(now_s - sp->expires_s, bound);
		return reject(out, "SignatureDoesNotMatch", 403,
			      "Signature expired: %s is now earlier than %s "
			      "(%s - %lld sec.)",
			      date_iso, bound, nowf, (long long)sp->expires_s);
	}
	if (!sp->presigned &&
	    *req_s * 1000 + (int64_t)SIGV4_MAX_SKEW_MS < (int64_t)now_ms) {
		fmt_basic(now_s - skew_s, bound);
		return reject(out, "SignatureDoesNotMatch", 403,
			      "Signature expired: %s is now earlier than %s "
			      "(%s - 15 min.)",
			      date_iso, bound, nowf);
	}
	return SIGV4_OK;
}

/* Split the credential AKID/YYYYMMDD/region/service/aws4_request into
 * parts[5], fill out's key id, region and service, and check the scope's
 * date and terminator. */
static enum sigv4_status parse_credential(struct span cred,
					  const char date_iso[17],
					  struct span parts[5],
					  struct sigv4_outcome *out)
{
	size_t i, n = 0;

	for (i = 0; i <= cred.n && n <= 5;) {
		size_t end = i;

		while (end < cred.n && cred.p[end] != '/') {
			end++;
		}
		if (n < 5) {
			parts[n].p = cred.p + i;
			parts[n].n = end - i;
		}
		n++;
		i = end + 1;
	}
	if (n != 5 || parts[0].n == 0 || parts[1].n == 0 || parts[2].n == 0 ||
	    parts[3].n == 0) {
		return incomplete(out,
				  "Credential must have exactly 5 "
				  "slash-delimited elements, e.g. "
				  "keyid/date/region/service/term, got '%.*s'",
				  (int)(cred.n > 200 ? 200 : cred.n), cred.p);
	}
	if (parts[0].n >= SIGV4_KEY_ID_SIZE ||
	    parts[2].n >= SIGV4_SCOPE_PART_SIZE ||
	    parts[3].n >= SIGV4_SCOPE_PART_SIZE) {
		return incomplete(
		    out, "Credential has an element that is too long.");
	}
	span_copy(parts[0], out->access_key_id, sizeof(out->access_key_id));
	span_copy(parts[2], out->region, sizeof(out->region));
	span_copy(parts[3], out->service, sizeof(out->service));
	if (!span_eq(parts[4], TERMINATOR)) {
		return reject(out, "SignatureDoesNotMatch", 403,
			      "Credential should be scoped with a valid "
			      "terminator: '" TERMINATOR "', not '%.*s'.",
			      (int)(parts[4].n > 64 ? 64 : parts[4].n),
			      parts[4].p);
	}
	if (parts[1].n != 8 || memcmp(parts[1].p, date_iso, 8) != 0) {
		return reject(out, "SignatureDoesNotMatch", 403,
			      "Date in Credential scope does not match "
			      "YYYYMMDD from ISO-8601 version of date from "
			      "HTTP: '%.*s' != '%.8s', from '%s'.",
			      (int)(parts[1].n > 16 ? 16 : parts[1].n),
			      parts[1].p, date_iso, date_iso);
	}
	return SIGV4_OK;
}

/* The canonical request into creq (see the top of this file). */
static void canonical_request(struct strbuf *creq,
			      const struct sigv4_request *r,
			      const struct query *q, bool presigned,
			      const struct span *names, size_t n_names,
			      const char *payload_hash, size_t payload_hash_len)
{
	struct span path = {r->path ? r->path : "", r->path ? r->path_len : 0};
	size_t i, k;

	strbuf_put(creq, r->method ? r->method : "",
		   r->method ? r->method_len : 0);
	buf_ch(creq, '\n');
	canonical_uri(creq, path);
	buf_ch(creq, '\n');
	canonical_query(creq, q, presigned);
	buf_ch(creq, '\n');
	canonical_headers(creq, r, names, n_names);
	buf_ch(creq, '\n');
	for (i = 0; i < n_names; i++) {
		if (i > 0) {
			buf_ch(creq, ';');
		}
		for (k = 0; k < names[i].n; k++) {
			buf_ch(creq, lower(names[i].p[k]));
		}
	}
	buf_ch(creq, '\n');
	strbuf_put(creq, payload_hash, payload_hash_len);
}

/* The hex signature of creq under secret and the credential's scope
 * (parts[1..3]). 0, or -1 when out of memory. */
static int signature_of(const struct strbuf *creq, const char *secret,
			const char date_iso[17], const struct span parts[5],
			char expected[65])
{
	struct strbuf sts = {0};
	char creq_hash[65], key[4 + SIGV4_SECRET_SIZE];
	uint8_t k[4][32], sig[32];

	sha256_hex(creq->data, creq->len, creq_hash);
	strbuf_puts(&sts, ALGORITHM "\n");
	strbuf_puts(&sts, date_iso);
	buf_ch(&sts, '\n');
	strbuf_put(&sts, parts[1].p, parts[1].n);
	buf_ch(&sts, '/');
	strbuf_put(&sts, parts[2].p, parts[2].n);
	buf_ch(&sts, '/');
	strbuf_put(&sts, parts[3].p, parts[3].n);
	strbuf_puts(&sts, "/" TERMINATOR "\n");
	strbuf_puts(&sts, creq_hash);
	if (sts.oom) {
		free(sts.data);
		return -1;
	}
	snprintf(key, sizeof(key), "AWS4%s", secret);
	hmac((const uint8_t *)key, strlen(key), parts[1].p, parts[1].n, k[0]);
	hmac(k[0], 32, parts[2].p, parts[2].n, k[1]);
	hmac(k[1], 32, parts[3].p, parts[3].n, k[2]);
	hmac(k[2], 32, TERMINATOR, strlen(TERMINATOR), k[3]);
	hmac(k[3], 32, sts.data, sts.len, sig);
	hex(sig, 32, expected);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(k, sizeof(k));
	free(sts.data);
	return 0;
}

enum sigv4_status sigv4_verify(const struct sigv4_request *r, uint64_t now_ms,
			       sigv4_lookup_fn lookup, void *lookup_ctx,
			       struct sigv4_outcome *out)
{
	struct span auth = {NULL, 0}, raw_query = {r->query ? r->query : "",
						   r->query ? r->query_len : 0};
	struct span cparts[5], names[MAX_SIGNED_HEADERS], content_sha;
	struct sig_parts sp;
	struct query q;
	struct strbuf creq = {0};
	char date_iso[17], body_hash[65], expected[65];
	char secret[SIGV4_SECRET_SIZE];
	int64_t req_s;
	size_t n_names = 0, i;
	bool have_auth, have_content_sha, host_signed = false;
	enum sigv4_status st;

	memset(out, 0, sizeof(*out));
	memset(&sp, 0, sizeof(sp));
	if (query_parse(raw_query, &q) != 0) {
		query_free(&q);
		return reject(out, "InternalFailure", 500,
			      "Out of memory while verifying the signature.");
	}
	have_auth = find_header(r, "authorization", &auth);
	if (!have_auth && query_get(&q, "X-Amz-Algorithm") == NULL &&
	    query_get(&q, "X-Amz-Signature") == NULL &&
	    query_get(&q, "X-Amz-Credential") == NULL) {
		query_free(&q);
		out->status = SIGV4_UNSIGNED;
		return SIGV4_UNSIGNED;
	}
	if (have_auth && query_get(&q, "X-Amz-Algorithm") != NULL) {
		st = incomplete(out, "Found both 'X-Amz-Algorithm' as a "
				     "query-string param and 'Authorization' "
				     "as HTTP header.");
		goto done;
	}
	if (have_auth && count_headers(r, "authorization") > 1) {
		st = incomplete(out, "The request has more than one "
				     "Authorization header.");
		goto done;
	}
	st = have_auth ? parse_authorization(auth, r, &sp, out)
		       : parse_presigned(&q, &sp, out);
	if (st != SIGV4_OK ||
	    (st = check_time(&sp, now_ms, &req_s, date_iso, out)) != SIGV4_OK ||
	    (st = parse_credential(sp.credential, date_iso, cparts, out)) !=
		SIGV4_OK ||
	    (st = split_signed_headers(sp.signed_headers, names, &n_names,
				       out)) != SIGV4_OK) {
		goto done;
	}
	/* AWS requires the host to be signed. */
	for (i = 0; i < n_names; i++) {
		host_signed = host_signed || span_ieq(names[i], "host") ||
			      span_ieq(names[i], ":authority");
	}
	if (!host_signed) {
		st = reject(out, "SignatureDoesNotMatch", 403,
			    "'Host' or ':authority' must be a 'SignedHeader' "
			    "in the AWS Authorization.");
		goto done;
	}
	if (lookup == NULL ||
	    lookup(lookup_ctx, out->access_key_id, secret) != 0) {
		st = reject(out, "InvalidClientTokenId", 403,
			    "The security token included in the request is "
			    "invalid.");
		goto done;
	}
	secret[SIGV4_SECRET_SIZE - 1] = '\0';

	/* The payload hash: X-Amz-Content-Sha256 as sent, when present. */
	have_content_sha = find_header(r, "x-amz-content-sha256", &content_sha);
	sha256_hex(r->body_len ? (const void *)r->body : "", r->body_len,
		   body_hash);
	canonical_request(&creq, r, &q, sp.presigned, names, n_names,
			  have_content_sha ? content_sha.p : body_hash,
			  have_content_sha ? content_sha.n : 64);
	if (creq.oom ||
	    signature_of(&creq, secret, date_iso, cparts, expected) != 0) {
		st = reject(out, "InternalFailure", 500,
			    "Out of memory while verifying the signature.");
		goto done;
	}
	if (!hex_ieq(sp.signature, expected)) {
		st = reject(out, "SignatureDoesNotMatch", 403, "%s",
			    MSG_MISMATCH);
		goto done;
	}
	/* The body must be what X-Amz-Content-Sha256 says it is. */
	if (have_content_sha && !span_eq(content_sha, UNSIGNED_PAYLOAD) &&
	    !hex_ieq(content_sha, body_hash)) {
		st = reject(out, "SignatureDoesNotMatch", 403,
			    "The provided 'x-amz-content-sha256' header does "
			    "not match what was computed.");
		goto done;
	}
	out->status = SIGV4_OK;
	st = SIGV4_OK;
done:
	OPENSSL_cleanse(secret, sizeof(secret));
	free(creq.data);
	query_free(&q);
	return st;
}
