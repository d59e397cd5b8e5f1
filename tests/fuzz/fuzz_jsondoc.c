/* fuzz_jsondoc — the service-document parser (proto/jsondoc.c) against
 * jansson, which defines what it must accept: on every input both accept
 * (to equal values, printed to identical text) or both refuse. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsondoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *a =
	    json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	json_t *b = jsondoc_parse((const char *)data, size);

	if (a != NULL && b == NULL && memchr(data, 0, size) != NULL) {
		/* jansson's one leniency (jsondoc.h): a NUL byte right after
		 * a number is skipped ("[0\0]" is [0]). */
		json_decref(a);
		return 0;
	}
	if ((a == NULL) != (b == NULL)) {
		abort(); /* the parsers disagree on validity */
	}
	if (a != NULL) {
		char *da = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
		char *db = jsondoc_dump(b, NULL);
		if (!json_equal(a, b) || da == NULL || db == NULL ||
		    strcmp(da, db) != 0) {
			abort(); /* different values or text */
		}
		free(da);
		free(db);
	}
	json_decref(a);
	json_decref(b);
	return 0;
}
