/* jsondoc: held against jansson, which it replaces on the hot path — every
 * document either parses to an equal value with both or fails with both,
 * and dumps are byte-identical to json_dumps(COMPACT | SORT_KEYS). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsondoc.h"

/* Both parsers agree on doc (len bytes); returns whether it parsed. */
static bool agree(const char *doc, size_t len)
{
	json_t *a = json_loadb(doc, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *b = jsondoc_parse(doc, len);
	bool ok = a != NULL;

	if ((a == NULL) != (b == NULL)) {
		fail_msg("jansson %s, jsondoc %s: '%.*s'",
			 a ? "accepts" : "refuses", b ? "accepts" : "refuses",
			 (int)len, doc);
	}
	if (a != NULL) {
		char *da = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
		size_t n = 0;
		char *db = jsondoc_dump(a, &n);
		assert_true(json_equal(a, b));
		assert_non_null(da);
		assert_non_null(db);
		assert_string_equal(da, db);
		assert_int_equal(n, strlen(da));
		free(da);
		free(db);
	}
	json_decref(a);
	json_decref(b);
	return ok;
}

static bool agree_str(const char *doc)
{
	return agree(doc, strlen(doc));
}

static void test_accepts(void **state)
{
	static const char *docs[] = {
	    "{}",
	    "[]",
	    " \t\r\n{ } \n",
	    "{\"QueueUrl\":\"http://h:1/000000000000/"
	    "q\",\"MessageBody\":\"x\"}",
	    "{\"a\":1,\"b\":-0,\"c\":9223372036854775807,"
	    "\"d\":-9223372036854775808}",
	    "[1.5,-2e10,3E-2,0.0,1e308,1e-400,123456789.123456789]",
	    "[true,false,null,[[]],{\"\":{}}]",
	    "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]",
	    "[\"\\u00e9\\u20AC\\ud83d\\ude00\\u0001\\u001f\\u007f\"]",
	    "[\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"]",
	    "{\"z\":1,\"a\":2,\"m\":{\"y\":[3],\"b\":\"c\"}}",
	    "{\"k\\u0041\":1,\"kA2\":2}",
	    "[\"\x7f\"]",
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof docs / sizeof *docs; i++) {
		assert_true(agree_str(docs[i]));
	}
}

static void test_refuses(void **state)
{
	static const char *docs[] = {
	    "",
	    "1",
	    "\"s\"",
	    "null",
	    "{",
	    "{\"a\"}",
	    "{\"a\":}",
	    "{\"a\":1,}",
	    "[1,]",
	    "[01]",
	    "[-]",
	    "[1.]",
	    "[1e]",
	    "[.5]",
	    "[+1]",
	    "[9223372036854775808]",
	    "[-9223372036854775809]",
	    "[1e400]",
	    "{\"a\":1,\"a\":2}",
	    "[\"\\u0000\"]",
	    "[\"\\ud800\"]",
	    "[\"\\udc00\"]",
	    "[\"\\ud800\\u0041\"]",
	    "[\"\\x\"]",
	    "[\"\\u12\"]",
	    "[\"a\nb\"]",
	    "[\"\xc0\xaf\"]",
	    "[\"\xed\xa0\x80\"]",
	    "[\"\xf4\x90\x80\x80\"]",
	    "[\"\xe2\x82\"]",
	    "[\"\xff\"]",
	    "[tru]",
	    "[nul]",
	    "{} {}",
	    "{}x",
	    "[\"unterminated",
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof docs / sizeof *docs; i++) {
		assert_false(agree_str(docs[i]));
	}
	/* A NUL byte inside (after a number jansson skips it: the one
	 * difference, jsondoc.h). */
	assert_null(jsondoc_parse("[0\0]", 4));
	assert_false(agree("[\"a\0b\"]", 7));
	assert_false(agree("{}\0", 3));
}

static void test_depth(void **state)
{
	static char doc[2 * 2049];
	size_t n;
	(void)state;
	for (n = 2048; n <= 2049; n++) {
		memset(doc, '[', n);
		memset(doc + n, ']', n);
		assert_true(agree(doc, 2 * n) == (n <= 2048));
	}
}

/* Random documents from a small grammar, then random byte mutations of
 * them: both parsers always agree. */
static unsigned long rnd_state = 12345;
static unsigned rnd(unsigned n)
{
	rnd_state = rnd_state * 6364136223846793005ul + 1442695040888963407ul;
	return (unsigned)(rnd_state >> 33) % n;
}

static void gen(char *b, size_t *o, size_t cap, int depth)
{
	static const char *atoms[] = {"0",
				      "-1",
				      "12.5e3",
				      "true",
				      "null",
				      "\"\"",
				      "\"abc\"",
				      "\"\\n\"",
				      "\"\\u00e9\"",
				      "\"\xc3\xa9\"",
				      "\"\\\"\"",
				      "1e999",
				      "\"\\ud83d\\ude00\"",
				      "-0.0",
				      "\"\x01\""};
	unsigned k = depth > 4 ? 2 : rnd(4);
	if (*o + 64 >= cap) {
		k = 2;
	}
	if (k == 0) {
		unsigned i, n = rnd(4);
		b[(*o)++] = '{';
		for (i = 0; i < n && *o + 80 < cap; i++) {
			*o += (size_t)snprintf(b + *o, cap - *o,
					       "%s\"k%u\":", i ? "," : "",
					       rnd(5));
			gen(b, o, cap, depth + 1);
		}
		b[(*o)++] = '}';
	} else if (k == 1) {
		unsigned i, n = rnd(4);
		b[(*o)++] = '[';
		for (i = 0; i < n && *o + 80 < cap; i++) {
			if (i) {
				b[(*o)++] = ',';
			}
			gen(b, o, cap, depth + 1);
		}
		b[(*o)++] = ']';
	} else {
		const char *a = atoms[rnd(sizeof atoms / sizeof *atoms)];
		size_t n = strlen(a);
		memcpy(b + *o, a, n);
		*o += n;
	}
}

static void test_random(void **state)
{
	char doc[4096];
	int i, j;
	(void)state;
	for (i = 0; i < 20000; i++) {
		size_t n = 0;
		doc[n++] = '[';
		gen(doc, &n, sizeof doc - 8, 0);
		doc[n++] = ']';
		agree(doc, n);
		for (j = 0; j < 3; j++) {
			size_t at = rnd((unsigned)n);
			static const char bytes[] =
			    "{}[]\",:\\u0e9 \x80\xc3\n-.";
			doc[at] = bytes[rnd(sizeof bytes - 1)];
			agree(doc, n);
		}
	}
}

/* Long strings, mostly plain ASCII with a special byte here and there at
 * every offset — '"', '\\', control characters, high bytes (valid and
 * broken UTF-8) — so that the 16- and 8-byte scans of the parser and the
 * dumper meet them at every position of a block and in the tail. */
static void test_long_strings(void **state)
{
	static const char *specials[] = {
	    "\\\"", "\\\\", "\\n",	"\\u0001",	"\x01",
	    "\x1f", "\"",   "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
	    "\x80", "\xc3", "\x7f",	"\\/"};
	char doc[256];
	int i;
	(void)state;
	for (i = 0; i < 40000; i++) {
		size_t n = 0, len = rnd(70), k;

		doc[n++] = '[';
		doc[n++] = '"';
		for (k = 0; k < len; k++) {
			if (rnd(24) == 0) {
				const char *sp = specials[rnd(
				    sizeof specials / sizeof *specials)];
				memcpy(doc + n, sp, strlen(sp));
				n += strlen(sp);
			} else {
				doc[n++] = (char)(' ' + rnd(95));
				if (doc[n - 1] == '"' || doc[n - 1] == '\\') {
					doc[n - 1] = 'q';
				}
			}
		}
		doc[n++] = '"';
		doc[n++] = ']';
		agree(doc, n);
	}
}

/* jsondoc_ascii_run against a byte loop: random bytes, mostly printable,
 * a non-printable one at every offset of strings of 0-70 bytes. */
static void test_ascii_run(void **state)
{
	unsigned char buf[80];
	int i;
	(void)state;
	for (i = 0; i < 40000; i++) {
		size_t n = rnd(71), k, want = 0;

		for (k = 0; k < n; k++) {
			buf[k] = rnd(20) == 0 ? (unsigned char)rnd(256)
					      : (unsigned char)(' ' + rnd(96));
		}
		while (want < n && buf[want] >= 0x20 && buf[want] < 0x80) {
			want++;
		}
		assert_int_equal(jsondoc_ascii_run((const char *)buf, n), want);
	}
}

/* Objects of 0-40 members with keys that share prefixes, in random
 * insertion order, and integers of every magnitude: dumps agree with
 * jansson's sorted ones (both sorts of jsondoc's writer: insertion up to
 * 16 members, qsort beyond; more than 32 members are not on the stack). */
static void test_many_keys(void **state)
{
	static const long long ints[] = {0,
					 7,
					 -7,
					 10,
					 -10,
					 999999999999LL,
					 -1000000000000LL,
					 9223372036854775807LL,
					 -9223372036854775807LL - 1};
	char doc[4096];
	int i;
	(void)state;
	for (i = 0; i < 3000; i++) {
		unsigned k, n = rnd(41);
		size_t o = 0;

		doc[o++] = '{';
		for (k = 0; k < n; k++) {
			o += (size_t)snprintf(
			    doc + o, sizeof doc - o, "%s\"%.*s%u\":%lld",
			    k ? "," : "", (int)rnd(3), "kkk", (k * 7919u) % 97u,
			    ints[rnd(sizeof ints / sizeof *ints)]);
		}
		doc[o++] = '}';
		agree(doc, o); /* duplicate keys: both refuse */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_accepts),
	    cmocka_unit_test(test_refuses),
	    cmocka_unit_test(test_depth),
	    cmocka_unit_test(test_random),
	    cmocka_unit_test(test_long_strings),
	    cmocka_unit_test(test_many_keys),
	    cmocka_unit_test(test_ascii_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
