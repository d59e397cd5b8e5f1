/* client_service — service calls of libstratus: one AWS action with its
 * JSON request document in, the JSON response document out.
 *
 * A call is one SERVICE_CALL op (service, action, input; the context is
 * the leader's business and stays empty) submitted to the engine
 * (client.c) with CALL_KIND_RAW; the result's output bytes become a
 * NUL-terminated copy. Actions the server may hold (long polls) get a
 * hold time from a small table, so the engine's per-attempt timeout and
 * retry deadline cover the wait, and the engine tells the server on each
 * retry how long the caller has waited already. The sync call is the async one
 * plus a sync_wait that keeps the copy. */
#include "client_int.h"

#include <jansson.h>

#include "jsondoc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Slack on top of a long poll's wait: the server answers an expired poll
 * with its next batch, and the reply travels back. (A retry at another
 * node does not start the wait over: it carries the time already waited,
 * see client.c, "Long polls".) */
#define LONG_POLL_GRACE_MS 5000

/* How long the server may hold service.action with this input, ms
 * (grace included). */
static unsigned hold_ms(const char *service, const char *action,
			const json_t *input)
{
	if (strcmp(service, "sqs") != 0 ||
	    strcmp(action, "ReceiveMessage") != 0)
		return 0;
	/* Absent (or invalid: the server refuses it at once) means the
	 * queue's ReceiveMessageWaitTimeSeconds, which we cannot know. */
	json_t *w = json_object_get(input, "WaitTimeSeconds");
	if (json_is_integer(w) && json_integer_value(w) >= 0 &&
	    json_integer_value(w) <= ST_SQS_MAX_WAIT_SECONDS)
		return (unsigned)json_integer_value(w) * 1000 +
		       LONG_POLL_GRACE_MS;
	return ST_SQS_MAX_WAIT_SECONDS * 1000 + LONG_POLL_GRACE_MS;
}

/* A NUL-terminated copy of the result's output ("{}" when empty);
 * NULL when out of memory. */
static char *output_dup(const struct wire_result *r)
{
	size_t len = r->output_len > 0 ? r->output_len : 2;
	char *out = malloc(len + 1);

	if (out == NULL)
		return NULL;
	memcpy(out, r->output_len > 0 ? (const char *)r->output : "{}", len);
	out[len] = '\0';
	return out;
}

/* The call's callback target: the user's (async) or the sync waiter. */
struct svc_call {
	st_call_cb cb;
	void *arg;
	char what[CALL_WHAT_BYTES];
	/* sync: keep the output (owned) instead of handing it to cb */
	struct sync_wait *w;
	char *output;
};

/* Library thread: turn the reply into (err, output) for the user. */
static void svc_done(void *arg, const st_error *err,
		     const struct wire_response *resp)
{
	struct svc_call *sc = arg;
	const struct wire_result *r;
	char *out = NULL;
	st_error e;

	if (err != NULL)
		goto deliver;
	r = &resp->results[0];
	if (r->code == ST_ERR_SERVICE) {
		/* AWS's code and message as the service worded them. */
		st_err_set(
		    &e, ST_ERR_SERVICE,
		    *r->error_name != '\0' ? r->error_name : "ServiceError",
		    "%s",
		    *r->error_message != '\0' ? r->error_message
					      : st_code_name(ST_ERR_SERVICE));
		err = &e;
	} else if (r->code != ST_OK) {
		st_err_from_result(&e, sc->what, r);
		err = &e;
	} else if ((out = output_dup(r)) == NULL) {
		st_err_set(&e, ST_ERR_INTERNAL, NULL,
			   "%s: out of memory (%zu bytes of output)", sc->what,
			   r->output_len);
		err = &e;
	}
deliver:
	if (sc->w != NULL) {
		sc->output = out;
		sync_wait_post(sc->w, err);
		return; /* the waiter owns sc */
	}
	sc->cb(sc->arg, err, out);
	free(out);
	free(sc);
}

static int check_name(const char *name, const char *which, st_error *err,
		      const char *what)
{
	if (name == NULL || *name == '\0')
		return st_err_set(err, ST_ERR_MISSING_PARAM, NULL, "%s: no %s",
				  what, which);
	if (strlen(name) > WIRE_MAX_NAME_BYTES)
		return st_err_set(err, ST_ERR_INVALID_PARAM, NULL,
				  "%s: %s name is %zu bytes (max %d)", what,
				  which, strlen(name), WIRE_MAX_NAME_BYTES);
	return 0;
}

/* Check, build the op and submit. sc: owned by the callback on success
 * (async), by the caller otherwise. */
static int svc_submit(st_client *c, const st_call_params *p,
		      struct svc_call *sc, bool sync, st_error *err)
{
	const char *what = "service call";
	const char *service = p->service, *action = p->action;
	const char *input_json = p->input_json;
	json_error_t jerr;
	int rc;

	if (c == NULL)
		return st_err_set(err, ST_ERR_MISSING_PARAM, NULL,
				  "%s: no client", what);
	if ((rc = check_name(service, "service", err, what)) != 0 ||
	    (rc = check_name(action, "action", err, what)) != 0)
		return rc;
	snprintf(sc->what, sizeof sc->what, "%s %s", service, action);
	what = sc->what;
	if (input_json == NULL || *input_json == '\0')
		input_json = "{}";
	size_t len = strlen(input_json);
	if (len > ST_MAX_REQUEST_BYTES)
		return st_err_set(err, ST_ERR_TOO_LARGE, NULL,
				  "%s: input is %zu bytes (max %u)", what, len,
				  ST_MAX_REQUEST_BYTES);
	/* The server would refuse it too; say so here, with the position. */
	json_t *input = jsondoc_parse(input_json, len);
	if (input == NULL &&
	    (input = json_loadb(input_json, len, 0, &jerr)) == NULL)
		return st_err_set(err, ST_ERR_INVALID_PARAM, NULL,
				  "%s: input is not JSON: %s (line %d column "
				  "%d)",
				  what, jerr.text, jerr.line, jerr.column);
	if (!json_is_object(input)) {
		json_decref(input);
		return st_err_set(err, ST_ERR_INVALID_PARAM, NULL,
				  "%s: input is not a JSON object", what);
	}
	unsigned hold = hold_ms(service, action, input);
	json_decref(input);

	struct wire_op op = {.type = WIRE_OP_SERVICE_CALL,
			     .service = service,
			     .action = action,
			     .input = (const uint8_t *)input_json,
			     .input_len = len,
			     .endpoint = p->endpoint};
	if (p->endpoint != NULL &&
	    strlen(p->endpoint) > WIRE_MAX_ENDPOINT_BYTES)
		return st_err_set(err, ST_ERR_INVALID_PARAM, NULL,
				  "%s: endpoint is %zu bytes (max %d)", what,
				  strlen(p->endpoint), WIRE_MAX_ENDPOINT_BYTES);
	struct call_args a = {.what = what,
			      .ops = &op,
			      .n_ops = 1,
			      .kind = CALL_KIND_RAW,
			      .cb.raw = svc_done,
			      .arg = sc,
			      .sync = sync,
			      .hold_ms = hold,
			      .access_key_id = p->access_key_id,
			      .secret_access_key = p->secret_access_key};
	return call_submit(c, &a, err);
}

int st_call_with(st_client *c, const st_call_params *p, st_call_cb cb,
		 void *arg)
{
	if (cb == NULL || p == NULL)
		return ST_ERR_MISSING_PARAM;
	struct svc_call *sc = calloc(1, sizeof *sc);
	if (sc == NULL)
		return ST_ERR_INTERNAL;
	sc->cb = cb;
	sc->arg = arg;
	int rc = svc_submit(c, p, sc, false, NULL);
	if (rc != 0)
		free(sc);
	return rc;
}

int st_call_async(st_client *c, const char *service, const char *action,
		  const char *input_json, st_call_cb cb, void *arg)
{
	st_call_params p = {
	    .service = service, .action = action, .input_json = input_json};
	return st_call_with(c, &p, cb, arg);
}

int st_call(st_client *c, const char *service, const char *action,
	    const char *input_json, char **output_json, st_error *err)
{
	struct sync_wait w;
	struct svc_call sc = {.w = &w};
	int rc;

	if (output_json == NULL)
		return st_err_set(err, ST_ERR_MISSING_PARAM, NULL,
				  "service call: NULL output argument");
	*output_json = NULL;
	if ((rc = client_sync_guard(err, "service call")) != 0)
		return rc;
	st_call_params p = {
	    .service = service, .action = action, .input_json = input_json};
	sync_wait_init(&w);
	if ((rc = svc_submit(c, &p, &sc, true, err)) != 0) {
		sem_destroy(&w.done);
		return rc;
	}
	if ((rc = sync_wait_finish(&w, err)) != 0) {
		free(sc.output);
		return rc;
	}
	*output_json = sc.output;
	return 0;
}
