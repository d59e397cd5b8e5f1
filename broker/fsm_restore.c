/* fsm_restore — the state machine's half of `stratus admin restore`: a
 * backup file arrives through the raft log in pieces and replaces the whole
 * replicated state in one apply.
 *
 * RESTORE_BEGIN {id, total_bytes, force} starts a staging area (refused
 * when the state holds user data, unless force; a new begin supersedes an
 * abandoned one); RESTORE_CHUNK {id, offset, data} appends at exactly the
 * offset received so far (at most WIRE_MAX_BACKUP_CHUNK_BYTES, so every
 * entry stays far below the batch and message limits); RESTORE_COMMIT {id}
 * checks the staged file (backup_file_parse: size, magic, version,
 * SHA-256), decodes its Snapshot and swaps kv, sessions and service states
 * in — all or nothing — keeping this cluster's own node registry and
 * moving the clock only forward. The staging is replicated state (in raft
 * snapshots and the digest), so a leader change or a snapshot install
 * mid-restore changes nothing: the client retries a chunk with the same
 * sequence number (the session table answers it once) and carries on with
 * the new leader. Nothing of a restore is visible before its commit
 * applies; a failed commit leaves the state as it was and drops the
 * staging. Every check depends only on the log, so every replica decides
 * the same; only running out of memory stops a node (as for any apply). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup_file.h"
#include "fsm.h"
#include "log.h"

/* Staging grows from this size, doubling (bounded by total_bytes). */
#define STAGING_MIN_BYTES (256u * 1024)

static void restore_out_of_memory(const char *what)
{
	log_error("apply: out of memory trying to %s; stopping the node", what);
	abort();
}

void fsm_restore_staging_drop(struct fsm *f)
{
	/* A snapshot being serialized may still read the buffer. */
	defer_free(&f->defer, f->restore.data);
	memset(&f->restore, 0, sizeof f->restore);
}

/* Set an error with a formatted message in msg (which res borrows). */
static void fail(struct wire_result *res, uint32_t code, const char *name,
		 char *msg, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void fail(struct wire_result *res, uint32_t code, const char *name,
		 char *msg, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, size, fmt, ap);
	va_end(ap);
	res->code = code;
	res->error_name = name != NULL ? name : wire_code_name(code);
	res->error_message = msg;
}

static void begin(struct fsm *f, const struct wire_op *op,
		  struct wire_result *res, char *msg, size_t size)
{
	if (!op->force && fsm_holds_data(f)) {
		fail(res, WIRE_ERR_INVALID_PARAM, "ClusterNotEmpty", msg, size,
		     "the cluster already holds data (kv keys or queues): "
		     "restore into a new, empty cluster, or pass --force to "
		     "replace everything it holds");
		return;
	}
	if (f->restore.id != 0) {
		log_warn("restore %llu supersedes unfinished restore %llu "
			 "(%zu of %llu bytes received)",
			 (unsigned long long)op->backup_id,
			 (unsigned long long)f->restore.id, f->restore.len,
			 (unsigned long long)f->restore.total_bytes);
	}
	fsm_restore_staging_drop(f);
	f->restore.id = op->backup_id;
	f->restore.total_bytes = op->total_bytes;
	f->restore.force = op->force;
	log_info("restore %llu: receiving a backup of %llu bytes",
		 (unsigned long long)op->backup_id,
		 (unsigned long long)op->total_bytes);
}

static bool staging_matches(struct fsm *f, const struct wire_op *op,
			    struct wire_result *res, char *msg, size_t size)
{
	if (f->restore.id == op->backup_id) {
		return true;
	}
	fail(res, WIRE_ERR_NOT_FOUND, "NoSuchRestore", msg, size,
	     "restore %llu is not in progress (never begun, superseded by "
	     "another restore, or already committed)",
	     (unsigned long long)op->backup_id);
	return false;
}

static void chunk(struct fsm *f, const struct wire_op *op,
		  struct wire_result *res, char *msg, size_t size)
{
	struct fsm_restore_staging *st = &f->restore;
	size_t need;

	if (!staging_matches(f, op, res, msg, size)) {
		return;
	}
	if (op->offset != st->len) {
		fail(res, WIRE_ERR_INVALID_PARAM, NULL, msg, size,
		     "restore %llu: a chunk at offset %llu, but %zu bytes "
		     "have been received",
		     (unsigned long long)op->backup_id,
		     (unsigned long long)op->offset, st->len);
		return;
	}
	if (op->data_len > st->total_bytes - st->len) {
		fail(res, WIRE_ERR_INVALID_PARAM, NULL, msg, size,
		     "restore %llu: chunk ends past the announced %llu "
		     "bytes",
		     (unsigned long long)op->backup_id,
		     (unsigned long long)st->total_bytes);
		return;
	}
	need = st->len + op->data_len;
	if (need > st->cap) {
		/* Grow by replacement (fsm.h): a capture may be reading
		 * the old buffer. */
		size_t cap = st->cap < STAGING_MIN_BYTES ? STAGING_MIN_BYTES
							 : st->cap * 2;
		if (cap < need) {
			cap = need;
		}
		if (cap > st->total_bytes) {
			cap = (size_t)st->total_bytes;
		}
		uint8_t *data = malloc(cap);
		if (data == NULL) {
			restore_out_of_memory("stage a restore");
		}
		if (st->len > 0) {
			memcpy(data, st->data, st->len);
		}
		defer_free(&f->defer, st->data);
		st->data = data;
		st->cap = cap;
	}
	memcpy(st->data + st->len, op->data, op->data_len);
	st->len = need;
}

/* Replace kv, sessions and service states with s's: all or nothing. 0, or
 * -1 with msg filled and the state unchanged. */
static int install(struct fsm *f, const struct wire_snapshot *s, char *msg,
		   size_t size)
{
	struct service *svcs[FSM_MAX_SERVICES];
	uint8_t *saved[FSM_MAX_SERVICES] = {0};
	size_t saved_len[FSM_MAX_SERVICES] = {0};
	struct kv_store kv;
	size_t i, j;
	int rv = -1;

	if (s->n_services > FSM_MAX_SERVICES) {
		snprintf(msg, size, "the backup holds %zu service states",
			 s->n_services);
		return -1;
	}
	for (i = 0; i < s->n_services; i++) {
		svcs[i] = fsm_find_service(f, s->services[i].name);
		if (svcs[i] == NULL) {
			snprintf(msg, size,
				 "the backup holds state of a service this "
				 "node does not run (%.64s)",
				 s->services[i].name);
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (svcs[j] == svcs[i]) {
				snprintf(msg, size,
					 "the backup holds service %.64s twice",
					 s->services[i].name);
				return -1;
			}
		}
	}
	for (i = 0; i < s->n_kv; i++) {
		if (strlen(s->kv[i].key) == 0 ||
		    strlen(s->kv[i].key) > WIRE_MAX_KEY_BYTES ||
		    s->kv[i].value_len > WIRE_MAX_VALUE_BYTES) {
			snprintf(msg, size,
				 "the backup holds a key or value out of "
				 "bounds (item %zu)",
				 i);
			return -1;
		}
	}
	if (kv_init(&kv, &f->defer) != 0) {
		restore_out_of_memory("restore a backup");
	}
	for (i = 0; i < s->n_kv; i++) {
		if (kv_put(&kv, s->kv[i].key, s->kv[i].value,
			   s->kv[i].value_len) != 0) {
			restore_out_of_memory("restore a backup");
		}
	}
	/* Services restore one at a time and each either takes its new state
	 * whole or keeps its old one; keep the old states to roll the
	 * earlier ones back if a later one refuses. */
	for (i = 0; i < s->n_services; i++) {
		if (svcs[i]->snapshot(svcs[i]->state, &saved[i],
				      &saved_len[i]) != 0) {
			restore_out_of_memory("restore a backup");
		}
	}
	for (i = 0; i < s->n_services; i++) {
		if (svcs[i]->restore(svcs[i]->state, s->services[i].data,
				     s->services[i].len) == 0) {
			continue;
		}
		snprintf(msg, size,
			 "service %.64s refused its state in the backup "
			 "(damaged or from an incompatible version)",
			 svcs[i]->name);
		for (j = 0; j < i; j++) {
			if (svcs[j]->restore(svcs[j]->state, saved[j],
					     saved_len[j]) != 0) {
				restore_out_of_memory("roll a restore back");
			}
		}
		kv_free(&kv);
		goto out;
	}
	if (session_import(&f->sessions, s->sessions, s->n_sessions) != 0) {
		restore_out_of_memory("restore a backup's sessions");
	}
	kv_free(&f->kv);
	f->kv = kv;
	if (s->last_time_ms > f->time_ms) {
		f->time_ms = s->last_time_ms;
	}
	rv = 0;
out:
	for (i = 0; i < s->n_services; i++) {
		free(saved[i]);
	}
	return rv;
}

static void commit(struct fsm *f, const struct wire_op *op,
		   struct wire_result *res, char *msg, size_t size)
{
	struct fsm_restore_staging *st = &f->restore;
	struct backup_header h;
	struct wire_snapshot s;
	const uint8_t *payload;
	char why[256];
	int rv;

	if (!staging_matches(f, op, res, msg, size)) {
		return;
	}
	if (st->len != st->total_bytes) {
		fail(res, WIRE_ERR_INVALID_PARAM, NULL, msg, size,
		     "restore %llu is incomplete: %zu of %llu bytes received",
		     (unsigned long long)op->backup_id, st->len,
		     (unsigned long long)st->total_bytes);
		return;
	}
	if (!st->force && fsm_holds_data(f)) {
		fail(res, WIRE_ERR_INVALID_PARAM, "ClusterNotEmpty", msg, size,
		     "data was written while the backup was being sent: "
		     "restore again (with --force to replace it)");
		goto out;
	}
	rv =
	    backup_file_parse(st->data, st->len, &h, &payload, why, sizeof why);
	if (rv == BACKUP_FILE_ERR_NOMEM) {
		restore_out_of_memory("check a backup");
	}
	if (rv != 0) {
		fail(res, WIRE_ERR_INVALID_PARAM, "InvalidBackup", msg, size,
		     "the backup is not usable: %s", why);
		goto out;
	}
	rv = wire_snapshot_decode(payload, (size_t)h.payload_bytes, &s);
	if (rv == WIRE_ERR_INTERNAL) {
		restore_out_of_memory("decode a backup");
	}
	if (rv != 0 || s.version != FSM_SNAPSHOT_VERSION) {
		fail(res, WIRE_ERR_INVALID_PARAM, "InvalidBackup", msg, size,
		     "the backup's state cannot be read (%s)",
		     rv != 0 ? "malformed snapshot"
			     : "unsupported snapshot version");
		wire_snapshot_release(&s);
		goto out;
	}
	if (install(f, &s, why, sizeof why) != 0) {
		fail(res, WIRE_ERR_INVALID_PARAM, "InvalidBackup", msg, size,
		     "the backup's state cannot be restored: %s", why);
		wire_snapshot_release(&s);
		goto out;
	}
	wire_snapshot_release(&s);
	res->has_backup = true;
	res->backup.backup_id = op->backup_id;
	res->backup.applied_index = h.applied_index;
	res->backup.term = h.term;
	res->backup.total_bytes = st->total_bytes;
	res->backup.content_digest = fsm_content_digest(f);
	/* No node id: the response bytes must be equal on every replica
	 * (they are kept for retries, in the replicated session table). */
	log_info("restore %llu: installed a backup of index %llu (term %llu, "
		 "%llu bytes, %zu keys)",
		 (unsigned long long)op->backup_id,
		 (unsigned long long)h.applied_index,
		 (unsigned long long)h.term,
		 (unsigned long long)st->total_bytes, f->kv.count);
out:
	fsm_restore_staging_drop(f);
}

void fsm_restore_apply(struct fsm *f, const struct wire_op *op,
		       struct wire_result *res, char *msg, size_t msg_size)
{
	switch (op->type) {
	case WIRE_OP_RESTORE_BEGIN:
		begin(f, op, res, msg, msg_size);
		break;
	case WIRE_OP_RESTORE_CHUNK:
		chunk(f, op, res, msg, msg_size);
		break;
	case WIRE_OP_RESTORE_COMMIT:
		commit(f, op, res, msg, msg_size);
		break;
	default:
		wire_result_set_error(res, WIRE_ERR_UNKNOWN_OP,
				      "not a restore operation");
	}
}
