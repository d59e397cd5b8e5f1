/* jsondoc — the JSON documents of service calls, parsed and printed fast.
 *
 * Every SQS request and response is a JSON document (service.h), and most
 * of their bytes are one long string: a 1 KiB message body. jansson reads
 * and writes strings a character at a time through a stream callback
 * (~30 ns per byte here), which made JSON the largest cost of a
 * SendMessage: its input is parsed on the leader before proposing and by
 * every replica when applying. This parser and printer produce and take
 * ordinary jansson values, but scan strings in bulk (plain ASCII runs are
 * copied at once; escapes and UTF-8 are checked on the way).
 *
 * jsondoc_parse accepts exactly what json_loadb(buf, len,
 * JSON_REJECT_DUPLICATES) accepts, to the same values: an object or an
 * array at the top, no duplicate keys, strings of valid UTF-8 without
 * U+0000, integers that fit json_int_t, reals that do not overflow,
 * nesting at most 2048 deep — except for one leniency of jansson 2.14
 * that jsondoc does not copy: a NUL byte right after a number, which
 * jansson skips ("[0\0]" parses as [0]); jsondoc refuses any NUL byte
 * outside a string as well as inside. jsondoc_dump writes exactly what
 * json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) writes. tests/unit and
 * tests/fuzz (fuzz_jsondoc) hold both against jansson. */
#ifndef STRATUS_JSONDOC_H
#define STRATUS_JSONDOC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* A new reference, or NULL when buf is not such a document (or out of
 * memory). */
json_t *jsondoc_parse(const char *buf, size_t len);

/* A malloc'd, NUL-terminated compact text with sorted keys (*len, when
 * not NULL, its length), or NULL when out of memory or v is NULL. */
char *jsondoc_dump(const json_t *v, size_t *len);

/* How many of the n bytes at s, from the start, are printable ASCII
 * (0x20-0x7f) — 16 at a time: the usual text a validator can then skip
 * (SQS message bodies). */
size_t jsondoc_ascii_run(const char *s, size_t n);

/* Writing a document piece by piece, in the same form, without building
 * jansson values first (for large answers on hot paths, e.g. received
 * messages): the writer puts keys in the order given, so the caller writes
 * them sorted to get jsondoc_dump's bytes. Start from a zeroed struct;
 * out of memory is reported once, by jsondoc_out_finish. */
struct jsondoc_out {
	char *s;
	size_t len, cap;
	bool oom;
};

/* Room for n more bytes at once (fewer regrowths when the caller knows
 * roughly how long the document will be). */
void jsondoc_out_reserve(struct jsondoc_out *o, size_t n);
/* Bytes as they are (punctuation, numbers, keys known to need no escape). */
void jsondoc_out_raw(struct jsondoc_out *o, const char *s, size_t n);
/* A string literal as it is. */
#define JSONDOC_OUT_LIT(o, lit) jsondoc_out_raw((o), (lit), sizeof(lit) - 1)
/* s[0..n) as a JSON string, escaped as jsondoc_dump escapes. */
void jsondoc_out_string(struct jsondoc_out *o, const char *s, size_t n);
/* A jansson value as jsondoc_dump prints it. */
void jsondoc_out_value(struct jsondoc_out *o, const json_t *v);
/* The malloc'd NUL-terminated text (*len, when not NULL, its length), or
 * NULL when out of memory; o is empty again either way. */
char *jsondoc_out_finish(struct jsondoc_out *o, size_t *len);

#endif
