/* cli_paging — automatic paging of NextToken responses (see
 * cli_paging.h). Server tokens here are positions (the name of the first
 * queue not yet returned), so a resume token is "that position, minus the
 * items already printed"; skipping works across page boundaries, whatever
 * --page-size the resumed command uses. */
#include "cli_paging.h"

#include "cli_json.h"
#include "cli_sqs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The longest --starting-token accepted (bytes). */
#define MAX_TOKEN_BYTES 4096

/* Most pages followed: a bound against a server that never ends. */
#define MAX_PAGES 100000

char *cli_paging_token_encode(const char *next_token, long long skip)
{
	json_t *t = json_object();
	char *text, *b64 = NULL;

	if (t == NULL)
		return NULL;
	if (next_token != NULL)
		json_object_set_new(t, "NextToken", json_string(next_token));
	if (skip > 0)
		json_object_set_new(t, "boto_truncate_amount",
				    json_integer(skip));
	text = json_dumps(t, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(t);
	if (text != NULL)
		b64 = cli_base64_encode(text, strlen(text));
	free(text);
	return b64;
}

static int b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Decode base64 (padding optional). Returns owned, NUL-terminated, or
 * NULL when s is not base64 or out of memory. */
static char *b64_decode(const char *s)
{
	size_t len = strlen(s), o = 0;
	char *out = malloc(len / 4 * 3 + 4);
	uint32_t acc = 0;
	int bits = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '=')
			break;
		int v = b64_value((unsigned char)s[i]);
		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)(acc >> bits & 0xff);
		}
	}
	out[o] = '\0';
	return out;
}

int cli_paging_token_decode(const char *token, char **next_token,
			    long long *skip, char *errmsg, size_t errlen)
{
	json_error_t jerr;
	char *text = NULL;
	json_t *t = NULL, *nt, *sk;

	*next_token = NULL;
	*skip = 0;
	if (strlen(token) <= MAX_TOKEN_BYTES && (text = b64_decode(token)))
		t = json_loads(text, 0, &jerr);
	free(text);
	nt = json_object_get(t, "NextToken");
	sk = json_object_get(t, "boto_truncate_amount");
	if (!json_is_object(t) || (nt != NULL && !json_is_string(nt)) ||
	    (sk != NULL &&
	     (!json_is_integer(sk) || json_integer_value(sk) < 0))) {
		json_decref(t);
		snprintf(errmsg, errlen,
			 "--starting-token: not a NextToken this CLI printed");
		return -1;
	}
	if (nt != NULL &&
	    (*next_token = strdup(json_string_value(nt))) == NULL) {
		json_decref(t);
		snprintf(errmsg, errlen, "out of memory");
		return -1;
	}
	*skip = sk ? json_integer_value(sk) : 0;
	json_decref(t);
	return 0;
}

/* page[result_key] with its first `from` items dropped and at most
 * `count` kept (count < 0: all). */
static void cut(json_t *page, const char *result_key, size_t from,
		long long count)
{
	json_t *list = json_object_get(page, result_key);
	if (!json_is_array(list))
		return;
	json_t *kept = json_array();
	for (size_t i = from; kept != NULL && i < json_array_size(list) &&
			      (count < 0 || (long long)(i - from) < count);
	     i++)
		json_array_append(kept, json_array_get(list, i));
	if (kept != NULL)
		json_object_set_new(page, result_key, kept);
}

int cli_paging_run(const struct cli_paging *pg, const char *result_key,
		   json_t *input, cli_page_fn fetch, void *ctx, json_t **pages,
		   char **resume)
{
	char msg[160];
	char *token = NULL;
	long long skip = 0, total = 0;
	int status = 0;

	*pages = NULL;
	*resume = NULL;
	if (pg->starting_token != NULL &&
	    cli_paging_token_decode(pg->starting_token, &token, &skip, msg,
				    sizeof msg) != 0)
		return cli_json_usage("InvalidParameterValue", "", "%s", msg);
	json_t *out = json_array();
	json_t *req = json_deep_copy(input);
	if (out == NULL || req == NULL) {
		status = cli_json_fail("InternalFailure", "out of memory");
		goto err_after_alloc;
	}
	if (pg->page_size > 0)
		json_object_set_new(req, "MaxResults",
				    json_integer(pg->page_size));
	for (int n = 0; n < MAX_PAGES; n++) {
		json_t *page;
		if (token != NULL)
			json_object_set_new(req, "NextToken",
					    json_string(token));
		else
			json_object_del(req, "NextToken");
		if ((status = fetch(ctx, req, &page)) != 0)
			goto err_after_alloc;
		json_t *next = json_object_get(page, "NextToken");
		char *next_token = json_is_string(next)
				       ? strdup(json_string_value(next))
				       : NULL;
		json_object_del(page, "NextToken");
		if (n > 0) {
			/* Later pages add their list only (as aws does). */
			json_t *list = json_object_get(page, result_key);
			json_t *only = json_object();
			if (list != NULL && only != NULL)
				json_object_set(only, result_key, list);
			json_decref(page);
			page = only;
		}
		if (page == NULL) {
			free(next_token);
			status =
			    cli_json_fail("InternalFailure", "out of memory");
			goto err_after_alloc;
		}
		size_t have =
		    json_array_size(json_object_get(page, result_key));
		size_t dropped = skip < (long long)have ? (size_t)skip : have;
		skip -= (long long)dropped;
		long long left = (long long)(have - dropped);
		if (pg->max_items > 0 && total + left > pg->max_items) {
			long long take = pg->max_items - total;
			cut(page, result_key, dropped, take);
			json_array_append_new(out, page);
			*resume = cli_paging_token_encode(
			    token, (long long)dropped + take);
			free(next_token);
			break;
		}
		cut(page, result_key, dropped, -1);
		json_array_append_new(out, page);
		total += left;
		if (next_token == NULL)
			break;
		if (token != NULL && strcmp(token, next_token) == 0) {
			free(next_token);
			cli_json_fail("InternalFailure",
				      "the server returned "
				      "the same NextToken twice");
			status = CLI_SQS_EXIT_OTHER;
			goto err_after_alloc;
		}
		free(token);
		token = next_token;
		if (pg->max_items > 0 && total == pg->max_items && skip == 0) {
			*resume = cli_paging_token_encode(token, 0);
			break;
		}
	}
	free(token);
	json_decref(req);
	*pages = out;
	return 0;
err_after_alloc:
	free(token);
	json_decref(req);
	json_decref(out);
	free(*resume);
	*resume = NULL;
	return status;
}

json_t *cli_paging_merge(json_t *pages, const char *result_key,
			 const char *resume)
{
	json_t *page0 = json_array_get(pages, 0);
	json_t *full = page0 ? json_deep_copy(page0) : json_object();
	json_t *merged = json_array(), *page;
	bool any = false;
	size_t i;

	if (full == NULL || merged == NULL) {
		json_decref(full);
		json_decref(merged);
		return NULL;
	}
	json_array_foreach(pages, i, page)
	{
		json_t *list = json_object_get(page, result_key);
		if (json_is_array(list)) {
			any = true;
			json_array_extend(merged, list);
		}
	}
	if (any)
		json_object_set_new(full, result_key, merged);
	else
		json_decref(merged);
	if (resume != NULL)
		json_object_set_new(full, "NextToken", json_string(resume));
	return full;
}
