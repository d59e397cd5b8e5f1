/* cli_shorthand — a recursive-descent parser of the AWS CLI's shorthand
 * syntax (see cli_shorthand.h). Grammar:
 *
 *   struct := pair (',' pair)*          (a ',' followed by a token with no
 *   pair   := key '=' value              '=' before the next ',' continues
 *   value  := '{' struct '}'             the previous value as a list)
 *           | '[' [value (',' value)*] ']'
 *           | quoted | bare
 *
 * A bare scalar ends at ',' (and, inside braces or brackets, at the
 * closing character). Nesting is bounded so hostile input cannot exhaust
 * the stack. */
#include "cli_shorthand.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 16

struct sh {
	const char *text, *p;
	const char *const *int_keys;
	char *err;
	size_t err_size;
	bool failed;
};

static void sh_fail(struct sh *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void sh_fail(struct sh *s, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (s->failed)
		return;
	s->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(s->err, s->err_size, "%s at offset %zu", msg,
		 (size_t)(s->p - s->text));
}

static void skip_space(struct sh *s)
{
	while (*s->p == ' ' || *s->p == '\t' || *s->p == '\n')
		s->p++;
}

/* A quoted string (s->p at the quote). */
static json_t *parse_quoted(struct sh *s)
{
	char q = *s->p++;
	size_t cap = strlen(s->p) + 1, n = 0;
	char *buf = malloc(cap);

	if (buf == NULL) {
		sh_fail(s, "out of memory");
		return NULL;
	}
	for (;;) {
		char ch = *s->p;
		if (ch == '\0') {
			free(buf);
			sh_fail(s, "unterminated %c quote", q);
			return NULL;
		}
		s->p++;
		if (ch == q)
			break;
		if (ch == '\\' && q == '"' && *s->p != '\0')
			ch = *s->p++;
		buf[n++] = ch;
	}
	json_t *j = json_stringn(buf, n);
	free(buf);
	if (j == NULL)
		sh_fail(s, "value is not valid UTF-8");
	return j;
}

/* A bare scalar: up to ',' or, when nested, the closing characters. */
static json_t *parse_bare(struct sh *s, bool nested)
{
	const char *start = s->p;

	while (*s->p != '\0' && *s->p != ',' &&
	       !(nested && (*s->p == '}' || *s->p == ']')))
		s->p++;
	json_t *j = json_stringn(start, (size_t)(s->p - start));
	if (j == NULL)
		sh_fail(s, "value is not valid UTF-8");
	return j;
}

static json_t *parse_struct(struct sh *s, int depth, bool nested);

static json_t *parse_value(struct sh *s, int depth, bool nested)
{
	if (depth > MAX_DEPTH) {
		sh_fail(s, "nested deeper than %d levels", MAX_DEPTH);
		return NULL;
	}
	if (*s->p == '{') {
		s->p++;
		json_t *o = parse_struct(s, depth + 1, true);
		if (o != NULL && *s->p != '}') {
			sh_fail(s, "expected '}'");
			json_decref(o);
			return NULL;
		}
		s->p++;
		return o;
	}
	if (*s->p == '[') {
		json_t *a = json_array();
		s->p++;
		skip_space(s);
		while (a != NULL && *s->p != ']') {
			json_t *v = parse_value(s, depth + 1, true);
			if (v == NULL || json_array_append_new(a, v) != 0) {
				json_decref(a);
				return NULL;
			}
			if (*s->p == ',') {
				s->p++;
				skip_space(s);
			} else if (*s->p != ']') {
				sh_fail(s, "expected ',' or ']'");
				json_decref(a);
				return NULL;
			}
		}
		if (a == NULL)
			sh_fail(s, "out of memory");
		else
			s->p++;
		return a;
	}
	if (*s->p == '"' || *s->p == '\'')
		return parse_quoted(s);
	return parse_bare(s, nested);
}

/* True when the token at p (up to ',' or a closer) has no '=': a list
 * continuation ("Keys=a,b"). */
static bool is_continuation(const char *p, bool nested)
{
	if (*p == '{' || *p == '[')
		return false;
	for (; *p != '\0' && *p != ','; p++) {
		if (*p == '=')
			return false;
		if (nested && (*p == '}' || *p == ']'))
			break;
	}
	return true;
}

static bool is_int_key(const struct sh *s, const char *key)
{
	for (const char *const *k = s->int_keys; k != NULL && *k != NULL; k++)
		if (strcmp(*k, key) == 0)
			return true;
	return false;
}

/* Turn v (a string) into an integer when it is one; else keep it. */
static json_t *maybe_int(json_t *v)
{
	const char *t = json_string_value(v);
	char *end;

	if (t == NULL || *t == '\0')
		return v;
	errno = 0;
	long long n = strtoll(t, &end, 10);
	if (*end != '\0' || errno != 0)
		return v;
	json_decref(v);
	return json_integer(n);
}

static json_t *parse_struct(struct sh *s, int depth, bool nested)
{
	json_t *o = json_object();
	char key[256];

	if (o == NULL) {
		sh_fail(s, "out of memory");
		return NULL;
	}
	skip_space(s);
	if (nested && *s->p == '}')
		return o; /* {} */
	for (;;) {
		skip_space(s);
		const char *k = s->p;
		while (*s->p != '\0' && *s->p != '=' && *s->p != ',' &&
		       *s->p != '{' && *s->p != '}' && *s->p != '[' &&
		       *s->p != ']')
			s->p++;
		size_t klen = (size_t)(s->p - k);
		while (klen > 0 && (k[klen - 1] == ' ' || k[klen - 1] == '\t'))
			klen--;
		if (klen == 0 || *s->p != '=') {
			if (klen == 0)
				sh_fail(s, "expected a key");
			else
				sh_fail(s, "expected '=' after '%.*s'",
					(int)(klen < 64 ? klen : 64), k);
			goto err;
		}
		if (klen >= sizeof key) {
			sh_fail(s, "key longer than %zu bytes", sizeof key - 1);
			goto err;
		}
		memcpy(key, k, klen);
		key[klen] = '\0';
		s->p++; /* '=' */
		json_t *v = parse_value(s, depth, nested);
		if (v == NULL)
			goto err;
		/* "Keys=a,b,c": bare tokens without '=' extend a list. */
		while (*s->p == ',' && is_continuation(s->p + 1, nested)) {
			s->p++;
			if (!json_is_array(v)) {
				json_t *a = json_array();
				if (a == NULL || json_array_append_new(a, v)) {
					json_decref(a);
					sh_fail(s, "out of memory");
					goto err;
				}
				v = a;
			}
			json_t *more = parse_value(s, depth, nested);
			if (more == NULL || json_array_append_new(v, more)) {
				json_decref(v);
				goto err;
			}
		}
		if (is_int_key(s, key))
			v = maybe_int(v);
		if (v == NULL || json_object_set_new(o, key, v) != 0) {
			sh_fail(s, "out of memory or key not UTF-8");
			goto err;
		}
		if (*s->p == ',') {
			s->p++;
			continue;
		}
		if (*s->p == '\0' || (nested && *s->p == '}'))
			return o;
		sh_fail(s, "unexpected '%c'", *s->p);
		goto err;
	}
err:
	json_decref(o);
	return NULL;
}

json_t *cli_shorthand_parse(const char *text, const char *const *int_keys,
			    char *err, size_t err_size)
{
	struct sh s = {.text = text,
		       .p = text,
		       .int_keys = int_keys,
		       .err = err,
		       .err_size = err_size};

	json_t *o = parse_struct(&s, 0, false);
	if (o != NULL && *s.p != '\0') {
		sh_fail(&s, "unexpected '%c'", *s.p);
		json_decref(o);
		return NULL;
	}
	if (o == NULL && !s.failed)
		snprintf(err, err_size, "cannot parse");
	return o;
}
