/* jmespath — JMESPath (https://jmespath.org/specification.html) over
 * jansson values, for the CLI's --query option.
 *
 * An expression is compiled once into a tree (syntax errors, unknown
 * functions and wrong argument counts are found here) and then searched
 * against any number of documents. The whole specification is covered:
 * identifiers, sub-expressions, index and slice, list / object
 * projections, flatten, filters with comparators and && || !, literals,
 * @, multi-select lists and hashes, pipes and the built-in functions.
 * Projections drop null results, as the specification says. */
#ifndef STRATUS_JMESPATH_H
#define STRATUS_JMESPATH_H

#include <jansson.h>
#include <stddef.h>

/* A compiled expression; opaque. */
struct jmespath;

/* Size of an error message buffer that never truncates a useful message. */
#define JMESPATH_ERRMSG_SIZE 256

/* Compile expr (borrowed, NUL-terminated). Returns 0 with *out owned (free
 * with jmespath_free), or -1 with errmsg (errlen bytes) filled: "syntax
 * error at column N: ...", "unknown function 'f' ...", "function f()
 * takes ... arguments", "out of memory". */
int jmespath_compile(const char *expr, struct jmespath **out, char *errmsg,
		     size_t errlen);

/* Evaluate jp against data (borrowed). Returns 0 with *result a new
 * reference (json_decref it; a JSON null when nothing matched), or -1
 * with errmsg filled: "invalid type: ..." (a function given the wrong
 * type), "invalid value: ..." (slice step 0), "out of memory". */
int jmespath_search(const struct jmespath *jp, json_t *data, json_t **result,
		    char *errmsg, size_t errlen);

/* Release a compiled expression (NULL is fine). */
void jmespath_free(struct jmespath *jp);

#endif
