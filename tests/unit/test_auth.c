/* Unit tests of the auth service (broker/auth.c) through its service.h
 * interface, as the node drives it (prepare then apply for writes, read
 * for reads): creating, listing and deleting keys, the secret lookup,
 * IAM's errors and limits, snapshots (round trip and hostile input),
 * deterministic apply and an order-independent digest, and lookups from
 * another thread while apply runs. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth.h"

/* 2026-11-27T09:10:00Z */
#define NOW_MS	 1795770600000ULL
#define MAX_KEYS 100
#define ID_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
#define SEC_CHARS                                                              \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

struct fx {
	struct service *svc;
	struct service_result r;
	json_t *out;
	json_t *ctx; /* the last write's context */
};

static struct service *new_svc(void)
{
	struct service_env env = {.region = "us-east-1",
				  .account_id = "000000000000"};
	struct service *s = auth_service_new(&env);

	assert_non_null(s);
	assert_string_equal(s->name, "auth");
	return s;
}

static void fx_reset(struct fx *f)
{
	json_decref(f->out);
	json_decref(f->ctx);
	f->out = NULL;
	f->ctx = NULL;
	memset(&f->r, 0, sizeof(f->r));
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->svc = new_svc();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	fx_reset(f);
	f->svc->destroy(f->svc);
	free(f);
	return 0;
}

static json_t *parse(const char *s)
{
	json_error_t err;
	json_t *j = json_loads(s, 0, &err);

	if (j == NULL) {
		fail_msg("bad test json: %s: %s", s, err.text);
	}
	return j;
}

/* Run an action as the node does: read, or prepare then apply. */
static enum service_status call(struct fx *f, const char *action,
				const char *input, uint64_t now)
{
	json_t *in = parse(input);
	enum service_status st;
	enum service_action_kind k = f->svc->action_kind(action);

	fx_reset(f);
	f->ctx = json_pack("{s:s}", "Endpoint", "http://n1:7003");
	if (k == SERVICE_ACTION_READ) {
		st =
		    f->svc->read(f->svc->state, action, in, f->ctx, now, &f->r);
	} else {
		st = f->svc->prepare(f->svc->state, action, in, f->ctx, now, 0,
				     &f->r);
		if (st == SERVICE_OK) {
			st = f->svc->apply(f->svc->state, action, in, f->ctx,
					   now, &f->r);
		}
	}
	f->out = f->r.output;
	json_decref(in);
	return st;
}

static void ok(struct fx *f, const char *action, const char *input)
{
	enum service_status st = call(f, action, input, NOW_MS);

	if (st != SERVICE_OK) {
		fail_msg("%s %s: %d %s %s", action, input, st,
			 f->r.error_code ? f->r.error_code : "",
			 f->r.error_message);
	}
	assert_non_null(f->out);
}

static void err(struct fx *f, const char *action, const char *input,
		const char *code, const char *message)
{
	enum service_status st = call(f, action, input, NOW_MS);

	if (st != SERVICE_ERROR || strcmp(f->r.error_code, code) != 0 ||
	    (message != NULL && strcmp(f->r.error_message, message) != 0)) {
		fail_msg("%s %s: want %s '%s', got %d %s '%s'", action, input,
			 code, message ? message : "", st,
			 f->r.error_code ? f->r.error_code : "(none)",
			 f->r.error_message);
	}
	assert_true(f->r.sender_fault);
	assert_null(f->r.output);
}

static const char *sget(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	if (s == NULL) {
		fail_msg("no string %s", k);
	}
	return s;
}

static bool all_in(const char *s, const char *set)
{
	return strspn(s, set) == strlen(s);
}

/* Create a key; its id and secret into id / secret (may be NULL). */
static void create(struct fx *f, char id[32], char secret[64])
{
	const json_t *k;

	ok(f, "CreateAccessKey", "{}");
	k = json_object_get(f->out, "AccessKey");
	assert_true(json_is_object(k));
	assert_int_equal(json_object_size(f->out), 1);
	assert_int_equal(json_object_size(k), 4);
	assert_int_equal(strlen(sget(k, "AccessKeyId")), 20);
	assert_memory_equal(sget(k, "AccessKeyId"), "AKIA", 4);
	assert_true(all_in(sget(k, "AccessKeyId") + 4, ID_CHARS));
	assert_int_equal(strlen(sget(k, "SecretAccessKey")), 40);
	assert_true(all_in(sget(k, "SecretAccessKey"), SEC_CHARS));
	assert_string_equal(sget(k, "Status"), "Active");
	assert_string_equal(sget(k, "CreateDate"), "2026-11-27T09:10:00Z");
	/* The context carries what apply stored. */
	assert_string_equal(sget(f->ctx, "AccessKeyId"),
			    sget(k, "AccessKeyId"));
	assert_string_equal(sget(f->ctx, "SecretAccessKey"),
			    sget(k, "SecretAccessKey"));
	if (id != NULL) {
		snprintf(id, 32, "%s", sget(k, "AccessKeyId"));
	}
	if (secret != NULL) {
		snprintf(secret, 64, "%s", sget(k, "SecretAccessKey"));
	}
}

static void test_create_list_delete(void **state)
{
	struct fx *f = *state;
	char id[32], secret[64], id2[32], got[SIGV4_SECRET_SIZE], in[128];
	const json_t *meta, *m;

	assert_int_equal(f->svc->action_kind("CreateAccessKey"),
			 SERVICE_ACTION_WRITE);
	assert_int_equal(f->svc->action_kind("DeleteAccessKey"),
			 SERVICE_ACTION_WRITE);
	assert_int_equal(f->svc->action_kind("ListAccessKeys"),
			 SERVICE_ACTION_READ);
	assert_int_equal(f->svc->action_kind("CreateUser"),
			 SERVICE_ACTION_UNKNOWN);

	ok(f, "ListAccessKeys", "{}");
	assert_int_equal(
	    json_array_size(json_object_get(f->out, "AccessKeyMetadata")), 0);
	assert_int_equal(auth_key_count(f->svc), 0);
	assert_int_equal(
	    auth_lookup_secret(f->svc, "AKIAIOSFODNN7EXAMPLE", got), -1);

	create(f, id, secret);
	create(f, id2, NULL);
	assert_string_not_equal(id, id2);
	assert_int_equal(auth_key_count(f->svc), 2);
	assert_int_equal(auth_lookup_secret(f->svc, id, got), 0);
	assert_string_equal(got, secret);
	assert_int_equal(auth_lookup_secret(f->svc, "AKIA", got), -1);
	assert_int_equal(auth_lookup_secret(f->svc, NULL, got), -1);

	ok(f, "ListAccessKeys", "{}");
	meta = json_object_get(f->out, "AccessKeyMetadata");
	assert_int_equal(json_array_size(meta), 2);
	m = json_array_get(meta, strcmp(id, id2) < 0 ? 0 : 1);
	assert_string_equal(sget(m, "AccessKeyId"), id);
	assert_string_equal(sget(m, "Status"), "Active");
	assert_string_equal(sget(m, "CreateDate"), "2026-11-27T09:10:00Z");
	/* Never a secret in a list. */
	assert_null(json_object_get(m, "SecretAccessKey"));
	{
		char *text = json_dumps(f->out, 0);

		assert_null(strstr(text, secret));
		free(text);
	}

	snprintf(in, sizeof(in), "{\"AccessKeyId\":\"%s\"}", id);
	ok(f, "DeleteAccessKey", in);
	assert_int_equal(json_object_size(f->out), 0);
	assert_int_equal(auth_key_count(f->svc), 1);
	assert_int_equal(auth_lookup_secret(f->svc, id, got), -1);
	snprintf(got, sizeof(got), "The Access Key with id %s cannot be found.",
		 id);
	err(f, "DeleteAccessKey", in, "NoSuchEntity", got);

	/* apply alone (a second delete already in the log) fails the same
	 * way on every node. */
	{
		json_t *j = parse(in), *ctx = json_object();
		struct service_result r;

		memset(&r, 0, sizeof(r));
		assert_int_equal(f->svc->apply(f->svc->state, "DeleteAccessKey",
					       j, ctx, NOW_MS, &r),
				 SERVICE_ERROR);
		assert_string_equal(r.error_code, "NoSuchEntity");
		json_decref(j);
		json_decref(ctx);
	}
	ok(f, "ListAccessKeys", "{}");
	assert_int_equal(
	    json_array_size(json_object_get(f->out, "AccessKeyMetadata")), 1);
}

static void test_validation(void **state)
{
	struct fx *f = *state;
	struct service_result r;
	json_t *arr = json_array(), *ctx = json_object();

	err(f, "DeleteAccessKey", "{}", "ValidationError",
	    "1 validation error detected: Value null at 'accessKeyId' failed "
	    "to satisfy constraint: Member must not be null");
	err(f, "DeleteAccessKey", "{\"AccessKeyId\":null}", "ValidationError",
	    NULL);
	err(f, "DeleteAccessKey", "{\"AccessKeyId\":7}", "ValidationError",
	    NULL);
	err(f, "DeleteAccessKey", "{\"AccessKeyId\":\"AKIA\"}",
	    "ValidationError",
	    "1 validation error detected: Value 'AKIA' at 'accessKeyId' "
	    "failed to satisfy constraint: Member must have length greater "
	    "than or equal to 16");
	err(f, "DeleteAccessKey", "{\"AccessKeyId\":\"AKIAAAAAAAAAAAAA-AAA\"}",
	    "ValidationError",
	    "1 validation error detected: Value at 'accessKeyId' failed to "
	    "satisfy constraint: Member must satisfy regular expression "
	    "pattern: [\\w]+");
	/* A well-formed id that does not exist. */
	err(f, "DeleteAccessKey", "{\"AccessKeyId\":\"AKIAIOSFODNN7EXAMPLE\"}",
	    "NoSuchEntity",
	    "The Access Key with id AKIAIOSFODNN7EXAMPLE cannot be found.");

	/* Not an object; not an action of this service; a read through
	 * prepare. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(f->svc->prepare(f->svc->state, "CreateAccessKey", arr,
					 ctx, NOW_MS, 0, &r),
			 SERVICE_ERROR);
	assert_string_equal(r.error_code, "ValidationError");
	memset(&r, 0, sizeof(r));
	assert_int_equal(f->svc->prepare(f->svc->state, "CreateUser", ctx, ctx,
					 NOW_MS, 0, &r),
			 SERVICE_ERROR);
	assert_string_equal(r.error_code, "InvalidAction");
	memset(&r, 0, sizeof(r));
	assert_int_equal(f->svc->prepare(f->svc->state, "ListAccessKeys", ctx,
					 ctx, NOW_MS, 0, &r),
			 SERVICE_ERROR);
	assert_string_equal(r.error_code, "InvalidAction");
	memset(&r, 0, sizeof(r));
	assert_int_equal(f->svc->read(f->svc->state, "CreateAccessKey", ctx,
				      ctx, NOW_MS, &r),
			 SERVICE_ERROR);
	assert_string_equal(r.error_code, "InvalidAction");
	assert_int_equal(json_object_size(ctx), 0);
	json_decref(arr);
	json_decref(ctx);
}

/* apply with contexts prepare would never make. */
static void test_bad_context(void **state)
{
	struct fx *f = *state;
	static const char *const ctxs[] = {
	    "{}",
	    "{\"AccessKeyId\":\"AKIAAAAAAAAAAAAAAAAA\"}",
	    "{\"SecretAccessKey\":"
	    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
	    "{\"AccessKeyId\":\"AKIAAAAAAAAAAAAAAAA1\",\"SecretAccessKey\":"
	    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
	    "{\"AccessKeyId\":\"AKIAAAAAAAAAAAAAAAAA\",\"SecretAccessKey\":"
	    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
	    "{\"AccessKeyId\":\"AKIAAAAAAAAAAAAAAAAA\",\"SecretAccessKey\":"
	    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\"}",
	    "{\"AccessKeyId\":7,\"SecretAccessKey\":[]}",
	};
	const char *good = "{\"AccessKeyId\":\"AKIAAAAAAAAAAAAAAAAA\","
			   "\"SecretAccessKey\":"
			   "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}";
	json_t *in = json_object(), *ctx;
	struct service_result r;
	size_t i;

	for (i = 0; i < sizeof(ctxs) / sizeof(ctxs[0]); i++) {
		ctx = parse(ctxs[i]);
		memset(&r, 0, sizeof(r));
		assert_int_equal(f->svc->apply(f->svc->state, "CreateAccessKey",
					       in, ctx, NOW_MS, &r),
				 SERVICE_ERROR);
		assert_string_equal(r.error_code, "ServiceFailure");
		assert_false(r.sender_fault);
		json_decref(ctx);
	}
	assert_int_equal(auth_key_count(f->svc), 0);
	ctx = parse(good);
	memset(&r, 0, sizeof(r));
	assert_int_equal(f->svc->apply(f->svc->state, "CreateAccessKey", in,
				       ctx, NOW_MS, &r),
			 SERVICE_OK);
	json_decref(r.output);
	/* The same id again (cannot come from prepare; still total). */
	memset(&r, 0, sizeof(r));
	assert_int_equal(f->svc->apply(f->svc->state, "CreateAccessKey", in,
				       ctx, NOW_MS, &r),
			 SERVICE_ERROR);
	assert_string_equal(r.error_code, "EntityAlreadyExists");
	assert_int_equal(auth_key_count(f->svc), 1);
	json_decref(ctx);
	json_decref(in);
}

static void test_limits(void **state)
{
	struct fx *f = *state;
	char ids[MAX_KEYS][32];
	size_t i, j;
	json_t *in = json_object(), *ctx;
	struct service_result r;

	for (i = 0; i < MAX_KEYS; i++) {
		create(f, ids[i], NULL);
		for (j = 0; j < i; j++) {
			assert_string_not_equal(ids[i], ids[j]);
		}
	}
	assert_int_equal(auth_key_count(f->svc), MAX_KEYS);
	err(f, "CreateAccessKey", "{}", "LimitExceeded",
	    "Cannot exceed quota for AccessKeysPerUser: 100.");
	/* A create prepared before the table filled up fails in apply, on
	 * every node alike. */
	ctx = parse("{\"AccessKeyId\":\"AKIAAAAAAAAAAAAAAAAA\","
		    "\"SecretAccessKey\":"
		    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}");
	memset(&r, 0, sizeof(r));
	assert_int_equal(f->svc->apply(f->svc->state, "CreateAccessKey", in,
				       ctx, NOW_MS, &r),
			 SERVICE_ERROR);
	assert_string_equal(r.error_code, "LimitExceeded");
	json_decref(ctx);
	json_decref(in);
	ok(f, "ListAccessKeys", "{}");
	assert_int_equal(
	    json_array_size(json_object_get(f->out, "AccessKeyMetadata")),
	    MAX_KEYS);
	/* Deleting one makes room again. */
	{
		char in2[64];

		snprintf(in2, sizeof(in2), "{\"AccessKeyId\":\"%s\"}", ids[0]);
		ok(f, "DeleteAccessKey", in2);
	}
	create(f, NULL, NULL);
}

/* Apply the same writes with the same contexts on a. */
static void apply_same(struct service *a, const char *action, const char *in,
		       const json_t *ctx, uint64_t now, json_t **out)
{
	json_t *j = parse(in);
	struct service_result r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(a->apply(a->state, action, j, ctx, now, &r),
			 SERVICE_OK);
	*out = r.output;
	json_decref(j);
}

static void test_determinism(void **state)
{
	struct fx *f = *state;
	struct service *b = new_svc(), *c = new_svc();
	json_t *ctxs[5], *oa, *ob;
	char del[64];
	size_t i;

	(void)f;
	/* The leader's prepares, on a. */
	for (i = 0; i < 5; i++) {
		json_t *in = json_object();
		struct service_result r;

		ctxs[i] = json_object();
		memset(&r, 0, sizeof(r));
		assert_int_equal(f->svc->prepare(f->svc->state,
						 "CreateAccessKey", in, ctxs[i],
						 NOW_MS, 0, &r),
				 SERVICE_OK);
		json_decref(in);
	}
	/* Every node applies the log: same outputs, same digests. */
	for (i = 0; i < 5; i++) {
		apply_same(f->svc, "CreateAccessKey", "{}", ctxs[i], NOW_MS + i,
			   &oa);
		apply_same(b, "CreateAccessKey", "{}", ctxs[i], NOW_MS + i,
			   &ob);
		assert_true(json_equal(oa, ob));
		json_decref(oa);
		json_decref(ob);
	}
	snprintf(del, sizeof(del), "{\"AccessKeyId\":\"%s\"}",
		 sget(ctxs[2], "AccessKeyId"));
	apply_same(f->svc, "DeleteAccessKey", del, ctxs[0], NOW_MS + 9, &oa);
	apply_same(b, "DeleteAccessKey", del, ctxs[0], NOW_MS + 9, &ob);
	assert_true(json_equal(oa, ob));
	json_decref(oa);
	json_decref(ob);
	assert_int_equal(f->svc->digest(f->svc->state), b->digest(b->state));

	/* The digest does not depend on the order keys were made in (the
	 * same keys, times and all), and it sees every difference. */
	for (i = 5; i-- > 0;) {
		if (i == 2) {
			continue;
		}
		apply_same(c, "CreateAccessKey", "{}", ctxs[i], NOW_MS + i,
			   &oa);
		json_decref(oa);
	}
	assert_int_equal(f->svc->digest(f->svc->state), c->digest(c->state));
	snprintf(del, sizeof(del), "{\"AccessKeyId\":\"%s\"}",
		 sget(ctxs[0], "AccessKeyId"));
	apply_same(c, "DeleteAccessKey", del, ctxs[0], NOW_MS, &oa);
	json_decref(oa);
	assert_int_not_equal(f->svc->digest(f->svc->state),
			     c->digest(c->state));
	{
		struct service *d = new_svc(), *e = new_svc();

		/* Same key, another create time. */
		apply_same(d, "CreateAccessKey", "{}", ctxs[0], NOW_MS + 1,
			   &oa);
		json_decref(oa);
		apply_same(e, "CreateAccessKey", "{}", ctxs[0], NOW_MS, &oa);
		json_decref(oa);
		assert_int_not_equal(d->digest(d->state), e->digest(e->state));
		d->destroy(d);
		e->destroy(e);
	}
	for (i = 0; i < 5; i++) {
		json_decref(ctxs[i]);
	}
	b->destroy(b);
	c->destroy(c);
}

/* Every key's secret as looked up, and the list, of s. */
static char *fingerprint(struct service *s)
{
	struct service_result r;
	json_t *in = json_object(), *ctx = json_object(), *meta;
	char got[SIGV4_SECRET_SIZE], *text;
	size_t i;

	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    s->read(s->state, "ListAccessKeys", in, ctx, NOW_MS, &r),
	    SERVICE_OK);
	meta = json_object_get(r.output, "AccessKeyMetadata");
	for (i = 0; i < json_array_size(meta); i++) {
		json_t *m = json_array_get(meta, i);

		assert_int_equal(
		    auth_lookup_secret(s, sget(m, "AccessKeyId"), got), 0);
		json_object_set_new(m, "Secret", json_string(got));
	}
	text = json_dumps(r.output, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(r.output);
	json_decref(in);
	json_decref(ctx);
	return text;
}

static void test_snapshot_roundtrip(void **state)
{
	struct fx *f = *state;
	struct service *b = new_svc();
	uint8_t *buf;
	size_t len, i;
	char *fa, *fb;

	/* Empty state. */
	assert_int_equal(f->svc->snapshot(f->svc->state, &buf, &len), 0);
	assert_int_equal(b->restore(b->state, buf, len), 0);
	assert_int_equal(f->svc->digest(f->svc->state), b->digest(b->state));
	free(buf);

	for (i = 0; i < 7; i++) {
		create(f, NULL, NULL);
	}
	assert_int_equal(f->svc->snapshot(f->svc->state, &buf, &len), 0);
	assert_int_equal(b->restore(b->state, buf, len), 0);
	assert_int_equal(f->svc->digest(f->svc->state), b->digest(b->state));
	assert_int_equal(auth_key_count(b), 7);
	fa = fingerprint(f->svc);
	fb = fingerprint(b);
	assert_string_equal(fa, fb);
	free(fa);
	free(fb);
	/* Restore replaces: b had keys of its own. */
	{
		struct service *c = new_svc();
		uint8_t *buf2;
		size_t len2;

		assert_int_equal(c->snapshot(c->state, &buf2, &len2), 0);
		assert_int_equal(b->restore(b->state, buf2, len2), 0);
		assert_int_equal(auth_key_count(b), 0);
		assert_int_equal(b->digest(b->state), c->digest(c->state));
		free(buf2);
		c->destroy(c);
	}
	free(buf);
	b->destroy(b);
}

static void test_restore_garbage(void **state)
{
	struct fx *f = *state;
	static const char *const bad[] = {
	    "",
	    "null",
	    "[]",
	    "{}",
	    "{\"Version\":2,\"Keys\":[]}",
	    "{\"Version\":\"1\",\"Keys\":[]}",
	    "{\"Version\":1}",
	    "{\"Version\":1,\"Keys\":{}}",
	    "{\"Version\":1,\"Keys\":[1]}",
	    "{\"Version\":1,\"Keys\":[{}]}",
	    "{\"Version\":1,\"Keys\":[{\"AccessKeyId\":"
	    "\"AKIAAAAAAAAAAAAAAAA1\","
	    "\"SecretAccessKey\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
	    "\"CreateMs\":1}]}",
	    "{\"Version\":1,\"Keys\":[{\"AccessKeyId\":"
	    "\"AKIAAAAAAAAAAAAAAAAA\","
	    "\"SecretAccessKey\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
	    "\"CreateMs\":1}]}",
	    "{\"Version\":1,\"Keys\":[{\"AccessKeyId\":"
	    "\"AKIAAAAAAAAAAAAAAAAA\","
	    "\"SecretAccessKey\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
	    "\"CreateMs\":-1}]}",
	    "{\"Version\":1,\"Keys\":[{\"AccessKeyId\":"
	    "\"AKIAAAAAAAAAAAAAAAAA\","
	    "\"SecretAccessKey\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}]"
	    "}",
	    /* duplicate ids */
	    "{\"Version\":1,\"Keys\":[{\"AccessKeyId\":"
	    "\"AKIAAAAAAAAAAAAAAAAA\","
	    "\"SecretAccessKey\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
	    "\"CreateMs\":1},{\"AccessKeyId\":\"AKIAAAAAAAAAAAAAAAAA\","
	    "\"SecretAccessKey\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
	    "\"CreateMs\":1}]}",
	    /* not in id order */
	    "{\"Version\":1,\"Keys\":[{\"AccessKeyId\":"
	    "\"AKIAAAAAAAAAAAAAAAAB\","
	    "\"SecretAccessKey\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
	    "\"CreateMs\":1},{\"AccessKeyId\":\"AKIAAAAAAAAAAAAAAAAA\","
	    "\"SecretAccessKey\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
	    "\"CreateMs\":1}]}",
	    /* duplicate member */
	    "{\"Version\":1,\"Version\":1,\"Keys\":[]}",
	};
	uint8_t *good, *buf;
	size_t good_len, i, n;
	uint64_t before;
	char *fp_before, *fp;
	char big[64 * 1024];

	for (i = 0; i < 3; i++) {
		create(f, NULL, NULL);
	}
	before = f->svc->digest(f->svc->state);
	fp_before = fingerprint(f->svc);
	assert_int_equal(f->svc->snapshot(f->svc->state, &good, &good_len), 0);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (f->svc->restore(f->svc->state, (const uint8_t *)bad[i],
				    strlen(bad[i])) != -1) {
			fail_msg("restore accepted %s", bad[i]);
		}
	}
	assert_int_equal(f->svc->restore(f->svc->state, NULL, 0), -1);
	/* Every truncation of a good snapshot. */
	for (n = 0; n < good_len; n++) {
		assert_int_equal(f->svc->restore(f->svc->state, good, n), -1);
	}
	/* Every single-byte change either fails or is a valid state. */
	buf = malloc(good_len);
	for (n = 0; n < good_len; n++) {
		memcpy(buf, good, good_len);
		buf[n] ^= 0x20;
		if (f->svc->restore(f->svc->state, buf, good_len) == 0) {
			/* Accepted: put the good state back. */
			assert_int_equal(
			    f->svc->restore(f->svc->state, good, good_len), 0);
		}
	}
	free(buf);
	/* 101 keys. */
	n = (size_t)snprintf(big, sizeof(big), "{\"Version\":1,\"Keys\":[");
	for (i = 0; i <= MAX_KEYS; i++) {
		n += (size_t)snprintf(
		    big + n, sizeof(big) - n,
		    "%s{\"AccessKeyId\":\"AKIAAAAAAAAAAAAAA%c%c%c\","
		    "\"SecretAccessKey\":"
		    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
		    "\"CreateMs\":1}",
		    i ? "," : "", 'A' + (int)(i / 26 / 26 % 26),
		    'A' + (int)(i / 26 % 26), 'A' + (int)(i % 26));
	}
	snprintf(big + n, sizeof(big) - n, "]}");
	assert_int_equal(
	    f->svc->restore(f->svc->state, (const uint8_t *)big, strlen(big)),
	    -1);

	assert_int_equal(f->svc->digest(f->svc->state), before);
	fp = fingerprint(f->svc);
	assert_string_equal(fp, fp_before);
	free(fp);
	free(fp_before);
	free(good);
}

/* ---------------- another thread ---------------- */

struct reader {
	struct service *svc;
	volatile int stop;
	unsigned long lookups;
};

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	char secret[SIGV4_SECRET_SIZE];

	while (!rd->stop) {
		size_t n = auth_key_count(rd->svc);

		assert_true(n <= MAX_KEYS);
		(void)auth_lookup_secret(rd->svc, "AKIAAAAAAAAAAAAAAAAA",
					 secret);
		rd->lookups++;
	}
	return NULL;
}

static void test_concurrent_lookups(void **state)
{
	struct fx *f = *state;
	struct reader rd = {.svc = f->svc};
	pthread_t t;
	char id[32], in[64];
	int i;

	assert_int_equal(pthread_create(&t, NULL, reader_main, &rd), 0);
	for (i = 0; i < 300; i++) {
		create(f, id, NULL);
		snprintf(in, sizeof(in), "{\"AccessKeyId\":\"%s\"}", id);
		ok(f, "DeleteAccessKey", in);
	}
	rd.stop = 1;
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(auth_key_count(f->svc), 0);
}

int main(void)
{
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_create_list_delete), T(test_validation),
	    T(test_bad_context),	T(test_limits),
	    T(test_determinism),	T(test_snapshot_roundtrip),
	    T(test_restore_garbage),	T(test_concurrent_lookups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
