/* cli_text — see cli_text.h. */
#include "cli_text.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool is_scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

static void write_scalar(const json_t *v, FILE *out)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		fwrite(json_string_value(v), 1, json_string_length(v), out);
		break;
	case JSON_INTEGER:
		fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		fprintf(out, "%.17g", json_real_value(v));
		break;
	case JSON_TRUE:
		fputs("True", out);
		break;
	case JSON_FALSE:
		fputs("False", out);
		break;
	default:
		fputs("None", out);
		break;
	}
}

static void write_name(const char *name, FILE *out)
{
	for (; *name != '\0'; name++) {
		fputc(toupper((unsigned char)*name), out);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of o in sorted order (malloc'd array of borrowed strings; its
 * length in *n), or NULL when empty or out of memory. */
static const char **sorted_keys(const json_t *o, size_t *n)
{
	const char **keys, *k;
	json_t *v;
	size_t i = 0;

	*n = json_object_size(o);
	if (*n == 0 || (keys = malloc(*n * sizeof *keys)) == NULL) {
		*n = 0;
		return NULL;
	}
	json_object_foreach((json_t *)o, k, v)
	{
		keys[i++] = k;
	}
	qsort(keys, *n, sizeof *keys, cmp_str);
	return keys;
}

static void write_any(const json_t *v, const char *name, FILE *out,
		      const char **columns, size_t n_columns);

/* An object: its scalars on one line (columns: the list's, or NULL for
 * its own), then its objects and lists. */
static void write_object(const json_t *o, const char *name, FILE *out,
			 const char **columns, size_t n_columns)
{
	size_t n, i, k, n_scalars = 0;
	const char **keys = sorted_keys(o, &n);
	bool first = true;

	for (i = 0; i < n; i++) {
		n_scalars += is_scalar(json_object_get(o, keys[i]));
	}
	if (columns != NULL ? n_columns > 0 : n_scalars > 0) {
		if (name != NULL) {
			write_name(name, out);
			first = false;
		}
		for (i = 0; i < (columns != NULL ? n_columns : n); i++) {
			const json_t *v = json_object_get(
			    o, columns != NULL ? columns[i] : keys[i]);

			if (columns == NULL && !is_scalar(v)) {
				continue;
			}
			fputs(first ? "" : "\t", out);
			first = false;
			if (v != NULL && is_scalar(v)) {
				write_scalar(v, out);
			}
		}
		fputc('\n', out);
	}
	for (i = 0; i < n; i++) {
		const json_t *v = json_object_get(o, keys[i]);
		bool column = false;

		for (k = 0; columns != NULL && k < n_columns; k++) {
			column = column || strcmp(columns[k], keys[i]) == 0;
		}
		if (!is_scalar(v) && !column) {
			write_any(v, keys[i], out, NULL, 0);
		}
	}
	free(keys);
}

/* The sorted union of the scalar keys of the objects in list (malloc'd,
 * borrowed strings). */
static const char **list_columns(const json_t *list, size_t *n)
{
	const char **cols = NULL, *k;
	size_t i, cap = 0, j;
	json_t *e, *v;

	*n = 0;
	json_array_foreach((json_t *)list, i, e)
	{
		json_object_foreach(e, k, v)
		{
			bool seen = false;

			if (!is_scalar(v)) {
				continue;
			}
			for (j = 0; j < *n && !seen; j++) {
				seen = strcmp(cols[j], k) == 0;
			}
			if (seen) {
				continue;
			}
			if (*n == cap) {
				const char **g;

				cap = cap ? cap * 2 : 8;
				g = realloc(cols, cap * sizeof *cols);
				if (g == NULL) {
					return cols;
				}
				cols = g;
			}
			cols[(*n)++] = k;
		}
	}
	if (*n > 0) {
		qsort(cols, *n, sizeof *cols, cmp_str);
	}
	return cols;
}

static void write_list(const json_t *list, const char *name, FILE *out)
{
	size_t i;
	json_t *e;
	bool objects = false, lists = false;

	if (json_array_size(list) == 0) {
		return;
	}
	json_array_foreach((json_t *)list, i, e)
	{
		objects = objects || json_is_object(e);
		lists = lists || json_is_array(e);
	}
	if (objects) {
		size_t n;
		const char **cols = list_columns(list, &n);

		json_array_foreach((json_t *)list, i, e)
		{
			if (json_is_object(e)) {
				write_object(e, name, out, cols, n);
			} else {
				write_any(e, name, out, NULL, 0);
			}
		}
		free(cols);
		return;
	}
	if (lists) {
		json_array_foreach((json_t *)list, i, e)
		{
			write_any(e, name, out, NULL, 0);
		}
		return;
	}
	if (name != NULL) {
		write_name(name, out);
	}
	json_array_foreach((json_t *)list, i, e)
	{
		fputs(i == 0 && name == NULL ? "" : "\t", out);
		write_scalar(e, out);
	}
	fputc('\n', out);
}

static void write_any(const json_t *v, const char *name, FILE *out,
		      const char **columns, size_t n_columns)
{
	if (json_is_object(v)) {
		write_object(v, name, out, columns, n_columns);
	} else if (json_is_array(v)) {
		write_list(v, name, out);
	} else {
		write_scalar(v, out);
		fputc('\n', out);
	}
}

void cli_text_write(const json_t *doc, FILE *out)
{
	write_any(doc, NULL, out, NULL, 0);
}
