/* jsondoc — see jsondoc.h. */
#include "jsondoc.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* jansson's JSON_PARSER_MAX_DEPTH. */
#define JSONDOC_MAX_DEPTH 2048

/* ---- parser ---------------------------------------------------------- */

struct parser {
	const unsigned char *p, *end;
	unsigned depth;
	char *scratch; /* unescaped strings */
	size_t scratch_cap;
};

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
				   *ps->p == '\n' || *ps->p == '\r')) {
		ps->p++;
	}
}

/* Length of the valid UTF-8 sequence of a non-ASCII lead byte at p (the
 * rules of jansson's utf8.c: no overlong forms, no surrogates, nothing
 * above U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	size_t n, i;
	uint32_t cp;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n) {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			return 0;
		}
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
		return 0;
	}
	return n;
}

static int hex4(const unsigned char *p, uint32_t *out)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		unsigned char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9') {
			v |= (uint32_t)(c - '0');
		} else if (c >= 'a' && c <= 'f') {
			v |= (uint32_t)(c - 'a' + 10);
		} else if (c >= 'A' && c <= 'F') {
			v |= (uint32_t)(c - 'A' + 10);
		} else {
			return -1;
		}
	}
	*out = v;
	return 0;
}

static int scratch_reserve(struct parser *ps, size_t need)
{
	if (need > ps->scratch_cap) {
		size_t cap = ps->scratch_cap ? ps->scratch_cap : 256;
		char *s;
		while (cap < need) {
			cap *= 2;
		}
		s = realloc(ps->scratch, cap);
		if (s == NULL) {
			return -1;
		}
		ps->scratch = s;
		ps->scratch_cap = cap;
	}
	return 0;
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* High bit of each byte of the 8 at p that may need escaping in a JSON
 * string: a control character, '"' or '\\'. (Bit tricks on a 64-bit
 * word: a byte is zero after the XOR, or below 0x20, when its high bit
 * survives the subtraction; a borrow can flag a byte above a flagged one,
 * never miss one — callers then look byte by byte.) Bytes >= 0x80 are not
 * flagged. */
static uint64_t escapes8(const unsigned char *p, uint64_t *word)
{
	const uint64_t ones = 0x0101010101010101ull, high = ones << 7;
	uint64_t w, quote, bslash, ctrl;

	memcpy(&w, p, 8);
	quote = w ^ (ones * '"');
	bslash = w ^ (ones * '\\');
	quote = (quote - ones) & ~quote;
	bslash = (bslash - ones) & ~bslash;
	ctrl = (w - ones * 0x20) & ~w;
	*word = w;
	return (quote | bslash | ctrl) & high;
}

/* Are the 8 bytes at p all plain string bytes: ASCII, not a control
 * character, '"' or '\\'? */
static bool plain8(const unsigned char *p)
{
	uint64_t w, esc = escapes8(p, &w);
	return ((esc | w) & (0x0101010101010101ull << 7)) == 0;
}

/* The same tests 16 bytes at a time with the compiler's vectors (GCC and
 * clang: SSE2 on x86-64, NEON on arm64) — the strings that dominate are
 * message bodies, which every node parses and the leader writes back out
 * (about twice as fast as the 8-byte words on a 1 KiB body). */
typedef unsigned char jd_v16 __attribute__((vector_size(16)));
typedef signed char jd_s16 __attribute__((vector_size(16)));

/* Is a lane of the comparison result m (lanes 0 or 0xff) set? SSE2 says
 * it in one instruction (pmovmskb); elsewhere two 64-bit halves. */
static bool any16(jd_v16 m)
{
#if defined(__SSE2__)
	return _mm_movemask_epi8((__m128i)m) != 0;
#else
	uint64_t h[2];

	memcpy(h, &m, sizeof h);
	return (h[0] | h[1]) != 0;
#endif
}

/* Does one of the 16 bytes at p need escaping: a control character
 * (0x00-0x1f: none of the bits 0xe0), '"' or '\\'? */
static bool escapes16(const unsigned char *p)
{
	jd_v16 v;

	memcpy(&v, p, sizeof v);
	return any16((jd_v16)((v & 0xe0) == 0) | (jd_v16)(v == '"') |
		     (jd_v16)(v == '\\'));
}

/* The lanes of v that are not printable ASCII (0x20-0x7f): as signed
 * bytes, the controls and every byte >= 0x80 are exactly those below
 * 0x20. */
static jd_v16 not_ascii16(jd_v16 v)
{
	return (jd_v16)((jd_s16)v < 0x20);
}

/* Are the 16 bytes at p all plain string bytes (plain8's test)? */
static bool plain16(const unsigned char *p)
{
	jd_v16 v;

	memcpy(&v, p, sizeof v);
	return !any16(not_ascii16(v) | (jd_v16)(v == '"') |
		      (jd_v16)(v == '\\'));
}

size_t jsondoc_ascii_run(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (n - i >= 16) {
		jd_v16 v;

		memcpy(&v, p + i, sizeof v);
		if (any16(not_ascii16(v))) {
			break;
		}
		i += 16;
	}
	while (i < n && p[i] >= 0x20 && p[i] < 0x80) {
		i++;
	}
	return i;
}

/* A string starting after its opening quote: its bytes (in the input when
 * it has no escapes, else in ps->scratch) and length. 0 or -1. */
static int scan_string(struct parser *ps, const char **s, size_t *len)
{
	const unsigned char *start = ps->p, *p = ps->p, *end = ps->end;
	size_t o = 0;

	/* The common case: no escapes. */
	for (;;) {
		while (end - p >= 16 && plain16(p)) {
			p += 16;
		}
		while (end - p >= 8 && plain8(p)) {
			p += 8;
		}
		while (p < end && *p >= 0x20 && *p != '"' && *p != '\\' &&
		       *p < 0x80) {
			p++;
		}
		if (p >= end || *p < 0x20) {
			return -1;
		}
		if (*p == '"') {
			*s = (const char *)start;
			*len = (size_t)(p - start);
			ps->p = p + 1;
			return 0;
		}
		if (*p == '\\') {
			break;
		}
		{
			size_t n = utf8_seq(p, end);
			if (n == 0) {
				return -1;
			}
			p += n;
		}
	}
	/* Escapes: unescape into the scratch buffer (never longer than the
	 * input). */
	if (scratch_reserve(ps, (size_t)(end - start) + 1) != 0) {
		return -1;
	}
	memcpy(ps->scratch, start, (size_t)(p - start));
	o = (size_t)(p - start);
	while (p < end) {
		unsigned char c = *p;
		if (c == '"') {
			*s = ps->scratch;
			*len = o;
			ps->p = p + 1;
			return 0;
		}
		if (c < 0x20) {
			return -1;
		}
		if (c >= 0x80) {
			size_t n = utf8_seq(p, end);
			if (n == 0) {
				return -1;
			}
			memcpy(ps->scratch + o, p, n);
			o += n;
			p += n;
			continue;
		}
		if (c != '\\') {
			ps->scratch[o++] = (char)c;
			p++;
			continue;
		}
		if (end - p < 2) {
			return -1;
		}
		switch (p[1]) {
		case '"':
		case '\\':
		case '/':
			ps->scratch[o++] = (char)p[1];
			p += 2;
			continue;
		case 'b':
			ps->scratch[o++] = '\b';
			p += 2;
			continue;
		case 'f':
			ps->scratch[o++] = '\f';
			p += 2;
			continue;
		case 'n':
			ps->scratch[o++] = '\n';
			p += 2;
			continue;
		case 'r':
			ps->scratch[o++] = '\r';
			p += 2;
			continue;
		case 't':
			ps->scratch[o++] = '\t';
			p += 2;
			continue;
		case 'u': {
			uint32_t cp, lo;
			if (end - p < 6 || hex4(p + 2, &cp) != 0) {
				return -1;
			}
			p += 6;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (end - p < 6 || p[0] != '\\' ||
				    p[1] != 'u' || hex4(p + 2, &lo) != 0 ||
				    lo < 0xdc00 || lo > 0xdfff) {
					return -1;
				}
				p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
			} else if ((cp >= 0xdc00 && cp <= 0xdfff) || cp == 0) {
				return -1; /* lone low surrogate; U+0000 */
			}
			/* Never longer than the 6 or 12 input bytes. */
			o += put_utf8(ps->scratch + o, cp);
			continue;
		}
		default:
			return -1;
		}
	}
	return -1;
}

static json_t *parse_value(struct parser *ps);

/* A number; ps->p at its first character. */
static json_t *parse_number(struct parser *ps)
{
	const unsigned char *start = ps->p, *p = ps->p, *end = ps->end;
	bool real = false;
	char buf[64], *text = buf, *tail;
	size_t n;
	json_t *v = NULL;

	if (p < end && *p == '-') {
		p++;
	}
	if (p >= end || *p < '0' || *p > '9') {
		return NULL;
	}
	if (*p == '0') {
		p++;
		if (p < end && *p >= '0' && *p <= '9') {
			return NULL;
		}
	} else {
		while (p < end && *p >= '0' && *p <= '9') {
			p++;
		}
	}
	if (p < end && *p == '.') {
		real = true;
		p++;
		if (p >= end || *p < '0' || *p > '9') {
			return NULL;
		}
		while (p < end && *p >= '0' && *p <= '9') {
			p++;
		}
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		real = true;
		p++;
		if (p < end && (*p == '+' || *p == '-')) {
			p++;
		}
		if (p >= end || *p < '0' || *p > '9') {
			return NULL;
		}
		while (p < end && *p >= '0' && *p <= '9') {
			p++;
		}
	}
	n = (size_t)(p - start);
	if (n >= sizeof buf && (text = malloc(n + 1)) == NULL) {
		return NULL;
	}
	memcpy(text, start, n);
	text[n] = '\0';
	errno = 0;
	if (real) {
		double d = strtod(text, &tail);
		if (!((d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE)) {
			v = json_real(d);
		}
	} else {
		long long i = strtoll(text, &tail, 10);
		if (errno != ERANGE) {
			v = json_integer((json_int_t)i);
		}
	}
	if (text != buf) {
		free(text);
	}
	ps->p = p;
	return v;
}

static json_t *parse_object(struct parser *ps)
{
	json_t *obj = json_object();

	if (obj == NULL) {
		return NULL;
	}
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		return obj;
	}
	for (;;) {
		const char *k;
		size_t klen;
		json_t *v;

		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != '"') {
			goto fail;
		}
		ps->p++;
		if (scan_string(ps, &k, &klen) != 0) {
			goto fail;
		}
		/* The key is in the input or the scratch buffer, which the
		 * value may reuse: keep a copy. */
		char kbuf[128],
		    *key = klen < sizeof kbuf ? kbuf : malloc(klen + 1);
		if (key == NULL) {
			goto fail;
		}
		memcpy(key, k, klen);
		key[klen] = '\0';
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != ':' ||
		    json_object_getn(obj, key, klen) != NULL) {
			if (key != kbuf) {
				free(key);
			}
			goto fail;
		}
		ps->p++;
		skip_ws(ps);
		v = parse_value(ps);
		if (v == NULL ||
		    json_object_setn_new_nocheck(obj, key, klen, v) != 0) {
			if (key != kbuf) {
				free(key);
			}
			goto fail;
		}
		if (key != kbuf) {
			free(key);
		}
		skip_ws(ps);
		if (ps->p >= ps->end) {
			goto fail;
		}
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == '}') {
			ps->p++;
			return obj;
		}
		goto fail;
	}
fail:
	json_decref(obj);
	return NULL;
}

static json_t *parse_array(struct parser *ps)
{
	json_t *arr = json_array();

	if (arr == NULL) {
		return NULL;
	}
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		return arr;
	}
	for (;;) {
		json_t *v;

		skip_ws(ps);
		v = parse_value(ps);
		if (v == NULL || json_array_append_new(arr, v) != 0) {
			goto fail;
		}
		skip_ws(ps);
		if (ps->p >= ps->end) {
			goto fail;
		}
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == ']') {
			ps->p++;
			return arr;
		}
		goto fail;
	}
fail:
	json_decref(arr);
	return NULL;
}

static bool literal(struct parser *ps, const char *word, size_t n)
{
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) {
		return false;
	}
	ps->p += n;
	return true;
}

static json_t *parse_value(struct parser *ps)
{
	json_t *v;

	if (ps->p >= ps->end) {
		return NULL;
	}
	switch (*ps->p) {
	case '{':
	case '[':
		if (++ps->depth > JSONDOC_MAX_DEPTH) {
			return NULL;
		}
		ps->p++;
		v = ps->p[-1] == '{' ? parse_object(ps) : parse_array(ps);
		ps->depth--;
		return v;
	case '"': {
		const char *s;
		size_t len;
		ps->p++;
		if (scan_string(ps, &s, &len) != 0) {
			return NULL;
		}
		return json_stringn_nocheck(s, len);
	}
	case 't':
		return literal(ps, "true", 4) ? json_true() : NULL;
	case 'f':
		return literal(ps, "false", 5) ? json_false() : NULL;
	case 'n':
		return literal(ps, "null", 4) ? json_null() : NULL;
	default:
		return parse_number(ps);
	}
}

json_t *jsondoc_parse(const char *buf, size_t len)
{
	struct parser ps = {0};
	json_t *v = NULL;

	if (buf == NULL) {
		return NULL;
	}
	ps.p = (const unsigned char *)buf;
	ps.end = ps.p + len;
	skip_ws(&ps);
	if (ps.p < ps.end && (*ps.p == '{' || *ps.p == '[')) {
		v = parse_value(&ps);
	}
	if (v != NULL) {
		skip_ws(&ps);
		if (ps.p != ps.end) {
			json_decref(v);
			v = NULL;
		}
	}
	free(ps.scratch);
	return v;
}

/* ---- printer --------------------------------------------------------- */

static char *out_room(struct jsondoc_out *o, size_t n)
{
	if (o->oom) {
		return NULL;
	}
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 256;
		char *s;
		while (cap < o->len + n + 1) {
			cap *= 2;
		}
		if ((s = realloc(o->s, cap)) == NULL) {
			o->oom = true;
			return NULL;
		}
		o->s = s;
		o->cap = cap;
	}
	return o->s + o->len;
}

void jsondoc_out_reserve(struct jsondoc_out *o, size_t n)
{
	(void)out_room(o, n);
}

void jsondoc_out_raw(struct jsondoc_out *o, const char *s, size_t n)
{
	char *d = out_room(o, n);

	if (d != NULL) {
		memcpy(d, s, n);
		o->len += n;
	}
}

/* A string as jansson writes it without flags: \" \\ \b \f \n \r \t, other
 * control characters as \u00XX, everything else as is. */
void jsondoc_out_string(struct jsondoc_out *o, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	jsondoc_out_raw(o, "\"", 1);
	while (p < end) {
		const unsigned char *run = p;
		uint64_t w;
		while (end - p >= 16 && !escapes16(p)) {
			p += 16;
		}
		while (end - p >= 8 && escapes8(p, &w) == 0) {
			p += 8;
		}
		while (p < end && *p >= 0x20 && *p != '"' && *p != '\\') {
			p++;
		}
		jsondoc_out_raw(o, (const char *)run, (size_t)(p - run));
		if (p >= end) {
			break;
		}
		switch (*p) {
		case '"':
			jsondoc_out_raw(o, "\\\"", 2);
			break;
		case '\\':
			jsondoc_out_raw(o, "\\\\", 2);
			break;
		case '\b':
			jsondoc_out_raw(o, "\\b", 2);
			break;
		case '\f':
			jsondoc_out_raw(o, "\\f", 2);
			break;
		case '\n':
			jsondoc_out_raw(o, "\\n", 2);
			break;
		case '\r':
			jsondoc_out_raw(o, "\\r", 2);
			break;
		case '\t':
			jsondoc_out_raw(o, "\\t", 2);
			break;
		default: {
			char u[8];
			snprintf(u, sizeof u, "\\u%04X", *p);
			jsondoc_out_raw(o, u, 6);
		}
		}
		p++;
	}
	jsondoc_out_raw(o, "\"", 1);
}

/* An object's member, for writing the members in key order. */
struct member {
	const char *key;
	const json_t *value;
};

static int member_cmp(const void *a, const void *b)
{
	return strcmp(((const struct member *)a)->key,
		      ((const struct member *)b)->key);
}

/* Key order: insertion sort for the few members most objects have (no
 * call per comparison), qsort beyond. */
static void sort_members(struct member *m, size_t n)
{
	size_t i, j;

	if (n > 16) {
		qsort(m, n, sizeof *m, member_cmp);
		return;
	}
	for (i = 1; i < n; i++) {
		struct member x = m[i];

		for (j = i; j > 0 && strcmp(m[j - 1].key, x.key) > 0; j--) {
			m[j] = m[j - 1];
		}
		m[j] = x;
	}
}

/* A JSON integer as jansson prints it ("%" JSON_INTEGER_FORMAT), without
 * printf's machinery. */
static void out_integer(struct jsondoc_out *o, json_int_t v)
{
	char buf[24], *p = buf + sizeof buf;
	/* the magnitude as unsigned: -INT64_MIN does not fit json_int_t */
	unsigned long long u =
	    v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0) {
		*--p = '-';
	}
	jsondoc_out_raw(o, p, (size_t)(buf + sizeof buf - p));
}

void jsondoc_out_value(struct jsondoc_out *o, const json_t *v)
{
	size_t i, n;

	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		struct member stack[32], *m = stack;
		const char *k;
		json_t *x;

		n = json_object_size(v);
		if (n > sizeof stack / sizeof *stack &&
		    (m = malloc(n * sizeof *m)) == NULL) {
			o->oom = true;
			return;
		}
		i = 0;
		json_object_foreach((json_t *)v, k, x)
		{
			m[i].key = k;
			m[i++].value = x;
		}
		sort_members(m, n);
		jsondoc_out_raw(o, "{", 1);
		for (i = 0; i < n; i++) {
			if (i > 0) {
				jsondoc_out_raw(o, ",", 1);
			}
			jsondoc_out_string(o, m[i].key, strlen(m[i].key));
			jsondoc_out_raw(o, ":", 1);
			jsondoc_out_value(o, m[i].value);
		}
		jsondoc_out_raw(o, "}", 1);
		if (m != stack) {
			free(m);
		}
		return;
	}
	case JSON_ARRAY:
		jsondoc_out_raw(o, "[", 1);
		n = json_array_size(v);
		for (i = 0; i < n; i++) {
			if (i > 0) {
				jsondoc_out_raw(o, ",", 1);
			}
			jsondoc_out_value(o, json_array_get(v, i));
		}
		jsondoc_out_raw(o, "]", 1);
		return;
	case JSON_STRING:
		jsondoc_out_string(o, json_string_value(v),
				   json_string_length(v));
		return;
	case JSON_INTEGER:
		out_integer(o, json_integer_value(v));
		return;
	case JSON_REAL: {
		/* Rare in our documents: jansson's own formatting. */
		char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		if (t == NULL) {
			o->oom = true;
			return;
		}
		jsondoc_out_raw(o, t, strlen(t));
		free(t);
		return;
	}
	case JSON_TRUE:
		jsondoc_out_raw(o, "true", 4);
		return;
	case JSON_FALSE:
		jsondoc_out_raw(o, "false", 5);
		return;
	case JSON_NULL:
		jsondoc_out_raw(o, "null", 4);
		return;
	}
}

char *jsondoc_out_finish(struct jsondoc_out *o, size_t *len)
{
	char *s;

	if (out_room(o, 0) == NULL) {
		free(o->s);
		*o = (struct jsondoc_out){0};
		return NULL;
	}
	s = o->s;
	s[o->len] = '\0';
	if (len != NULL) {
		*len = o->len;
	}
	*o = (struct jsondoc_out){0};
	return s;
}

char *jsondoc_dump(const json_t *v, size_t *len)
{
	struct jsondoc_out o = {0};

	if (v == NULL) {
		return NULL;
	}
	jsondoc_out_value(&o, v);
	return jsondoc_out_finish(&o, len);
}
