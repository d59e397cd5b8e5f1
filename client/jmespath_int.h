/* jmespath_int — what jmespath.c (lexer, parser, evaluator) and
 * jmespath_fn.c (the built-in functions) share; not part of the CLI's
 * interface (that is jmespath.h). The parser looks a function up by name
 * (jp_func_find) and keeps the struct func in its N_FUNC node; the
 * evaluator calls fn with the evaluated arguments; a function evaluates an
 * &expr argument with jp_eval and reports errors with jp_eerr. */
#ifndef STRATUS_JMESPATH_INT_H
#define STRATUS_JMESPATH_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct node; /* a node of the compiled tree (jmespath.c) */

/* The state of one jmespath_search. */
struct ectx {
	char *err; /* the caller's error buffer (errlen bytes) */
	size_t errlen;
	const char *fn; /* the function being run, for messages */
};

/* An argument: a value (owned by the caller) or, for &expr, the
 * expression (v NULL). */
struct arg {
	json_t *v;
	const struct node *expref;
};

/* A built-in function: 0 with *out a new reference, or -1 with the
 * error set (jp_eerr). args[0..n) are borrowed. */
typedef int (*func_fn)(struct ectx *cx, struct arg *args, size_t n,
		       json_t **out);

struct func {
	const char *name;
	size_t min_args;
	size_t max_args; /* SIZE_MAX: variadic */
	func_fn fn;
};

/* The built-in function called name, or NULL (jmespath_fn.c). */
const struct func *jp_func_find(const char *name);

/* Evaluate n against cur (borrowed): 0 with *out a new reference, or -1
 * with the error set. */
int jp_eval(struct ectx *cx, const struct node *n, json_t *cur, json_t **out);

/* Set the error message; returns -1. */
int jp_eerr(struct ectx *cx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* jp_eerr(cx, "out of memory"). */
int jp_oom(struct ectx *cx);

/* -1, 0, 1 for two numbers. */
int jp_num_cmp(const json_t *a, const json_t *b);

/* -1, 0, 1 for two strings, by code point (UTF-8 byte order). */
int jp_str_cmp(const json_t *a, const json_t *b);

/* Deep equality; 1 and 1.0 are equal. */
bool jp_equal(const json_t *a, const json_t *b);

#endif
