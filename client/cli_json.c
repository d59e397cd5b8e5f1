/* cli_json — how the stratus CLI writes results and errors (see
 * cli_json.h). Output mirrors the AWS CLI: one JSON document on stdout for
 * a result, one on stderr for an error, nothing else. */
#include "cli_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *cli_base64_encode(const void *data, size_t len)
{
	const unsigned char *in = data;
	static const char tbl[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((len + 2) / 3 * 4 + 1);
	size_t o = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = tbl[(v >> 18) & 63];
		out[o++] = tbl[(v >> 12) & 63];
		out[o++] = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? tbl[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

int cli_json_set_bytes(json_t *obj, const char *field, const void *data,
		       size_t len)
{
	/* json_stringn validates UTF-8 and fails on anything else. */
	json_t *s = json_stringn(len > 0 ? data : "", len);
	if (s != NULL)
		return json_object_set_new(obj, field, s);

	char name[128];
	char *b64 = cli_base64_encode(data, len);
	snprintf(name, sizeof name, "%sBase64", field);
	int rc =
	    b64 != NULL ? json_object_set_new(obj, name, json_string(b64)) : -1;
	free(b64);
	return rc;
}

static void dump_indent(json_t *j, FILE *f, int indent)
{
	char *text = json_dumps(j, JSON_INDENT(indent) | JSON_PRESERVE_ORDER |
				       JSON_ENCODE_ANY);
	if (text != NULL) {
		fputs(text, f);
		fputc('\n', f);
		free(text);
	}
}

static void dump(json_t *j, FILE *f)
{
	dump_indent(j, f, 2);
}

static void print_error(const char *name, const char *message)
{
	json_t *e = json_pack("{s:{s:s,s:s}}", "Error", "Name", name, "Message",
			      message);
	if (e == NULL) {
		/* The message itself may not be UTF-8 (it can quote input). */
		e = json_pack("{s:{s:s,s:s}}", "Error", "Name", name, "Message",
			      "(message not valid UTF-8)");
	}
	if (e != NULL)
		dump(e, stderr);
	json_decref(e);
}

int cli_json_print(json_t *j)
{
	return cli_json_print_indent(j, 2);
}

int cli_json_print_indent(json_t *j, int indent)
{
	if (j == NULL)
		return cli_json_fail("InternalFailure", "out of memory");
	dump_indent(j, stdout, indent);
	json_decref(j);
	return fflush(stdout) == 0
		   ? CLI_EXIT_OK
		   : cli_json_fail("InternalFailure", "write stdout failed");
}

int cli_json_fail(const char *name, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	print_error(name, msg);
	return CLI_EXIT_FAILURE;
}

int cli_json_fail_err(const st_error *err)
{
	print_error(*err->name ? err->name : st_code_name(err->code),
		    err->message);
	return CLI_EXIT_FAILURE;
}

int cli_json_usage(const char *name, const char *help_cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof msg)
		snprintf(msg + n, sizeof msg - (size_t)n,
			 " (see 'stratus %s--help')", help_cmd);
	print_error(name, msg);
	return CLI_EXIT_USAGE;
}
