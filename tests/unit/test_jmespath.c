/* jmespath: every construct of the specification on small documents (the
 * result, and projections dropping nulls), the error classes (syntax at
 * compile time with its column, type errors at run time), and a table of
 * cases transcribed from the official compliance suite, each held to its
 * expected result or error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jmespath.h"

/* Numbers compare by value (1 == 1.0), as the suite means them. */
static bool same(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b);
	if (json_typeof(a) != json_typeof(b))
		return false;
	if (json_is_array(a)) {
		if (json_array_size(a) != json_array_size(b))
			return false;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!same(json_array_get(a, i), json_array_get(b, i)))
				return false;
		return true;
	}
	if (json_is_object(a)) {
		const char *k;
		json_t *v;
		if (json_object_size(a) != json_object_size(b))
			return false;
		json_object_foreach((json_t *)a, k, v)
		{
			json_t *w = json_object_get(b, k);
			if (w == NULL || !same(v, w))
				return false;
		}
		return true;
	}
	return json_equal((json_t *)a, (json_t *)b);
}

/* Evaluate expr on the JSON text input: 0 with *out owned, or -1 with
 * msg filled (compile or run time). */
static int run(const char *expr, const char *input, json_t **out, char *msg,
	       size_t len)
{
	struct jmespath *jp;
	json_t *doc = json_loads(input, JSON_DECODE_ANY, NULL);
	int rc;

	assert_non_null(doc);
	*out = NULL;
	rc = jmespath_compile(expr, &jp, msg, len);
	if (rc == 0) {
		rc = jmespath_search(jp, doc, out, msg, len);
		jmespath_free(jp);
	}
	json_decref(doc);
	return rc;
}

/* expr on input gives the JSON text want. */
static void check(const char *expr, const char *input, const char *want)
{
	char msg[JMESPATH_ERRMSG_SIZE];
	json_t *got, *exp = json_loads(want, JSON_DECODE_ANY, NULL);

	assert_non_null(exp);
	if (run(expr, input, &got, msg, sizeof msg) != 0)
		fail_msg("%s: error %s (wanted %s)", expr, msg, want);
	if (!same(got, exp)) {
		char *g = json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT);
		print_error("%s on %s: got %s, wanted %s\n", expr, input, g,
			    want);
		free(g);
		fail();
	}
	json_decref(got);
	json_decref(exp);
}

/* expr fails (at compile or run time) with a message containing part. */
static void check_error(const char *expr, const char *input, const char *part)
{
	char msg[JMESPATH_ERRMSG_SIZE];
	json_t *got;

	if (run(expr, input, &got, msg, sizeof msg) == 0) {
		char *g = json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT);
		print_error("%s: got %s, wanted an error\n", expr, g);
		free(g);
		json_decref(got);
		fail();
	}
	if (part != NULL && strstr(msg, part) == NULL)
		fail_msg("%s: message '%s' lacks '%s'", expr, msg, part);
}

static const char *const people =
    "{\"people\":[{\"name\":\"a\",\"age\":30,\"tags\":[\"x\",\"y\"]},"
    "{\"name\":\"b\",\"age\":20},{\"name\":\"c\",\"age\":40,"
    "\"tags\":[\"z\"]}],\"n\":{\"k1\":{\"v\":1},\"k2\":{\"v\":2},"
    "\"k3\":{\"w\":3}}}";

static void test_identifiers(void **state)
{
	(void)state;
	check("a", "{\"a\":1}", "1");
	check("a.b.c", "{\"a\":{\"b\":{\"c\":true}}}", "true");
	check("a.x.c", "{\"a\":{\"b\":{\"c\":true}}}", "null");
	check("\"with space\"", "{\"with space\":\"v\"}", "\"v\"");
	check("\"\\u00e9\"", "{\"\\u00e9\":1}", "1");
	check("a.\"b.c\"", "{\"a\":{\"b.c\":2}}", "2");
	check("a", "[1]", "null");
	check("@", "[1,2]", "[1,2]");
	check("a | @", "{\"a\":3}", "3");
	check_error("a.@", "{\"a\":3}", "after '.'");
}

static void test_index_slice(void **state)
{
	(void)state;
	const char *l = "[0,1,2,3,4,5,6,7,8,9]";
	check("[0]", l, "0");
	check("[-1]", l, "9");
	check("[10]", l, "null");
	check("[-11]", l, "null");
	check("[2:5]", l, "[2,3,4]");
	check("[:3]", l, "[0,1,2]");
	check("[7:]", l, "[7,8,9]");
	check("[::3]", l, "[0,3,6,9]");
	check("[::-1]", l, "[9,8,7,6,5,4,3,2,1,0]");
	check("[-3:]", l, "[7,8,9]");
	check("[8:2:-2]", l, "[8,6,4]");
	check("[100:]", l, "[]");
	check("[0]", "{\"a\":1}", "null");
	check("[1:]", "\"abc\"", "null");
	check_error("[::0]", l, "slice step");
	/* A slice projects. */
	check("a[1:].b", "{\"a\":[{\"b\":1},{\"b\":2},{\"c\":3}]}", "[2]");
}

static void test_projections(void **state)
{
	(void)state;
	check("people[*].name", people, "[\"a\",\"b\",\"c\"]");
	/* null results are dropped from a projection. */
	check("people[*].tags", people, "[[\"x\",\"y\"],[\"z\"]]");
	check("people[*].tags[0]", people, "[\"x\",\"z\"]");
	check("n.*.v", people, "[1,2]");
	check("*.k1", people, "[{\"v\":1}]");
	check("people[*]", "{\"people\":{\"a\":1}}", "null");
	check("n.*", "[1]", "null");
	/* Flatten merges one level and ends nothing but is a projection. */
	check("people[].tags[]", people, "[\"x\",\"y\",\"z\"]");
	check("[]", "[1,[2,[3]],null,4]", "[1,2,[3],4]");
	check("people[*].tags[*]", people, "[[\"x\",\"y\"],[\"z\"]]");
	check("people[*].tags[]", people, "[\"x\",\"y\",\"z\"]");
	check("a[]", "{\"a\":3}", "null");
	/* A pipe stops the projection: [0] of the list, not of each. */
	check("people[*].name | [0]", people, "\"a\"");
	check("people[*].name[0]", people, "[]");
}

static void test_filters(void **state)
{
	(void)state;
	check("people[?age > `25`].name", people, "[\"a\",\"c\"]");
	check("people[?age >= `30`].name", people, "[\"a\",\"c\"]");
	check("people[?age < `30`].name", people, "[\"b\"]");
	check("people[?age <= `20`].name", people, "[\"b\"]");
	check("people[?name == 'b'].age", people, "[20]");
	check("people[?name != 'b'].age", people, "[30,40]");
	check("people[?tags].name", people, "[\"a\",\"c\"]");
	check("people[?!tags].name", people, "[\"b\"]");
	check("people[?age > `25` && tags[0] == 'z'].name", people, "[\"c\"]");
	check("people[?age < `25` || name == 'c'].name", people,
	      "[\"b\",\"c\"]");
	check("people[?(age < `25` || name == 'c') && !tags].name", people,
	      "[\"b\"]");
	/* Ordering of non-numbers is null (false in a filter). */
	check("people[?name > 'a'].name", people, "[]");
	check("[?@ == `1`]", "[1,2,1.0]", "[1,1.0]");
	check("[?a == `{\"b\":[1]}`]", "[{\"a\":{\"b\":[1]}},{\"a\":2}]",
	      "[{\"a\":{\"b\":[1]}}]");
	check("a[?b]", "{\"a\":{\"b\":1}}", "null");
}

static void test_booleans_literals(void **state)
{
	(void)state;
	check("a || b", "{\"a\":[],\"b\":\"x\"}", "\"x\"");
	check("a && b", "{\"a\":[],\"b\":\"x\"}", "[]");
	check("a && b", "{\"a\":{\"k\":1},\"b\":\"x\"}", "\"x\"");
	check("!a", "{\"a\":\"\"}", "true");
	check("!a", "{\"a\":0}", "false");
	check("`[1, {\"a\": null}]`", "{}", "[1,{\"a\":null}]");
	check("`\"a\\`b\"`", "{}", "\"a`b\"");
	check("`\\``", "{}", "\"`\"");
	check("'raw \\' string'", "{}", "\"raw ' string\"");
	check("'a\\\\b'", "{}", "\"a\\\\\\\\b\"");
	/* The deprecated unquoted literal: `foo` is the string "foo". */
	check("[?@ == `foo`]", "[\"foo\",\"bar\"]", "[\"foo\"]");
	check("a == `1.0`", "{\"a\":1}", "true");
}

static void test_multiselect_pipe(void **state)
{
	(void)state;
	check("[a, b]", "{\"a\":1,\"b\":2}", "[1,2]");
	check("{x: a, y: b.c}", "{\"a\":1,\"b\":{\"c\":2}}",
	      "{\"x\":1,\"y\":2}");
	check("{\"q k\": a}", "{\"a\":1}", "{\"q k\":1}");
	check("people[*].[name, age]", people,
	      "[[\"a\",30],[\"b\",20],[\"c\",40]]");
	check("people[*].{N: name, T: tags[0]}", people,
	      "[{\"N\":\"a\",\"T\":\"x\"},{\"N\":\"b\",\"T\":null},"
	      "{\"N\":\"c\",\"T\":\"z\"}]");
	check("a.[b, c]", "{\"a\":null}", "null");
	check("a | b | c", "{\"a\":{\"b\":{\"c\":5}}}", "5");
	check("people | length(@)", people, "3");
}

static void test_functions(void **state)
{
	(void)state;
	check("length(people)", people, "3");
	check("length('h\xc3\xa9llo')", "{}", "5");
	check("length('h\\u00e9')", "{}", "7");
	check("length(n)", people, "3");
	check("keys(n)", people, "[\"k1\",\"k2\",\"k3\"]");
	check("values(`{\"a\":1,\"b\":[2]}`)", "{}", "[1,[2]]");
	check("contains(`[1,\"a\"]`, 'a')", "{}", "true");
	check("contains('foobar', 'oba')", "{}", "true");
	check("contains('foobar', 'x')", "{}", "false");
	check("starts_with('foobar', 'foo')", "{}", "true");
	check("ends_with('foobar', 'foo')", "{}", "false");
	check("join(', ', people[*].name)", people, "\"a, b, c\"");
	check("sort(`[3,1,2]`)", "{}", "[1,2,3]");
	check("sort(`[\"b\",\"a\",\"c\"]`)", "{}", "[\"a\",\"b\",\"c\"]");
	check("sort_by(people, &age)[*].name", people, "[\"b\",\"a\",\"c\"]");
	check("sort_by(`[{\"k\":1,\"i\":0},{\"k\":0,\"i\":1},{\"k\":1,"
	      "\"i\":2}]`, &k)[*].i",
	      "{}", "[1,0,2]");
	check("max(people[*].age)", people, "40");
	check("min(people[*].age)", people, "20");
	check("max(`[]`)", "{}", "null");
	check("max(`[\"a\",\"c\",\"b\"]`)", "{}", "\"c\"");
	check("max_by(people, &age).name", people, "\"c\"");
	check("min_by(people, &age).name", people, "\"b\"");
	check("sum(people[*].age)", people, "90");
	check("sum(`[]`)", "{}", "0");
	check("avg(people[*].age)", people, "30.0");
	check("avg(`[]`)", "{}", "null");
	check("to_string(`[1, \"a\"]`)", "{}", "\"[1,\\\"a\\\"]\"");
	check("to_string('x')", "{}", "\"x\"");
	check("to_number('12')", "{}", "12");
	check("to_number('1.5')", "{}", "1.5");
	check("to_number('x')", "{}", "null");
	check("to_number(`true`)", "{}", "null");
	check("type(@)", "[1]", "\"array\"");
	check("type(`null`)", "{}", "\"null\"");
	check("type(`1.5`)", "{}", "\"number\"");
	check("reverse(`[1,2,3]`)", "{}", "[3,2,1]");
	check("reverse('ab\xc3\xa9')", "{}", "\"\\u00e9ba\"");
	check("not_null(a, b, `3`)", "{\"b\":2}", "2");
	check("not_null(a)", "{}", "null");
	check("abs(`-3`)", "{}", "3");
	check("abs(`-3.5`)", "{}", "3.5");
	check("ceil(`1.2`)", "{}", "2");
	check("floor(`1.8`)", "{}", "1");
	check("map(&age, people)", people, "[30,20,40]");
	check("map(&tags[0], people)", people, "[\"x\",null,\"z\"]");
	check("merge(`{\"a\":1,\"b\":1}`, `{\"b\":2}`)", "{}",
	      "{\"a\":1,\"b\":2}");
	check("to_array(`1`)", "{}", "[1]");
	check("to_array(`[1]`)", "{}", "[1]");
	check("people[?contains(tags || `[]`, 'y')].name", people, "[\"a\"]");
	check_error("people[?contains(tags, 'y')]", people, "not null");
}

static void test_errors(void **state)
{
	(void)state;
	check_error("a.", "{}", "syntax error at column 3");
	check_error("a[", "{}", "syntax error");
	check_error("[?a == 1]", "{}", "syntax error");
	check_error("a b", "{}", "unexpected 'b'");
	check_error("a = b", "{}", "unknown token '='");
	check_error("{a}", "{}", "expected ':'");
	check_error("`\"bad`", "{}", "invalid JSON literal");
	check_error("'unterminated", "{}", "unterminated");
	check_error("a[0:1:2:3]", "{}", "syntax error");
	check_error("\"f\"(a)", "{}", "function");
	check_error("nope(a)", "{}", "unknown function 'nope'");
	check_error("length(a, b)", "{}", "length() takes 1 argument");
	check_error("not_null()", "{}", "at least 1");
	check_error("length(`1`)", "{}", "invalid type");
	check_error("sum(`[1,\"a\"]`)", "{}", "invalid type");
	check_error("sort(`[1,\"a\"]`)", "{}", "invalid type");
	check_error("sort_by(`[{\"a\":1},{\"a\":\"b\"}]`, &a)", "{}",
		    "invalid type");
	check_error("map(a, `[]`)", "{}", "expression reference");
	check_error("length(&a)", "{}", "expression reference");
	check_error("abs('x')", "{}", "abs() argument 1 must be a number");
	char deep[1202];
	memset(deep, '(', 600);
	deep[600] = 'a';
	memset(deep + 601, ')', 600);
	deep[1201] = '\0';
	check_error(deep, "{}", "nested too deeply");
}

struct compliance_case {
	const char *group;
	const char *expression;
	const char *given;
	const char *result; /* JSON; NULL: an error */
};

/* 616 cases transcribed from the JMESPath compliance suite
 * (github.com/jmespath/jmespath.test, tests/<group>.json): expression, input,
 * expected result as JSON, or NULL where the case expects an error. */
static const struct compliance_case compliance[] = {
    {"basic", "foo", "{\"foo\":{\"bar\":{\"baz\":\"correct\"}}}",
     "{\"bar\":{\"baz\":\"correct\"}}"},
    {"basic", "foo.bar", "{\"foo\":{\"bar\":{\"baz\":\"correct\"}}}",
     "{\"baz\":\"correct\"}"},
    {"basic", "foo.bar.baz", "{\"foo\":{\"bar\":{\"baz\":\"correct\"}}}",
     "\"correct\""},
    {"basic", "foo\n.\nbar\n.baz", "{\"foo\":{\"bar\":{\"baz\":\"correct\"}}}",
     "\"correct\""},
    {"basic", "foo.bar.baz.bad", "{\"foo\":{\"bar\":{\"baz\":\"correct\"}}}",
     "null"},
    {"basic", "foo.bar.bad", "{\"foo\":{\"bar\":{\"baz\":\"correct\"}}}",
     "null"},
    {"basic", "foo.bad", "{\"foo\":{\"bar\":{\"baz\":\"correct\"}}}", "null"},
    {"basic", "bad", "{\"foo\":{\"bar\":{\"baz\":\"correct\"}}}", "null"},
    {"basic", "bad.morebad.morebad",
     "{\"foo\":{\"bar\":{\"baz\":\"correct\"}}}", "null"},
    {"basic", "foo", "{\"foo\":{\"bar\":[\"one\",\"two\",\"three\"]}}",
     "{\"bar\":[\"one\",\"two\",\"three\"]}"},
    {"basic", "foo.bar", "{\"foo\":{\"bar\":[\"one\",\"two\",\"three\"]}}",
     "[\"one\",\"two\",\"three\"]"},
    {"basic", "one", "[\"one\",\"two\",\"three\"]", "null"},
    {"basic", "two", "[\"one\",\"two\",\"three\"]", "null"},
    {"basic", "three", "[\"one\",\"two\",\"three\"]", "null"},
    {"basic", "one.two", "[\"one\",\"two\",\"three\"]", "null"},
    {"basic", "foo.\"1\"",
     "{\"foo\":{\"1\":[\"one\",\"two\",\"three\"],\"-1\":\"bar\"}}",
     "[\"one\",\"two\",\"three\"]"},
    {"basic", "foo.\"1\"[0]",
     "{\"foo\":{\"1\":[\"one\",\"two\",\"three\"],\"-1\":\"bar\"}}", "\"one\""},
    {"basic", "foo.\"-1\"",
     "{\"foo\":{\"1\":[\"one\",\"two\",\"three\"],\"-1\":\"bar\"}}", "\"bar\""},
    {"boolean", "outer.foo || outer.bar",
     "{\"outer\":{\"foo\":\"foo\",\"bar\":\"bar\",\"baz\":\"baz\"}}",
     "\"foo\""},
    {"boolean", "outer.foo||outer.bar",
     "{\"outer\":{\"foo\":\"foo\",\"bar\":\"bar\",\"baz\":\"baz\"}}",
     "\"foo\""},
    {"boolean", "outer.bar || outer.baz",
     "{\"outer\":{\"foo\":\"foo\",\"bar\":\"bar\",\"baz\":\"baz\"}}",
     "\"bar\""},
    {"boolean", "outer.bar||outer.baz",
     "{\"outer\":{\"foo\":\"foo\",\"bar\":\"bar\",\"baz\":\"baz\"}}",
     "\"bar\""},
    {"boolean", "outer.bad || outer.foo",
     "{\"outer\":{\"foo\":\"foo\",\"bar\":\"bar\",\"baz\":\"baz\"}}",
     "\"foo\""},
    {"boolean", "outer.bad||outer.foo",
     "{\"outer\":{\"foo\":\"foo\",\"bar\":\"bar\",\"baz\":\"baz\"}}",
     "\"foo\""},
    {"boolean", "outer.foo || outer.bad",
     "{\"outer\":{\"foo\":\"foo\",\"bar\":\"bar\",\"baz\":\"baz\"}}",
     "\"foo\""},
    {"boolean", "outer.foo||outer.bad",
     "{\"outer\":{\"foo\":\"foo\",\"bar\":\"bar\",\"baz\":\"baz\"}}",
     "\"foo\""},
    {"boolean", "outer.bad || outer.alsobad",
     "{\"outer\":{\"foo\":\"foo\",\"bar\":\"bar\",\"baz\":\"baz\"}}", "null"},
    {"boolean", "outer.bad||outer.alsobad",
     "{\"outer\":{\"foo\":\"foo\",\"bar\":\"bar\",\"baz\":\"baz\"}}", "null"},
    {"boolean", "outer.empty_string || outer.foo",
     "{\"outer\":{\"foo\":\"foo\",\"bool\":false,\"empty_list\":[],\"empty_"
     "string\":\"\"}}",
     "\"foo\""},
    {"boolean",
     "outer.nokey || outer.bool || outer.empty_list || outer.empty_string || "
     "outer.foo",
     "{\"outer\":{\"foo\":\"foo\",\"bool\":false,\"empty_list\":[],\"empty_"
     "string\":\"\"}}",
     "\"foo\""},
    {"boolean", "True && False",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "false"},
    {"boolean", "False && True",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "false"},
    {"boolean", "True && True",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "true"},
    {"boolean", "False && False",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "false"},
    {"boolean", "True && Number",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "5"},
    {"boolean", "Number && True",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "true"},
    {"boolean", "Number && False",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "false"},
    {"boolean", "Number && EmptyList",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "[]"},
    {"boolean", "Number && True",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "true"},
    {"boolean", "EmptyList && True",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "[]"},
    {"boolean", "EmptyList && False",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "[]"},
    {"boolean", "True || False",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "true"},
    {"boolean", "True || True",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "true"},
    {"boolean", "False || True",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "true"},
    {"boolean", "False || False",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "false"},
    {"boolean", "Number || EmptyList",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "5"},
    {"boolean", "Number || True",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "5"},
    {"boolean", "Number || True && False",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "5"},
    {"boolean", "(Number || True) && False",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "false"},
    {"boolean", "Number || (True && False)",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "5"},
    {"boolean", "!True",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "false"},
    {"boolean", "!False",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "true"},
    {"boolean", "!Number",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "false"},
    {"boolean", "!EmptyList",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "true"},
    {"boolean", "True && !False",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "true"},
    {"boolean", "True && !EmptyList",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "true"},
    {"boolean", "!False && !EmptyList",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "true"},
    {"boolean", "!True && False",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "false"},
    {"boolean", "!(True && False)",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "true"},
    {"boolean", "!Zero",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "false"},
    {"boolean", "!!Zero",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "true"},
    {"boolean", "Zero || Number",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "0"},
    {"boolean", "ZeroFloat || Number",
     "{\"True\":true,\"False\":false,\"Number\":5,\"EmptyList\":[],\"Zero\":0,"
     "\"ZeroFloat\":0.0}",
     "0.0"},
    {"boolean", "one < two",
     "{\"one\":1,\"two\":2,\"three\":3,\"emptylist\":[],\"boolvalue\":false}",
     "true"},
    {"boolean", "one <= two",
     "{\"one\":1,\"two\":2,\"three\":3,\"emptylist\":[],\"boolvalue\":false}",
     "true"},
    {"boolean", "one == one",
     "{\"one\":1,\"two\":2,\"three\":3,\"emptylist\":[],\"boolvalue\":false}",
     "true"},
    {"boolean", "one == two",
     "{\"one\":1,\"two\":2,\"three\":3,\"emptylist\":[],\"boolvalue\":false}",
     "false"},
    {"boolean", "one > two",
     "{\"one\":1,\"two\":2,\"three\":3,\"emptylist\":[],\"boolvalue\":false}",
     "false"},
    {"boolean", "one >= two",
     "{\"one\":1,\"two\":2,\"three\":3,\"emptylist\":[],\"boolvalue\":false}",
     "false"},
    {"boolean", "one != two",
     "{\"one\":1,\"two\":2,\"three\":3,\"emptylist\":[],\"boolvalue\":false}",
     "true"},
    {"boolean", "emptylist < one",
     "{\"one\":1,\"two\":2,\"three\":3,\"emptylist\":[],\"boolvalue\":false}",
     "null"},
    {"boolean", "emptylist < nullvalue",
     "{\"one\":1,\"two\":2,\"three\":3,\"emptylist\":[],\"boolvalue\":false}",
     "null"},
    {"boolean", "emptylist < boolvalue",
     "{\"one\":1,\"two\":2,\"three\":3,\"emptylist\":[],\"boolvalue\":false}",
     "null"},
    {"boolean", "one < boolvalue",
     "{\"one\":1,\"two\":2,\"three\":3,\"emptylist\":[],\"boolvalue\":false}",
     "null"},
    {"boolean", "one < two && three > one",
     "{\"one\":1,\"two\":2,\"three\":3,\"emptylist\":[],\"boolvalue\":false}",
     "true"},
    {"boolean", "one < two || three > one",
     "{\"one\":1,\"two\":2,\"three\":3,\"emptylist\":[],\"boolvalue\":false}",
     "true"},
    {"boolean", "one < two || three < one",
     "{\"one\":1,\"two\":2,\"three\":3,\"emptylist\":[],\"boolvalue\":false}",
     "true"},
    {"boolean", "two < one || three < one",
     "{\"one\":1,\"two\":2,\"three\":3,\"emptylist\":[],\"boolvalue\":false}",
     "false"},
    {"current", "@",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}"},
    {"current", "@.bar",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "{\"baz\":\"qux\"}"},
    {"current", "@.foo[0]",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "{\"name\":\"a\"}"},
    {"escape", "\"foo.bar\"",
     "{\"foo.bar\":\"dot\",\"foo "
     "bar\":\"space\",\"foo\\nbar\":\"newline\",\"foo\\\"bar\":\"doublequote\","
     "\"c:\\\\\\\\windows\\\\path\":\"windows\",\"/unix/"
     "path\":\"unix\",\"\\\"\\\"\\\"\":\"threequotes\",\"bar\":{\"baz\":"
     "\"qux\"}}",
     "\"dot\""},
    {"escape", "\"foo bar\"",
     "{\"foo.bar\":\"dot\",\"foo "
     "bar\":\"space\",\"foo\\nbar\":\"newline\",\"foo\\\"bar\":\"doublequote\","
     "\"c:\\\\\\\\windows\\\\path\":\"windows\",\"/unix/"
     "path\":\"unix\",\"\\\"\\\"\\\"\":\"threequotes\",\"bar\":{\"baz\":"
     "\"qux\"}}",
     "\"space\""},
    {"escape", "\"foo\\nbar\"",
     "{\"foo.bar\":\"dot\",\"foo "
     "bar\":\"space\",\"foo\\nbar\":\"newline\",\"foo\\\"bar\":\"doublequote\","
     "\"c:\\\\\\\\windows\\\\path\":\"windows\",\"/unix/"
     "path\":\"unix\",\"\\\"\\\"\\\"\":\"threequotes\",\"bar\":{\"baz\":"
     "\"qux\"}}",
     "\"newline\""},
    {"escape", "\"foo\\\"bar\"",
     "{\"foo.bar\":\"dot\",\"foo "
     "bar\":\"space\",\"foo\\nbar\":\"newline\",\"foo\\\"bar\":\"doublequote\","
     "\"c:\\\\\\\\windows\\\\path\":\"windows\",\"/unix/"
     "path\":\"unix\",\"\\\"\\\"\\\"\":\"threequotes\",\"bar\":{\"baz\":"
     "\"qux\"}}",
     "\"doublequote\""},
    {"escape", "\"c:\\\\\\\\windows\\\\path\"",
     "{\"foo.bar\":\"dot\",\"foo "
     "bar\":\"space\",\"foo\\nbar\":\"newline\",\"foo\\\"bar\":\"doublequote\","
     "\"c:\\\\\\\\windows\\\\path\":\"windows\",\"/unix/"
     "path\":\"unix\",\"\\\"\\\"\\\"\":\"threequotes\",\"bar\":{\"baz\":"
     "\"qux\"}}",
     "\"windows\""},
    {"escape", "\"/unix/path\"",
     "{\"foo.bar\":\"dot\",\"foo "
     "bar\":\"space\",\"foo\\nbar\":\"newline\",\"foo\\\"bar\":\"doublequote\","
     "\"c:\\\\\\\\windows\\\\path\":\"windows\",\"/unix/"
     "path\":\"unix\",\"\\\"\\\"\\\"\":\"threequotes\",\"bar\":{\"baz\":"
     "\"qux\"}}",
     "\"unix\""},
    {"escape", "\"\\\"\\\"\\\"\"",
     "{\"foo.bar\":\"dot\",\"foo "
     "bar\":\"space\",\"foo\\nbar\":\"newline\",\"foo\\\"bar\":\"doublequote\","
     "\"c:\\\\\\\\windows\\\\path\":\"windows\",\"/unix/"
     "path\":\"unix\",\"\\\"\\\"\\\"\":\"threequotes\",\"bar\":{\"baz\":"
     "\"qux\"}}",
     "\"threequotes\""},
    {"escape", "\"bar\".\"baz\"",
     "{\"foo.bar\":\"dot\",\"foo "
     "bar\":\"space\",\"foo\\nbar\":\"newline\",\"foo\\\"bar\":\"doublequote\","
     "\"c:\\\\\\\\windows\\\\path\":\"windows\",\"/unix/"
     "path\":\"unix\",\"\\\"\\\"\\\"\":\"threequotes\",\"bar\":{\"baz\":"
     "\"qux\"}}",
     "\"qux\""},
    {"filters", "foo[\?name == 'a']",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}]}", "[{\"name\":\"a\"}]"},
    {"filters", "*[\?[0] == `0`]", "{\"foo\":[0,1],\"bar\":[2,3]}", "[[],[]]"},
    {"filters", "foo[\?first == last]",
     "{\"foo\":[{\"first\":\"foo\",\"last\":\"bar\"},{\"first\":\"foo\","
     "\"last\":\"foo\"},{\"first\":\"foo\",\"last\":\"baz\"}]}",
     "[{\"first\":\"foo\",\"last\":\"foo\"}]"},
    {"filters", "foo[\?first == last].first",
     "{\"foo\":[{\"first\":\"foo\",\"last\":\"bar\"},{\"first\":\"foo\","
     "\"last\":\"foo\"},{\"first\":\"foo\",\"last\":\"baz\"}]}",
     "[\"foo\"]"},
    {"filters", "foo[\?age > `25`]",
     "{\"foo\":[{\"age\":20},{\"age\":25},{\"age\":30}]}", "[{\"age\":30}]"},
    {"filters", "foo[\?age >= `25`]",
     "{\"foo\":[{\"age\":20},{\"age\":25},{\"age\":30}]}",
     "[{\"age\":25},{\"age\":30}]"},
    {"filters", "foo[\?age > `30`]",
     "{\"foo\":[{\"age\":20},{\"age\":25},{\"age\":30}]}", "[]"},
    {"filters", "foo[\?age < `25`]",
     "{\"foo\":[{\"age\":20},{\"age\":25},{\"age\":30}]}", "[{\"age\":20}]"},
    {"filters", "foo[\?age <= `25`]",
     "{\"foo\":[{\"age\":20},{\"age\":25},{\"age\":30}]}",
     "[{\"age\":20},{\"age\":25}]"},
    {"filters", "foo[\?age < `20`]",
     "{\"foo\":[{\"age\":20},{\"age\":25},{\"age\":30}]}", "[]"},
    {"filters", "foo[\?age == `20`]",
     "{\"foo\":[{\"age\":20},{\"age\":25},{\"age\":30}]}", "[{\"age\":20}]"},
    {"filters", "foo[\?age != `20`]",
     "{\"foo\":[{\"age\":20},{\"age\":25},{\"age\":30}]}",
     "[{\"age\":25},{\"age\":30}]"},
    {"filters", "foo[\?weight > `44.4`]",
     "{\"foo\":[{\"weight\":33.3},{\"weight\":44.4},{\"weight\":55.5}]}",
     "[{\"weight\":55.5}]"},
    {"filters", "foo[\?weight >= `44.4`]",
     "{\"foo\":[{\"weight\":33.3},{\"weight\":44.4},{\"weight\":55.5}]}",
     "[{\"weight\":44.4},{\"weight\":55.5}]"},
    {"filters", "foo[\?weight > `55.5`]",
     "{\"foo\":[{\"weight\":33.3},{\"weight\":44.4},{\"weight\":55.5}]}", "[]"},
    {"filters", "foo[\?weight < `44.4`]",
     "{\"foo\":[{\"weight\":33.3},{\"weight\":44.4},{\"weight\":55.5}]}",
     "[{\"weight\":33.3}]"},
    {"filters", "foo[\?weight <= `44.4`]",
     "{\"foo\":[{\"weight\":33.3},{\"weight\":44.4},{\"weight\":55.5}]}",
     "[{\"weight\":33.3},{\"weight\":44.4}]"},
    {"filters", "foo[\?weight < `33.3`]",
     "{\"foo\":[{\"weight\":33.3},{\"weight\":44.4},{\"weight\":55.5}]}", "[]"},
    {"filters", "foo[\?weight == `33.3`]",
     "{\"foo\":[{\"weight\":33.3},{\"weight\":44.4},{\"weight\":55.5}]}",
     "[{\"weight\":33.3}]"},
    {"filters", "foo[\?weight != `33.3`]",
     "{\"foo\":[{\"weight\":33.3},{\"weight\":44.4},{\"weight\":55.5}]}",
     "[{\"weight\":44.4},{\"weight\":55.5}]"},
    {"filters", "foo[\?top.name == 'a']",
     "{\"foo\":[{\"top\":{\"name\":\"a\"}},{\"top\":{\"name\":\"b\"}}]}",
     "[{\"top\":{\"name\":\"a\"}}]"},
    {"filters", "foo[\?top.first == top.last]",
     "{\"foo\":[{\"top\":{\"first\":\"foo\",\"last\":\"bar\"}},{\"top\":{"
     "\"first\":\"foo\",\"last\":\"foo\"}},{\"top\":{\"first\":\"foo\","
     "\"last\":\"baz\"}}]}",
     "[{\"top\":{\"first\":\"foo\",\"last\":\"foo\"}}]"},
    {"filters", "foo[\?top == `{\"first\": \"foo\", \"last\": \"bar\"}`]",
     "{\"foo\":[{\"top\":{\"first\":\"foo\",\"last\":\"bar\"}},{\"top\":{"
     "\"first\":\"foo\",\"last\":\"foo\"}},{\"top\":{\"first\":\"foo\","
     "\"last\":\"baz\"}}]}",
     "[{\"top\":{\"first\":\"foo\",\"last\":\"bar\"}}]"},
    {"filters", "foo[\?key == `true`]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":true}]"},
    {"filters", "foo[\?key == `false`]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":false}]"},
    {"filters", "foo[\?key == `0`]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":0}]"},
    {"filters", "foo[\?key == `1`]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":1}]"},
    {"filters", "foo[\?key == `[0]`]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":[0]}]"},
    {"filters", "foo[\?key == `{\"bar\": [0]}`]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":{\"bar\":[0]}}]"},
    {"filters", "foo[\?key == `null`]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":null}]"},
    {"filters", "foo[\?key == `[1]`]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":[1]}]"},
    {"filters", "foo[\?key == `{\"a\":2}`]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":{\"a\":2}}]"},
    {"filters", "foo[\?`true` == key]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":true}]"},
    {"filters", "foo[\?`false` == key]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":false}]"},
    {"filters", "foo[\?`0` == key]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":0}]"},
    {"filters", "foo[\?`1` == key]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":1}]"},
    {"filters", "foo[\?`[0]` == key]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":[0]}]"},
    {"filters", "foo[\?`{\"bar\": [0]}` == key]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":{\"bar\":[0]}}]"},
    {"filters", "foo[\?`null` == key]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":null}]"},
    {"filters", "foo[\?`[1]` == key]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":[1]}]"},
    {"filters", "foo[\?`{\"a\":2}` == key]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":{\"a\":2}}]"},
    {"filters", "foo[\?key != `true`]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":false},{\"key\":0},{\"key\":1},{\"key\":[0]},{\"key\":{\"bar\":"
     "[0]}},{\"key\":null},{\"key\":[1]},{\"key\":{\"a\":2}}]"},
    {"filters", "foo[\?key != `false`]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":true},{\"key\":0},{\"key\":1},{\"key\":[0]},{\"key\":{\"bar\":["
     "0]}},{\"key\":null},{\"key\":[1]},{\"key\":{\"a\":2}}]"},
    {"filters", "foo[\?key != `0`]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":true},{\"key\":false},{\"key\":1},{\"key\":[0]},{\"key\":{"
     "\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{\"key\":{\"a\":2}}]"},
    {"filters", "foo[\?key != `1`]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":[0]},{\"key\":{"
     "\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{\"key\":{\"a\":2}}]"},
    {"filters", "foo[\?key != `null`]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{\"key\":[0]},{"
     "\"key\":{\"bar\":[0]}},{\"key\":[1]},{\"key\":{\"a\":2}}]"},
    {"filters", "foo[\?key != `[1]`]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{\"key\":[0]},{"
     "\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":{\"a\":2}}]"},
    {"filters", "foo[\?key != `{\"a\":2}`]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{\"key\":[0]},{"
     "\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]}]"},
    {"filters", "foo[\?`true` != key]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":false},{\"key\":0},{\"key\":1},{\"key\":[0]},{\"key\":{\"bar\":"
     "[0]}},{\"key\":null},{\"key\":[1]},{\"key\":{\"a\":2}}]"},
    {"filters", "foo[\?`false` != key]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":true},{\"key\":0},{\"key\":1},{\"key\":[0]},{\"key\":{\"bar\":["
     "0]}},{\"key\":null},{\"key\":[1]},{\"key\":{\"a\":2}}]"},
    {"filters", "foo[\?`0` != key]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":true},{\"key\":false},{\"key\":1},{\"key\":[0]},{\"key\":{"
     "\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{\"key\":{\"a\":2}}]"},
    {"filters", "foo[\?`1` != key]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":[0]},{\"key\":{"
     "\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{\"key\":{\"a\":2}}]"},
    {"filters", "foo[\?`null` != key]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{\"key\":[0]},{"
     "\"key\":{\"bar\":[0]}},{\"key\":[1]},{\"key\":{\"a\":2}}]"},
    {"filters", "foo[\?`[1]` != key]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{\"key\":[0]},{"
     "\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":{\"a\":2}}]"},
    {"filters", "foo[\?`{\"a\":2}` != key]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{"
     "\"key\":[0]},{\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]},{"
     "\"key\":{\"a\":2}}]}",
     "[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":1},{\"key\":[0]},{"
     "\"key\":{\"bar\":[0]}},{\"key\":null},{\"key\":[1]}]"},
    {"filters", "foo[\?key == `true`]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":0.0},{"
     "\"key\":1},{\"key\":1.0},{\"key\":[0]},{\"key\":null},{\"key\":[1]},{"
     "\"key\":[]},{\"key\":{}},{\"key\":{\"a\":2}}]}",
     "[{\"key\":true}]"},
    {"filters", "foo[\?key == `false`]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":0.0},{"
     "\"key\":1},{\"key\":1.0},{\"key\":[0]},{\"key\":null},{\"key\":[1]},{"
     "\"key\":[]},{\"key\":{}},{\"key\":{\"a\":2}}]}",
     "[{\"key\":false}]"},
    {"filters", "foo[\?key]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":0.0},{"
     "\"key\":1},{\"key\":1.0},{\"key\":[0]},{\"key\":null},{\"key\":[1]},{"
     "\"key\":[]},{\"key\":{}},{\"key\":{\"a\":2}}]}",
     "[{\"key\":true},{\"key\":0},{\"key\":0.0},{\"key\":1},{\"key\":1.0},{"
     "\"key\":[0]},{\"key\":[1]},{\"key\":{\"a\":2}}]"},
    {"filters", "foo[\? !key]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":0.0},{"
     "\"key\":1},{\"key\":1.0},{\"key\":[0]},{\"key\":null},{\"key\":[1]},{"
     "\"key\":[]},{\"key\":{}},{\"key\":{\"a\":2}}]}",
     "[{\"key\":false},{\"key\":null},{\"key\":[]},{\"key\":{}}]"},
    {"filters", "foo[\? !!key]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":0.0},{"
     "\"key\":1},{\"key\":1.0},{\"key\":[0]},{\"key\":null},{\"key\":[1]},{"
     "\"key\":[]},{\"key\":{}},{\"key\":{\"a\":2}}]}",
     "[{\"key\":true},{\"key\":0},{\"key\":0.0},{\"key\":1},{\"key\":1.0},{"
     "\"key\":[0]},{\"key\":[1]},{\"key\":{\"a\":2}}]"},
    {"filters", "foo[\? `true`]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":0.0},{"
     "\"key\":1},{\"key\":1.0},{\"key\":[0]},{\"key\":null},{\"key\":[1]},{"
     "\"key\":[]},{\"key\":{}},{\"key\":{\"a\":2}}]}",
     "[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":0.0},{\"key\":1},{"
     "\"key\":1.0},{\"key\":[0]},{\"key\":null},{\"key\":[1]},{\"key\":[]},{"
     "\"key\":{}},{\"key\":{\"a\":2}}]"},
    {"filters", "foo[\? `false`]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":0},{\"key\":0.0},{"
     "\"key\":1},{\"key\":1.0},{\"key\":[0]},{\"key\":null},{\"key\":[1]},{"
     "\"key\":[]},{\"key\":{}},{\"key\":{\"a\":2}}]}",
     "[]"},
    {"filters", "reservations[].instances[\?bar==`1`]",
     "{\"reservations\":[{\"instances\":[{\"foo\":1,\"bar\":2},{\"foo\":1,"
     "\"bar\":3},{\"foo\":1,\"bar\":2},{\"foo\":2,\"bar\":1}]}]}",
     "[[{\"foo\":2,\"bar\":1}]]"},
    {"filters", "reservations[*].instances[\?bar==`1`]",
     "{\"reservations\":[{\"instances\":[{\"foo\":1,\"bar\":2},{\"foo\":1,"
     "\"bar\":3},{\"foo\":1,\"bar\":2},{\"foo\":2,\"bar\":1}]}]}",
     "[[{\"foo\":2,\"bar\":1}]]"},
    {"filters", "reservations[].instances[\?bar==`1`][]",
     "{\"reservations\":[{\"instances\":[{\"foo\":1,\"bar\":2},{\"foo\":1,"
     "\"bar\":3},{\"foo\":1,\"bar\":2},{\"foo\":2,\"bar\":1}]}]}",
     "[{\"foo\":2,\"bar\":1}]"},
    {"filters", "foo[\?bar==`1`].bar[0]",
     "{\"baz\":\"other\",\"foo\":[{\"bar\":1},{\"bar\":2},{\"bar\":3},{\"bar\":"
     "4},{\"bar\":1,\"baz\":2}]}",
     "[]"},
    {"filters", "foo[\?a==`1`].b.c",
     "{\"foo\":[{\"a\":1,\"b\":{\"c\":\"x\"}},{\"a\":1,\"b\":{\"c\":\"y\"}},{"
     "\"a\":1,\"b\":{\"c\":\"z\"}},{\"a\":2,\"b\":{\"c\":\"z\"}},{\"a\":1,"
     "\"baz\":2}]}",
     "[\"x\",\"y\",\"z\"]"},
    {"filters", "foo[\?name == 'a' || name == 'b']",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}]}",
     "[{\"name\":\"a\"},{\"name\":\"b\"}]"},
    {"filters", "foo[\?name == 'a' || name == 'e']",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}]}",
     "[{\"name\":\"a\"}]"},
    {"filters", "foo[\?name == 'a' || name == 'b' || name == 'c']",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}]}",
     "[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}]"},
    {"filters", "foo[\?a == `1` && b == `2`]",
     "{\"foo\":[{\"a\":1,\"b\":2},{\"a\":1,\"b\":3}]}", "[{\"a\":1,\"b\":2}]"},
    {"filters", "foo[\?a == `1` && b == `4`]",
     "{\"foo\":[{\"a\":1,\"b\":2},{\"a\":1,\"b\":3}]}", "[]"},
    {"filters", "foo[\?c == `3` || a == `1` && b == `4`]",
     "{\"foo\":[{\"a\":1,\"b\":2,\"c\":3},{\"a\":3,\"b\":4}]}",
     "[{\"a\":1,\"b\":2,\"c\":3}]"},
    {"filters", "foo[\?b == `2` || a == `3` && b == `4`]",
     "{\"foo\":[{\"a\":1,\"b\":2,\"c\":3},{\"a\":3,\"b\":4}]}",
     "[{\"a\":1,\"b\":2,\"c\":3},{\"a\":3,\"b\":4}]"},
    {"filters", "foo[\?a == `3` && b == `4` || b == `2`]",
     "{\"foo\":[{\"a\":1,\"b\":2,\"c\":3},{\"a\":3,\"b\":4}]}",
     "[{\"a\":1,\"b\":2,\"c\":3},{\"a\":3,\"b\":4}]"},
    {"filters", "foo[\?(a == `3` && b == `4`) || b == `2`]",
     "{\"foo\":[{\"a\":1,\"b\":2,\"c\":3},{\"a\":3,\"b\":4}]}",
     "[{\"a\":1,\"b\":2,\"c\":3},{\"a\":3,\"b\":4}]"},
    {"filters", "foo[\?((a == `3` && b == `4`)) || b == `2`]",
     "{\"foo\":[{\"a\":1,\"b\":2,\"c\":3},{\"a\":3,\"b\":4}]}",
     "[{\"a\":1,\"b\":2,\"c\":3},{\"a\":3,\"b\":4}]"},
    {"filters", "foo[\?a == `3` && (b == `4` || b == `2`)]",
     "{\"foo\":[{\"a\":1,\"b\":2,\"c\":3},{\"a\":3,\"b\":4}]}",
     "[{\"a\":3,\"b\":4}]"},
    {"filters", "foo[\?a == `3` && ((b == `4` || b == `2`))]",
     "{\"foo\":[{\"a\":1,\"b\":2,\"c\":3},{\"a\":3,\"b\":4}]}",
     "[{\"a\":3,\"b\":4}]"},
    {"filters", "foo[\?a == `1` || b ==`2` && c == `5`]",
     "{\"foo\":[{\"a\":1,\"b\":2,\"c\":3},{\"a\":3,\"b\":4}]}",
     "[{\"a\":1,\"b\":2,\"c\":3}]"},
    {"filters", "foo[\?(a == `1` || b ==`2`) && c == `5`]",
     "{\"foo\":[{\"a\":1,\"b\":2,\"c\":3},{\"a\":3,\"b\":4}]}", "[]"},
    {"filters", "foo[\?!(a == `1` || b ==`2`)]",
     "{\"foo\":[{\"a\":1,\"b\":2,\"c\":3},{\"a\":3,\"b\":4}]}",
     "[{\"a\":3,\"b\":4}]"},
    {"filters", "foo[\?key]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":[]},{\"key\":{}},{"
     "\"key\":[0]},{\"key\":{\"a\":\"b\"}},{\"key\":0},{\"key\":1},{\"key\":"
     "null},{\"notkey\":true}]}",
     "[{\"key\":true},{\"key\":[0]},{\"key\":{\"a\":\"b\"}},{\"key\":0},{"
     "\"key\":1}]"},
    {"filters", "foo[\?!key]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":[]},{\"key\":{}},{"
     "\"key\":[0]},{\"key\":{\"a\":\"b\"}},{\"key\":0},{\"key\":1},{\"key\":"
     "null},{\"notkey\":true}]}",
     "[{\"key\":false},{\"key\":[]},{\"key\":{}},{\"key\":null},{\"notkey\":"
     "true}]"},
    {"filters", "foo[\?key == `null`]",
     "{\"foo\":[{\"key\":true},{\"key\":false},{\"key\":[]},{\"key\":{}},{"
     "\"key\":[0]},{\"key\":{\"a\":\"b\"}},{\"key\":0},{\"key\":1},{\"key\":"
     "null},{\"notkey\":true}]}",
     "[{\"key\":null},{\"notkey\":true}]"},
    {"filters", "foo[\?@ < `5`]", "{\"foo\":[0,1,2,3,4,5,6,7,8,9]}",
     "[0,1,2,3,4]"},
    {"filters", "foo[\?`5` > @]", "{\"foo\":[0,1,2,3,4,5,6,7,8,9]}",
     "[0,1,2,3,4]"},
    {"filters", "foo[\?@ == @]", "{\"foo\":[0,1,2,3,4,5,6,7,8,9]}",
     "[0,1,2,3,4,5,6,7,8,9]"},
    {"functions", "abs(foo)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "1"},
    {"functions", "abs(array[1])",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "3"},
    {"functions", "abs(`false`)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     NULL},
    {"functions", "abs(`-24`)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "24"},
    {"functions", "abs()",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     NULL},
    {"functions", "avg(numbers)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "2.75"},
    {"functions", "avg('abc')",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     NULL},
    {"functions", "avg(@)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     NULL},
    {"functions", "avg(empty_list)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "null"},
    {"functions", "ceil(decimals[0])",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "2"},
    {"functions", "ceil(decimals[2])",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "-1"},
    {"functions", "contains('abc', 'a')",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "true"},
    {"functions", "contains(`false`, 'd')",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     NULL},
    {"functions", "contains(decimals, `1.2`)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "true"},
    {"functions", "ends_with(str, 'r')",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "true"},
    {"functions", "ends_with(str, 'Str')",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "true"},
    {"functions", "ends_with(str, 'foo')",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "false"},
    {"functions", "floor(`1.2`)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "1"},
    {"functions", "floor(decimals[0])",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "1"},
    {"functions", "floor(str)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     NULL},
    {"functions", "length('\342\234\223foo')",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "4"},
    {"functions", "length(@)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "12"},
    {"functions", "length(str)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "3"},
    {"functions", "length(objects)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "2"},
    {"functions", "length(foo)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     NULL},
    {"functions", "max(numbers)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "5"},
    {"functions", "max(strings)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "\"c\""},
    {"functions", "max(array)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     NULL},
    {"functions", "max(empty_list)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "null"},
    {"functions", "merge(`{}`, `{}`)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "{}"},
    {"functions", "merge(`{\"a\": 1}`, `{\"a\": 2}`)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "{\"a\":2}"},
    {"functions", "min(numbers)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "-1"},
    {"functions", "min(abc)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     NULL},
    {"functions", "min(empty_list)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "null"},
    {"functions", "min(strings)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "\"a\""},
    {"functions", "type(`1.0`)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "\"number\""},
    {"functions", "type(`true`)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "\"boolean\""},
    {"functions", "type(`null`)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "\"null\""},
    {"functions", "type(`{\"a\": \"b\"}`)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "\"object\""},
    {"functions", "sort(keys(objects))",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "[\"bar\",\"foo\"]"},
    {"functions", "keys(strings)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     NULL},
    {"functions", "sort(values(objects))",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "[\"bar\",\"baz\"]"},
    {"functions", "values(foo)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     NULL},
    {"functions", "join(', ', strings)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "\"a, b, c\""},
    {"functions", "join(',', `[\"a\", 0]`)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     NULL},
    {"functions", "join('|', strings)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "\"a|b|c\""},
    {"functions", "join('|', decimals)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     NULL},
    {"functions", "join('|', empty_list)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "\"\""},
    {"functions", "reverse(array)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "[\"100\",\"a\",5,4,3,-1]"},
    {"functions", "reverse('')",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "\"\""},
    {"functions", "starts_with(str, 'S')",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "true"},
    {"functions", "starts_with(str, 'Str')",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "true"},
    {"functions", "starts_with(str, `0`)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     NULL},
    {"functions", "sum(decimals)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "0.71"},
    {"functions", "sum(array[].to_number(@))",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "111"},
    {"functions", "to_array('foo')",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "[\"foo\"]"},
    {"functions", "to_array(objects)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "[{\"foo\":\"bar\",\"bar\":\"baz\"}]"},
    {"functions", "to_array(false)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "[false]"},
    {"functions", "to_string(`1.2`)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "\"1.2\""},
    {"functions", "to_number('1.0')",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "1.0"},
    {"functions", "to_number('1.1')",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "1.1"},
    {"functions", "to_number('notanumber')",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "null"},
    {"functions", "to_number(`null`)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "null"},
    {"functions", "to_number(`{\"foo\": 0}`)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "null"},
    {"functions", "sort(numbers)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "[-1,3,4,5]"},
    {"functions", "sort(decimals)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "[-1.5,1.01,1.2]"},
    {"functions", "sort(abc)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     NULL},
    {"functions", "sort(@)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     NULL},
    {"functions", "not_null(unknown_key, foo.bar, empty_list, str)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "[]"},
    {"functions", "not_null(all, expressions, are_null)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "null"},
    {"functions", "numbers[].to_string(@)",
     "{\"foo\":-1,\"zero\":0,\"numbers\":[-1,3,4,5],\"array\":[-1,3,4,5,\"a\","
     "\"100\"],\"strings\":[\"a\",\"b\",\"c\"],\"decimals\":[1.01,1.2,-1.5],"
     "\"str\":\"Str\",\"false\":false,\"empty_list\":[],\"empty_hash\":{},"
     "\"objects\":{\"foo\":\"bar\",\"bar\":\"baz\"},\"null_key\":null}",
     "[\"-1\",\"3\",\"4\",\"5\"]"},
    {"functions", "foo[].not_null(f, e, d, c, b, a)",
     "{\"foo\":[{\"b\":\"b\",\"a\":\"a\"},{\"c\":\"c\",\"b\":\"b\"},{\"d\":"
     "\"d\",\"c\":\"c\"},{\"e\":\"e\",\"d\":\"d\"},{\"f\":\"f\",\"e\":\"e\"}]}",
     "[\"b\",\"c\",\"d\",\"e\",\"f\"]"},
    {"functions", "sort_by(people, &age_str)",
     "{\"people\":[{\"age\":20,\"age_str\":\"20\",\"bool\":true,\"name\":\"a\","
     "\"extra\":\"foo\"},{\"age\":40,\"age_str\":\"40\",\"bool\":false,"
     "\"name\":\"b\",\"extra\":\"bar\"},{\"age\":30,\"age_str\":\"30\","
     "\"bool\":true,\"name\":\"c\"},{\"age\":50,\"age_str\":\"50\",\"bool\":"
     "false,\"name\":\"d\"},{\"age\":10,\"age_str\":\"10\",\"bool\":true,"
     "\"name\":3}]}",
     "[{\"age\":10,\"age_str\":\"10\",\"bool\":true,\"name\":3},{\"age\":20,"
     "\"age_str\":\"20\",\"bool\":true,\"name\":\"a\",\"extra\":\"foo\"},{"
     "\"age\":30,\"age_str\":\"30\",\"bool\":true,\"name\":\"c\"},{\"age\":40,"
     "\"age_str\":\"40\",\"bool\":false,\"name\":\"b\",\"extra\":\"bar\"},{"
     "\"age\":50,\"age_str\":\"50\",\"bool\":false,\"name\":\"d\"}]"},
    {"functions", "sort_by(people, &age)[].name",
     "{\"people\":[{\"age\":20,\"age_str\":\"20\",\"bool\":true,\"name\":\"a\","
     "\"extra\":\"foo\"},{\"age\":40,\"age_str\":\"40\",\"bool\":false,"
     "\"name\":\"b\",\"extra\":\"bar\"},{\"age\":30,\"age_str\":\"30\","
     "\"bool\":true,\"name\":\"c\"},{\"age\":50,\"age_str\":\"50\",\"bool\":"
     "false,\"name\":\"d\"},{\"age\":10,\"age_str\":\"10\",\"bool\":true,"
     "\"name\":3}]}",
     "[3,\"a\",\"c\",\"b\",\"d\"]"},
    {"functions", "sort_by(people, &bool)",
     "{\"people\":[{\"age\":20,\"age_str\":\"20\",\"bool\":true,\"name\":\"a\","
     "\"extra\":\"foo\"},{\"age\":40,\"age_str\":\"40\",\"bool\":false,"
     "\"name\":\"b\",\"extra\":\"bar\"},{\"age\":30,\"age_str\":\"30\","
     "\"bool\":true,\"name\":\"c\"},{\"age\":50,\"age_str\":\"50\",\"bool\":"
     "false,\"name\":\"d\"},{\"age\":10,\"age_str\":\"10\",\"bool\":true,"
     "\"name\":3}]}",
     NULL},
    {"functions", "sort_by(people, name)",
     "{\"people\":[{\"age\":20,\"age_str\":\"20\",\"bool\":true,\"name\":\"a\","
     "\"extra\":\"foo\"},{\"age\":40,\"age_str\":\"40\",\"bool\":false,"
     "\"name\":\"b\",\"extra\":\"bar\"},{\"age\":30,\"age_str\":\"30\","
     "\"bool\":true,\"name\":\"c\"},{\"age\":50,\"age_str\":\"50\",\"bool\":"
     "false,\"name\":\"d\"},{\"age\":10,\"age_str\":\"10\",\"bool\":true,"
     "\"name\":3}]}",
     NULL},
    {"functions", "sort_by(`[]`, &age)",
     "{\"people\":[{\"age\":20,\"age_str\":\"20\",\"bool\":true,\"name\":\"a\","
     "\"extra\":\"foo\"},{\"age\":40,\"age_str\":\"40\",\"bool\":false,"
     "\"name\":\"b\",\"extra\":\"bar\"},{\"age\":30,\"age_str\":\"30\","
     "\"bool\":true,\"name\":\"c\"},{\"age\":50,\"age_str\":\"50\",\"bool\":"
     "false,\"name\":\"d\"},{\"age\":10,\"age_str\":\"10\",\"bool\":true,"
     "\"name\":3}]}",
     "[]"},
    {"functions", "max_by(people, &age_str)",
     "{\"people\":[{\"age\":20,\"age_str\":\"20\",\"bool\":true,\"name\":\"a\","
     "\"extra\":\"foo\"},{\"age\":40,\"age_str\":\"40\",\"bool\":false,"
     "\"name\":\"b\",\"extra\":\"bar\"},{\"age\":30,\"age_str\":\"30\","
     "\"bool\":true,\"name\":\"c\"},{\"age\":50,\"age_str\":\"50\",\"bool\":"
     "false,\"name\":\"d\"},{\"age\":10,\"age_str\":\"10\",\"bool\":true,"
     "\"name\":3}]}",
     "{\"age\":50,\"age_str\":\"50\",\"bool\":false,\"name\":\"d\"}"},
    {"functions", "max_by(people, &extra)",
     "{\"people\":[{\"age\":20,\"age_str\":\"20\",\"bool\":true,\"name\":\"a\","
     "\"extra\":\"foo\"},{\"age\":40,\"age_str\":\"40\",\"bool\":false,"
     "\"name\":\"b\",\"extra\":\"bar\"},{\"age\":30,\"age_str\":\"30\","
     "\"bool\":true,\"name\":\"c\"},{\"age\":50,\"age_str\":\"50\",\"bool\":"
     "false,\"name\":\"d\"},{\"age\":10,\"age_str\":\"10\",\"bool\":true,"
     "\"name\":3}]}",
     NULL},
    {"functions", "max_by(`[]`, &age)",
     "{\"people\":[{\"age\":20,\"age_str\":\"20\",\"bool\":true,\"name\":\"a\","
     "\"extra\":\"foo\"},{\"age\":40,\"age_str\":\"40\",\"bool\":false,"
     "\"name\":\"b\",\"extra\":\"bar\"},{\"age\":30,\"age_str\":\"30\","
     "\"bool\":true,\"name\":\"c\"},{\"age\":50,\"age_str\":\"50\",\"bool\":"
     "false,\"name\":\"d\"},{\"age\":10,\"age_str\":\"10\",\"bool\":true,"
     "\"name\":3}]}",
     "null"},
    {"functions", "min_by(people, &age_str)",
     "{\"people\":[{\"age\":20,\"age_str\":\"20\",\"bool\":true,\"name\":\"a\","
     "\"extra\":\"foo\"},{\"age\":40,\"age_str\":\"40\",\"bool\":false,"
     "\"name\":\"b\",\"extra\":\"bar\"},{\"age\":30,\"age_str\":\"30\","
     "\"bool\":true,\"name\":\"c\"},{\"age\":50,\"age_str\":\"50\",\"bool\":"
     "false,\"name\":\"d\"},{\"age\":10,\"age_str\":\"10\",\"bool\":true,"
     "\"name\":3}]}",
     "{\"age\":10,\"age_str\":\"10\",\"bool\":true,\"name\":3}"},
    {"functions", "min_by(people, &extra)",
     "{\"people\":[{\"age\":20,\"age_str\":\"20\",\"bool\":true,\"name\":\"a\","
     "\"extra\":\"foo\"},{\"age\":40,\"age_str\":\"40\",\"bool\":false,"
     "\"name\":\"b\",\"extra\":\"bar\"},{\"age\":30,\"age_str\":\"30\","
     "\"bool\":true,\"name\":\"c\"},{\"age\":50,\"age_str\":\"50\",\"bool\":"
     "false,\"name\":\"d\"},{\"age\":10,\"age_str\":\"10\",\"bool\":true,"
     "\"name\":3}]}",
     NULL},
    {"functions", "min_by(`[]`, &age)",
     "{\"people\":[{\"age\":20,\"age_str\":\"20\",\"bool\":true,\"name\":\"a\","
     "\"extra\":\"foo\"},{\"age\":40,\"age_str\":\"40\",\"bool\":false,"
     "\"name\":\"b\",\"extra\":\"bar\"},{\"age\":30,\"age_str\":\"30\","
     "\"bool\":true,\"name\":\"c\"},{\"age\":50,\"age_str\":\"50\",\"bool\":"
     "false,\"name\":\"d\"},{\"age\":10,\"age_str\":\"10\",\"bool\":true,"
     "\"name\":3}]}",
     "null"},
    {"functions", "map(&a, people)",
     "{\"people\":[{\"a\":10,\"b\":1,\"c\":\"z\"},{\"a\":10,\"b\":2,\"c\":null}"
     ",{\"a\":10,\"b\":3},{\"a\":10,\"b\":4,\"c\":\"z\"},{\"a\":10,\"b\":5,"
     "\"c\":null},{\"a\":10,\"b\":6},{\"a\":10,\"b\":7,\"c\":\"z\"},{\"a\":10,"
     "\"b\":8,\"c\":null},{\"a\":10,\"b\":9}],\"empty\":[]}",
     "[10,10,10,10,10,10,10,10,10]"},
    {"functions", "map(&a, badkey)",
     "{\"people\":[{\"a\":10,\"b\":1,\"c\":\"z\"},{\"a\":10,\"b\":2,\"c\":null}"
     ",{\"a\":10,\"b\":3},{\"a\":10,\"b\":4,\"c\":\"z\"},{\"a\":10,\"b\":5,"
     "\"c\":null},{\"a\":10,\"b\":6},{\"a\":10,\"b\":7,\"c\":\"z\"},{\"a\":10,"
     "\"b\":8,\"c\":null},{\"a\":10,\"b\":9}],\"empty\":[]}",
     NULL},
    {"functions", "map(&foo.bar, array)",
     "{\"array\":[{\"foo\":{\"bar\":\"yes1\"}},{\"foo\":{\"bar\":\"yes2\"}},{"
     "\"foo1\":{\"bar\":\"no\"}}]}",
     "[\"yes1\",\"yes2\",null]"},
    {"functions", "map(&foo.bar.baz, array)",
     "{\"array\":[{\"foo\":{\"bar\":\"yes1\"}},{\"foo\":{\"bar\":\"yes2\"}},{"
     "\"foo1\":{\"bar\":\"no\"}}]}",
     "[null,null,null]"},
    {"identifiers", "v2", "{\"v2\":true}", "true"},
    {"identifiers", "\"!\"", "{\"!\":true}", "true"},
    {"identifiers", "\"\\ubBcE\\ufAfB\"", "{\"\353\257\216\357\253\273\":true}",
     "true"},
    {"identifiers", "RR9_", "{\"RR9_\":true}", "true"},
    {"identifiers", "_r_8", "{\"_r_8\":true}", "true"},
    {"identifiers", "\"\\r\"", "{\"\\r\":true}", "true"},
    {"identifiers", "\"\\\"\"", "{\"\\\"\":true}", "true"},
    {"identifiers", "\"\\uEEbF\"", "{\"\356\272\277\":true}", "true"},
    {"identifiers", "\"\\t&\\\\\\r\"", "{\"\\t&\\\\\\r\":true}", "true"},
    {"identifiers", "\"\363\207\237\207\\\\ueFAc\"",
     "{\"\363\207\237\207\\\\ueFAc\":true}", "true"},
    {"identifiers", "Z_5", "{\"Z_5\":true}", "true"},
    {"identifiers", "\"\\tK\\t\"", "{\"\\tK\\t\":true}", "true"},
    {"identifiers", "_F", "{\"_F\":true}", "true"},
    {"identifiers", "\"6\"", "{\"6\":true}", "true"},
    {"identifiers", "sU", "{\"sU\":true}", "true"},
    {"indices", "foo.bar[0]", "{\"foo\":{\"bar\":[\"zero\",\"one\",\"two\"]}}",
     "\"zero\""},
    {"indices", "foo.bar[1]", "{\"foo\":{\"bar\":[\"zero\",\"one\",\"two\"]}}",
     "\"one\""},
    {"indices", "foo.bar[2]", "{\"foo\":{\"bar\":[\"zero\",\"one\",\"two\"]}}",
     "\"two\""},
    {"indices", "foo.bar[3]", "{\"foo\":{\"bar\":[\"zero\",\"one\",\"two\"]}}",
     "null"},
    {"indices", "foo.bar[-1]", "{\"foo\":{\"bar\":[\"zero\",\"one\",\"two\"]}}",
     "\"two\""},
    {"indices", "foo.bar[-2]", "{\"foo\":{\"bar\":[\"zero\",\"one\",\"two\"]}}",
     "\"one\""},
    {"indices", "foo.bar[-3]", "{\"foo\":{\"bar\":[\"zero\",\"one\",\"two\"]}}",
     "\"zero\""},
    {"indices", "foo.bar[-4]", "{\"foo\":{\"bar\":[\"zero\",\"one\",\"two\"]}}",
     "null"},
    {"indices", "foo.bar",
     "{\"foo\":[{\"bar\":\"one\"},{\"bar\":\"two\"},{\"bar\":\"three\"},{"
     "\"notbar\":\"four\"}]}",
     "null"},
    {"indices", "foo[0].bar",
     "{\"foo\":[{\"bar\":\"one\"},{\"bar\":\"two\"},{\"bar\":\"three\"},{"
     "\"notbar\":\"four\"}]}",
     "\"one\""},
    {"indices", "foo[1].bar",
     "{\"foo\":[{\"bar\":\"one\"},{\"bar\":\"two\"},{\"bar\":\"three\"},{"
     "\"notbar\":\"four\"}]}",
     "\"two\""},
    {"indices", "foo[2].bar",
     "{\"foo\":[{\"bar\":\"one\"},{\"bar\":\"two\"},{\"bar\":\"three\"},{"
     "\"notbar\":\"four\"}]}",
     "\"three\""},
    {"indices", "foo[3].notbar",
     "{\"foo\":[{\"bar\":\"one\"},{\"bar\":\"two\"},{\"bar\":\"three\"},{"
     "\"notbar\":\"four\"}]}",
     "\"four\""},
    {"indices", "foo[3].bar",
     "{\"foo\":[{\"bar\":\"one\"},{\"bar\":\"two\"},{\"bar\":\"three\"},{"
     "\"notbar\":\"four\"}]}",
     "null"},
    {"indices", "foo[0]",
     "{\"foo\":[{\"bar\":\"one\"},{\"bar\":\"two\"},{\"bar\":\"three\"},{"
     "\"notbar\":\"four\"}]}",
     "{\"bar\":\"one\"}"},
    {"indices", "foo[1]",
     "{\"foo\":[{\"bar\":\"one\"},{\"bar\":\"two\"},{\"bar\":\"three\"},{"
     "\"notbar\":\"four\"}]}",
     "{\"bar\":\"two\"}"},
    {"indices", "foo[2]",
     "{\"foo\":[{\"bar\":\"one\"},{\"bar\":\"two\"},{\"bar\":\"three\"},{"
     "\"notbar\":\"four\"}]}",
     "{\"bar\":\"three\"}"},
    {"indices", "foo[3]",
     "{\"foo\":[{\"bar\":\"one\"},{\"bar\":\"two\"},{\"bar\":\"three\"},{"
     "\"notbar\":\"four\"}]}",
     "{\"notbar\":\"four\"}"},
    {"indices", "foo[4]",
     "{\"foo\":[{\"bar\":\"one\"},{\"bar\":\"two\"},{\"bar\":\"three\"},{"
     "\"notbar\":\"four\"}]}",
     "null"},
    {"indices", "[0]", "[\"one\",\"two\",\"three\"]", "\"one\""},
    {"indices", "[1]", "[\"one\",\"two\",\"three\"]", "\"two\""},
    {"indices", "[2]", "[\"one\",\"two\",\"three\"]", "\"three\""},
    {"indices", "[-1]", "[\"one\",\"two\",\"three\"]", "\"three\""},
    {"indices", "[-2]", "[\"one\",\"two\",\"three\"]", "\"two\""},
    {"indices", "[-3]", "[\"one\",\"two\",\"three\"]", "\"one\""},
    {"indices", "reservations[].instances[].foo",
     "{\"reservations\":[{\"instances\":[{\"foo\":1},{\"foo\":2}]}]}", "[1,2]"},
    {"indices", "reservations[].instances[].bar",
     "{\"reservations\":[{\"instances\":[{\"foo\":1},{\"foo\":2}]}]}", "[]"},
    {"indices", "reservations[].notinstances[].foo",
     "{\"reservations\":[{\"instances\":[{\"foo\":1},{\"foo\":2}]}]}", "[]"},
    {"indices", "reservations[].notinstances[].foo",
     "{\"reservations\":[{\"instances\":[{\"foo\":1},{\"foo\":2}]}]}", "[]"},
    {"indices", "foo[]",
     "{\"foo\":[[[\"one\",\"two\"],[\"three\",\"four\"]],[[\"five\",\"six\"],["
     "\"seven\",\"eight\"]],[[\"nine\"],[\"ten\"]]]}",
     "[[\"one\",\"two\"],[\"three\",\"four\"],[\"five\",\"six\"],[\"seven\","
     "\"eight\"],[\"nine\"],[\"ten\"]]"},
    {"indices", "foo[][0]",
     "{\"foo\":[[[\"one\",\"two\"],[\"three\",\"four\"]],[[\"five\",\"six\"],["
     "\"seven\",\"eight\"]],[[\"nine\"],[\"ten\"]]]}",
     "[\"one\",\"three\",\"five\",\"seven\",\"nine\",\"ten\"]"},
    {"indices", "foo[][1]",
     "{\"foo\":[[[\"one\",\"two\"],[\"three\",\"four\"]],[[\"five\",\"six\"],["
     "\"seven\",\"eight\"]],[[\"nine\"],[\"ten\"]]]}",
     "[\"two\",\"four\",\"six\",\"eight\"]"},
    {"indices", "foo[][0][0]",
     "{\"foo\":[[[\"one\",\"two\"],[\"three\",\"four\"]],[[\"five\",\"six\"],["
     "\"seven\",\"eight\"]],[[\"nine\"],[\"ten\"]]]}",
     "[]"},
    {"indices", "foo[][2][2]",
     "{\"foo\":[[[\"one\",\"two\"],[\"three\",\"four\"]],[[\"five\",\"six\"],["
     "\"seven\",\"eight\"]],[[\"nine\"],[\"ten\"]]]}",
     "[]"},
    {"indices", "foo[][0][0][100]",
     "{\"foo\":[[[\"one\",\"two\"],[\"three\",\"four\"]],[[\"five\",\"six\"],["
     "\"seven\",\"eight\"]],[[\"nine\"],[\"ten\"]]]}",
     "[]"},
    {"indices", "foo",
     "{\"foo\":[{\"bar\":[{\"qux\":2,\"baz\":1},{\"qux\":4,\"baz\":3}]},{"
     "\"bar\":[{\"qux\":6,\"baz\":5},{\"qux\":8,\"baz\":7}]}]}",
     "[{\"bar\":[{\"qux\":2,\"baz\":1},{\"qux\":4,\"baz\":3}]},{\"bar\":[{"
     "\"qux\":6,\"baz\":5},{\"qux\":8,\"baz\":7}]}]"},
    {"indices", "foo[]",
     "{\"foo\":[{\"bar\":[{\"qux\":2,\"baz\":1},{\"qux\":4,\"baz\":3}]},{"
     "\"bar\":[{\"qux\":6,\"baz\":5},{\"qux\":8,\"baz\":7}]}]}",
     "[{\"bar\":[{\"qux\":2,\"baz\":1},{\"qux\":4,\"baz\":3}]},{\"bar\":[{"
     "\"qux\":6,\"baz\":5},{\"qux\":8,\"baz\":7}]}]"},
    {"indices", "foo[].bar",
     "{\"foo\":[{\"bar\":[{\"qux\":2,\"baz\":1},{\"qux\":4,\"baz\":3}]},{"
     "\"bar\":[{\"qux\":6,\"baz\":5},{\"qux\":8,\"baz\":7}]}]}",
     "[[{\"qux\":2,\"baz\":1},{\"qux\":4,\"baz\":3}],[{\"qux\":6,\"baz\":5},{"
     "\"qux\":8,\"baz\":7}]]"},
    {"indices", "foo[].bar[]",
     "{\"foo\":[{\"bar\":[{\"qux\":2,\"baz\":1},{\"qux\":4,\"baz\":3}]},{"
     "\"bar\":[{\"qux\":6,\"baz\":5},{\"qux\":8,\"baz\":7}]}]}",
     "[{\"qux\":2,\"baz\":1},{\"qux\":4,\"baz\":3},{\"qux\":6,\"baz\":5},{"
     "\"qux\":8,\"baz\":7}]"},
    {"indices", "foo[].bar[].baz",
     "{\"foo\":[{\"bar\":[{\"qux\":2,\"baz\":1},{\"qux\":4,\"baz\":3}]},{"
     "\"bar\":[{\"qux\":6,\"baz\":5},{\"qux\":8,\"baz\":7}]}]}",
     "[1,3,5,7]"},
    {"indices", "string[]",
     "{\"string\":\"string\",\"hash\":{\"foo\":\"bar\",\"bar\":\"baz\"},"
     "\"number\":23,\"nullvalue\":null}",
     "null"},
    {"indices", "hash[]",
     "{\"string\":\"string\",\"hash\":{\"foo\":\"bar\",\"bar\":\"baz\"},"
     "\"number\":23,\"nullvalue\":null}",
     "null"},
    {"indices", "number[]",
     "{\"string\":\"string\",\"hash\":{\"foo\":\"bar\",\"bar\":\"baz\"},"
     "\"number\":23,\"nullvalue\":null}",
     "null"},
    {"indices", "nullvalue[]",
     "{\"string\":\"string\",\"hash\":{\"foo\":\"bar\",\"bar\":\"baz\"},"
     "\"number\":23,\"nullvalue\":null}",
     "null"},
    {"indices", "string[].foo",
     "{\"string\":\"string\",\"hash\":{\"foo\":\"bar\",\"bar\":\"baz\"},"
     "\"number\":23,\"nullvalue\":null}",
     "null"},
    {"indices", "hash[].foo",
     "{\"string\":\"string\",\"hash\":{\"foo\":\"bar\",\"bar\":\"baz\"},"
     "\"number\":23,\"nullvalue\":null}",
     "null"},
    {"indices", "number[].foo",
     "{\"string\":\"string\",\"hash\":{\"foo\":\"bar\",\"bar\":\"baz\"},"
     "\"number\":23,\"nullvalue\":null}",
     "null"},
    {"indices", "nullvalue[].foo",
     "{\"string\":\"string\",\"hash\":{\"foo\":\"bar\",\"bar\":\"baz\"},"
     "\"number\":23,\"nullvalue\":null}",
     "null"},
    {"indices", "nullvalue[].foo[].bar",
     "{\"string\":\"string\",\"hash\":{\"foo\":\"bar\",\"bar\":\"baz\"},"
     "\"number\":23,\"nullvalue\":null}",
     "null"},
    {"literal", "`\"foo\"`",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "\"foo\""},
    {"literal", "`\"\\u03a6\"`",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "\"\316\246\""},
    {"literal", "`\"\342\234\223\"`",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "\"\342\234\223\""},
    {"literal", "`[1, 2, 3]`",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "[1,2,3]"},
    {"literal", "`{\"a\": \"b\"}`",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "{\"a\":\"b\"}"},
    {"literal", "`true`",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "true"},
    {"literal", "`false`",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "false"},
    {"literal", "`null`",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "null"},
    {"literal", "`0`",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "0"},
    {"literal", "`1`",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "1"},
    {"literal", "`2`",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "2"},
    {"literal", "`3`",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "3"},
    {"literal", "`4`",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "4"},
    {"literal", "`5`",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "5"},
    {"literal", "`6`",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "6"},
    {"literal", "`7`",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "7"},
    {"literal", "`8`",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "8"},
    {"literal", "`9`",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "9"},
    {"literal", "`\"foo\\`bar\"`",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "\"foo`bar\""},
    {"literal", "`\"foo\\\"bar\"`",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "\"foo\\\"bar\""},
    {"literal", "`\"1\\`\"`",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "\"1`\""},
    {"literal", "`\"\\\\\"`.{a:`\"b\"`}",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "{\"a\":\"b\"}"},
    {"literal", "`{\"a\": \"b\"}`.a",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "\"b\""},
    {"literal", "`{\"a\": {\"b\": \"c\"}}`.a.b",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "\"c\""},
    {"literal", "`[0, 1, 2]`[1]",
     "{\"foo\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"bar\":{\"baz\":\"qux\"}}",
     "1"},
    {"literal", "`  {\"foo\": true}`", "{\"type\":\"object\"}",
     "{\"foo\":true}"},
    {"literal", "`{\"foo\": true}   `", "{\"type\":\"object\"}",
     "{\"foo\":true}"},
    {"literal", "foo.`\"bar\"`", "{\"type\":\"object\"}", NULL},
    {"literal", "'foo'", "{}", "\"foo\""},
    {"literal", "'  foo  '", "{}", "\"  foo  \""},
    {"literal", "'0'", "{}", "\"0\""},
    {"literal", "'newline\n'", "{}", "\"newline\\n\""},
    {"literal", "'\n'", "{}", "\"\\n\""},
    {"literal", "'\342\234\223'", "{}", "\"\342\234\223\""},
    {"literal", "'\360\235\204\236'", "{}", "\"\360\235\204\236\""},
    {"literal", "'  [foo]  '", "{}", "\"  [foo]  \""},
    {"literal", "'[foo]'", "{}", "\"[foo]\""},
    {"literal", "'\\u03a6'", "{}", "\"\\\\u03a6\""},
    {"literal", "'foo\\'bar'", "{}", "\"foo'bar\""},
    {"literal", "'\\z'", "{}", "\"\\\\z\""},
    {"literal", "'\\\\'", "{}", "\"\\\\\\\\\""},
    {"multiselect", "foo.{bar: bar}",
     "{\"foo\":{\"bar\":\"bar\",\"baz\":\"baz\",\"qux\":\"qux\",\"nested\":{"
     "\"one\":{\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"two\":{"
     "\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"three\":{\"a\":"
     "\"first\",\"b\":\"second\",\"c\":{\"inner\":\"third\"}}}},\"bar\":1,"
     "\"baz\":2,\"qux\\\"\":3}",
     "{\"bar\":\"bar\"}"},
    {"multiselect", "foo.{\"bar\": bar}",
     "{\"foo\":{\"bar\":\"bar\",\"baz\":\"baz\",\"qux\":\"qux\",\"nested\":{"
     "\"one\":{\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"two\":{"
     "\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"three\":{\"a\":"
     "\"first\",\"b\":\"second\",\"c\":{\"inner\":\"third\"}}}},\"bar\":1,"
     "\"baz\":2,\"qux\\\"\":3}",
     "{\"bar\":\"bar\"}"},
    {"multiselect", "foo.{\"foo.bar\": bar}",
     "{\"foo\":{\"bar\":\"bar\",\"baz\":\"baz\",\"qux\":\"qux\",\"nested\":{"
     "\"one\":{\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"two\":{"
     "\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"three\":{\"a\":"
     "\"first\",\"b\":\"second\",\"c\":{\"inner\":\"third\"}}}},\"bar\":1,"
     "\"baz\":2,\"qux\\\"\":3}",
     "{\"foo.bar\":\"bar\"}"},
    {"multiselect", "foo.{bar: bar, baz: baz}",
     "{\"foo\":{\"bar\":\"bar\",\"baz\":\"baz\",\"qux\":\"qux\",\"nested\":{"
     "\"one\":{\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"two\":{"
     "\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"three\":{\"a\":"
     "\"first\",\"b\":\"second\",\"c\":{\"inner\":\"third\"}}}},\"bar\":1,"
     "\"baz\":2,\"qux\\\"\":3}",
     "{\"bar\":\"bar\",\"baz\":\"baz\"}"},
    {"multiselect", "foo.{\"bar\": bar, \"baz\": baz}",
     "{\"foo\":{\"bar\":\"bar\",\"baz\":\"baz\",\"qux\":\"qux\",\"nested\":{"
     "\"one\":{\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"two\":{"
     "\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"three\":{\"a\":"
     "\"first\",\"b\":\"second\",\"c\":{\"inner\":\"third\"}}}},\"bar\":1,"
     "\"baz\":2,\"qux\\\"\":3}",
     "{\"bar\":\"bar\",\"baz\":\"baz\"}"},
    {"multiselect", "{\"baz\": baz, \"qux\\\"\": \"qux\\\"\"}",
     "{\"foo\":{\"bar\":\"bar\",\"baz\":\"baz\",\"qux\":\"qux\",\"nested\":{"
     "\"one\":{\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"two\":{"
     "\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"three\":{\"a\":"
     "\"first\",\"b\":\"second\",\"c\":{\"inner\":\"third\"}}}},\"bar\":1,"
     "\"baz\":2,\"qux\\\"\":3}",
     "{\"baz\":2,\"qux\\\"\":3}"},
    {"multiselect", "foo.{bar:bar,baz:baz}",
     "{\"foo\":{\"bar\":\"bar\",\"baz\":\"baz\",\"qux\":\"qux\",\"nested\":{"
     "\"one\":{\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"two\":{"
     "\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"three\":{\"a\":"
     "\"first\",\"b\":\"second\",\"c\":{\"inner\":\"third\"}}}},\"bar\":1,"
     "\"baz\":2,\"qux\\\"\":3}",
     "{\"bar\":\"bar\",\"baz\":\"baz\"}"},
    {"multiselect", "foo.{bar: bar,qux: qux}",
     "{\"foo\":{\"bar\":\"bar\",\"baz\":\"baz\",\"qux\":\"qux\",\"nested\":{"
     "\"one\":{\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"two\":{"
     "\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"three\":{\"a\":"
     "\"first\",\"b\":\"second\",\"c\":{\"inner\":\"third\"}}}},\"bar\":1,"
     "\"baz\":2,\"qux\\\"\":3}",
     "{\"bar\":\"bar\",\"qux\":\"qux\"}"},
    {"multiselect", "foo.{bar: bar, noexist: noexist}",
     "{\"foo\":{\"bar\":\"bar\",\"baz\":\"baz\",\"qux\":\"qux\",\"nested\":{"
     "\"one\":{\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"two\":{"
     "\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"three\":{\"a\":"
     "\"first\",\"b\":\"second\",\"c\":{\"inner\":\"third\"}}}},\"bar\":1,"
     "\"baz\":2,\"qux\\\"\":3}",
     "{\"bar\":\"bar\",\"noexist\":null}"},
    {"multiselect", "foo.{noexist: noexist, alsonoexist: alsonoexist}",
     "{\"foo\":{\"bar\":\"bar\",\"baz\":\"baz\",\"qux\":\"qux\",\"nested\":{"
     "\"one\":{\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"two\":{"
     "\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"three\":{\"a\":"
     "\"first\",\"b\":\"second\",\"c\":{\"inner\":\"third\"}}}},\"bar\":1,"
     "\"baz\":2,\"qux\\\"\":3}",
     "{\"noexist\":null,\"alsonoexist\":null}"},
    {"multiselect", "foo.badkey.{nokey: nokey, alsonokey: alsonokey}",
     "{\"foo\":{\"bar\":\"bar\",\"baz\":\"baz\",\"qux\":\"qux\",\"nested\":{"
     "\"one\":{\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"two\":{"
     "\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"three\":{\"a\":"
     "\"first\",\"b\":\"second\",\"c\":{\"inner\":\"third\"}}}},\"bar\":1,"
     "\"baz\":2,\"qux\\\"\":3}",
     "null"},
    {"multiselect", "foo.nested.*.{a: a,b: b}",
     "{\"foo\":{\"bar\":\"bar\",\"baz\":\"baz\",\"qux\":\"qux\",\"nested\":{"
     "\"one\":{\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"two\":{"
     "\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"three\":{\"a\":"
     "\"first\",\"b\":\"second\",\"c\":{\"inner\":\"third\"}}}},\"bar\":1,"
     "\"baz\":2,\"qux\\\"\":3}",
     "[{\"a\":\"first\",\"b\":\"second\"},{\"a\":\"first\",\"b\":\"second\"},{"
     "\"a\":\"first\",\"b\":\"second\"}]"},
    {"multiselect", "foo.nested.three.{a: a, cinner: c.inner}",
     "{\"foo\":{\"bar\":\"bar\",\"baz\":\"baz\",\"qux\":\"qux\",\"nested\":{"
     "\"one\":{\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"two\":{"
     "\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"three\":{\"a\":"
     "\"first\",\"b\":\"second\",\"c\":{\"inner\":\"third\"}}}},\"bar\":1,"
     "\"baz\":2,\"qux\\\"\":3}",
     "{\"a\":\"first\",\"cinner\":\"third\"}"},
    {"multiselect", "foo.nested.three.{a: a, c: c.inner.bad.key}",
     "{\"foo\":{\"bar\":\"bar\",\"baz\":\"baz\",\"qux\":\"qux\",\"nested\":{"
     "\"one\":{\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"two\":{"
     "\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"three\":{\"a\":"
     "\"first\",\"b\":\"second\",\"c\":{\"inner\":\"third\"}}}},\"bar\":1,"
     "\"baz\":2,\"qux\\\"\":3}",
     "{\"a\":\"first\",\"c\":null}"},
    {"multiselect", "foo.{a: nested.one.a, b: nested.two.b}",
     "{\"foo\":{\"bar\":\"bar\",\"baz\":\"baz\",\"qux\":\"qux\",\"nested\":{"
     "\"one\":{\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"two\":{"
     "\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"three\":{\"a\":"
     "\"first\",\"b\":\"second\",\"c\":{\"inner\":\"third\"}}}},\"bar\":1,"
     "\"baz\":2,\"qux\\\"\":3}",
     "{\"a\":\"first\",\"b\":\"second\"}"},
    {"multiselect", "{bar: bar, baz: baz}",
     "{\"foo\":{\"bar\":\"bar\",\"baz\":\"baz\",\"qux\":\"qux\",\"nested\":{"
     "\"one\":{\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"two\":{"
     "\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"three\":{\"a\":"
     "\"first\",\"b\":\"second\",\"c\":{\"inner\":\"third\"}}}},\"bar\":1,"
     "\"baz\":2,\"qux\\\"\":3}",
     "{\"bar\":1,\"baz\":2}"},
    {"multiselect", "{bar: bar}",
     "{\"foo\":{\"bar\":\"bar\",\"baz\":\"baz\",\"qux\":\"qux\",\"nested\":{"
     "\"one\":{\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"two\":{"
     "\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"three\":{\"a\":"
     "\"first\",\"b\":\"second\",\"c\":{\"inner\":\"third\"}}}},\"bar\":1,"
     "\"baz\":2,\"qux\\\"\":3}",
     "{\"bar\":1}"},
    {"multiselect", "{otherkey: bar}",
     "{\"foo\":{\"bar\":\"bar\",\"baz\":\"baz\",\"qux\":\"qux\",\"nested\":{"
     "\"one\":{\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"two\":{"
     "\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"three\":{\"a\":"
     "\"first\",\"b\":\"second\",\"c\":{\"inner\":\"third\"}}}},\"bar\":1,"
     "\"baz\":2,\"qux\\\"\":3}",
     "{\"otherkey\":1}"},
    {"multiselect", "{no: no, exist: exist}",
     "{\"foo\":{\"bar\":\"bar\",\"baz\":\"baz\",\"qux\":\"qux\",\"nested\":{"
     "\"one\":{\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"two\":{"
     "\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"three\":{\"a\":"
     "\"first\",\"b\":\"second\",\"c\":{\"inner\":\"third\"}}}},\"bar\":1,"
     "\"baz\":2,\"qux\\\"\":3}",
     "{\"no\":null,\"exist\":null}"},
    {"multiselect", "foo.[bar]",
     "{\"foo\":{\"bar\":\"bar\",\"baz\":\"baz\",\"qux\":\"qux\",\"nested\":{"
     "\"one\":{\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"two\":{"
     "\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"three\":{\"a\":"
     "\"first\",\"b\":\"second\",\"c\":{\"inner\":\"third\"}}}},\"bar\":1,"
     "\"baz\":2,\"qux\\\"\":3}",
     "[\"bar\"]"},
    {"multiselect", "foo.[bar,baz]",
     "{\"foo\":{\"bar\":\"bar\",\"baz\":\"baz\",\"qux\":\"qux\",\"nested\":{"
     "\"one\":{\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"two\":{"
     "\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"three\":{\"a\":"
     "\"first\",\"b\":\"second\",\"c\":{\"inner\":\"third\"}}}},\"bar\":1,"
     "\"baz\":2,\"qux\\\"\":3}",
     "[\"bar\",\"baz\"]"},
    {"multiselect", "foo.[bar,qux]",
     "{\"foo\":{\"bar\":\"bar\",\"baz\":\"baz\",\"qux\":\"qux\",\"nested\":{"
     "\"one\":{\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"two\":{"
     "\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"three\":{\"a\":"
     "\"first\",\"b\":\"second\",\"c\":{\"inner\":\"third\"}}}},\"bar\":1,"
     "\"baz\":2,\"qux\\\"\":3}",
     "[\"bar\",\"qux\"]"},
    {"multiselect", "foo.[bar,noexist]",
     "{\"foo\":{\"bar\":\"bar\",\"baz\":\"baz\",\"qux\":\"qux\",\"nested\":{"
     "\"one\":{\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"two\":{"
     "\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"three\":{\"a\":"
     "\"first\",\"b\":\"second\",\"c\":{\"inner\":\"third\"}}}},\"bar\":1,"
     "\"baz\":2,\"qux\\\"\":3}",
     "[\"bar\",null]"},
    {"multiselect", "foo.[noexist,alsonoexist]",
     "{\"foo\":{\"bar\":\"bar\",\"baz\":\"baz\",\"qux\":\"qux\",\"nested\":{"
     "\"one\":{\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"two\":{"
     "\"a\":\"first\",\"b\":\"second\",\"c\":\"third\"},\"three\":{\"a\":"
     "\"first\",\"b\":\"second\",\"c\":{\"inner\":\"third\"}}}},\"bar\":1,"
     "\"baz\":2,\"qux\\\"\":3}",
     "[null,null]"},
    {"multiselect", "foo.{bar:bar,baz:baz}",
     "{\"foo\":{\"bar\":1,\"baz\":[2,3,4]}}", "{\"bar\":1,\"baz\":[2,3,4]}"},
    {"multiselect", "foo.[bar,baz[0]]", "{\"foo\":{\"bar\":1,\"baz\":[2,3,4]}}",
     "[1,2]"},
    {"multiselect", "foo.[bar,baz[1]]", "{\"foo\":{\"bar\":1,\"baz\":[2,3,4]}}",
     "[1,3]"},
    {"multiselect", "foo.[bar,baz[2]]", "{\"foo\":{\"bar\":1,\"baz\":[2,3,4]}}",
     "[1,4]"},
    {"multiselect", "foo.[bar,baz[3]]", "{\"foo\":{\"bar\":1,\"baz\":[2,3,4]}}",
     "[1,null]"},
    {"multiselect", "foo.[bar[0],baz[3]]",
     "{\"foo\":{\"bar\":1,\"baz\":[2,3,4]}}", "[null,null]"},
    {"multiselect", "foo.{bar: bar, baz: baz}",
     "{\"foo\":{\"bar\":1,\"baz\":2}}", "{\"bar\":1,\"baz\":2}"},
    {"multiselect", "foo.[bar,baz]", "{\"foo\":{\"bar\":1,\"baz\":2}}",
     "[1,2]"},
    {"multiselect", "foo.{bar: bar.baz[1],includeme: includeme}",
     "{\"foo\":{\"bar\":{\"baz\":[{\"common\":\"first\",\"one\":1},{\"common\":"
     "\"second\",\"two\":2}]},\"ignoreme\":1,\"includeme\":true}}",
     "{\"bar\":{\"common\":\"second\",\"two\":2},\"includeme\":true}"},
    {"multiselect",
     "foo.{\"bar.baz.two\": bar.baz[1].two, includeme: includeme}",
     "{\"foo\":{\"bar\":{\"baz\":[{\"common\":\"first\",\"one\":1},{\"common\":"
     "\"second\",\"two\":2}]},\"ignoreme\":1,\"includeme\":true}}",
     "{\"bar.baz.two\":2,\"includeme\":true}"},
    {"multiselect", "foo.[includeme, bar.baz[*].common]",
     "{\"foo\":{\"bar\":{\"baz\":[{\"common\":\"first\",\"one\":1},{\"common\":"
     "\"second\",\"two\":2}]},\"ignoreme\":1,\"includeme\":true}}",
     "[true,[\"first\",\"second\"]]"},
    {"multiselect", "foo.[includeme, bar.baz[*].none]",
     "{\"foo\":{\"bar\":{\"baz\":[{\"common\":\"first\",\"one\":1},{\"common\":"
     "\"second\",\"two\":2}]},\"ignoreme\":1,\"includeme\":true}}",
     "[true,[]]"},
    {"multiselect", "foo.[includeme, bar.baz[].common]",
     "{\"foo\":{\"bar\":{\"baz\":[{\"common\":\"first\",\"one\":1},{\"common\":"
     "\"second\",\"two\":2}]},\"ignoreme\":1,\"includeme\":true}}",
     "[true,[\"first\",\"second\"]]"},
    {"multiselect", "reservations[*].instances[*].{id: id, name: name}",
     "{\"reservations\":[{\"instances\":[{\"id\":\"id1\",\"name\":\"first\"},{"
     "\"id\":\"id2\",\"name\":\"second\"}]},{\"instances\":[{\"id\":\"id3\","
     "\"name\":\"third\"},{\"id\":\"id4\",\"name\":\"fourth\"}]}]}",
     "[[{\"id\":\"id1\",\"name\":\"first\"},{\"id\":\"id2\",\"name\":"
     "\"second\"}],[{\"id\":\"id3\",\"name\":\"third\"},{\"id\":\"id4\","
     "\"name\":\"fourth\"}]]"},
    {"multiselect", "reservations[].instances[].{id: id, name: name}",
     "{\"reservations\":[{\"instances\":[{\"id\":\"id1\",\"name\":\"first\"},{"
     "\"id\":\"id2\",\"name\":\"second\"}]},{\"instances\":[{\"id\":\"id3\","
     "\"name\":\"third\"},{\"id\":\"id4\",\"name\":\"fourth\"}]}]}",
     "[{\"id\":\"id1\",\"name\":\"first\"},{\"id\":\"id2\",\"name\":\"second\"}"
     ",{\"id\":\"id3\",\"name\":\"third\"},{\"id\":\"id4\",\"name\":\"fourth\"}"
     "]"},
    {"multiselect", "reservations[].instances[].[id, name]",
     "{\"reservations\":[{\"instances\":[{\"id\":\"id1\",\"name\":\"first\"},{"
     "\"id\":\"id2\",\"name\":\"second\"}]},{\"instances\":[{\"id\":\"id3\","
     "\"name\":\"third\"},{\"id\":\"id4\",\"name\":\"fourth\"}]}]}",
     "[[\"id1\",\"first\"],[\"id2\",\"second\"],[\"id3\",\"third\"],[\"id4\","
     "\"fourth\"]]"},
    {"multiselect", "foo",
     "{\"foo\":[{\"bar\":[{\"qux\":2,\"baz\":1},{\"qux\":4,\"baz\":3}]},{"
     "\"bar\":[{\"qux\":6,\"baz\":5},{\"qux\":8,\"baz\":7}]}]}",
     "[{\"bar\":[{\"qux\":2,\"baz\":1},{\"qux\":4,\"baz\":3}]},{\"bar\":[{"
     "\"qux\":6,\"baz\":5},{\"qux\":8,\"baz\":7}]}]"},
    {"multiselect", "foo[]",
     "{\"foo\":[{\"bar\":[{\"qux\":2,\"baz\":1},{\"qux\":4,\"baz\":3}]},{"
     "\"bar\":[{\"qux\":6,\"baz\":5},{\"qux\":8,\"baz\":7}]}]}",
     "[{\"bar\":[{\"qux\":2,\"baz\":1},{\"qux\":4,\"baz\":3}]},{\"bar\":[{"
     "\"qux\":6,\"baz\":5},{\"qux\":8,\"baz\":7}]}]"},
    {"multiselect", "foo[].bar",
     "{\"foo\":[{\"bar\":[{\"qux\":2,\"baz\":1},{\"qux\":4,\"baz\":3}]},{"
     "\"bar\":[{\"qux\":6,\"baz\":5},{\"qux\":8,\"baz\":7}]}]}",
     "[[{\"qux\":2,\"baz\":1},{\"qux\":4,\"baz\":3}],[{\"qux\":6,\"baz\":5},{"
     "\"qux\":8,\"baz\":7}]]"},
    {"multiselect", "foo[].bar[]",
     "{\"foo\":[{\"bar\":[{\"qux\":2,\"baz\":1},{\"qux\":4,\"baz\":3}]},{"
     "\"bar\":[{\"qux\":6,\"baz\":5},{\"qux\":8,\"baz\":7}]}]}",
     "[{\"qux\":2,\"baz\":1},{\"qux\":4,\"baz\":3},{\"qux\":6,\"baz\":5},{"
     "\"qux\":8,\"baz\":7}]"},
    {"multiselect", "foo[].bar[].[baz, qux]",
     "{\"foo\":[{\"bar\":[{\"qux\":2,\"baz\":1},{\"qux\":4,\"baz\":3}]},{"
     "\"bar\":[{\"qux\":6,\"baz\":5},{\"qux\":8,\"baz\":7}]}]}",
     "[[1,2],[3,4],[5,6],[7,8]]"},
    {"multiselect", "foo[].bar[].[baz]",
     "{\"foo\":[{\"bar\":[{\"qux\":2,\"baz\":1},{\"qux\":4,\"baz\":3}]},{"
     "\"bar\":[{\"qux\":6,\"baz\":5},{\"qux\":8,\"baz\":7}]}]}",
     "[[1],[3],[5],[7]]"},
    {"multiselect", "foo[].bar[].[baz, qux][]",
     "{\"foo\":[{\"bar\":[{\"qux\":2,\"baz\":1},{\"qux\":4,\"baz\":3}]},{"
     "\"bar\":[{\"qux\":6,\"baz\":5},{\"qux\":8,\"baz\":7}]}]}",
     "[1,2,3,4,5,6,7,8]"},
    {"multiselect", "foo.[baz[*].bar, qux[0]]",
     "{\"foo\":{\"baz\":[{\"bar\":\"abc\"},{\"bar\":\"def\"}],\"qux\":["
     "\"zero\"]}}",
     "[[\"abc\",\"def\"],\"zero\"]"},
    {"multiselect", "foo.[baz[*].[bar, boo], qux[0]]",
     "{\"foo\":{\"baz\":[{\"bar\":\"a\",\"bam\":\"b\",\"boo\":\"c\"},{\"bar\":"
     "\"d\",\"bam\":\"e\",\"boo\":\"f\"}],\"qux\":[\"zero\"]}}",
     "[[[\"a\",\"c\"],[\"d\",\"f\"]],\"zero\"]"},
    {"multiselect", "foo.[baz[*].not_there || baz[*].bar, qux[0]]",
     "{\"foo\":{\"baz\":[{\"bar\":\"a\",\"bam\":\"b\",\"boo\":\"c\"},{\"bar\":"
     "\"d\",\"bam\":\"e\",\"boo\":\"f\"}],\"qux\":[\"zero\"]}}",
     "[[\"a\",\"d\"],\"zero\"]"},
    {"multiselect", "[[*],*]", "{\"type\":\"object\"}", "[null,[\"object\"]]"},
    {"multiselect", "[[*]]", "[]", "[[]]"},
    {"multiselect", "missing.{foo: bar}", "[]", "null"},
    {"pipe", "foo.*.baz | [0]",
     "{\"foo\":{\"bar\":{\"baz\":\"subkey\"},\"other\":{\"baz\":\"subkey\"},"
     "\"other2\":{\"baz\":\"subkey\"},\"other3\":{\"notbaz\":[\"a\",\"b\","
     "\"c\"]},\"other4\":{\"notbaz\":[\"a\",\"b\",\"c\"]}}}",
     "\"subkey\""},
    {"pipe", "foo.*.baz | [1]",
     "{\"foo\":{\"bar\":{\"baz\":\"subkey\"},\"other\":{\"baz\":\"subkey\"},"
     "\"other2\":{\"baz\":\"subkey\"},\"other3\":{\"notbaz\":[\"a\",\"b\","
     "\"c\"]},\"other4\":{\"notbaz\":[\"a\",\"b\",\"c\"]}}}",
     "\"subkey\""},
    {"pipe", "foo.*.baz | [2]",
     "{\"foo\":{\"bar\":{\"baz\":\"subkey\"},\"other\":{\"baz\":\"subkey\"},"
     "\"other2\":{\"baz\":\"subkey\"},\"other3\":{\"notbaz\":[\"a\",\"b\","
     "\"c\"]},\"other4\":{\"notbaz\":[\"a\",\"b\",\"c\"]}}}",
     "\"subkey\""},
    {"pipe", "foo.bar.* | [0]",
     "{\"foo\":{\"bar\":{\"baz\":\"subkey\"},\"other\":{\"baz\":\"subkey\"},"
     "\"other2\":{\"baz\":\"subkey\"},\"other3\":{\"notbaz\":[\"a\",\"b\","
     "\"c\"]},\"other4\":{\"notbaz\":[\"a\",\"b\",\"c\"]}}}",
     "\"subkey\""},
    {"pipe", "foo.*.notbaz | [*]",
     "{\"foo\":{\"bar\":{\"baz\":\"subkey\"},\"other\":{\"baz\":\"subkey\"},"
     "\"other2\":{\"baz\":\"subkey\"},\"other3\":{\"notbaz\":[\"a\",\"b\","
     "\"c\"]},\"other4\":{\"notbaz\":[\"a\",\"b\",\"c\"]}}}",
     "[[\"a\",\"b\",\"c\"],[\"a\",\"b\",\"c\"]]"},
    {"pipe", "{\"a\": foo.bar, \"b\": foo.other} | *.baz",
     "{\"foo\":{\"bar\":{\"baz\":\"subkey\"},\"other\":{\"baz\":\"subkey\"},"
     "\"other2\":{\"baz\":\"subkey\"},\"other3\":{\"notbaz\":[\"a\",\"b\","
     "\"c\"]},\"other4\":{\"notbaz\":[\"a\",\"b\",\"c\"]}}}",
     "[\"subkey\",\"subkey\"]"},
    {"pipe", "foo | bar",
     "{\"foo\":{\"bar\":{\"baz\":\"one\"},\"other\":{\"baz\":\"two\"},"
     "\"other2\":{\"baz\":\"three\"},\"other3\":{\"notbaz\":[\"a\",\"b\",\"c\"]"
     "},\"other4\":{\"notbaz\":[\"d\",\"e\",\"f\"]}}}",
     "{\"baz\":\"one\"}"},
    {"pipe", "foo | bar | baz",
     "{\"foo\":{\"bar\":{\"baz\":\"one\"},\"other\":{\"baz\":\"two\"},"
     "\"other2\":{\"baz\":\"three\"},\"other3\":{\"notbaz\":[\"a\",\"b\",\"c\"]"
     "},\"other4\":{\"notbaz\":[\"d\",\"e\",\"f\"]}}}",
     "\"one\""},
    {"pipe", "foo|bar| baz",
     "{\"foo\":{\"bar\":{\"baz\":\"one\"},\"other\":{\"baz\":\"two\"},"
     "\"other2\":{\"baz\":\"three\"},\"other3\":{\"notbaz\":[\"a\",\"b\",\"c\"]"
     "},\"other4\":{\"notbaz\":[\"d\",\"e\",\"f\"]}}}",
     "\"one\""},
    {"pipe", "not_there | [0]",
     "{\"foo\":{\"bar\":{\"baz\":\"one\"},\"other\":{\"baz\":\"two\"},"
     "\"other2\":{\"baz\":\"three\"},\"other3\":{\"notbaz\":[\"a\",\"b\",\"c\"]"
     "},\"other4\":{\"notbaz\":[\"d\",\"e\",\"f\"]}}}",
     "null"},
    {"pipe", "not_there | [0]",
     "{\"foo\":{\"bar\":{\"baz\":\"one\"},\"other\":{\"baz\":\"two\"},"
     "\"other2\":{\"baz\":\"three\"},\"other3\":{\"notbaz\":[\"a\",\"b\",\"c\"]"
     "},\"other4\":{\"notbaz\":[\"d\",\"e\",\"f\"]}}}",
     "null"},
    {"pipe", "[foo.bar, foo.other] | [0]",
     "{\"foo\":{\"bar\":{\"baz\":\"one\"},\"other\":{\"baz\":\"two\"},"
     "\"other2\":{\"baz\":\"three\"},\"other3\":{\"notbaz\":[\"a\",\"b\",\"c\"]"
     "},\"other4\":{\"notbaz\":[\"d\",\"e\",\"f\"]}}}",
     "{\"baz\":\"one\"}"},
    {"pipe", "{\"a\": foo.bar, \"b\": foo.other} | a",
     "{\"foo\":{\"bar\":{\"baz\":\"one\"},\"other\":{\"baz\":\"two\"},"
     "\"other2\":{\"baz\":\"three\"},\"other3\":{\"notbaz\":[\"a\",\"b\",\"c\"]"
     "},\"other4\":{\"notbaz\":[\"d\",\"e\",\"f\"]}}}",
     "{\"baz\":\"one\"}"},
    {"pipe", "{\"a\": foo.bar, \"b\": foo.other} | b",
     "{\"foo\":{\"bar\":{\"baz\":\"one\"},\"other\":{\"baz\":\"two\"},"
     "\"other2\":{\"baz\":\"three\"},\"other3\":{\"notbaz\":[\"a\",\"b\",\"c\"]"
     "},\"other4\":{\"notbaz\":[\"d\",\"e\",\"f\"]}}}",
     "{\"baz\":\"two\"}"},
    {"pipe", "foo.bam || foo.bar | baz",
     "{\"foo\":{\"bar\":{\"baz\":\"one\"},\"other\":{\"baz\":\"two\"},"
     "\"other2\":{\"baz\":\"three\"},\"other3\":{\"notbaz\":[\"a\",\"b\",\"c\"]"
     "},\"other4\":{\"notbaz\":[\"d\",\"e\",\"f\"]}}}",
     "\"one\""},
    {"pipe", "foo | not_there || bar",
     "{\"foo\":{\"bar\":{\"baz\":\"one\"},\"other\":{\"baz\":\"two\"},"
     "\"other2\":{\"baz\":\"three\"},\"other3\":{\"notbaz\":[\"a\",\"b\",\"c\"]"
     "},\"other4\":{\"notbaz\":[\"d\",\"e\",\"f\"]}}}",
     "{\"baz\":\"one\"}"},
    {"pipe", "foo[*].bar[*] | [0][0]",
     "{\"foo\":[{\"bar\":[{\"baz\":\"one\"},{\"baz\":\"two\"}]},{\"bar\":[{"
     "\"baz\":\"three\"},{\"baz\":\"four\"}]}]}",
     "{\"baz\":\"one\"}"},
    {"slice", "bar[0:10]",
     "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}", "null"},
    {"slice", "foo[0:10:1]",
     "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}",
     "[0,1,2,3,4,5,6,7,8,9]"},
    {"slice", "foo[0:10]",
     "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}",
     "[0,1,2,3,4,5,6,7,8,9]"},
    {"slice", "foo[0:10:]",
     "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}",
     "[0,1,2,3,4,5,6,7,8,9]"},
    {"slice", "foo[0::1]",
     "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}",
     "[0,1,2,3,4,5,6,7,8,9]"},
    {"slice", "foo[0::]", "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}",
     "[0,1,2,3,4,5,6,7,8,9]"},
    {"slice", "foo[0:]", "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}",
     "[0,1,2,3,4,5,6,7,8,9]"},
    {"slice", "foo[:10:1]",
     "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}",
     "[0,1,2,3,4,5,6,7,8,9]"},
    {"slice", "foo[::1]", "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}",
     "[0,1,2,3,4,5,6,7,8,9]"},
    {"slice", "foo[:10:]",
     "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}",
     "[0,1,2,3,4,5,6,7,8,9]"},
    {"slice", "foo[::]", "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}",
     "[0,1,2,3,4,5,6,7,8,9]"},
    {"slice", "foo[:]", "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}",
     "[0,1,2,3,4,5,6,7,8,9]"},
    {"slice", "foo[1:9]", "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}",
     "[1,2,3,4,5,6,7,8]"},
    {"slice", "foo[0:10:2]",
     "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}", "[0,2,4,6,8]"},
    {"slice", "foo[5:]", "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}",
     "[5,6,7,8,9]"},
    {"slice", "foo[5::2]",
     "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}", "[5,7,9]"},
    {"slice", "foo[::2]", "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}",
     "[0,2,4,6,8]"},
    {"slice", "foo[::-1]",
     "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}",
     "[9,8,7,6,5,4,3,2,1,0]"},
    {"slice", "foo[1::2]",
     "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}", "[1,3,5,7,9]"},
    {"slice", "foo[10:0:-1]",
     "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}",
     "[9,8,7,6,5,4,3,2,1]"},
    {"slice", "foo[10:5:-1]",
     "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}", "[9,8,7,6]"},
    {"slice", "foo[8:2:-2]",
     "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}", "[8,6,4]"},
    {"slice", "foo[0:20]",
     "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}",
     "[0,1,2,3,4,5,6,7,8,9]"},
    {"slice", "foo[10:-20:-1]",
     "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}",
     "[9,8,7,6,5,4,3,2,1,0]"},
    {"slice", "foo[10:-20]",
     "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}", "[]"},
    {"slice", "foo[-4:-1]",
     "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}", "[6,7,8]"},
    {"slice", "foo[:-5:-1]",
     "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}", "[9,8,7,6]"},
    {"slice", "foo[8:2:0]",
     "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}", NULL},
    {"slice", "foo[8:2:0:1]",
     "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}", NULL},
    {"slice", "foo[8:2&]",
     "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}", NULL},
    {"slice", "foo[2:a:3]",
     "{\"foo\":[0,1,2,3,4,5,6,7,8,9],\"bar\":{\"baz\":1}}", NULL},
    {"slice", "foo[:2].a",
     "{\"foo\":[{\"a\":1},{\"a\":2},{\"a\":3}],\"bar\":[{\"a\":{\"b\":1}},{"
     "\"a\":{\"b\":2}},{\"a\":{\"b\":3}}],\"baz\":50}",
     "[1,2]"},
    {"slice", "foo[:2].b",
     "{\"foo\":[{\"a\":1},{\"a\":2},{\"a\":3}],\"bar\":[{\"a\":{\"b\":1}},{"
     "\"a\":{\"b\":2}},{\"a\":{\"b\":3}}],\"baz\":50}",
     "[]"},
    {"slice", "foo[:2].a.b",
     "{\"foo\":[{\"a\":1},{\"a\":2},{\"a\":3}],\"bar\":[{\"a\":{\"b\":1}},{"
     "\"a\":{\"b\":2}},{\"a\":{\"b\":3}}],\"baz\":50}",
     "[]"},
    {"slice", "bar[::-1].a.b",
     "{\"foo\":[{\"a\":1},{\"a\":2},{\"a\":3}],\"bar\":[{\"a\":{\"b\":1}},{"
     "\"a\":{\"b\":2}},{\"a\":{\"b\":3}}],\"baz\":50}",
     "[3,2,1]"},
    {"slice", "bar[:2].a.b",
     "{\"foo\":[{\"a\":1},{\"a\":2},{\"a\":3}],\"bar\":[{\"a\":{\"b\":1}},{"
     "\"a\":{\"b\":2}},{\"a\":{\"b\":3}}],\"baz\":50}",
     "[1,2]"},
    {"slice", "baz[:2].a",
     "{\"foo\":[{\"a\":1},{\"a\":2},{\"a\":3}],\"bar\":[{\"a\":{\"b\":1}},{"
     "\"a\":{\"b\":2}},{\"a\":{\"b\":3}}],\"baz\":50}",
     "null"},
    {"slice", "[:]", "[{\"a\":1},{\"a\":2},{\"a\":3}]",
     "[{\"a\":1},{\"a\":2},{\"a\":3}]"},
    {"slice", "[:2].a", "[{\"a\":1},{\"a\":2},{\"a\":3}]", "[1,2]"},
    {"slice", "[::-1].a", "[{\"a\":1},{\"a\":2},{\"a\":3}]", "[3,2,1]"},
    {"slice", "[:2].b", "[{\"a\":1},{\"a\":2},{\"a\":3}]", "[]"},
    {"syntax", "foo", "{\"type\":\"object\"}", "null"},
    {"syntax", "foo.-11", "{\"type\":\"object\"}", NULL},
    {"syntax", ".foo", "{\"type\":\"object\"}", NULL},
    {"syntax", "foo.bar.", "{\"type\":\"object\"}", NULL},
    {"syntax", ".", "{\"type\":\"object\"}", NULL},
    {"syntax", ",", "{\"type\":\"object\"}", NULL},
    {"syntax", "[", "{\"type\":\"object\"}", NULL},
    {"syntax", "{", "{\"type\":\"object\"}", NULL},
    {"syntax", "(", "{\"type\":\"object\"}", NULL},
    {"syntax", "a[", "{\"type\":\"object\"}", NULL},
    {"syntax", "a][", "{\"type\":\"object\"}", NULL},
    {"syntax", "@=", "{\"type\":\"object\"}", NULL},
    {"syntax", "![!(!", "{\"type\":\"object\"}", NULL},
    {"syntax", "@(foo)", "{}", NULL},
    {"syntax", "*", "{\"type\":\"object\"}", "[\"object\"]"},
    {"syntax", "*.foo", "{\"type\":\"object\"}", "[]"},
    {"syntax", ".*", "{\"type\":\"object\"}", NULL},
    {"syntax", "*0", "{\"type\":\"object\"}", NULL},
    {"syntax", "foo[*]*", "{\"type\":\"object\"}", NULL},
    {"syntax", "[0]", "{\"type\":\"object\"}", "null"},
    {"syntax", "*.[0]", "{\"type\":\"object\"}", NULL},
    {"syntax", "[*].bar", "{\"type\":\"object\"}", "null"},
    {"syntax", "foo[#]", "{\"type\":\"object\"}", NULL},
    {"syntax", "[:@]", "{}", NULL},
    {"syntax", "[:@:]", "{}", NULL},
    {"syntax", "foo[0]", "{\"type\":\"object\"}", "null"},
    {"syntax", "foo.[0]", "{\"type\":\"object\"}", NULL},
    {"syntax", "foo[0, ]", "{\"type\":\"object\"}", NULL},
    {"syntax", "foo.[a", "{\"type\":\"object\"}", NULL},
    {"syntax", "foo[abc]", "{\"type\":\"object\"}", NULL},
    {"syntax", "foo[abc, 1]", "{\"type\":\"object\"}", NULL},
    {"syntax", "foo.[abc]", "{\"type\":\"object\"}", "null"},
    {"syntax", "foo.[abc, 1]", "{\"type\":\"object\"}", NULL},
    {"syntax", "foo.[abc,, def]", "{\"type\":\"object\"}", NULL},
    {"syntax", "a{}", "{\"type\":\"object\"}", NULL},
    {"syntax", "a{foo}", "{\"type\":\"object\"}", NULL},
    {"syntax", "a{foo: 0", "{\"type\":\"object\"}", NULL},
    {"syntax", "a{foo: 0, ", "{\"type\":\"object\"}", NULL},
    {"syntax", "a{foo: bar}", "{\"type\":\"object\"}", NULL},
    {"syntax", "a.{}", "{\"type\":\"object\"}", NULL},
    {"syntax", "a.{foo:}", "{\"type\":\"object\"}", NULL},
    {"syntax", "a.{foo: bar}", "{\"type\":\"object\"}", "null"},
    {"syntax", "a.{foo: bar, }", "{\"type\":\"object\"}", NULL},
    {"syntax", "a.{foo: bar, baz:}", "{\"type\":\"object\"}", NULL},
    {"syntax", "{\"\\\\\":{\" \":*}}", "{\"type\":\"object\"}",
     "{\"\\\\\":{\" \":[\"object\"]}}"},
    {"syntax", "foo || bar", "{\"type\":\"object\"}", "null"},
    {"syntax", "foo.|| bar", "{\"type\":\"object\"}", NULL},
    {"syntax", "foo || || foo", "{\"type\":\"object\"}", NULL},
    {"syntax", "foo.[a ||]", "{\"type\":\"object\"}", NULL},
    {"syntax", "foo[\?bar==`\"baz\"`]", "{\"type\":\"object\"}", "null"},
    {"syntax", "foo[ \?bar==`\"baz\"`]", "{\"type\":\"object\"}", NULL},
    {"syntax", "foo[\?==]", "{\"type\":\"object\"}", NULL},
    {"syntax", "foo[\?bar==baz\?]", "{\"type\":\"object\"}", NULL},
    {"syntax", "foo[\?bar==`[0, 1, 2]`]", "{\"type\":\"object\"}", "null"},
    {"syntax", "foo[\?bar==`[\"foo`bar\"]`]", "{\"type\":\"object\"}", NULL},
    {"syntax", "foo[\?bar<>baz]", "{\"type\":\"object\"}", NULL},
    {"syntax", "foo[bar==baz]", "{\"type\":\"object\"}", NULL},
    {"syntax", "[\?\"\\\\\" > `\"foo\"`]", "{\"type\":\"object\"}", "null"},
    {"syntax", "bar.baz.noexists.`\"literal\"`", "{\"type\":\"object\"}", NULL},
    {"syntax", "foo[*].name.`\"literal\"`", "{\"type\":\"object\"}", NULL},
    {"syntax", "foo[].name.`\"literal\"`.`\"subliteral\"`",
     "{\"type\":\"object\"}", NULL},
    {"syntax", "foo[].name.noexist.`\"literal\"`", "{\"type\":\"object\"}",
     NULL},
    {"syntax", "twolen[*].threelen[*].`\"bar\"`", "{\"type\":\"object\"}",
     NULL},
    {"syntax", "foo[\? @ | @", "{\"type\":\"object\"}", NULL},
    {"syntax", "\"foo\"", "{\"type\":\"object\"}", "null"},
    {"syntax", "\"\\u\"", "{\"type\":\"object\"}", NULL},
    {"syntax", "*[]||[*]", "[]", "[]"},
    {"unicode", "foo[].\"\342\234\223\"",
     "{\"foo\":[{\"\342\234\223\":\"\342\234\223\"},{\"\342\234\223\":"
     "\"\342\234\227\"}]}",
     "[\"\342\234\223\",\"\342\234\227\"]"},
    {"unicode", "\"\342\230\257\"", "{\"\342\230\257\":true}", "true"},
    {"unicode",
     "\"\342\231\252\342\231\253\342\200\242*\302\250*\342\200\242."
     "\302\270\302\270\342\235\244\302\270\302\270.\342\200\242*\302\250*"
     "\342\200\242\342\231\253\342\231\252\"",
     "{\"\342\231\252\342\231\253\342\200\242*\302\250*\342\200\242."
     "\302\270\302\270\342\235\244\302\270\302\270.\342\200\242*\302\250*"
     "\342\200\242\342\231\253\342\231\252\":true}",
     "true"},
    {"unicode", "\"\342\230\203\"", "{\"\342\230\203\":true}", "true"},
    {"wildcard", "foo.*.baz",
     "{\"foo\":{\"bar\":{\"baz\":\"val\"},\"other\":{\"baz\":\"val\"},"
     "\"other2\":{\"baz\":\"val\"},\"other3\":{\"notbaz\":[\"a\",\"b\",\"c\"]},"
     "\"other4\":{\"notbaz\":[\"a\",\"b\",\"c\"]},\"other5\":{\"other\":{\"a\":"
     "1,\"b\":1,\"c\":1}}}}",
     "[\"val\",\"val\",\"val\"]"},
    {"wildcard", "foo.bar.*",
     "{\"foo\":{\"bar\":{\"baz\":\"val\"},\"other\":{\"baz\":\"val\"},"
     "\"other2\":{\"baz\":\"val\"},\"other3\":{\"notbaz\":[\"a\",\"b\",\"c\"]},"
     "\"other4\":{\"notbaz\":[\"a\",\"b\",\"c\"]},\"other5\":{\"other\":{\"a\":"
     "1,\"b\":1,\"c\":1}}}}",
     "[\"val\"]"},
    {"wildcard", "foo.*.notbaz",
     "{\"foo\":{\"bar\":{\"baz\":\"val\"},\"other\":{\"baz\":\"val\"},"
     "\"other2\":{\"baz\":\"val\"},\"other3\":{\"notbaz\":[\"a\",\"b\",\"c\"]},"
     "\"other4\":{\"notbaz\":[\"a\",\"b\",\"c\"]},\"other5\":{\"other\":{\"a\":"
     "1,\"b\":1,\"c\":1}}}}",
     "[[\"a\",\"b\",\"c\"],[\"a\",\"b\",\"c\"]]"},
    {"wildcard", "foo.*.notbaz[0]",
     "{\"foo\":{\"bar\":{\"baz\":\"val\"},\"other\":{\"baz\":\"val\"},"
     "\"other2\":{\"baz\":\"val\"},\"other3\":{\"notbaz\":[\"a\",\"b\",\"c\"]},"
     "\"other4\":{\"notbaz\":[\"a\",\"b\",\"c\"]},\"other5\":{\"other\":{\"a\":"
     "1,\"b\":1,\"c\":1}}}}",
     "[\"a\",\"a\"]"},
    {"wildcard", "foo.*.notbaz[-1]",
     "{\"foo\":{\"bar\":{\"baz\":\"val\"},\"other\":{\"baz\":\"val\"},"
     "\"other2\":{\"baz\":\"val\"},\"other3\":{\"notbaz\":[\"a\",\"b\",\"c\"]},"
     "\"other4\":{\"notbaz\":[\"a\",\"b\",\"c\"]},\"other5\":{\"other\":{\"a\":"
     "1,\"b\":1,\"c\":1}}}}",
     "[\"c\",\"c\"]"},
    {"wildcard", "foo.*",
     "{\"foo\":{\"first-1\":{\"second-1\":\"val\"},\"first-2\":{\"second-1\":"
     "\"val\"},\"first-3\":{\"second-1\":\"val\"}}}",
     "[{\"second-1\":\"val\"},{\"second-1\":\"val\"},{\"second-1\":\"val\"}]"},
    {"wildcard", "foo.*.*",
     "{\"foo\":{\"first-1\":{\"second-1\":\"val\"},\"first-2\":{\"second-1\":"
     "\"val\"},\"first-3\":{\"second-1\":\"val\"}}}",
     "[[\"val\"],[\"val\"],[\"val\"]]"},
    {"wildcard", "foo.*.*.*",
     "{\"foo\":{\"first-1\":{\"second-1\":\"val\"},\"first-2\":{\"second-1\":"
     "\"val\"},\"first-3\":{\"second-1\":\"val\"}}}",
     "[[],[],[]]"},
    {"wildcard", "foo.*.*.*.*",
     "{\"foo\":{\"first-1\":{\"second-1\":\"val\"},\"first-2\":{\"second-1\":"
     "\"val\"},\"first-3\":{\"second-1\":\"val\"}}}",
     "[[],[],[]]"},
    {"wildcard", "*.bar",
     "{\"foo\":{\"bar\":\"one\"},\"other\":{\"bar\":\"one\"},\"nomatch\":{"
     "\"notbar\":\"three\"}}",
     "[\"one\",\"one\"]"},
    {"wildcard", "*",
     "{\"top1\":{\"sub1\":{\"foo\":\"one\"}},\"top2\":{\"sub1\":{\"foo\":"
     "\"one\"}}}",
     "[{\"sub1\":{\"foo\":\"one\"}},{\"sub1\":{\"foo\":\"one\"}}]"},
    {"wildcard", "*.sub1",
     "{\"top1\":{\"sub1\":{\"foo\":\"one\"}},\"top2\":{\"sub1\":{\"foo\":"
     "\"one\"}}}",
     "[{\"foo\":\"one\"},{\"foo\":\"one\"}]"},
    {"wildcard", "*.*",
     "{\"top1\":{\"sub1\":{\"foo\":\"one\"}},\"top2\":{\"sub1\":{\"foo\":"
     "\"one\"}}}",
     "[[{\"foo\":\"one\"}],[{\"foo\":\"one\"}]]"},
    {"wildcard", "*.*.foo[]",
     "{\"top1\":{\"sub1\":{\"foo\":\"one\"}},\"top2\":{\"sub1\":{\"foo\":"
     "\"one\"}}}",
     "[\"one\",\"one\"]"},
    {"wildcard", "*.sub1.foo",
     "{\"top1\":{\"sub1\":{\"foo\":\"one\"}},\"top2\":{\"sub1\":{\"foo\":"
     "\"one\"}}}",
     "[\"one\",\"one\"]"},
    {"wildcard", "foo[*].bar",
     "{\"foo\":[{\"bar\":\"one\"},{\"bar\":\"two\"},{\"bar\":\"three\"},{"
     "\"notbar\":\"four\"}]}",
     "[\"one\",\"two\",\"three\"]"},
    {"wildcard", "foo[*].notbar",
     "{\"foo\":[{\"bar\":\"one\"},{\"bar\":\"two\"},{\"bar\":\"three\"},{"
     "\"notbar\":\"four\"}]}",
     "[\"four\"]"},
    {"wildcard", "[*]",
     "[{\"bar\":\"one\"},{\"bar\":\"two\"},{\"bar\":\"three\"},{\"notbar\":"
     "\"four\"}]",
     "[{\"bar\":\"one\"},{\"bar\":\"two\"},{\"bar\":\"three\"},{\"notbar\":"
     "\"four\"}]"},
    {"wildcard", "[*].bar",
     "[{\"bar\":\"one\"},{\"bar\":\"two\"},{\"bar\":\"three\"},{\"notbar\":"
     "\"four\"}]",
     "[\"one\",\"two\",\"three\"]"},
    {"wildcard", "[*].notbar",
     "[{\"bar\":\"one\"},{\"bar\":\"two\"},{\"bar\":\"three\"},{\"notbar\":"
     "\"four\"}]",
     "[\"four\"]"},
    {"wildcard", "foo.bar[*].baz",
     "{\"foo\":{\"bar\":[{\"baz\":[\"one\",\"two\",\"three\"]},{\"baz\":["
     "\"four\",\"five\",\"six\"]},{\"baz\":[\"seven\",\"eight\",\"nine\"]}]}}",
     "[[\"one\",\"two\",\"three\"],[\"four\",\"five\",\"six\"],[\"seven\","
     "\"eight\",\"nine\"]]"},
    {"wildcard", "foo.bar[*].baz[0]",
     "{\"foo\":{\"bar\":[{\"baz\":[\"one\",\"two\",\"three\"]},{\"baz\":["
     "\"four\",\"five\",\"six\"]},{\"baz\":[\"seven\",\"eight\",\"nine\"]}]}}",
     "[\"one\",\"four\",\"seven\"]"},
    {"wildcard", "foo.bar[*].baz[1]",
     "{\"foo\":{\"bar\":[{\"baz\":[\"one\",\"two\",\"three\"]},{\"baz\":["
     "\"four\",\"five\",\"six\"]},{\"baz\":[\"seven\",\"eight\",\"nine\"]}]}}",
     "[\"two\",\"five\",\"eight\"]"},
    {"wildcard", "foo.bar[*].baz[2]",
     "{\"foo\":{\"bar\":[{\"baz\":[\"one\",\"two\",\"three\"]},{\"baz\":["
     "\"four\",\"five\",\"six\"]},{\"baz\":[\"seven\",\"eight\",\"nine\"]}]}}",
     "[\"three\",\"six\",\"nine\"]"},
    {"wildcard", "foo.bar[*].baz[3]",
     "{\"foo\":{\"bar\":[{\"baz\":[\"one\",\"two\",\"three\"]},{\"baz\":["
     "\"four\",\"five\",\"six\"]},{\"baz\":[\"seven\",\"eight\",\"nine\"]}]}}",
     "[]"},
    {"wildcard", "foo.bar[*]",
     "{\"foo\":{\"bar\":[[\"one\",\"two\"],[\"three\",\"four\"]]}}",
     "[[\"one\",\"two\"],[\"three\",\"four\"]]"},
    {"wildcard", "foo.bar[0]",
     "{\"foo\":{\"bar\":[[\"one\",\"two\"],[\"three\",\"four\"]]}}",
     "[\"one\",\"two\"]"},
    {"wildcard", "foo.bar[0][0]",
     "{\"foo\":{\"bar\":[[\"one\",\"two\"],[\"three\",\"four\"]]}}", "\"one\""},
    {"wildcard", "foo.bar[0][0][0]",
     "{\"foo\":{\"bar\":[[\"one\",\"two\"],[\"three\",\"four\"]]}}", "null"},
    {"wildcard", "foo.bar[0][0][0][0]",
     "{\"foo\":{\"bar\":[[\"one\",\"two\"],[\"three\",\"four\"]]}}", "null"},
    {"wildcard", "foo[0][0]",
     "{\"foo\":{\"bar\":[[\"one\",\"two\"],[\"three\",\"four\"]]}}", "null"},
    {"wildcard", "foo[*].bar[*].kind",
     "{\"foo\":[{\"bar\":[{\"kind\":\"basic\"},{\"kind\":\"intermediate\"}]},{"
     "\"bar\":[{\"kind\":\"advanced\"},{\"kind\":\"expert\"}]},{\"bar\":"
     "\"string\"}]}",
     "[[\"basic\",\"intermediate\"],[\"advanced\",\"expert\"]]"},
    {"wildcard", "foo[*].bar[0].kind",
     "{\"foo\":[{\"bar\":[{\"kind\":\"basic\"},{\"kind\":\"intermediate\"}]},{"
     "\"bar\":[{\"kind\":\"advanced\"},{\"kind\":\"expert\"}]},{\"bar\":"
     "\"string\"}]}",
     "[\"basic\",\"advanced\"]"},
    {"wildcard", "foo[*].bar.kind",
     "{\"foo\":[{\"bar\":{\"kind\":\"basic\"}},{\"bar\":{\"kind\":"
     "\"intermediate\"}},{\"bar\":{\"kind\":\"advanced\"}},{\"bar\":{\"kind\":"
     "\"expert\"}},{\"bar\":\"string\"}]}",
     "[\"basic\",\"intermediate\",\"advanced\",\"expert\"]"},
    {"wildcard", "foo[*].bar[0]",
     "{\"foo\":[{\"bar\":[\"one\",\"two\"]},{\"bar\":[\"three\",\"four\"]},{"
     "\"bar\":[\"five\"]}]}",
     "[\"one\",\"three\",\"five\"]"},
    {"wildcard", "foo[*].bar[1]",
     "{\"foo\":[{\"bar\":[\"one\",\"two\"]},{\"bar\":[\"three\",\"four\"]},{"
     "\"bar\":[\"five\"]}]}",
     "[\"two\",\"four\"]"},
    {"wildcard", "foo[*].bar[2]",
     "{\"foo\":[{\"bar\":[\"one\",\"two\"]},{\"bar\":[\"three\",\"four\"]},{"
     "\"bar\":[\"five\"]}]}",
     "[]"},
    {"wildcard", "foo[*].bar[0]",
     "{\"foo\":[{\"bar\":[]},{\"bar\":[]},{\"bar\":[]}]}", "[]"},
    {"wildcard", "foo[*][0]",
     "{\"foo\":[[\"one\",\"two\"],[\"three\",\"four\"],[\"five\"]]}",
     "[\"one\",\"three\",\"five\"]"},
    {"wildcard", "foo[*][1]",
     "{\"foo\":[[\"one\",\"two\"],[\"three\",\"four\"],[\"five\"]]}",
     "[\"two\",\"four\"]"},
    {"wildcard", "foo[*][0]",
     "{\"foo\":[[[\"one\",\"two\"],[\"three\",\"four\"]],[[\"five\",\"six\"],["
     "\"seven\",\"eight\"]],[[\"nine\"],[\"ten\"]]]}",
     "[[\"one\",\"two\"],[\"five\",\"six\"],[\"nine\"]]"},
    {"wildcard", "foo[*][1]",
     "{\"foo\":[[[\"one\",\"two\"],[\"three\",\"four\"]],[[\"five\",\"six\"],["
     "\"seven\",\"eight\"]],[[\"nine\"],[\"ten\"]]]}",
     "[[\"three\",\"four\"],[\"seven\",\"eight\"],[\"ten\"]]"},
    {"wildcard", "foo[*][0][0]",
     "{\"foo\":[[[\"one\",\"two\"],[\"three\",\"four\"]],[[\"five\",\"six\"],["
     "\"seven\",\"eight\"]],[[\"nine\"],[\"ten\"]]]}",
     "[\"one\",\"five\",\"nine\"]"},
    {"wildcard", "foo[*][1][0]",
     "{\"foo\":[[[\"one\",\"two\"],[\"three\",\"four\"]],[[\"five\",\"six\"],["
     "\"seven\",\"eight\"]],[[\"nine\"],[\"ten\"]]]}",
     "[\"three\",\"seven\",\"ten\"]"},
    {"wildcard", "foo[*][0][1]",
     "{\"foo\":[[[\"one\",\"two\"],[\"three\",\"four\"]],[[\"five\",\"six\"],["
     "\"seven\",\"eight\"]],[[\"nine\"],[\"ten\"]]]}",
     "[\"two\",\"six\"]"},
    {"wildcard", "foo[*][1][1]",
     "{\"foo\":[[[\"one\",\"two\"],[\"three\",\"four\"]],[[\"five\",\"six\"],["
     "\"seven\",\"eight\"]],[[\"nine\"],[\"ten\"]]]}",
     "[\"four\",\"eight\"]"},
    {"wildcard", "foo[*][2]",
     "{\"foo\":[[[\"one\",\"two\"],[\"three\",\"four\"]],[[\"five\",\"six\"],["
     "\"seven\",\"eight\"]],[[\"nine\"],[\"ten\"]]]}",
     "[]"},
    {"wildcard", "foo[*][2][2]",
     "{\"foo\":[[[\"one\",\"two\"],[\"three\",\"four\"]],[[\"five\",\"six\"],["
     "\"seven\",\"eight\"]],[[\"nine\"],[\"ten\"]]]}",
     "[]"},
    {"wildcard", "bar[*]",
     "{\"foo\":[[[\"one\",\"two\"],[\"three\",\"four\"]],[[\"five\",\"six\"],["
     "\"seven\",\"eight\"]],[[\"nine\"],[\"ten\"]]]}",
     "null"},
    {"wildcard", "bar[*].baz[*]",
     "{\"foo\":[[[\"one\",\"two\"],[\"three\",\"four\"]],[[\"five\",\"six\"],["
     "\"seven\",\"eight\"]],[[\"nine\"],[\"ten\"]]]}",
     "null"},
    {"wildcard", "string[*]",
     "{\"string\":\"string\",\"hash\":{\"foo\":\"bar\",\"bar\":\"baz\"},"
     "\"number\":23,\"nullvalue\":null}",
     "null"},
    {"wildcard", "hash[*]",
     "{\"string\":\"string\",\"hash\":{\"foo\":\"bar\",\"bar\":\"baz\"},"
     "\"number\":23,\"nullvalue\":null}",
     "null"},
    {"wildcard", "number[*]",
     "{\"string\":\"string\",\"hash\":{\"foo\":\"bar\",\"bar\":\"baz\"},"
     "\"number\":23,\"nullvalue\":null}",
     "null"},
    {"wildcard", "nullvalue[*]",
     "{\"string\":\"string\",\"hash\":{\"foo\":\"bar\",\"bar\":\"baz\"},"
     "\"number\":23,\"nullvalue\":null}",
     "null"},
    {"wildcard", "string[*].foo",
     "{\"string\":\"string\",\"hash\":{\"foo\":\"bar\",\"bar\":\"baz\"},"
     "\"number\":23,\"nullvalue\":null}",
     "null"},
    {"wildcard", "hash[*].foo",
     "{\"string\":\"string\",\"hash\":{\"foo\":\"bar\",\"bar\":\"baz\"},"
     "\"number\":23,\"nullvalue\":null}",
     "null"},
    {"wildcard", "number[*].foo",
     "{\"string\":\"string\",\"hash\":{\"foo\":\"bar\",\"bar\":\"baz\"},"
     "\"number\":23,\"nullvalue\":null}",
     "null"},
    {"wildcard", "nullvalue[*].foo",
     "{\"string\":\"string\",\"hash\":{\"foo\":\"bar\",\"bar\":\"baz\"},"
     "\"number\":23,\"nullvalue\":null}",
     "null"},
    {"wildcard", "nullvalue[*].foo[*].bar",
     "{\"string\":\"string\",\"hash\":{\"foo\":\"bar\",\"bar\":\"baz\"},"
     "\"number\":23,\"nullvalue\":null}",
     "null"},
    {"wildcard", "string.*",
     "{\"string\":\"string\",\"hash\":{\"foo\":\"val\",\"bar\":\"val\"},"
     "\"number\":23,\"array\":[1,2,3],\"nullvalue\":null}",
     "null"},
    {"wildcard", "hash.*",
     "{\"string\":\"string\",\"hash\":{\"foo\":\"val\",\"bar\":\"val\"},"
     "\"number\":23,\"array\":[1,2,3],\"nullvalue\":null}",
     "[\"val\",\"val\"]"},
    {"wildcard", "number.*",
     "{\"string\":\"string\",\"hash\":{\"foo\":\"val\",\"bar\":\"val\"},"
     "\"number\":23,\"array\":[1,2,3],\"nullvalue\":null}",
     "null"},
    {"wildcard", "array.*",
     "{\"string\":\"string\",\"hash\":{\"foo\":\"val\",\"bar\":\"val\"},"
     "\"number\":23,\"array\":[1,2,3],\"nullvalue\":null}",
     "null"},
    {"wildcard", "nullvalue.*",
     "{\"string\":\"string\",\"hash\":{\"foo\":\"val\",\"bar\":\"val\"},"
     "\"number\":23,\"array\":[1,2,3],\"nullvalue\":null}",
     "null"},
    {"wildcard", "*[0]", "{\"a\":[0,1,2],\"b\":[0,1,2]}", "[0,0]"},
};

static void test_compliance(void **state)
{
	size_t n = sizeof compliance / sizeof compliance[0], bad = 0;
	(void)state;

	for (size_t i = 0; i < n; i++) {
		const struct compliance_case *c = &compliance[i];
		char msg[JMESPATH_ERRMSG_SIZE];
		json_t *got;
		int rc = run(c->expression, c->given, &got, msg, sizeof msg);

		if (c->result == NULL) {
			if (rc == 0) {
				print_error("%s: %s: no error\n", c->group,
					    c->expression);
				json_decref(got);
				bad++;
			}
			continue;
		}
		json_t *want = json_loads(c->result, JSON_DECODE_ANY, NULL);
		assert_non_null(want);
		if (rc != 0 || !same(got, want)) {
			print_error("%s: %s: %s\n", c->group, c->expression,
				    rc != 0 ? msg : "wrong result");
			bad++;
		}
		json_decref(got);
		json_decref(want);
	}
	assert_int_equal(bad, 0);
	assert_true(n > 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_identifiers),
	    cmocka_unit_test(test_index_slice),
	    cmocka_unit_test(test_projections),
	    cmocka_unit_test(test_filters),
	    cmocka_unit_test(test_booleans_literals),
	    cmocka_unit_test(test_multiselect_pipe),
	    cmocka_unit_test(test_functions),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_compliance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
