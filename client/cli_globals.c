/* cli_globals — the global options of the stratus CLI, taken out of argv
 * wherever they appear (see cli_globals.h). The one parser for them: the
 * command families only see what is left. */
#include "cli_globals.h"
#include "cli_json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	G_ENDPOINTS,
	G_TIMEOUT_MS,
	G_OUTPUT,
	G_QUERY,
	G_NO_PAGINATE,
	G_HELP,
	G_SHORT_HELP,
	G_COUNT
};

static const struct {
	const char *name;
	bool takes_value;
} options[G_COUNT] = {
    [G_ENDPOINTS] = {"--endpoints", true},
    [G_TIMEOUT_MS] = {"--timeout-ms", true},
    [G_OUTPUT] = {"--output", true},
    [G_QUERY] = {"--query", true},
    [G_NO_PAGINATE] = {"--no-paginate", false},
    [G_HELP] = {"--help", false},
    [G_SHORT_HELP] = {"-h", false},
};

/* Record the first error only: it is the one the user meets first. */
static void fail(struct cli_globals *g, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(struct cli_globals *g, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (g->error.name[0] != '\0')
		return;
	snprintf(g->error.name, sizeof g->error.name, "%s", name);
	va_start(ap, fmt);
	vsnprintf(g->error.message, sizeof g->error.message, fmt, ap);
	va_end(ap);
}

/* Which option arg is ("--name" or "--name=VALUE"), with *value set to
 * what follows '=' (NULL without one); -1 for anything else. */
static int match(const char *arg, const char **value)
{
	for (int k = 0; k < G_COUNT; k++) {
		size_t n = strlen(options[k].name);
		if (strncmp(arg, options[k].name, n) == 0 &&
		    (arg[n] == '\0' ||
		     (arg[n] == '=' && options[k].takes_value))) {
			*value = arg[n] == '=' ? arg + n + 1 : NULL;
			return k;
		}
	}
	return -1;
}

static void set_timeout(struct cli_globals *g, const char *v)
{
	char *end;

	errno = 0;
	unsigned long long ms = strtoull(v, &end, 10);
	if (*v == '\0' || *v == '-' || *end != '\0' || errno != 0 || ms == 0 ||
	    ms > 24ull * 3600 * 1000) {
		fail(g, "InvalidParameterValue",
		     "--timeout-ms: '%.100s' is not a positive number of "
		     "milliseconds",
		     v);
		return;
	}
	g->timeout_ms = (unsigned)ms;
}

static void set_query(struct cli_globals *g, const char *v)
{
	char msg[JMESPATH_ERRMSG_SIZE];

	jmespath_free(g->query);
	g->query = NULL;
	g->query_src = NULL;
	if (jmespath_compile(v, &g->query, msg, sizeof msg) != 0) {
		fail(g, "InvalidParameterValue",
		     "Bad value for --query %.200s: %s", v, msg);
		return;
	}
	g->query_src = v;
}

int cli_globals_take(struct cli_globals *g, int *argc, char **argv)
{
	int out = 1;
	bool rest = false;

	memset(g, 0, sizeof *g);
	for (int i = 1; i < *argc; i++) {
		const char *v = NULL;
		int which = -1;

		if (!rest && strcmp(argv[i], "--") == 0)
			rest = true;
		if (!rest)
			which = match(argv[i], &v);
		if (which < 0) {
			argv[out++] = argv[i];
			continue;
		}
		if (which == G_OUTPUT || which == G_QUERY ||
		    which == G_NO_PAGINATE) {
			if (g->aws_option == NULL)
				g->aws_option = options[which].name;
		}
		if (!options[which].takes_value) {
			if (which == G_NO_PAGINATE)
				g->no_paginate = true;
			else
				g->help = true;
			continue;
		}
		if (v == NULL) {
			if (i + 1 >= *argc) {
				fail(g, "MissingParameter",
				     "%s: expected a value",
				     options[which].name);
				continue;
			}
			v = argv[++i];
		}
		switch (which) {
		case G_ENDPOINTS:
			g->endpoints = v;
			break;
		case G_TIMEOUT_MS:
			set_timeout(g, v);
			break;
		case G_OUTPUT:
			if (strcmp(v, "text") != 0 && strcmp(v, "json") != 0)
				fail(g, "InvalidParameterValue",
				     "--output: '%.100s' is not supported "
				     "(json or text)",
				     v);
			else
				g->text = strcmp(v, "text") == 0;
			break;
		case G_QUERY:
			set_query(g, v);
			break;
		}
	}
	*argc = out;
	argv[out] = NULL;
	return g->error.name[0] != '\0' ? -1 : 0;
}

void cli_globals_free(struct cli_globals *g)
{
	jmespath_free(g->query);
	g->query = NULL;
}

int cli_globals_refuse(const struct cli_globals *g, const char *help_cmd)
{
	if (g->error.name[0] != '\0')
		return cli_json_usage(g->error.name, help_cmd, "%s",
				      g->error.message);
	if (g->aws_option != NULL)
		return cli_json_usage("InvalidParameterValue", help_cmd,
				      "%s is only taken by 'stratus sqs'",
				      g->aws_option);
	return -1;
}
