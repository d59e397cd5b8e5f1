/* jmespath_fn — the built-in functions of JMESPath (abs ... values, the
 * specification's table): their argument type checks and bodies, and the
 * table the parser looks names up in (jp_func_find). Evaluation of
 * expression arguments (&expr) goes back to jmespath.c's jp_eval; this
 * file owns no state. See jmespath_int.h. */
#include "jmespath_int.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	TY_NUMBER = 1,
	TY_STRING = 2,
	TY_BOOLEAN = 4,
	TY_ARRAY = 8,
	TY_OBJECT = 16,
	TY_NULL = 32,
	TY_ANY = 63
};

static unsigned type_bit(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_INTEGER:
	case JSON_REAL:
		return TY_NUMBER;
	case JSON_STRING:
		return TY_STRING;
	case JSON_TRUE:
	case JSON_FALSE:
		return TY_BOOLEAN;
	case JSON_ARRAY:
		return TY_ARRAY;
	case JSON_OBJECT:
		return TY_OBJECT;
	default:
		return TY_NULL;
	}
}

static const char *type_name(const json_t *v)
{
	switch (type_bit(v)) {
	case TY_NUMBER:
		return "number";
	case TY_STRING:
		return "string";
	case TY_BOOLEAN:
		return "boolean";
	case TY_ARRAY:
		return "array";
	case TY_OBJECT:
		return "object";
	default:
		return "null";
	}
}

static int type_err(struct ectx *cx, size_t argi, const char *want,
		    const char *got)
{
	return jp_eerr(cx, "invalid type: %s() argument %zu must be %s, not %s",
		       cx->fn, argi + 1, want, got);
}

/* args[i] as a value of one of the types in mask; NULL (error set) if
 * not. */
static json_t *arg_val(struct ectx *cx, struct arg *args, size_t i,
		       unsigned mask, const char *want)
{
	if (args[i].v == NULL) {
		type_err(cx, i, want, "an expression reference");
		return NULL;
	}
	if ((type_bit(args[i].v) & mask) == 0) {
		type_err(cx, i, want, type_name(args[i].v));
		return NULL;
	}
	return args[i].v;
}

static const struct node *arg_expref(struct ectx *cx, struct arg *args,
				     size_t i)
{
	if (args[i].expref == NULL)
		type_err(cx, i, "an expression reference (&expr)",
			 type_name(args[i].v));
	return args[i].expref;
}

/* args[i] as an array whose elements all have one type of mask (and,
 * when mask has several, all the same one). */
static json_t *arg_array_of(struct ectx *cx, struct arg *args, size_t i,
			    unsigned mask, const char *want)
{
	json_t *a = arg_val(cx, args, i, TY_ARRAY, want), *e;
	size_t k;
	unsigned first = 0;
	if (a == NULL)
		return NULL;
	json_array_foreach(a, k, e)
	{
		unsigned t = type_bit(e);
		if ((t & mask) == 0 || (first != 0 && t != first)) {
			type_err(cx, i, want,
				 "an array of mixed or other types");
			return NULL;
		}
		first = t;
	}
	return a;
}

static int ret(struct ectx *cx, json_t *v, json_t **out)
{
	if (v == NULL)
		return jp_oom(cx);
	*out = v;
	return 0;
}

static json_t *number(double d)
{
	if (d == floor(d) && fabs(d) < 9.0e15)
		return json_integer((json_int_t)d);
	return json_real(d);
}

static int f_abs(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	json_t *v = arg_val(cx, a, 0, TY_NUMBER, "a number");
	(void)n;
	if (v == NULL)
		return -1;
	if (json_is_integer(v) && json_integer_value(v) != LLONG_MIN)
		return ret(cx, json_integer(llabs(json_integer_value(v))), out);
	return ret(cx, json_real(fabs(json_number_value(v))), out);
}

static int f_sum_avg(struct ectx *cx, struct arg *a, bool avg, json_t **out)
{
	json_t *v = arg_array_of(cx, a, 0, TY_NUMBER, "an array of numbers");
	json_t *e;
	size_t i;
	double sum = 0;
	json_int_t isum = 0;
	bool ints = true;

	if (v == NULL)
		return -1;
	if (avg && json_array_size(v) == 0) {
		*out = json_null();
		return 0;
	}
	json_array_foreach(v, i, e)
	{
		sum += json_number_value(e);
		if (!json_is_integer(e) ||
		    __builtin_add_overflow(isum, json_integer_value(e), &isum))
			ints = false;
	}
	if (avg)
		return ret(cx, json_real(sum / (double)json_array_size(v)),
			   out);
	return ret(cx, ints ? json_integer(isum) : json_real(sum), out);
}

static int f_sum(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	(void)n;
	return f_sum_avg(cx, a, false, out);
}

static int f_avg(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	(void)n;
	return f_sum_avg(cx, a, true, out);
}

static int f_ceil_floor(struct ectx *cx, struct arg *a, bool up, json_t **out)
{
	json_t *v = arg_val(cx, a, 0, TY_NUMBER, "a number");
	if (v == NULL)
		return -1;
	if (json_is_integer(v))
		return ret(cx, json_incref(v), out);
	double d = json_real_value(v);
	return ret(cx, number(up ? ceil(d) : floor(d)), out);
}

static int f_ceil(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	(void)n;
	return f_ceil_floor(cx, a, true, out);
}

static int f_floor(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	(void)n;
	return f_ceil_floor(cx, a, false, out);
}

static int f_contains(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	json_t *subject =
	    arg_val(cx, a, 0, TY_ARRAY | TY_STRING, "an array or a string");
	json_t *search = arg_val(cx, a, 1, TY_ANY, "a value");
	bool found = false;
	(void)n;
	if (subject == NULL || search == NULL)
		return -1;
	if (json_is_array(subject)) {
		for (size_t i = 0; !found && i < json_array_size(subject); i++)
			found = jp_equal(json_array_get(subject, i), search);
	} else if (json_is_string(search)) {
		size_t hl = json_string_length(subject);
		size_t nl = json_string_length(search);
		const char *h = json_string_value(subject);
		for (size_t i = 0; !found && i + nl <= hl; i++)
			found =
			    memcmp(h + i, json_string_value(search), nl) == 0;
	}
	*out = json_boolean(found);
	return 0;
}

static int f_starts_ends(struct ectx *cx, struct arg *a, bool ends,
			 json_t **out)
{
	json_t *s = arg_val(cx, a, 0, TY_STRING, "a string");
	json_t *x = arg_val(cx, a, 1, TY_STRING, "a string");
	if (s == NULL || x == NULL)
		return -1;
	size_t sl = json_string_length(s), xl = json_string_length(x);
	*out = json_boolean(xl <= sl &&
			    memcmp(json_string_value(s) + (ends ? sl - xl : 0),
				   json_string_value(x), xl) == 0);
	return 0;
}

static int f_starts_with(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	(void)n;
	return f_starts_ends(cx, a, false, out);
}

static int f_ends_with(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	(void)n;
	return f_starts_ends(cx, a, true, out);
}

static int f_join(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	json_t *glue = arg_val(cx, a, 0, TY_STRING, "a string");
	json_t *list = arg_array_of(cx, a, 1, TY_STRING, "an array of strings");
	json_t *e;
	size_t i, len = 0, gl, o = 0;
	(void)n;
	if (glue == NULL || list == NULL)
		return -1;
	gl = json_string_length(glue);
	json_array_foreach(list, i, e) len += json_string_length(e) + gl;
	char *buf = malloc(len + 1);
	if (buf == NULL)
		return jp_oom(cx);
	json_array_foreach(list, i, e)
	{
		if (i > 0) {
			memcpy(buf + o, json_string_value(glue), gl);
			o += gl;
		}
		memcpy(buf + o, json_string_value(e), json_string_length(e));
		o += json_string_length(e);
	}
	json_t *r = json_stringn_nocheck(buf, o);
	free(buf);
	return ret(cx, r, out);
}

static int f_keys_values(struct ectx *cx, struct arg *a, bool keys,
			 json_t **out)
{
	json_t *o = arg_val(cx, a, 0, TY_OBJECT, "an object"), *v, *r;
	const char *k;
	if (o == NULL)
		return -1;
	if ((r = json_array()) == NULL)
		return jp_oom(cx);
	json_object_foreach(o, k, v)
	{
		if (json_array_append_new(r, keys ? json_string(k)
						  : json_incref(v)) != 0) {
			json_decref(r);
			return jp_oom(cx);
		}
	}
	*out = r;
	return 0;
}

static int f_keys(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	(void)n;
	return f_keys_values(cx, a, true, out);
}

static int f_values(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	(void)n;
	return f_keys_values(cx, a, false, out);
}

/* Code points of a UTF-8 string. */
static size_t utf8_len(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

static int f_length(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	json_t *v = arg_val(cx, a, 0, TY_STRING | TY_ARRAY | TY_OBJECT,
			    "a string, an array or an object");
	(void)n;
	if (v == NULL)
		return -1;
	size_t len = json_is_string(v)
			 ? utf8_len(json_string_value(v), json_string_length(v))
		     : json_is_array(v) ? json_array_size(v)
					: json_object_size(v);
	return ret(cx, json_integer((json_int_t)len), out);
}

static int f_map(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	const struct node *e = arg_expref(cx, a, 0);
	json_t *list = e ? arg_val(cx, a, 1, TY_ARRAY, "an array") : NULL;
	json_t *r, *v;
	size_t i;
	(void)n;
	if (list == NULL)
		return -1;
	if ((r = json_array()) == NULL)
		return jp_oom(cx);
	json_array_foreach(list, i, v)
	{
		json_t *x;
		if (jp_eval(cx, e, v, &x) != 0) {
			json_decref(r);
			return -1;
		}
		if (json_array_append_new(r, x) != 0) {
			json_decref(r);
			return jp_oom(cx);
		}
	}
	*out = r;
	return 0;
}

static int cmp_values(const json_t *x, const json_t *y)
{
	return json_is_number(x) ? jp_num_cmp(x, y) : jp_str_cmp(x, y);
}

static int f_max_min(struct ectx *cx, struct arg *a, bool max, json_t **out)
{
	json_t *list = arg_array_of(cx, a, 0, TY_NUMBER | TY_STRING,
				    "an array of numbers or of strings");
	json_t *best = NULL, *e;
	size_t i;
	if (list == NULL)
		return -1;
	json_array_foreach(list, i, e)
	{
		int c = best == NULL ? 0 : cmp_values(e, best);
		if (best == NULL || (max ? c > 0 : c < 0))
			best = e;
	}
	*out = best ? json_incref(best) : json_null();
	return 0;
}

static int f_max(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	(void)n;
	return f_max_min(cx, a, true, out);
}

static int f_min(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	(void)n;
	return f_max_min(cx, a, false, out);
}

/* An element of an array being sorted or searched by a key. */
struct keyed {
	json_t *key; /* owned */
	json_t *val; /* borrowed */
	size_t idx;
};

static int keyed_cmp(const void *pa, const void *pb)
{
	const struct keyed *x = pa, *y = pb;
	int c = cmp_values(x->key, y->key);
	return c != 0 ? c : (x->idx < y->idx ? -1 : x->idx > y->idx);
}

static void keyed_free(struct keyed *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(k[i].key);
	free(k);
}

/* The elements of list (borrowed) with their keys: the elements
 * themselves (e NULL) or e applied to each. Keys must all be numbers or
 * all strings. Returns owned (keyed_free), or NULL with the error set. */
static struct keyed *keyed_list(struct ectx *cx, json_t *list,
				const struct node *e)
{
	size_t n = json_array_size(list), i;
	struct keyed *k = calloc(n ? n : 1, sizeof *k);
	unsigned first = 0;
	if (k == NULL) {
		jp_oom(cx);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		k[i].val = json_array_get(list, i);
		k[i].idx = i;
		if (e == NULL)
			k[i].key = json_incref(k[i].val);
		else if (jp_eval(cx, e, k[i].val, &k[i].key) != 0)
			goto err_after_alloc;
		unsigned t = type_bit(k[i].key);
		if ((t != TY_NUMBER && t != TY_STRING) ||
		    (first && t != first)) {
			jp_eerr(cx,
				"invalid type: %s() needs every key to be a "
				"number, or every key a string; got %s",
				cx->fn, type_name(k[i].key));
			i++;
			goto err_after_alloc;
		}
		first = t;
	}
	return k;
err_after_alloc:
	keyed_free(k, i);
	return NULL;
}

static int f_by(struct ectx *cx, struct arg *a, int mode, json_t **out)
{
	json_t *list = arg_val(cx, a, 0, TY_ARRAY, "an array");
	const struct node *e = list ? arg_expref(cx, a, 1) : NULL;
	size_t n = json_array_size(list);
	if (e == NULL)
		return -1;
	struct keyed *k = keyed_list(cx, list, e);
	if (k == NULL)
		return -1;
	json_t *r = NULL;
	if (mode == 0) { /* sort_by */
		qsort(k, n, sizeof *k, keyed_cmp);
		r = json_array();
		for (size_t i = 0; r != NULL && i < n; i++)
			if (json_array_append(r, k[i].val) != 0) {
				json_decref(r);
				r = NULL;
			}
		keyed_free(k, n);
		return ret(cx, r, out);
	}
	size_t best = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		int c =
		    best == SIZE_MAX ? 0 : cmp_values(k[i].key, k[best].key);
		if (best == SIZE_MAX || (mode > 0 ? c > 0 : c < 0))
			best = i;
	}
	r = best == SIZE_MAX ? json_null() : json_incref(k[best].val);
	keyed_free(k, n);
	*out = r;
	return 0;
}

static int f_sort_by(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	(void)n;
	return f_by(cx, a, 0, out);
}

static int f_max_by(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	(void)n;
	return f_by(cx, a, 1, out);
}

static int f_min_by(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	(void)n;
	return f_by(cx, a, -1, out);
}

static int f_sort(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	json_t *list = arg_array_of(cx, a, 0, TY_NUMBER | TY_STRING,
				    "an array of numbers or of strings");
	(void)n;
	if (list == NULL)
		return -1;
	size_t len = json_array_size(list);
	struct keyed *k = keyed_list(cx, list, NULL);
	if (k == NULL)
		return -1;
	qsort(k, len, sizeof *k, keyed_cmp);
	json_t *r = json_array();
	for (size_t i = 0; r != NULL && i < len; i++)
		if (json_array_append(r, k[i].val) != 0) {
			json_decref(r);
			r = NULL;
		}
	keyed_free(k, len);
	return ret(cx, r, out);
}

static int f_merge(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	json_t *r = json_object();
	if (r == NULL)
		return jp_oom(cx);
	for (size_t i = 0; i < n; i++) {
		json_t *o = arg_val(cx, a, i, TY_OBJECT, "an object");
		if (o == NULL) {
			json_decref(r);
			return -1;
		}
		if (json_object_update(r, o) != 0) {
			json_decref(r);
			return jp_oom(cx);
		}
	}
	*out = r;
	return 0;
}

static int f_not_null(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	for (size_t i = 0; i < n; i++) {
		json_t *v = arg_val(cx, a, i, TY_ANY, "a value");
		if (v == NULL)
			return -1;
		if (!json_is_null(v)) {
			*out = json_incref(v);
			return 0;
		}
	}
	*out = json_null();
	return 0;
}

static int f_reverse(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	json_t *v =
	    arg_val(cx, a, 0, TY_ARRAY | TY_STRING, "an array or a string");
	(void)n;
	if (v == NULL)
		return -1;
	if (json_is_array(v)) {
		json_t *r = json_array();
		for (size_t i = json_array_size(v); r != NULL && i > 0; i--)
			if (json_array_append(r, json_array_get(v, i - 1)) !=
			    0) {
				json_decref(r);
				r = NULL;
			}
		return ret(cx, r, out);
	}
	/* Reverse the code points, keeping each one's bytes in order. */
	const char *s = json_string_value(v);
	size_t len = json_string_length(v), o = len;
	char *buf = malloc(len + 1);
	if (buf == NULL)
		return jp_oom(cx);
	for (size_t i = 0; i < len;) {
		size_t j = i + 1;
		while (j < len && ((unsigned char)s[j] & 0xc0) == 0x80)
			j++;
		o -= j - i;
		memcpy(buf + o, s + i, j - i);
		i = j;
	}
	json_t *r = json_stringn_nocheck(buf, len);
	free(buf);
	return ret(cx, r, out);
}

static int f_to_array(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	json_t *v = arg_val(cx, a, 0, TY_ANY, "a value");
	(void)n;
	if (v == NULL)
		return -1;
	if (json_is_array(v))
		return ret(cx, json_incref(v), out);
	return ret(cx, json_pack("[O]", v), out);
}

static int f_to_string(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	json_t *v = arg_val(cx, a, 0, TY_ANY, "a value");
	(void)n;
	if (v == NULL)
		return -1;
	if (json_is_string(v))
		return ret(cx, json_incref(v), out);
	char *s =
	    json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
	json_t *r = s ? json_string(s) : NULL;
	free(s);
	return ret(cx, r, out);
}

static int f_to_number(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	json_t *v = arg_val(cx, a, 0, TY_ANY, "a value");
	(void)n;
	if (v == NULL)
		return -1;
	if (json_is_number(v))
		return ret(cx, json_incref(v), out);
	*out = json_null();
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return 0;
	const char *s = json_string_value(v);
	char *end;
	long long i = strtoll(s, &end, 10);
	if (*end == '\0' && !isspace((unsigned char)*s))
		return ret(cx, json_integer(i), out);
	double d = strtod(s, &end);
	if (*end == '\0' && !isspace((unsigned char)*s) && isfinite(d) &&
	    (isdigit((unsigned char)*s) || *s == '-' || *s == '+' || *s == '.'))
		return ret(cx, json_real(d), out);
	return 0;
}

static int f_type(struct ectx *cx, struct arg *a, size_t n, json_t **out)
{
	json_t *v = arg_val(cx, a, 0, TY_ANY, "a value");
	(void)n;
	if (v == NULL)
		return -1;
	return ret(cx, json_string(type_name(v)), out);
}

static const struct func funcs[] = {
    {"abs", 1, 1, f_abs},
    {"avg", 1, 1, f_avg},
    {"ceil", 1, 1, f_ceil},
    {"contains", 2, 2, f_contains},
    {"ends_with", 2, 2, f_ends_with},
    {"floor", 1, 1, f_floor},
    {"join", 2, 2, f_join},
    {"keys", 1, 1, f_keys},
    {"length", 1, 1, f_length},
    {"map", 2, 2, f_map},
    {"max", 1, 1, f_max},
    {"max_by", 2, 2, f_max_by},
    {"merge", 1, SIZE_MAX, f_merge},
    {"min", 1, 1, f_min},
    {"min_by", 2, 2, f_min_by},
    {"not_null", 1, SIZE_MAX, f_not_null},
    {"reverse", 1, 1, f_reverse},
    {"sort", 1, 1, f_sort},
    {"sort_by", 2, 2, f_sort_by},
    {"starts_with", 2, 2, f_starts_with},
    {"sum", 1, 1, f_sum},
    {"to_array", 1, 1, f_to_array},
    {"to_number", 1, 1, f_to_number},
    {"to_string", 1, 1, f_to_string},
    {"type", 1, 1, f_type},
    {"values", 1, 1, f_values},
};

const struct func *jp_func_find(const char *name)
{
	for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++)
		if (strcmp(funcs[i].name, name) == 0)
			return &funcs[i];
	return NULL;
}
