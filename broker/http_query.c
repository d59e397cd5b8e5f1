/* http_query — the AWS Query protocol codec: a form-encoded request
 * (Action=SendMessage&QueueUrl=...&MessageAttribute.1.Name=...) becomes the
 * AWS JSON input document of the action; the service's JSON output or error
 * becomes the Query XML response. The shapes come from the generated
 * service models (query_model.h); this file owns no state.
 *
 * Decoding rules (what AWS's Query services and botocore agree on):
 * - parameters come from the URL query string and, when the content type is
 *   absent or application/x-www-form-urlencoded, the body; a repeated name
 *   keeps its last value, and the body wins over the query string;
 * - names are matched by the model; parameters the model does not name
 *   (X-Amz-* of presigned URLs, Version, typos) are ignored, as AWS does;
 * - list and map indexes are 1-based, canonical decimal, at most
 *   QUERY_INDEX_MAX; they may arrive with gaps and in any order: the JSON
 *   list holds the elements in index order, without the gaps;
 * - integers and booleans are checked and converted, blobs stay base64. */
#include "http_codec.h"
#include "strbuf.h"
#include "query_model.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define QUERY_INDEX_MAX	 1000  /* largest list/map index accepted */
#define QUERY_PARAMS_MAX 20000 /* parameters per request */
#define QUERY_NAME_MAX	 512   /* bytes of a parameter name */
#define QUERY_DEPTH_MAX	 16    /* nesting of shapes */

const struct query_service *const query_services[] = {
    &query_model_sqs,
    NULL,
};

/* ---- parameters ------------------------------------------------------- */

struct qparam {
	char *key; /* percent-decoded, NUL-terminated, no NUL inside */
	size_t key_len;
	char *val; /* percent-decoded, NUL-terminated, may hold NULs */
	size_t val_len;
	size_t seq; /* arrival order: query string first, then body */
};

struct qparams {
	struct qparam *v;
	size_t n, cap;
};

static void set_err(struct http_codec_error *err, const char *code, int status,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void set_err(struct http_codec_error *err, const char *code, int status,
		    const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	err->status = status;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

static void params_free(struct qparams *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		free(ps->v[i].key);
		free(ps->v[i].val);
	}
	free(ps->v);
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

/* Percent-decode s[0..n) ('+' is a space) into a new NUL-terminated string.
 * 0, -1 on a bad escape, -2 when out of memory. */
static int pct_decode(const char *s, size_t n, char **out, size_t *out_len)
{
	char *d = malloc(n + 1);
	size_t j = 0;

	if (d == NULL)
		return -2;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			d[j++] = ' ';
		} else if (s[i] == '%') {
			int hi, lo;

			if (n - i < 3) {
				free(d);
				return -1;
			}
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0) {
				free(d);
				return -1;
			}
			d[j++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			d[j++] = s[i];
		}
	}
	d[j] = '\0';
	*out = d;
	*out_len = j;
	return 0;
}

/* Add the pairs of a form-encoded string. 0, or -1 with *err filled. */
static int params_parse(struct qparams *ps, const char *s, size_t n,
			struct http_codec_error *err)
{
	size_t i = 0;

	while (i < n) {
		size_t end = i, eq;
		struct qparam p = {0};
		int rc;

		while (end < n && s[end] != '&')
			end++;
		eq = i;
		while (eq < end && s[eq] != '=')
			eq++;
		if (eq == i) { /* "" or "=x": nothing to name */
			i = end + 1;
			continue;
		}
		if (ps->n == QUERY_PARAMS_MAX) {
			set_err(err, "MalformedQueryString", 404,
				"The request has more than %d parameters.",
				QUERY_PARAMS_MAX);
			return -1;
		}
		rc = pct_decode(s + i, eq - i, &p.key, &p.key_len);
		if (rc == 0) {
			rc = eq < end ? pct_decode(s + eq + 1, end - eq - 1,
						   &p.val, &p.val_len)
				      : pct_decode("", 0, &p.val, &p.val_len);
			if (rc != 0)
				free(p.key);
		}
		if (rc == -2)
			goto oom;
		if (rc == -1) {
			set_err(err, "MalformedQueryString", 404,
				"The query string contains an invalid "
				"percent-encoding.");
			return -1;
		}
		if (p.key_len > QUERY_NAME_MAX ||
		    memchr(p.key, '\0', p.key_len) != NULL) {
			free(p.key);
			free(p.val);
			set_err(err, "MalformedQueryString", 404,
				"The query string contains an invalid "
				"parameter name.");
			return -1;
		}
		if (ps->n == ps->cap) {
			size_t cap = ps->cap ? ps->cap * 2 : 32;
			struct qparam *v = realloc(ps->v, cap * sizeof(*v));

			if (v == NULL) {
				free(p.key);
				free(p.val);
				goto oom;
			}
			ps->v = v;
			ps->cap = cap;
		}
		p.seq = ps->n;
		ps->v[ps->n++] = p;
		i = end + 1;
	}
	return 0;
oom:
	set_err(err, "InternalFailure", 500, "Out of memory.");
	return -1;
}

static int key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c != 0)
		return c;
	return an < bn ? -1 : an > bn;
}

static int param_cmp(const void *x, const void *y)
{
	const struct qparam *a = x, *b = y;
	int c = key_cmp(a->key, a->key_len, b->key, b->key_len);

	if (c != 0)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Sort by name and keep the last of each repeated name. */
static void params_index(struct qparams *ps)
{
	size_t j = 0;

	if (ps->n == 0)
		return;
	qsort(ps->v, ps->n, sizeof(ps->v[0]), param_cmp);
	for (size_t i = 0; i < ps->n; i++) {
		if (i + 1 < ps->n &&
		    key_cmp(ps->v[i].key, ps->v[i].key_len, ps->v[i + 1].key,
			    ps->v[i + 1].key_len) == 0) {
			free(ps->v[i].key);
			free(ps->v[i].val);
			continue;
		}
		ps->v[j++] = ps->v[i];
	}
	ps->n = j;
}

/* First parameter whose name is >= key[0..n). */
static size_t params_lower(const struct qparams *ps, const char *key, size_t n)
{
	size_t lo = 0, hi = ps->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (key_cmp(ps->v[mid].key, ps->v[mid].key_len, key, n) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct qparam *params_get(const struct qparams *ps,
				       const char *key, size_t n)
{
	size_t i = params_lower(ps, key, n);

	if (i < ps->n && key_cmp(ps->v[i].key, ps->v[i].key_len, key, n) == 0)
		return &ps->v[i];
	return NULL;
}

/* The parameters named prefix... are v[*lo .. *hi). */
static void params_range(const struct qparams *ps, const char *prefix, size_t n,
			 size_t *lo, size_t *hi)
{
	size_t i = params_lower(ps, prefix, n);

	*lo = i;
	while (i < ps->n && ps->v[i].key_len >= n &&
	       memcmp(ps->v[i].key, prefix, n) == 0)
		i++;
	*hi = i;
}

/* ---- decoding by shape ------------------------------------------------ */

struct decoder {
	const struct query_service *svc;
	const struct qparams *ps;
	struct http_codec_error *err;
};

/* A parameter path being built: "Entry.3.MessageAttribute.1.Value". A push
 * that does not fit makes the path match nothing until it is popped. */
#define QPATH_OVER ((size_t)-1)
struct qpath {
	char s[QUERY_NAME_MAX + 64];
	size_t n;
	unsigned over; /* pushes that did not fit, not yet popped */
};

/* Append ".part" (or "part" at the root). Returns what path_pop takes. */
static size_t path_push(struct qpath *p, const char *part, size_t len)
{
	size_t old = p->n;
	size_t need = (p->n ? 1 : 0) + len;

	if (p->over > 0 || p->n + need >= sizeof(p->s)) {
		p->over++;
		return QPATH_OVER;
	}
	if (p->n)
		p->s[p->n++] = '.';
	memcpy(p->s + p->n, part, len);
	p->n += len;
	p->s[p->n] = '\0';
	return old;
}

static void path_pop(struct qpath *p, size_t old)
{
	if (old == QPATH_OVER) {
		p->over--;
		return;
	}
	p->n = old;
	p->s[p->n] = '\0';
}

static json_t *decode_shape(struct decoder *d, uint16_t shape, struct qpath *p,
			    int depth, bool *present);

static json_t *oom(struct decoder *d)
{
	set_err(d->err, "InternalFailure", 500, "Out of memory.");
	return NULL;
}

static bool utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t len;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			len = 2;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

static json_t *decode_scalar(struct decoder *d, uint8_t type,
			     const struct qparam *q)
{
	const char *v = q->val;

	switch (type) {
	case QT_INTEGER:
	case QT_LONG: {
		char *end;
		long long x;

		errno = 0;
		x = strtoll(v, &end, 10);
		if (q->val_len == 0 || end != v + q->val_len || errno != 0 ||
		    (v[0] != '-' && (v[0] < '0' || v[0] > '9')) ||
		    (type == QT_INTEGER && (x < INT32_MIN || x > INT32_MAX))) {
			set_err(d->err, "InvalidParameterValue", 400,
				"Value %.64s for parameter %s is invalid. "
				"Reason: must be an integer.",
				memchr(v, '\0', q->val_len) ? "" : v, q->key);
			return NULL;
		}
		json_t *j = json_integer(x);

		return j ? j : oom(d);
	}
	case QT_BOOLEAN:
		if (strcmp(v, "true") == 0)
			return json_true();
		if (strcmp(v, "false") == 0)
			return json_false();
		set_err(d->err, "InvalidParameterValue", 400,
			"Value %.64s for parameter %s is invalid. "
			"Reason: must be true or false.",
			memchr(v, '\0', q->val_len) ? "" : v, q->key);
		return NULL;
	case QT_DOUBLE: {
		char *end;
		double x;

		errno = 0;
		x = strtod(v, &end);
		if (q->val_len == 0 || end != v + q->val_len || errno != 0) {
			set_err(d->err, "InvalidParameterValue", 400,
				"Value %.64s for parameter %s is invalid. "
				"Reason: must be a number.",
				memchr(v, '\0', q->val_len) ? "" : v, q->key);
			return NULL;
		}
		json_t *j = json_real(x);

		return j ? j : oom(d);
	}
	default: { /* string, blob (base64 text), timestamp (as sent) */
		json_t *s;

		if (!utf8_valid((const unsigned char *)v, q->val_len)) {
			set_err(d->err, "InvalidParameterValue", 400,
				"Value for parameter %s is not valid UTF-8.",
				q->key);
			return NULL;
		}
		s = json_stringn(v, q->val_len);
		return s ? s : oom(d);
	}
	}
}

struct qindex {
	unsigned idx;
	size_t at; /* first parameter of the element */
};

static int qindex_cmp(const void *x, const void *y)
{
	const struct qindex *a = x, *b = y;

	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* The distinct indexes N of the parameters named base.N[.rest], sorted.
 * 0 and *out (malloc'd, *n entries; NULL when none), or -1 with the error
 * set. */
static int collect_indexes(struct decoder *d, struct qpath *base,
			   struct qindex **out, size_t *n)
{
	size_t lo, hi, cnt = 0, cap = 0;
	struct qindex *v = NULL;
	char pre[sizeof(base->s) + 1];
	unsigned last = 0;

	*out = NULL;
	*n = 0;
	if (base->over > 0)
		return 0;
	memcpy(pre, base->s, base->n);
	pre[base->n] = '.';
	params_range(d->ps, pre, base->n + 1, &lo, &hi);
	for (size_t i = lo; i < hi; i++) {
		const char *k = d->ps->v[i].key + base->n + 1;
		const char *kend = d->ps->v[i].key + d->ps->v[i].key_len;
		const char *e = k;
		unsigned long x = 0;

		while (e < kend && *e >= '0' && *e <= '9' && e - k < 5) {
			x = x * 10 + (unsigned long)(*e - '0');
			e++;
		}
		if (e == k || (e < kend && *e != '.') || *k == '0' ||
		    x > QUERY_INDEX_MAX) {
			free(v);
			set_err(d->err, "InvalidParameterValue", 400,
				"The index in parameter %s is invalid: "
				"indexes are 1 to %d.",
				d->ps->v[i].key, QUERY_INDEX_MAX);
			return -1;
		}
		if (cnt > 0 && x == last)
			continue; /* same element; names sort together */
		if (cnt == cap) {
			size_t c = cap ? cap * 2 : 8;
			struct qindex *nv = realloc(v, c * sizeof(*nv));

			if (nv == NULL) {
				free(v);
				oom(d);
				return -1;
			}
			v = nv;
			cap = c;
		}
		v[cnt].idx = (unsigned)x;
		v[cnt].at = i;
		cnt++;
		last = (unsigned)x;
	}
	if (cnt > 1)
		qsort(v, cnt, sizeof(*v), qindex_cmp);
	*out = v;
	*n = cnt;
	return 0;
}

static size_t push_index(struct qpath *p, unsigned idx)
{
	char num[16];
	int len = snprintf(num, sizeof(num), "%u", idx);

	return path_push(p, num, (size_t)len);
}

/* A list whose elements are named p.N (p: the element base). */
static json_t *decode_list(struct decoder *d, const struct query_shape *sh,
			   struct qpath *p, int depth, bool *present)
{
	struct qindex *ix;
	size_t n;
	json_t *arr;

	if (collect_indexes(d, p, &ix, &n) != 0)
		return NULL;
	arr = json_array();
	if (arr == NULL) {
		free(ix);
		return oom(d);
	}
	for (size_t i = 0; i < n; i++) {
		size_t old = push_index(p, ix[i].idx);
		bool here = false;
		json_t *el = decode_shape(d, sh->member, p, depth + 1, &here);

		path_pop(p, old);
		if (el == NULL && !here)
			continue; /* only unknown names under p.N */
		if (el == NULL || json_array_append_new(arr, el) != 0) {
			free(ix);
			json_decref(arr);
			return el ? oom(d) : NULL;
		}
	}
	free(ix);
	*present = json_array_size(arr) > 0;
	return arr;
}

/* A map whose entries are p.N.<key_name> / p.N.<value_name>. */
static json_t *decode_map(struct decoder *d, const struct query_shape *sh,
			  struct qpath *p, int depth, bool *present)
{
	struct qindex *ix;
	size_t n;
	json_t *obj;

	if (collect_indexes(d, p, &ix, &n) != 0)
		return NULL;
	obj = json_object();
	if (obj == NULL) {
		free(ix);
		return oom(d);
	}
	for (size_t i = 0; i < n; i++) {
		size_t old = push_index(p, ix[i].idx), o2;
		const struct qparam *k;
		bool here = false;
		json_t *v;

		o2 = path_push(p, sh->member_name, strlen(sh->member_name));
		k = p->over > 0 ? NULL : params_get(d->ps, p->s, p->n);
		path_pop(p, o2);
		if (k == NULL) {
			set_err(d->err, "MissingParameter", 400,
				"The request must contain the parameter "
				"%s.%s.",
				p->s, sh->member_name);
			goto fail;
		}
		if (memchr(k->val, '\0', k->val_len) != NULL ||
		    !utf8_valid((const unsigned char *)k->val, k->val_len)) {
			set_err(d->err, "InvalidParameterValue", 400,
				"Value for parameter %s is invalid.", k->key);
			goto fail;
		}
		o2 = path_push(p, sh->value_name, strlen(sh->value_name));
		v = decode_shape(d, sh->value, p, depth + 1, &here);
		if (v == NULL && !here) {
			set_err(d->err, "MissingParameter", 400,
				"The request must contain the parameter %s.",
				p->s);
			path_pop(p, o2);
			goto fail;
		}
		path_pop(p, o2);
		if (v == NULL)
			goto fail;
		if (json_object_setn_new(obj, k->val, k->val_len, v) != 0) {
			oom(d);
			goto fail;
		}
		path_pop(p, old);
		continue;
	fail:
		path_pop(p, old);
		free(ix);
		json_decref(obj);
		return NULL;
	}
	free(ix);
	*present = json_object_size(obj) > 0;
	return obj;
}

/* The name under which member m's values are found: botocore's
 * QuerySerializer rules (query_model.h). Pushes onto p (one push). */
static size_t push_member(const struct query_service *svc,
			  const struct query_member *m, struct qpath *p)
{
	const struct query_shape *sh = &svc->shapes[m->shape];
	const char *qn = m->qname ? m->qname : m->name;
	char name[QUERY_NAME_MAX];
	int len;

	if (sh->type == QT_LIST && m->flattened && sh->member_name)
		qn = sh->member_name;
	if (sh->type == QT_LIST && !m->flattened)
		len = snprintf(name, sizeof(name), "%s.%s", qn,
			       sh->member_name ? sh->member_name : "member");
	else if (sh->type == QT_MAP && !m->flattened)
		len = snprintf(name, sizeof(name), "%s.entry", qn);
	else
		len = snprintf(name, sizeof(name), "%s", qn);
	if (len < 0 || (size_t)len >= sizeof(name))
		len = sizeof(name); /* does not fit: path_push refuses */
	return path_push(p, name, (size_t)len);
}

static json_t *decode_struct(struct decoder *d, const struct query_shape *sh,
			     struct qpath *p, int depth, bool *present)
{
	json_t *obj = json_object();

	if (obj == NULL)
		return oom(d);
	for (uint16_t i = 0; i < sh->n; i++) {
		const struct query_member *m = &d->svc->members[sh->first + i];
		const struct query_shape *ms = &d->svc->shapes[m->shape];
		bool dup = false, here = false;
		size_t old, parent;
		json_t *v;

		/* Two members with one Query name (ReceiveMessage's
		 * AttributeNames and MessageSystemAttributeNames are both
		 * AttributeName.N): the first takes the values. */
		parent = p->n;
		old = push_member(d->svc, m, p);
		for (uint16_t j = 0; j < i && !dup && old != QPATH_OVER; j++) {
			struct qpath q = {.n = parent};
			size_t qo;

			memcpy(q.s, p->s, parent);
			q.s[parent] = '\0';
			qo = push_member(d->svc,
					 &d->svc->members[sh->first + j], &q);
			dup = qo != QPATH_OVER && q.n == p->n &&
			      memcmp(q.s, p->s, q.n) == 0;
		}
		if (dup || old == QPATH_OVER) {
			path_pop(p, old);
			continue;
		}
		v = decode_shape(d, m->shape, p, depth + 1, &here);
		if (v == NULL && here) {
			path_pop(p, old);
			json_decref(obj);
			return NULL;
		}
		if (v == NULL && (ms->type == QT_LIST || ms->type == QT_MAP)) {
			/* botocore sends an empty list as "Name=". */
			const struct qparam *e;

			path_pop(p, old);
			old = path_push(p, m->qname ? m->qname : m->name,
					strlen(m->qname ? m->qname : m->name));
			e = p->over > 0 ? NULL : params_get(d->ps, p->s, p->n);
			if (e != NULL && e->val_len == 0)
				v = ms->type == QT_LIST ? json_array()
							: json_object();
			if (e != NULL && e->val_len == 0 && v == NULL) {
				path_pop(p, old);
				json_decref(obj);
				return oom(d);
			}
		}
		path_pop(p, old);
		if (v == NULL)
			continue;
		if (json_object_set_new(obj, m->name, v) != 0) {
			json_decref(obj);
			return oom(d);
		}
	}
	*present = json_object_size(obj) > 0;
	return obj;
}

/* The value of shape named p. NULL with *present false: nothing there (no
 * error); NULL with *present true: an error (d->err set). */
static json_t *decode_shape(struct decoder *d, uint16_t shape, struct qpath *p,
			    int depth, bool *present)
{
	const struct query_shape *sh;
	bool here = false;
	json_t *v;

	*present = false;
	if (shape >= d->svc->n_shapes || depth > QUERY_DEPTH_MAX || p->over > 0)
		return NULL;
	sh = &d->svc->shapes[shape];
	switch (sh->type) {
	case QT_STRUCT:
		v = decode_struct(d, sh, p, depth, &here);
		break;
	case QT_LIST:
		v = decode_list(d, sh, p, depth, &here);
		break;
	case QT_MAP:
		v = decode_map(d, sh, p, depth, &here);
		break;
	default: {
		const struct qparam *q = params_get(d->ps, p->s, p->n);

		if (q == NULL)
			return NULL;
		*present = true;
		return decode_scalar(d, sh->type, q);
	}
	}
	if (v == NULL) {
		*present = true; /* an error */
		return NULL;
	}
	if (!here) {
		json_decref(v);
		return NULL;
	}
	*present = true;
	return v;
}

/* ---- model look-ups --------------------------------------------------- */

static const struct query_service *service_by_name(const char *name)
{
	for (size_t i = 0; query_services[i] != NULL; i++)
		if (strcmp(query_services[i]->name, name) == 0)
			return query_services[i];
	return NULL;
}

static const struct query_operation *
operation_by_name(const struct query_service *svc, const char *name, size_t n)
{
	size_t lo = 0, hi = svc->n_operations;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *o = svc->operations[mid].name;
		int c = key_cmp(o, strlen(o), name, n);

		if (c == 0)
			return &svc->operations[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool content_is_form(const struct http_request_view *req)
{
	static const char form[] = "application/x-www-form-urlencoded";

	if (req->content_type == NULL || req->content_type_len == 0)
		return true;
	return req->content_type_len >= sizeof(form) - 1 &&
	       strncasecmp(req->content_type, form, sizeof(form) - 1) == 0;
}

/* Fill svc->path_member from the request path "/<account>/<name>" when the
 * request did not name it (SDKs that post to the queue URL). */
static int fill_path_member(const struct query_service *svc,
			    const struct query_shape *in,
			    const struct http_request_view *req, json_t *doc)
{
	size_t segs = 0;
	bool found = false;

	if (svc->path_member == NULL || req->path == NULL ||
	    json_object_get(doc, svc->path_member) != NULL)
		return 0;
	for (uint16_t i = 0; i < in->n; i++)
		if (strcmp(svc->members[in->first + i].name,
			   svc->path_member) == 0)
			found = true;
	if (!found)
		return 0;
	for (size_t i = 0; i < req->path_len; i++)
		if (req->path[i] == '/' && i + 1 < req->path_len &&
		    req->path[i + 1] != '/')
			segs++;
	if (segs < 2 || memchr(req->path, '\0', req->path_len) != NULL ||
	    !utf8_valid((const unsigned char *)req->path, req->path_len))
		return 0;
	return json_object_set_new(doc, svc->path_member,
				   json_stringn(req->path, req->path_len));
}

int query_decode(const struct http_request_view *req,
		 struct http_call_doc *call, struct http_codec_error *err)
{
	struct qparams ps = {0};
	const struct qparam *action;
	const struct query_service *svc = NULL;
	const struct query_operation *op = NULL;
	struct decoder d = {.ps = &ps, .err = err};
	struct qpath *path = NULL;
	json_t *doc = NULL;
	bool here = false;

	memset(call, 0, sizeof(*call));
	if (req->query != NULL &&
	    params_parse(&ps, req->query, req->query_len, err) != 0)
		goto fail;
	if (req->body != NULL && content_is_form(req) &&
	    params_parse(&ps, req->body, req->body_len, err) != 0)
		goto fail;
	params_index(&ps);

	action = params_get(&ps, "Action", 6);
	if (action == NULL || action->val_len == 0) {
		set_err(err, "MissingAction", 400,
			"The request must contain the parameter Action.");
		goto fail;
	}
	for (size_t i = 0; query_services[i] != NULL && op == NULL; i++) {
		svc = query_services[i];
		op = operation_by_name(svc, action->val, action->val_len);
	}
	if (op == NULL) {
		set_err(err, "InvalidAction", 400,
			"The action %.128s is not valid for this endpoint.",
			memchr(action->val, '\0', action->val_len) ||
				!utf8_valid((const unsigned char *)action->val,
					    action->val_len)
			    ? "?"
			    : action->val);
		goto fail;
	}
	d.svc = svc;
	path = calloc(1, sizeof(*path));
	if (path == NULL) {
		oom(&d);
		goto fail;
	}
	if (op->input != QUERY_NO_SHAPE) {
		doc = decode_shape(&d, op->input, path, 0, &here);
		if (doc == NULL && here)
			goto fail;
	}
	if (doc == NULL)
		doc = json_object();
	if (doc == NULL) {
		oom(&d);
		goto fail;
	}
	if (op->input != QUERY_NO_SHAPE &&
	    fill_path_member(svc, &svc->shapes[op->input], req, doc) != 0) {
		oom(&d);
		goto fail;
	}
	snprintf(call->service, sizeof(call->service), "%s", svc->name);
	snprintf(call->action, sizeof(call->action), "%s", op->name);
	call->input = doc;
	free(path);
	params_free(&ps);
	return 0;
fail:
	json_decref(doc);
	free(path);
	params_free(&ps);
	return -1;
}

/* ---- XML output ------------------------------------------------------- */

static void xb_text(struct strbuf *b, const char *s, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *rep = NULL;
		size_t skip = 0;

		switch (c) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&apos;";
			break;
		case '\r':
			rep = "&#xD;";
			break;
		case '\t':
		case '\n':
			break;
		case 0xef: /* U+FFFE, U+FFFF: EF BF BE, EF BF BF */
			if (i + 2 < n && (unsigned char)s[i + 1] == 0xbf &&
			    ((unsigned char)s[i + 2] & 0xfe) == 0xbe) {
				rep = "\xef\xbf\xbd";
				skip = 2;
			}
			break;
		default:
			if (c < 0x20)
				rep = "\xef\xbf\xbd";
		}
		if (rep == NULL)
			continue;
		strbuf_put(b, s + run, i - run);
		strbuf_puts(b, rep);
		i += skip;
		run = i + 1;
	}
	strbuf_put(b, s + run, n - run);
}

static void xb_open(struct strbuf *b, const char *name)
{
	strbuf_puts(b, "<");
	strbuf_puts(b, name);
	strbuf_puts(b, ">");
}

static void xb_close(struct strbuf *b, const char *name)
{
	strbuf_puts(b, "</");
	strbuf_puts(b, name);
	strbuf_puts(b, ">");
}

static void xb_elem(struct strbuf *b, const char *name, const char *text)
{
	xb_open(b, name);
	xb_text(b, text, strlen(text));
	xb_close(b, name);
}

/* A JSON scalar as Query text; false when v is no scalar. */
static bool scalar_text(uint8_t type, const json_t *v, char *num, size_t cap,
			const char **text, size_t *len)
{
	if (json_is_string(v)) {
		*text = json_string_value(v);
		*len = json_string_length(v);
		return true;
	}
	if (json_is_boolean(v)) {
		*text = json_is_true(v) ? "true" : "false";
		*len = strlen(*text);
		return true;
	}
	if (json_is_integer(v) && type == QT_TIMESTAMP) {
		/* JSON-protocol epoch seconds; Query sends ISO 8601. */
		time_t t = (time_t)json_integer_value(v);
		struct tm tm;

		if (gmtime_r(&t, &tm) == NULL)
			return false;
		*len = strftime(num, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
		*text = num;
		return *len > 0;
	}
	if (json_is_integer(v)) {
		*len = (size_t)snprintf(num, cap, "%" JSON_INTEGER_FORMAT,
					json_integer_value(v));
		*text = num;
		return true;
	}
	if (json_is_real(v)) {
		*len = (size_t)snprintf(num, cap, "%.17g", json_real_value(v));
		*text = num;
		return true;
	}
	return false;
}

static void encode_shape(const struct query_service *svc, struct strbuf *b,
			 uint16_t shape, const json_t *v, const char *name,
			 int depth);

static void encode_members(const struct query_service *svc, struct strbuf *b,
			   const struct query_shape *sh, const json_t *obj,
			   int depth)
{
	for (uint16_t i = 0; i < sh->n; i++) {
		const struct query_member *m = &svc->members[sh->first + i];
		const struct query_shape *ms = &svc->shapes[m->shape];
		const char *qn = m->qname ? m->qname : m->name;
		const json_t *v = json_object_get(obj, m->name);

		if (v == NULL || json_is_null(v))
			continue;
		if (ms->type == QT_LIST) {
			const char *en =
			    ms->member_name ? ms->member_name : "member";
			size_t k;
			const json_t *el;

			if (!json_is_array(v))
				continue;
			if (m->flattened)
				en = ms->member_name ? ms->member_name : qn;
			else
				xb_open(b, qn);
			json_array_foreach(v, k, el)
			    encode_shape(svc, b, ms->member, el, en, depth + 1);
			if (!m->flattened)
				xb_close(b, qn);
		} else if (ms->type == QT_MAP) {
			const char *key, *en = m->flattened ? qn : "entry";
			const json_t *mv;

			if (!json_is_object(v))
				continue;
			if (!m->flattened)
				xb_open(b, qn);
			json_object_foreach((json_t *)v, key, mv)
			{
				xb_open(b, en);
				xb_elem(b, ms->member_name, key);
				encode_shape(svc, b, ms->value, mv,
					     ms->value_name, depth + 1);
				xb_close(b, en);
			}
			if (!m->flattened)
				xb_close(b, qn);
		} else {
			encode_shape(svc, b, m->shape, v, qn, depth + 1);
		}
	}
}

/* <name>v</name> by shape; values that do not fit the shape are left out
 * (the service's output is trusted to follow its model). */
static void encode_shape(const struct query_service *svc, struct strbuf *b,
			 uint16_t shape, const json_t *v, const char *name,
			 int depth)
{
	const struct query_shape *sh;
	char num[64];
	const char *text;
	size_t len;

	if (shape >= svc->n_shapes || depth > QUERY_DEPTH_MAX)
		return;
	sh = &svc->shapes[shape];
	if (sh->type == QT_STRUCT) {
		if (!json_is_object(v))
			return;
		xb_open(b, name);
		encode_members(svc, b, sh, v, depth);
		xb_close(b, name);
		return;
	}
	if (sh->type == QT_LIST || sh->type == QT_MAP)
		return; /* lists of lists: none in the models */
	if (!scalar_text(sh->type, v, num, sizeof(num), &text, &len))
		return;
	xb_open(b, name);
	xb_text(b, text, len);
	xb_close(b, name);
}

static int reply_take(struct strbuf *b, struct http_reply *reply, int status,
		      const char *request_id)
{
	memset(reply, 0, sizeof(*reply));
	if (b->oom) {
		free(b->data);
		return -1;
	}
	reply->status = status;
	reply->content_type = "text/xml";
	reply->body = b->data;
	reply->body_len = b->len;
	if (request_id != NULL && request_id[0] != '\0') {
		reply->headers[0].name = "x-amzn-RequestId";
		snprintf(reply->headers[0].value,
			 sizeof(reply->headers[0].value), "%s", request_id);
		reply->n_headers = 1;
	}
	return 0;
}

static void xb_root(struct strbuf *b, const char *root,
		    const struct query_service *svc)
{
	strbuf_puts(b, "<?xml version=\"1.0\"?><");
	strbuf_puts(b, root);
	if (svc != NULL) {
		strbuf_puts(b, " xmlns=\"");
		xb_text(b, svc->xml_namespace, strlen(svc->xml_namespace));
		strbuf_puts(b, "\"");
	}
	strbuf_puts(b, ">");
}

int query_encode_output(const char *service, const char *action,
			const json_t *output, const char *request_id,
			struct http_reply *reply)
{
	const struct query_service *svc = service_by_name(service);
	const struct query_operation *op =
	    svc ? operation_by_name(svc, action, strlen(action)) : NULL;
	struct strbuf b = {0};
	char root[HTTP_CODEC_NAME_SIZE + 16];

	snprintf(root, sizeof(root), "%sResponse", action);
	xb_root(&b, root, svc);
	if (op != NULL && op->output != QUERY_NO_SHAPE) {
		const struct query_shape *sh = &svc->shapes[op->output];

		xb_open(&b, op->wrapper);
		if (sh->type == QT_STRUCT && json_is_object(output))
			encode_members(svc, &b, sh, output, 0);
		xb_close(&b, op->wrapper);
	}
	xb_open(&b, "ResponseMetadata");
	xb_elem(&b, "RequestId", request_id ? request_id : "");
	xb_close(&b, "ResponseMetadata");
	xb_close(&b, root);
	return reply_take(&b, reply, 200, request_id);
}

/* ---- errors ----------------------------------------------------------- */

/* Errors of every Query service (AWS's "Common Errors"). */
static const struct query_error common_errors[] = {
    {"AccessDenied", "AccessDenied", 403, true},
    {"AccessDeniedException", "AccessDenied", 403, true},
    {"IncompleteSignature", "IncompleteSignature", 400, true},
    {"InternalError", "InternalError", 500, false},
    {"InternalFailure", "InternalFailure", 500, false},
    {"InvalidAction", "InvalidAction", 400, true},
    {"InvalidClientTokenId", "InvalidClientTokenId", 403, true},
    {"InvalidParameterCombination", "InvalidParameterCombination", 400, true},
    {"InvalidParameterValue", "InvalidParameterValue", 400, true},
    {"InvalidQueryParameter", "InvalidQueryParameter", 400, true},
    {"MalformedQueryString", "MalformedQueryString", 404, true},
    {"MissingAction", "MissingAction", 400, true},
    {"MissingAuthenticationToken", "MissingAuthenticationToken", 403, true},
    {"MissingParameter", "MissingParameter", 400, true},
    {"NotAuthorized", "NotAuthorized", 400, true},
    {"OptInRequired", "OptInRequired", 403, true},
    {"RequestExpired", "RequestExpired", 400, true},
    {"ServiceUnavailable", "ServiceUnavailable", 503, false},
    {"SignatureDoesNotMatch", "SignatureDoesNotMatch", 403, true},
    {"Throttling", "Throttling", 400, true},
    {"ThrottlingException", "Throttling", 400, true},
    {"ValidationError", "ValidationError", 400, true},
    {"ValidationException", "ValidationError", 400, true},
};

static const struct query_error *find_error(const struct query_error *t,
					    size_t n, const char *code,
					    bool by_query_code)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(by_query_code ? t[i].query_code : t[i].code, code) ==
		    0)
			return &t[i];
	return NULL;
}

const char *query_error_code(const char *service, const char *code,
			     int *http_status)
{
	const struct query_service *svc =
	    service ? service_by_name(service) : NULL;
	const struct query_error *e = NULL;
	const char *hash;
	size_t nc = sizeof(common_errors) / sizeof(common_errors[0]);

	if (code == NULL || code[0] == '\0')
		code = "InternalFailure";
	/* "com.amazonaws.sqs#QueueDoesNotExist" -> "QueueDoesNotExist" */
	hash = strrchr(code, '#');
	if (hash != NULL && hash[1] != '\0')
		code = hash + 1;
	if (svc != NULL) {
		e = find_error(svc->errors, svc->n_errors, code, false);
		if (e == NULL)
			e = find_error(svc->errors, svc->n_errors, code, true);
	}
	if (e == NULL)
		e = find_error(common_errors, nc, code, false);
	if (e == NULL)
		e = find_error(common_errors, nc, code, true);
	if (http_status != NULL)
		*http_status = e ? e->status : 400;
	return e ? e->query_code : code;
}

int query_encode_error(const char *service, const char *code,
		       const char *message, bool sender_fault,
		       const char *request_id, struct http_reply *reply)
{
	const struct query_service *svc =
	    service ? service_by_name(service) : NULL;
	struct strbuf b = {0};
	int status;
	const char *qcode = query_error_code(service, code, &status);

	xb_root(&b, "ErrorResponse", svc);
	xb_open(&b, "Error");
	xb_elem(&b, "Type", sender_fault ? "Sender" : "Receiver");
	xb_elem(&b, "Code", qcode);
	xb_elem(&b, "Message", message ? message : "");
	strbuf_puts(&b, "<Detail/>");
	xb_close(&b, "Error");
	xb_elem(&b, "RequestId", request_id ? request_id : "");
	xb_close(&b, "ErrorResponse");
	return reply_take(&b, reply, status, request_id);
}

void http_reply_release(struct http_reply *reply)
{
	if (reply == NULL)
		return;
	free(reply->body);
	reply->body = NULL;
	reply->body_len = 0;
}
