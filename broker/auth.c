/* auth — the replicated access keys (see auth.h): the service object
 * (CreateAccessKey, ListAccessKeys, DeleteAccessKey with IAM's names,
 * shapes and errors), its snapshot, digest, and the thread-safe lookups.
 *
 * State: at most AUTH_MAX_KEYS keys in an array sorted by id. The loop
 * thread changes it (apply, restore) and the HTTP thread reads it
 * (auth_key_count, auth_lookup_secret), so every access holds the mutex.
 *
 * Errors (IAM's codes): ValidationError (a missing or malformed
 * AccessKeyId), NoSuchEntity (no such key), LimitExceeded (more than
 * AUTH_MAX_KEYS keys), ServiceFailure (no randomness; a log entry whose
 * context is not what prepare makes).
 *
 * Snapshot format: JSON, {"Version": 1, "Keys": [{"AccessKeyId",
 * "SecretAccessKey", "CreateMs"}]} in id order. Restore checks every field
 * and swaps the new keys in only when all are valid.
 *
 * Secrets are never logged: they appear only in CreateAccessKey's output,
 * the log entry's context and the snapshot, which the cluster must keep as
 * secret as the keys themselves. */
#include "auth.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <openssl/crypto.h>

#include "u64map.h"

/* At most this many keys (IAM allows 2 per user; a cluster has one
 * "user"). */
#define AUTH_MAX_KEYS	      100
#define AUTH_SNAPSHOT_VERSION 1
#define KEY_ID_PREFIX	      "AKIA"
#define KEY_ID_LEN	      20 /* "AKIA" + 16 of [A-Z2-7] */
#define KEY_SECRET_LEN	      40 /* of [A-Za-z0-9+/] */
/* IAM's AccessKeyId constraints: 16..128 word characters. */
#define KEY_ID_MIN 16
#define KEY_ID_MAX 128

static const char ID_ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const char SECRET_ALPHABET[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

struct auth_key {
	char id[KEY_ID_LEN + 1];
	char secret[KEY_SECRET_LEN + 1];
	uint64_t created_ms; /* apply's now_ms */
};

struct auth_state {
	/* Guards keys and n_keys: apply/restore (loop thread) write them,
	 * the lookups (any thread) read them. */
	pthread_mutex_t mu;
	struct auth_key keys[AUTH_MAX_KEYS]; /* sorted by id */
	size_t n_keys;
};

/* ---------------- helpers ---------------- */

static int auth_err(struct service_result *r, const char *code, bool sender,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int auth_err(struct service_result *r, const char *code, bool sender,
		    const char *fmt, ...)
{
	va_list ap;

	r->error_code = code;
	r->sender_fault = sender;
	va_start(ap, fmt);
	vsnprintf(r->error_message, sizeof(r->error_message), fmt, ap);
	va_end(ap);
	return -1;
}

static bool chars_in(const char *s, size_t n, const char *alphabet)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\0' || strchr(alphabet, s[i]) == NULL) {
			return false;
		}
	}
	return s[n] == '\0';
}

/* Whether id / secret have exactly the shape prepare makes. */
static bool key_id_ok(const char *id)
{
	return id != NULL && strlen(id) == KEY_ID_LEN &&
	       strncmp(id, KEY_ID_PREFIX, 4) == 0 &&
	       chars_in(id + 4, KEY_ID_LEN - 4, ID_ALPHABET);
}

static bool secret_ok(const char *s)
{
	return s != NULL && strlen(s) == KEY_SECRET_LEN &&
	       chars_in(s, KEY_SECRET_LEN, SECRET_ALPHABET);
}

/* Index of id in the sorted keys, or where it would go. Caller holds mu. */
static size_t key_pos(const struct auth_state *st, const char *id, bool *found)
{
	size_t lo = 0, hi = st->n_keys;

	*found = false;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(st->keys[mid].id, id);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

/* AWS's ISO 8601 form, "2026-11-27T09:10:00Z". */
static void iso8601(uint64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		snprintf(out, 32, "1970-01-01T00:00:00Z");
	}
}

/* n random characters of alphabet (of 32 or 64 characters, so that
 * masking a uniform byte keeps them uniform). 0, or -1 (no randomness). */
static int random_chars(char *out, size_t n, const char *alphabet)
{
	uint8_t b[64];
	size_t got = 0, i, mask = strlen(alphabet) - 1;

	if (n > sizeof(b)) {
		return -1;
	}
	while (got < n) {
		ssize_t k = getrandom(b + got, n - got, 0);

		if (k > 0) {
			got += (size_t)k;
		} else if (k < 0 && errno != EINTR) {
			return -1;
		}
	}
	for (i = 0; i < n; i++) {
		out[i] = alphabet[b[i] & mask];
	}
	out[n] = '\0';
	OPENSSL_cleanse(b, sizeof(b));
	return 0;
}

/* The AccessKeyId of a request, checked as IAM checks it. */
static const char *input_key_id(const json_t *in, struct service_result *r)
{
	const json_t *v = json_object_get(in, "AccessKeyId");
	const char *id = json_string_value(v);
	size_t i, n;

	if (v == NULL || json_is_null(v)) {
		auth_err(r, "ValidationError", true,
			 "1 validation error detected: Value null at "
			 "'accessKeyId' failed to satisfy constraint: Member "
			 "must not be null");
		return NULL;
	}
	if (id == NULL) {
		auth_err(r, "ValidationError", true,
			 "1 validation error detected: Value at 'accessKeyId' "
			 "failed to satisfy constraint: Member must be a "
			 "string");
		return NULL;
	}
	n = strlen(id);
	for (i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_')) {
			break;
		}
	}
	if (n < KEY_ID_MIN || n > KEY_ID_MAX) {
		auth_err(r, "ValidationError", true,
			 "1 validation error detected: Value '%.*s' at "
			 "'accessKeyId' failed to satisfy constraint: Member "
			 "must have length %s %d",
			 i < n ? 0 : (int)(n > 32 ? 32 : n), id,
			 n < KEY_ID_MIN ? "greater than or equal to"
					: "less than or equal to",
			 n < KEY_ID_MIN ? KEY_ID_MIN : KEY_ID_MAX);
		return NULL;
	}
	if (i < n) {
		/* The value is not quoted: it may not be printable. */
		auth_err(r, "ValidationError", true,
			 "1 validation error detected: Value at 'accessKeyId' "
			 "failed to satisfy constraint: Member must satisfy "
			 "regular expression pattern: [\\w]+");
		return NULL;
	}
	return id;
}

static json_t *key_json(const struct auth_key *k, bool with_secret)
{
	char date[32];
	json_t *o;

	iso8601(k->created_ms, date);
	o = json_object();
	if (o == NULL) {
		return NULL;
	}
	json_object_set_new(o, "AccessKeyId", json_string(k->id));
	if (with_secret) {
		json_object_set_new(o, "SecretAccessKey",
				    json_string(k->secret));
	}
	json_object_set_new(o, "Status", json_string("Active"));
	json_object_set_new(o, "CreateDate", json_string(date));
	return o;
}

/* ---------------- actions ---------------- */

static const struct service_action actions[] = {
    {"CreateAccessKey", SERVICE_ACTION_WRITE, .grows_state = true},
    {"DeleteAccessKey", SERVICE_ACTION_WRITE},
    {"ListAccessKeys", SERVICE_ACTION_READ},
};

static bool action_grows(const char *action)
{
	return service_action_grows(
	    actions, sizeof(actions) / sizeof(actions[0]), action);
}

static enum service_action_kind action_kind(const char *action)
{
	return service_action_find(
	    actions, sizeof(actions) / sizeof(actions[0]), action);
}

static enum service_status check_request(const char *action,
					 enum service_action_kind want,
					 const json_t *input,
					 struct service_result *r)
{
	if (action_kind(action) != want) {
		auth_err(r, "InvalidAction", true,
			 "The action %s is not valid for this endpoint.",
			 action);
		return SERVICE_ERROR;
	}
	if (!json_is_object(input)) {
		auth_err(r, "ValidationError", true,
			 "The request must be a JSON object.");
		return SERVICE_ERROR;
	}
	return SERVICE_OK;
}

static enum service_status prepare(void *state, const char *action,
				   const json_t *input, json_t *context,
				   uint64_t now_ms, uint32_t waited_ms,
				   struct service_result *r)
{
	struct auth_state *st = state;
	char id[KEY_ID_LEN + 1], secret[KEY_SECRET_LEN + 1];
	enum service_status res = SERVICE_OK;
	size_t n;
	bool found;

	(void)now_ms;
	(void)waited_ms; /* nothing waits */
	if (check_request(action, SERVICE_ACTION_WRITE, input, r) !=
	    SERVICE_OK) {
		return SERVICE_ERROR;
	}
	if (strcmp(action, "DeleteAccessKey") == 0) {
		const char *kid = input_key_id(input, r);

		if (kid == NULL) {
			return SERVICE_ERROR;
		}
		pthread_mutex_lock(&st->mu);
		key_pos(st, kid, &found);
		pthread_mutex_unlock(&st->mu);
		if (!found) {
			auth_err(r, "NoSuchEntity", true,
				 "The Access Key with id %s cannot be found.",
				 kid);
			return SERVICE_ERROR;
		}
		return SERVICE_OK;
	}
	/* CreateAccessKey */
	pthread_mutex_lock(&st->mu);
	n = st->n_keys;
	pthread_mutex_unlock(&st->mu);
	if (n >= AUTH_MAX_KEYS) {
		auth_err(r, "LimitExceeded", true,
			 "Cannot exceed quota for AccessKeysPerUser: %d.",
			 AUTH_MAX_KEYS);
		return SERVICE_ERROR;
	}
	memcpy(id, KEY_ID_PREFIX, 4);
	if (random_chars(id + 4, KEY_ID_LEN - 4, ID_ALPHABET) != 0 ||
	    random_chars(secret, KEY_SECRET_LEN, SECRET_ALPHABET) != 0) {
		auth_err(r, "ServiceFailure", false,
			 "No randomness to make an access key: %s.",
			 strerror(errno));
		res = SERVICE_ERROR;
	} else if (json_object_set_new(context, "AccessKeyId",
				       json_string(id)) != 0 ||
		   json_object_set_new(context, "SecretAccessKey",
				       json_string(secret)) != 0) {
		auth_err(r, "ServiceFailure", false, "Out of memory.");
		res = SERVICE_ERROR;
	}
	OPENSSL_cleanse(secret, sizeof(secret));
	return res;
}

static enum service_status create_key(struct auth_state *st, const json_t *ctx,
				      uint64_t now_ms, struct service_result *r)
{
	const char *id = json_string_value(json_object_get(ctx, "AccessKeyId"));
	const char *secret =
	    json_string_value(json_object_get(ctx, "SecretAccessKey"));
	struct auth_key k;
	json_t *out;
	size_t i;
	bool found;

	if (!key_id_ok(id) || !secret_ok(secret)) {
		auth_err(r, "ServiceFailure", false,
			 "The request's context has no valid access key.");
		return SERVICE_ERROR;
	}
	memset(&k, 0, sizeof(k));
	memcpy(k.id, id, KEY_ID_LEN);
	memcpy(k.secret, secret, KEY_SECRET_LEN);
	k.created_ms = now_ms;
	out = json_pack("{s:o}", "AccessKey", key_json(&k, true));
	if (out == NULL) {
		OPENSSL_cleanse(&k, sizeof(k));
		auth_err(r, "ServiceFailure", false, "Out of memory.");
		return SERVICE_ERROR;
	}
	pthread_mutex_lock(&st->mu);
	i = key_pos(st, id, &found);
	if (found || st->n_keys >= AUTH_MAX_KEYS) {
		pthread_mutex_unlock(&st->mu);
		OPENSSL_cleanse(&k, sizeof(k));
		json_decref(out);
		if (found) {
			auth_err(r, "EntityAlreadyExists", true,
				 "The Access Key with id %s already exists.",
				 id);
		} else {
			auth_err(r, "LimitExceeded", true,
				 "Cannot exceed quota for AccessKeysPerUser: "
				 "%d.",
				 AUTH_MAX_KEYS);
		}
		return SERVICE_ERROR;
	}
	memmove(st->keys + i + 1, st->keys + i,
		(st->n_keys - i) * sizeof(st->keys[0]));
	st->keys[i] = k;
	st->n_keys++;
	pthread_mutex_unlock(&st->mu);
	OPENSSL_cleanse(&k, sizeof(k));
	r->output = out;
	return SERVICE_OK;
}

static enum service_status delete_key(struct auth_state *st, const json_t *in,
				      struct service_result *r)
{
	const char *id = input_key_id(in, r);
	size_t i;
	bool found;

	if (id == NULL) {
		return SERVICE_ERROR;
	}
	pthread_mutex_lock(&st->mu);
	i = key_pos(st, id, &found);
	if (found) {
		OPENSSL_cleanse(&st->keys[i], sizeof(st->keys[i]));
		memmove(st->keys + i, st->keys + i + 1,
			(st->n_keys - i - 1) * sizeof(st->keys[0]));
		st->n_keys--;
	}
	pthread_mutex_unlock(&st->mu);
	if (!found) {
		auth_err(r, "NoSuchEntity", true,
			 "The Access Key with id %s cannot be found.", id);
		return SERVICE_ERROR;
	}
	r->output = json_object();
	return r->output != NULL ? SERVICE_OK : SERVICE_ERROR;
}

static enum service_status apply(void *state, const char *action,
				 const json_t *in, const json_t *ctx,
				 uint64_t now_ms, struct service_result *r)
{
	struct auth_state *st = state;

	if (check_request(action, SERVICE_ACTION_WRITE, in, r) != SERVICE_OK) {
		return SERVICE_ERROR;
	}
	if (strcmp(action, "CreateAccessKey") == 0) {
		return create_key(st, ctx, now_ms, r);
	}
	return delete_key(st, in, r);
}

static enum service_status read_action(void *state, const char *action,
				       const json_t *in, const json_t *ctx,
				       uint64_t now_ms,
				       struct service_result *r)
{
	struct auth_state *st = state;
	json_t *list, *out;
	size_t i;

	(void)ctx;
	(void)now_ms;
	if (check_request(action, SERVICE_ACTION_READ, in, r) != SERVICE_OK) {
		return SERVICE_ERROR;
	}
	/* ListAccessKeys: every key, in id order, without secrets. */
	list = json_array();
	out = json_pack("{s:o}", "AccessKeyMetadata", list);
	if (out == NULL) {
		auth_err(r, "ServiceFailure", false, "Out of memory.");
		return SERVICE_ERROR;
	}
	pthread_mutex_lock(&st->mu);
	for (i = 0; i < st->n_keys; i++) {
		json_array_append_new(list, key_json(&st->keys[i], false));
	}
	pthread_mutex_unlock(&st->mu);
	if (json_array_size(list) != i) {
		json_decref(out);
		auth_err(r, "ServiceFailure", false, "Out of memory.");
		return SERVICE_ERROR;
	}
	r->output = out;
	return SERVICE_OK;
}

/* ---------------- snapshot, restore, digest ---------------- */

static int snapshot(const void *state, uint8_t **buf, size_t *len)
{
	struct auth_state *st = (struct auth_state *)state;
	json_t *keys = json_array(), *doc;
	char *text;
	size_t i;
	int rc = 0;

	doc = json_pack("{s:i,s:o}", "Version", AUTH_SNAPSHOT_VERSION, "Keys",
			keys);
	if (doc == NULL) {
		return -1;
	}
	/* No lock: only the loop thread writes the keys (mu keeps other
	 * threads' lookups consistent), and snapshots may run in a forked
	 * child (fsm.c), where a lock another thread held at fork time would
	 * never be released. */
	for (i = 0; i < st->n_keys && rc == 0; i++) {
		const struct auth_key *k = &st->keys[i];

		rc = json_array_append_new(
		    keys, json_pack("{s:s,s:s,s:I}", "AccessKeyId", k->id,
				    "SecretAccessKey", k->secret, "CreateMs",
				    (json_int_t)k->created_ms));
	}
	text = rc == 0 ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (text == NULL) {
		return -1;
	}
	*len = strlen(text);
	*buf = (uint8_t *)text;
	return 0;
}

static int restore(void *state, const uint8_t *buf, size_t len)
{
	struct auth_state *st = state;
	struct auth_key *keys;
	json_t *doc, *arr, *v;
	size_t i, n;
	int rc = -1;

	if (buf == NULL && len > 0) {
		return -1;
	}
	doc = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
	v = json_object_get(doc, "Version");
	arr = json_object_get(doc, "Keys");
	if (!json_is_object(doc) || !json_is_integer(v) ||
	    json_integer_value(v) != AUTH_SNAPSHOT_VERSION ||
	    !json_is_array(arr) || json_array_size(arr) > AUTH_MAX_KEYS) {
		json_decref(doc);
		return -1;
	}
	n = json_array_size(arr);
	keys = calloc(AUTH_MAX_KEYS, sizeof(*keys));
	if (keys == NULL) {
		json_decref(doc);
		return -1;
	}
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);
		const char *id =
		    json_string_value(json_object_get(e, "AccessKeyId"));
		const char *secret =
		    json_string_value(json_object_get(e, "SecretAccessKey"));
		json_t *ms = json_object_get(e, "CreateMs");

		if (!json_is_object(e) || !key_id_ok(id) ||
		    !secret_ok(secret) || !json_is_integer(ms) ||
		    json_integer_value(ms) < 0 ||
		    (i > 0 && strcmp(keys[i - 1].id, id) >= 0)) {
			goto out; /* also: not sorted, or a duplicate id */
		}
		memcpy(keys[i].id, id, KEY_ID_LEN + 1);
		memcpy(keys[i].secret, secret, KEY_SECRET_LEN + 1);
		keys[i].created_ms = (uint64_t)json_integer_value(ms);
	}
	pthread_mutex_lock(&st->mu);
	OPENSSL_cleanse(st->keys, sizeof(st->keys));
	memcpy(st->keys, keys, n * sizeof(*keys));
	st->n_keys = n;
	pthread_mutex_unlock(&st->mu);
	rc = 0;
out:
	OPENSSL_cleanse(keys, AUTH_MAX_KEYS * sizeof(*keys));
	free(keys);
	json_decref(doc);
	return rc;
}

static uint64_t digest(const void *state)
{
	struct auth_state *st = (struct auth_state *)state;
	uint64_t sum = 0;
	size_t i;

	pthread_mutex_lock(&st->mu);
	for (i = 0; i < st->n_keys; i++) {
		const struct auth_key *k = &st->keys[i];
		uint64_t h = 0xcbf29ce484222325ULL;

		h = u64_hash_bytes(k->id, strlen(k->id) + 1, h);
		h = u64_hash_bytes(k->secret, strlen(k->secret) + 1, h);
		h = u64_hash_bytes(&k->created_ms, sizeof(k->created_ms), h);
		sum += u64_mix(h);
	}
	sum += st->n_keys;
	pthread_mutex_unlock(&st->mu);
	return u64_mix(sum ^ 0xa17bu);
}

/* ---------------- life and lookups ---------------- */

static void destroy(struct service *svc)
{
	struct auth_state *st;

	if (svc == NULL) {
		return;
	}
	st = svc->state;
	OPENSSL_cleanse(st->keys, sizeof(st->keys));
	pthread_mutex_destroy(&st->mu);
	free(st);
	free(svc);
}

struct service *auth_service_new(const struct service_env *env)
{
	struct service *svc = calloc(1, sizeof(*svc));
	struct auth_state *st = calloc(1, sizeof(*st));

	(void)env; /* keys belong to no region or account */
	if (svc == NULL || st == NULL ||
	    pthread_mutex_init(&st->mu, NULL) != 0) {
		free(svc);
		free(st);
		return NULL;
	}
	svc->name = "auth";
	svc->state = st;
	svc->action_kind = action_kind;
	svc->action_grows = action_grows;
	svc->prepare = prepare;
	svc->apply = apply;
	svc->read = read_action;
	svc->snapshot = snapshot;
	svc->restore = restore;
	svc->digest = digest;
	svc->destroy = destroy;
	return svc;
}

size_t auth_key_count(struct service *auth)
{
	struct auth_state *st = auth->state;
	size_t n;

	pthread_mutex_lock(&st->mu);
	n = st->n_keys;
	pthread_mutex_unlock(&st->mu);
	return n;
}

int auth_lookup_secret(void *auth, const char *access_key_id,
		       char secret[SIGV4_SECRET_SIZE])
{
	struct auth_state *st = ((struct service *)auth)->state;
	size_t i;
	bool found;

	if (access_key_id == NULL) {
		return -1;
	}
	pthread_mutex_lock(&st->mu);
	i = key_pos(st, access_key_id, &found);
	if (found) {
		memcpy(secret, st->keys[i].secret, KEY_SECRET_LEN + 1);
	}
	pthread_mutex_unlock(&st->mu);
	return found ? 0 : -1;
}
