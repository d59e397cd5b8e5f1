/* cli_json — output helpers of the stratus CLI: JSON on stdout, errors as
 * {"Error":{"Name":..,"Message":..}} on stderr, bytes as text or base64. */
#ifndef STRATUS_CLI_JSON_H
#define STRATUS_CLI_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "stratus.h"

/* Exit statuses. */
#define CLI_EXIT_OK	 0
#define CLI_EXIT_FAILURE 1
#define CLI_EXIT_USAGE	 2

/* Set obj[field] to the bytes as a JSON string when they are valid UTF-8,
 * else obj[field + "Base64"] to their base64. 0, or -1 out of memory. */
int cli_json_set_bytes(json_t *obj, const char *field, const void *data,
		       size_t len);

/* Standard base64 of len bytes. Returns owned (free), NULL out of memory. */
char *cli_base64_encode(const void *data, size_t len);

/* Print j (pretty, 2-space indent) on stdout and release it (takes
 * ownership; NULL prints an out-of-memory error). Returns an exit status. */
int cli_json_print(json_t *j);

/* Same with an indent of indent spaces (the AWS CLI's output uses 4).
 * Any JSON value prints, scalars too (a --query result can be one). */
int cli_json_print_indent(json_t *j, int indent);

/* Print an error object on stderr. Return CLI_EXIT_FAILURE. */
int cli_json_fail(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int cli_json_fail_err(const st_error *err);

/* A usage error (bad flags or arguments): the error object with the given
 * name ("InvalidParameterValue", "MissingParameter", ...) and a hint to
 * see help. Returns CLI_EXIT_USAGE. */
int cli_json_usage(const char *name, const char *help_cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
