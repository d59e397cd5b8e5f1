/* Unit tests of backup and restore without raft: the backup file format
 * (proto/backup_file.h: every truncation and every flipped byte refused
 * with a clear message; st_backup_check's error) and the state machine's
 * restore (broker/fsm_restore.c: staged chunks invisible until the commit,
 * the commit all or nothing, a raft snapshot taken mid-restore carries the
 * staging, refusals). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth.h"
#include "backup_file.h"
#include "fsm.h"
#include "services.h"
#include "stratus.h"
#include "wire.h"

#define NODE_ID 1

/* ---- the file format ----------------------------------------------------- */

static uint8_t *sample_file(size_t payload_len, size_t *len)
{
	struct backup_header h = {.applied_index = 1234,
				  .term = 7,
				  .created_ms = 1700000000000,
				  .content_digest = 0xfeedface};
	uint8_t *payload = malloc(payload_len + 1), *file;

	for (size_t i = 0; i < payload_len; i++) {
		payload[i] = (uint8_t)(i * 31 + 7);
	}
	assert_int_equal(
	    backup_file_build(&h, payload, payload_len, &file, len), 0);
	free(payload);
	return file;
}

static void test_file_round_trip(void **state)
{
	struct backup_header h;
	const uint8_t *payload;
	char why[256];
	size_t len;
	uint8_t *file = sample_file(1000, &len);
	(void)state;

	assert_int_equal(len, BACKUP_FILE_HEADER_BYTES + 1000);
	assert_memory_equal(file, "STRATUSB", 8);
	assert_int_equal(
	    backup_file_parse(file, len, &h, &payload, why, sizeof why), 0);
	assert_int_equal(h.version, BACKUP_FILE_VERSION);
	assert_int_equal(h.applied_index, 1234);
	assert_int_equal(h.term, 7);
	assert_int_equal(h.payload_bytes, 1000);
	assert_int_equal(h.created_ms, 1700000000000);
	assert_int_equal(h.content_digest, 0xfeedface);
	assert_ptr_equal(payload, file + BACKUP_FILE_HEADER_BYTES);
	assert_int_equal(payload[999], (uint8_t)(999 * 31 + 7));
	free(file);
}

/* Every proper prefix is refused as truncated (or, below 8 bytes of a
 * valid file, still as truncated: the magic matches so far). */
static void test_file_truncated(void **state)
{
	struct backup_header h;
	const uint8_t *payload;
	char why[256];
	size_t len;
	uint8_t *file = sample_file(300, &len);
	(void)state;

	for (size_t n = 0; n < len; n++) {
		why[0] = '\0';
		int rv = backup_file_parse(n ? file : NULL, n, &h, &payload,
					   why, sizeof why);
		assert_int_equal(rv, BACKUP_FILE_ERR_TRUNCATED);
		assert_non_null(strstr(why, "truncated"));
		assert_null(payload);
	}
	free(file);
}

/* Flipping any bit of any byte is caught; the message names the damage. */
static void test_file_every_flip_detected(void **state)
{
	struct backup_header h;
	const uint8_t *payload;
	char why[256];
	size_t len;
	uint8_t *file = sample_file(200, &len);
	(void)state;

	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit += 3) {
			file[i] ^= (uint8_t)(1u << bit);
			why[0] = '\0';
			int rv = backup_file_parse(file, len, &h, &payload, why,
						   sizeof why);
			assert_int_not_equal(rv, 0);
			assert_true(why[0] != '\0');
			if (i >= BACKUP_FILE_HEADER_BYTES) {
				assert_int_equal(rv, BACKUP_FILE_ERR_CHECKSUM);
				assert_string_equal(
				    why, "checksum mismatch: the file is "
					 "damaged");
			}
			file[i] ^= (uint8_t)(1u << bit);
		}
	}
	assert_int_equal(
	    backup_file_parse(file, len, &h, &payload, why, sizeof why), 0);
	free(file);
}

static void test_file_named_errors(void **state)
{
	struct backup_header h;
	const uint8_t *payload;
	char why[256];
	size_t len;
	uint8_t *file = sample_file(64, &len), *longer;
	(void)state;

	/* Not a backup at all. */
	assert_int_equal(backup_file_parse((const uint8_t *)"hello, world", 12,
					   &h, &payload, why, sizeof why),
			 BACKUP_FILE_ERR_MAGIC);
	assert_non_null(strstr(why, "not a Stratus backup"));
	/* A newer format. */
	file[8] = 2;
	assert_int_equal(
	    backup_file_parse(file, len, &h, &payload, why, sizeof why),
	    BACKUP_FILE_ERR_VERSION);
	assert_non_null(strstr(why, "version 2 is not supported"));
	file[8] = 1;
	/* Trailing garbage. */
	longer = malloc(len + 1);
	memcpy(longer, file, len);
	longer[len] = 0;
	assert_int_equal(
	    backup_file_parse(longer, len + 1, &h, &payload, why, sizeof why),
	    BACKUP_FILE_ERR_SIZE);
	assert_non_null(strstr(why, "unexpected bytes"));
	/* An absurd payload size is refused before anything is read. */
	memset(file + 32, 0xff, 8);
	assert_int_equal(
	    backup_file_parse(file, len, &h, &payload, why, sizeof why),
	    BACKUP_FILE_ERR_SIZE);
	free(longer);
	free(file);
}

/* The library's check: an InvalidBackup error with the reason. */
static void test_st_backup_check(void **state)
{
	st_backup_info info;
	st_error err;
	size_t len;
	uint8_t *file = sample_file(50, &len);
	(void)state;

	assert_int_equal(st_backup_check(file, len, &info, &err), 0);
	assert_int_equal(info.applied_index, 1234);
	assert_int_equal(info.total_bytes, len);
	file[len - 1] ^= 1;
	assert_int_equal(st_backup_check(file, len, &info, &err),
			 ST_ERR_INVALID_PARAM);
	assert_string_equal(err.name, "InvalidBackup");
	assert_string_equal(err.message,
			    "backup file: checksum mismatch: the file is "
			    "damaged");
	assert_int_equal(st_backup_check(file, len - 10, &info, &err),
			 ST_ERR_INVALID_PARAM);
	assert_non_null(strstr(err.message, "truncated"));
	free(file);
}

/* ---- the state machine --------------------------------------------------- */

/* The last result the fsm handed back for this node's batches. */
struct sink {
	struct wire_response resp;
	bool have;
	char name[64], message[512];
	uint32_t code;
	bool has_backup;
	struct wire_backup_info backup;
};

static void sink_cb(void *ctx, uint64_t nonce, size_t index,
		    const uint8_t *response, size_t len)
{
	struct sink *s = ctx;
	struct wire_response r;

	assert_int_equal(wire_response_decode(response, len, &r), 0);
	assert_int_equal(r.n_results, 1);
	s->have = true;
	s->code = r.results[0].code;
	snprintf(s->name, sizeof s->name, "%s", r.results[0].error_name);
	snprintf(s->message, sizeof s->message, "%s",
		 r.results[0].error_message);
	s->has_backup = r.results[0].has_backup;
	s->backup = r.results[0].backup;
	wire_response_release(&r);
}

static const struct service_env env = {"us-east-1", "000000000000", NULL, NULL};

static void fsm_new(struct fsm *f, struct sink *s)
{
	assert_int_equal(fsm_init(f, NODE_ID, sink_cb, s), 0);
	assert_int_equal(services_register(f, &env), 0);
}

static uint64_t clock_ms = 1700000000000;
static uint64_t next_seq = 1;

/* Apply one op as a command of a batch this node proposed, to f and (the
 * same entry) to also when not NULL; the results are in the sinks. */
static void apply_op2(struct fsm *f, struct fsm *also, const struct wire_op *op)
{
	struct wire_request r = {.client_id = 77,
				 .seq = next_seq++,
				 .ops = (struct wire_op *)op,
				 .n_ops = 1};
	struct wire_bytes c;
	uint8_t *cmd;
	struct wire_batch b = {.leader_time_ms = clock_ms += 10,
			       .leader_id = NODE_ID,
			       .nonce = 1,
			       .commands = &c,
			       .n_commands = 1};
	void *buf;
	size_t len;

	assert_int_equal(wire_request_encode(&r, &cmd, &c.len), 0);
	c.data = cmd;
	assert_int_equal(wire_batch_encode(&b, 64, NULL, &buf, &len), 0);
	assert_int_equal(fsm_apply_entry(f, buf, len), 0);
	if (also != NULL) {
		assert_int_equal(fsm_apply_entry(also, buf, len), 0);
	}
	free(buf);
	free(cmd);
}

static void apply_op(struct fsm *f, const struct wire_op *op)
{
	apply_op2(f, NULL, op);
}

/* A service call the way the leader makes it: prepare fills the context,
 * then the command is applied. Returns the sink's code. */
static uint32_t call_svc(struct fsm *f, struct sink *s, const char *service,
			 const char *action, const char *input)
{
	struct service *svc = fsm_find_service(f, service);
	struct service_result r = {0};
	json_t *in = json_loads(input, 0, NULL), *ctx = json_object();
	char *ctx_text;

	assert_non_null(in);
	json_object_set_new(ctx, "Endpoint",
			    json_string("http://127.0.0.1:7112"));
	assert_int_equal(
	    svc->prepare(svc->state, action, in, ctx, clock_ms, 0, &r),
	    SERVICE_OK);
	ctx_text = json_dumps(ctx, JSON_COMPACT | JSON_SORT_KEYS);
	struct wire_op op = {.type = WIRE_OP_SERVICE_CALL,
			     .service = service,
			     .action = action,
			     .input = (const uint8_t *)input,
			     .input_len = strlen(input),
			     .context = (const uint8_t *)ctx_text,
			     .context_len = strlen(ctx_text)};
	s->have = false;
	apply_op(f, &op);
	assert_true(s->have);
	free(ctx_text);
	json_decref(in);
	json_decref(ctx);
	return s->code;
}

static uint32_t call(struct fsm *f, struct sink *s, const char *action,
		     const char *input)
{
	return call_svc(f, s, "sqs", action, input);
}

/* A source state: kv keys, a queue with two messages, one of them in
 * flight. Returns the backup file (malloc'd) of it. */
static uint8_t *source_backup(struct fsm *a, struct sink *s, size_t *len)
{
	struct backup_header h = {.applied_index = 42, .term = 3};
	char key[32], value[64];
	void *snap;
	size_t snap_len;
	uint8_t *file;

	fsm_new(a, s);
	for (int i = 0; i < 200; i++) {
		snprintf(key, sizeof key, "key-%03d", i);
		snprintf(value, sizeof value, "value %d", i * i);
		struct wire_op op = {.type = WIRE_OP_KV_PUT,
				     .key = key,
				     .value = (const uint8_t *)value,
				     .value_len = strlen(value)};
		apply_op(a, &op);
	}
	const char *url = "http://127.0.0.1:7112/000000000000/orders";
	char send[256];
	assert_int_equal(
	    call(a, s, "CreateQueue", "{\"QueueName\":\"orders\"}"), WIRE_OK);
	for (int i = 0; i < 2; i++) {
		snprintf(send, sizeof send,
			 "{\"QueueUrl\":\"%s\",\"MessageBody\":\"m%d\"}", url,
			 i);
		assert_int_equal(call(a, s, "SendMessage", send), WIRE_OK);
	}
	snprintf(send, sizeof send,
		 "{\"QueueUrl\":\"%s\",\"VisibilityTimeout\":600}", url);
	assert_int_equal(call(a, s, "ReceiveMessage", send), WIRE_OK);
	h.content_digest = fsm_content_digest(a);
	assert_int_equal(fsm_snapshot(a, malloc, &snap, &snap_len), 0);
	assert_int_equal(backup_file_build(&h, snap, snap_len, &file, len), 0);
	free(snap);
	return file;
}

static void restore_op2(struct fsm *f, struct fsm *also, struct sink *s,
			enum wire_op_type type, uint64_t id, uint64_t total,
			uint64_t offset, const uint8_t *data, size_t data_len,
			bool force)
{
	struct wire_op op = {.type = type,
			     .backup_id = id,
			     .total_bytes = total,
			     .offset = offset,
			     .data = data,
			     .data_len = data_len,
			     .force = force};
	s->have = false;
	apply_op2(f, also, &op);
	assert_true(s->have);
}

static void restore_op(struct fsm *f, struct sink *s, enum wire_op_type type,
		       uint64_t id, uint64_t total, uint64_t offset,
		       const uint8_t *data, size_t data_len, bool force)
{
	restore_op2(f, NULL, s, type, id, total, offset, data, data_len, force);
}

/* Chunks are invisible until the commit; a raft snapshot taken mid-way
 * carries the staging, so a node that installs it ends equal; the
 * restored content digest is the source's. */
static void test_restore_staged_then_swapped(void **state)
{
	struct fsm a, b, c;
	struct sink sa = {0}, sb = {0}, sc = {0};
	size_t len, off, chunk = 700;
	uint8_t *file = source_backup(&a, &sa, &len);
	void *snap;
	size_t snap_len;
	(void)state;

	fsm_new(&b, &sb);
	fsm_new(&c, &sc);
	restore_op(&b, &sb, WIRE_OP_RESTORE_BEGIN, 5, len, 0, NULL, 0, false);
	assert_int_equal(sb.code, WIRE_OK);
	for (off = 0; off < len / 2; off += chunk) {
		restore_op(&b, &sb, WIRE_OP_RESTORE_CHUNK, 5, 0, off,
			   file + off, chunk, false);
		assert_int_equal(sb.code, WIRE_OK);
		assert_int_equal(b.kv.count, 0);
		assert_false(fsm_holds_data(&b));
	}
	/* Node C installs a snapshot of B taken mid-restore. */
	assert_int_equal(fsm_snapshot(&b, malloc, &snap, &snap_len), 0);
	assert_int_equal(fsm_restore(&c, snap, snap_len), 0);
	free(snap);
	assert_int_equal(fsm_digest(&b), fsm_digest(&c));
	assert_int_equal(c.restore.len, off);
	for (; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;
		sc.have = false;
		restore_op2(&b, &c, &sb, WIRE_OP_RESTORE_CHUNK, 5, 0, off,
			    file + off, n, false);
		assert_true(sc.have);
		assert_int_equal(sb.code, WIRE_OK);
		assert_int_equal(sc.code, WIRE_OK);
	}
	assert_int_equal(b.kv.count, 0);
	restore_op2(&b, &c, &sb, WIRE_OP_RESTORE_COMMIT, 5, 0, 0, NULL, 0,
		    false);
	assert_int_equal(sb.code, WIRE_OK);
	assert_int_equal(sc.code, WIRE_OK);
	assert_true(sb.has_backup);
	assert_int_equal(sb.backup.applied_index, 42);
	assert_int_equal(sb.backup.term, 3);
	assert_int_equal(sb.backup.content_digest, fsm_content_digest(&a));
	assert_int_equal(fsm_content_digest(&b), fsm_content_digest(&a));
	assert_int_equal(fsm_digest(&b), fsm_digest(&c));
	assert_int_equal(b.kv.count, 200);
	assert_int_equal(b.restore.id, 0);
	assert_true(fsm_holds_data(&b));
	/* The restored cluster serves new writes. */
	struct wire_op op = {.type = WIRE_OP_KV_PUT,
			     .key = "after",
			     .value = (const uint8_t *)"x",
			     .value_len = 1};
	apply_op(&b, &op);
	assert_int_equal(b.kv.count, 201);
	fsm_close(&a);
	fsm_close(&b);
	fsm_close(&c);
	free(file);
}

/* A damaged staged file, a cluster holding data, out-of-order chunks, an
 * early commit, an unknown id: each refused by name, the state unchanged. */
static void test_restore_refusals(void **state)
{
	struct fsm a, b;
	struct sink sa = {0}, sb = {0};
	size_t len;
	uint8_t *file = source_backup(&a, &sa, &len);
	uint64_t digest;
	(void)state;

	fsm_new(&b, &sb);
	/* Chunks out of order, commit before the end, unknown id. */
	restore_op(&b, &sb, WIRE_OP_RESTORE_BEGIN, 9, len, 0, NULL, 0, false);
	restore_op(&b, &sb, WIRE_OP_RESTORE_CHUNK, 9, 0, 10, file + 10, 10,
		   false);
	assert_int_equal(sb.code, WIRE_ERR_INVALID_PARAM);
	assert_non_null(strstr(sb.message, "offset 10"));
	restore_op(&b, &sb, WIRE_OP_RESTORE_CHUNK, 9, 0, 0, file, 10, false);
	assert_int_equal(sb.code, WIRE_OK);
	restore_op(&b, &sb, WIRE_OP_RESTORE_COMMIT, 9, 0, 0, NULL, 0, false);
	assert_int_equal(sb.code, WIRE_ERR_INVALID_PARAM);
	assert_non_null(strstr(sb.message, "incomplete"));
	restore_op(&b, &sb, WIRE_OP_RESTORE_CHUNK, 8, 0, 10, file + 10, 10,
		   false);
	assert_int_equal(sb.code, WIRE_ERR_NOT_FOUND);
	assert_string_equal(sb.name, "NoSuchRestore");

	/* A damaged file: refused at commit, nothing changes. */
	digest = fsm_content_digest(&b);
	file[len - 5] ^= 0x40;
	restore_op(&b, &sb, WIRE_OP_RESTORE_BEGIN, 10, len, 0, NULL, 0, false);
	assert_int_equal(sb.code, WIRE_OK);
	restore_op(&b, &sb, WIRE_OP_RESTORE_CHUNK, 10, 0, 0, file, len, false);
	assert_int_equal(sb.code, WIRE_OK);
	restore_op(&b, &sb, WIRE_OP_RESTORE_COMMIT, 10, 0, 0, NULL, 0, false);
	assert_int_equal(sb.code, WIRE_ERR_INVALID_PARAM);
	assert_string_equal(sb.name, "InvalidBackup");
	assert_non_null(strstr(sb.message, "checksum mismatch"));
	assert_int_equal(fsm_content_digest(&b), digest);
	assert_int_equal(b.restore.id, 0);
	file[len - 5] ^= 0x40;

	/* A cluster holding data: refused unless forced. */
	struct wire_op op = {.type = WIRE_OP_KV_PUT,
			     .key = "mine",
			     .value = (const uint8_t *)"x",
			     .value_len = 1};
	apply_op(&b, &op);
	restore_op(&b, &sb, WIRE_OP_RESTORE_BEGIN, 11, len, 0, NULL, 0, false);
	assert_int_equal(sb.code, WIRE_ERR_INVALID_PARAM);
	assert_string_equal(sb.name, "ClusterNotEmpty");
	restore_op(&b, &sb, WIRE_OP_RESTORE_BEGIN, 11, len, 0, NULL, 0, true);
	assert_int_equal(sb.code, WIRE_OK);
	restore_op(&b, &sb, WIRE_OP_RESTORE_CHUNK, 11, 0, 0, file, len, false);
	restore_op(&b, &sb, WIRE_OP_RESTORE_COMMIT, 11, 0, 0, NULL, 0, false);
	assert_int_equal(sb.code, WIRE_OK);
	assert_null(kv_get(&b.kv, "mine"));
	assert_int_equal(fsm_content_digest(&b), fsm_content_digest(&a));

	/* Data written between begin and commit: the commit refuses. */
	struct fsm d;
	struct sink sd = {0};
	fsm_new(&d, &sd);
	restore_op(&d, &sd, WIRE_OP_RESTORE_BEGIN, 12, len, 0, NULL, 0, false);
	restore_op(&d, &sd, WIRE_OP_RESTORE_CHUNK, 12, 0, 0, file, len, false);
	apply_op(&d, &op);
	digest = fsm_content_digest(&d);
	restore_op(&d, &sd, WIRE_OP_RESTORE_COMMIT, 12, 0, 0, NULL, 0, false);
	assert_string_equal(sd.name, "ClusterNotEmpty");
	assert_int_equal(fsm_content_digest(&d), digest);

	fsm_close(&a);
	fsm_close(&b);
	fsm_close(&d);
	free(file);
}

/* A backup whose file checks out but whose SQS state is garbage: the
 * commit refuses it and nothing changes — the access keys restored just
 * before the SQS state are rolled back, the kv namespace never swapped. */
static void test_restore_all_or_nothing(void **state)
{
	struct fsm b, fresh;
	struct sink sb = {0}, sf = {0};
	struct backup_header h = {.applied_index = 1, .term = 1};
	struct wire_kv_item item = {
	    .key = "theirs", .value = (const uint8_t *)"y", .value_len = 1};
	struct wire_service_state svcs[2];
	struct service *auth;
	uint8_t *auth_state, *file;
	size_t auth_len, len;
	void *snap;
	size_t snap_len;
	uint64_t digest;
	(void)state;

	/* An empty auth state, valid. */
	fsm_new(&fresh, &sf);
	auth = fsm_find_service(&fresh, "auth");
	assert_int_equal(auth->snapshot(auth->state, &auth_state, &auth_len),
			 0);
	svcs[0] = (struct wire_service_state){"auth", auth_state, auth_len};
	svcs[1] = (struct wire_service_state){
	    "sqs", (const uint8_t *)"not an SQS state", 16};
	struct wire_snapshot s = {.version = FSM_SNAPSHOT_VERSION,
				  .kv = &item,
				  .n_kv = 1,
				  .services = svcs,
				  .n_services = 2};
	assert_int_equal(wire_snapshot_encode(&s, NULL, &snap, &snap_len), 0);
	assert_int_equal(backup_file_build(&h, snap, snap_len, &file, &len), 0);
	free(snap);

	/* The target: a key, an access key. */
	fsm_new(&b, &sb);
	struct wire_op op = {.type = WIRE_OP_KV_PUT,
			     .key = "mine",
			     .value = (const uint8_t *)"x",
			     .value_len = 1};
	apply_op(&b, &op);
	assert_int_equal(call_svc(&b, &sb, "auth", "CreateAccessKey", "{}"),
			 WIRE_OK);
	assert_int_equal(auth_key_count(fsm_find_service(&b, "auth")), 1);
	digest = fsm_content_digest(&b);

	restore_op(&b, &sb, WIRE_OP_RESTORE_BEGIN, 20, len, 0, NULL, 0, true);
	restore_op(&b, &sb, WIRE_OP_RESTORE_CHUNK, 20, 0, 0, file, len, false);
	restore_op(&b, &sb, WIRE_OP_RESTORE_COMMIT, 20, 0, 0, NULL, 0, false);
	assert_int_equal(sb.code, WIRE_ERR_INVALID_PARAM);
	assert_string_equal(sb.name, "InvalidBackup");
	assert_non_null(strstr(sb.message, "service sqs refused"));
	assert_int_equal(fsm_content_digest(&b), digest);
	assert_int_equal(auth_key_count(fsm_find_service(&b, "auth")), 1);
	assert_non_null(kv_get(&b.kv, "mine"));
	assert_null(kv_get(&b.kv, "theirs"));

	free(auth_state);
	free(file);
	fsm_close(&b);
	fsm_close(&fresh);
}

/* The leader-side check refuses what never makes sense. */
static void test_restore_validate(void **state)
{
	struct fsm f;
	struct wire_result res;
	struct wire_op op = {
	    .type = WIRE_OP_RESTORE_BEGIN, .backup_id = 0, .total_bytes = 1000};
	(void)state;

	assert_int_equal(fsm_init(&f, NODE_ID, NULL, NULL), 0);
	memset(&res, 0, sizeof res);
	assert_int_not_equal(fsm_validate(&f, &op, &res), 0);
	op.backup_id = 1;
	op.total_bytes = 10; /* smaller than a header */
	memset(&res, 0, sizeof res);
	assert_int_not_equal(fsm_validate(&f, &op, &res), 0);
	op.total_bytes = 1000;
	memset(&res, 0, sizeof res);
	assert_int_equal(fsm_validate(&f, &op, &res), 0);
	op.type = WIRE_OP_RESTORE_CHUNK; /* no data */
	memset(&res, 0, sizeof res);
	assert_int_not_equal(fsm_validate(&f, &op, &res), 0);
	fsm_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_file_round_trip),
	    cmocka_unit_test(test_file_truncated),
	    cmocka_unit_test(test_file_every_flip_detected),
	    cmocka_unit_test(test_file_named_errors),
	    cmocka_unit_test(test_st_backup_check),
	    cmocka_unit_test(test_restore_staged_then_swapped),
	    cmocka_unit_test(test_restore_refusals),
	    cmocka_unit_test(test_restore_all_or_nothing),
	    cmocka_unit_test(test_restore_validate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
