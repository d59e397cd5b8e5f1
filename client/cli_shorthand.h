/* cli_shorthand — the AWS CLI's shorthand syntax for structured option
 * values, parsed into JSON:
 *
 *   Key=Value,Key2=Value2          {"Key":"Value","Key2":"Value2"}
 *   A={DataType=String,StringValue=x}
 *                                  {"A":{"DataType":"String",...}}
 *   Keys=[a,b]  or  Keys=a,b       {"Keys":["a","b"]}
 *   K="a,b"  K='x=y'               quoted values keep , = { } [ ]
 *
 * Scalars are strings, except the values of keys listed in int_keys that
 * are integers ("DelaySeconds=5" -> 5). Inside double quotes a backslash
 * escapes the next character. */
#ifndef STRATUS_CLI_SHORTHAND_H
#define STRATUS_CLI_SHORTHAND_H

#include <jansson.h>
#include <stddef.h>

/* Parse text as one structure. int_keys: NULL-terminated list (or NULL).
 * Returns an owned object, or NULL with a message in err ("expected '='
 * after 'Key' at offset 3"). */
json_t *cli_shorthand_parse(const char *text, const char *const *int_keys,
			    char *err, size_t err_size);

#endif
