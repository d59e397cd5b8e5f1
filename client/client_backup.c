/* client_backup — backup and restore calls of libstratus
 * (st_admin_backup, st_admin_restore, st_backup_check).
 *
 * A backup is one BACKUP_BEGIN (routed to the leader, which captures the
 * state after a barrier and answers the file's size and id) and then
 * BACKUP_READ calls for consecutive pieces, routed like any call: the
 * client keeps sending to the node that answered last, which is the one
 * holding the capture. A read at the end releases it on the server. A
 * restore is RESTORE_BEGIN, RESTORE_CHUNK per piece and RESTORE_COMMIT,
 * each an ordinary write call (retried with its sequence number across
 * leader changes, applied once). See broker/backup.h for the server side
 * and proto/backup_file.h for the file. */
#include "client_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "backup_file.h"

/* A capture may take a while on a large state (the leader serializes it
 * before answering): the engine waits this much longer for BACKUP_BEGIN. */
#define BACKUP_BEGIN_HOLD_MS 60000
/* Start the whole backup over this many times when the capture is lost. */
#define BACKUP_ATTEMPTS 3

/* One synchronous backup/restore call and what its callback copies out. */
struct bk_call {
	struct sync_wait w;
	const char *what;
	bool has_info;
	struct wire_backup_info info;
	uint8_t *dst; /* BACKUP_READ: where the piece goes (borrowed) */
	size_t dst_cap;
	size_t got;
};

/* Library thread: copy the last result's info (and piece) out. */
static void bk_done(void *arg, const st_error *err,
		    const struct wire_response *resp)
{
	struct bk_call *b = arg;
	const struct wire_result *r;
	st_error e;

	if (err != NULL) {
		sync_wait_post(&b->w, err);
		return;
	}
	for (size_t i = 0; i < resp->n_results; i++) {
		if (resp->results[i].code != ST_OK) {
			st_err_from_result(&e, b->what, &resp->results[i]);
			sync_wait_post(&b->w, &e);
			return;
		}
	}
	r = &resp->results[resp->n_results - 1];
	if (r->has_backup) {
		b->has_info = true;
		b->info = r->backup;
	}
	if (b->dst != NULL) {
		if (r->value_len > b->dst_cap) {
			st_err_set(&e, ST_ERR_MALFORMED, NULL,
				   "%s: the node sent %zu bytes, %zu expected "
				   "at most",
				   b->what, r->value_len, b->dst_cap);
			sync_wait_post(&b->w, &e);
			return;
		}
		memcpy(b->dst, r->value, r->value_len);
		b->got = r->value_len;
	}
	sync_wait_post(&b->w, NULL);
}

/* Run one op synchronously; b->what set, the rest filled. */
static int bk_run(st_client *c, const struct wire_op *op, unsigned hold_ms,
		  struct bk_call *b, st_error *err)
{
	struct call_args a = {.what = b->what,
			      .ops = op,
			      .n_ops = 1,
			      .kind = CALL_KIND_RAW,
			      .cb.raw = bk_done,
			      .arg = b,
			      .sync = true,
			      .hold_ms = hold_ms};
	int rc;

	sync_wait_init(&b->w);
	rc = call_submit(c, &a, err);
	if (rc != 0) {
		sem_destroy(&b->w.done);
		return rc;
	}
	return sync_wait_finish(&b->w, err);
}

static void info_from_header(st_backup_info *info,
			     const struct backup_header *h, size_t len)
{
	memset(info, 0, sizeof *info);
	info->applied_index = h->applied_index;
	info->term = h->term;
	info->total_bytes = len;
	info->content_digest = h->content_digest;
	info->created_ms = h->created_ms;
}

int st_backup_check(const void *file, size_t file_len, st_backup_info *info,
		    st_error *err)
{
	struct backup_header h;
	const uint8_t *payload;
	char why[256];
	int rv;

	if (file == NULL && file_len != 0)
		return st_err_set(err, ST_ERR_MISSING_PARAM, NULL,
				  "backup check: no file");
	rv = backup_file_parse(file, file_len, &h, &payload, why, sizeof why);
	if (rv == BACKUP_FILE_ERR_NOMEM)
		return st_err_set(err, ST_ERR_INTERNAL, NULL,
				  "backup check: out of memory");
	if (rv != 0)
		return st_err_set(err, ST_ERR_INVALID_PARAM, "InvalidBackup",
				  "backup file: %s", why);
	if (info != NULL)
		info_from_header(info, &h, file_len);
	return 0;
}

/* One attempt at a backup: begin, read every piece, release. */
static int backup_once(st_client *c, uint8_t **file, size_t *file_len,
		       uint64_t *node_id, st_error *err)
{
	struct wire_op op = {.type = WIRE_OP_BACKUP_BEGIN};
	struct bk_call b = {.what = "admin backup"};
	uint8_t *buf;
	uint64_t id, total;
	size_t off = 0;
	int rc;

	if ((rc = bk_run(c, &op, BACKUP_BEGIN_HOLD_MS, &b, err)) != 0)
		return rc;
	if (!b.has_info || b.info.backup_id == 0 ||
	    b.info.total_bytes < BACKUP_FILE_HEADER_BYTES ||
	    b.info.total_bytes > BACKUP_FILE_MAX_BYTES)
		return st_err_set(err, ST_ERR_MALFORMED, NULL,
				  "admin backup: the leader's answer names "
				  "no usable backup");
	id = b.info.backup_id;
	total = b.info.total_bytes;
	*node_id = b.info.node_id;
	buf = malloc((size_t)total);
	if (buf == NULL)
		return st_err_set(err, ST_ERR_INTERNAL, NULL,
				  "admin backup: out of memory for %llu bytes",
				  (unsigned long long)total);
	while (off < total) {
		struct bk_call r = {.what = "admin backup read",
				    .dst = buf + off,
				    .dst_cap = (size_t)total - off};
		op = (struct wire_op){.type = WIRE_OP_BACKUP_READ,
				      .backup_id = id,
				      .offset = off};
		if ((rc = bk_run(c, &op, 0, &r, err)) != 0) {
			free(buf);
			return rc;
		}
		if (r.got == 0 || !r.has_info || r.info.backup_id != id) {
			free(buf);
			return st_err_set(err, ST_ERR_MALFORMED, NULL,
					  "admin backup: an empty or foreign "
					  "piece at offset %zu",
					  off);
		}
		off += r.got;
	}
	/* A read at the end releases the capture; failing it only leaves
	 * the node to drop it later. */
	struct bk_call rel = {.what = "admin backup release"};
	op = (struct wire_op){
	    .type = WIRE_OP_BACKUP_READ, .backup_id = id, .offset = off};
	(void)bk_run(c, &op, 0, &rel, NULL);
	*file = buf;
	*file_len = (size_t)total;
	return 0;
}

int st_admin_backup(st_client *c, void **file, size_t *file_len,
		    st_backup_info *info, st_error *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	uint64_t node_id = 0;
	st_error e;
	int rc = ST_ERR_INTERNAL;

	if (c == NULL || file == NULL || file_len == NULL)
		return st_err_set(err, ST_ERR_MISSING_PARAM, NULL,
				  "admin backup: no client or output");
	*file = NULL;
	*file_len = 0;
	if ((rc = client_sync_guard(err, "admin backup")) != 0)
		return rc;
	for (int attempt = 1; attempt <= BACKUP_ATTEMPTS; attempt++) {
		rc = backup_once(c, &buf, &len, &node_id, &e);
		/* NOT_FOUND: the capture is gone (its node restarted, or the
		 * client moved to another node): take a new one. */
		if (rc != ST_ERR_NOT_FOUND)
			break;
	}
	if (rc != 0) {
		if (err != NULL)
			*err = e;
		return rc;
	}
	rc = st_backup_check(buf, len, info, &e);
	if (rc != 0) {
		free(buf);
		return st_err_set(err, ST_ERR_MALFORMED, NULL,
				  "admin backup: the file received does not "
				  "check out: %s",
				  e.message);
	}
	if (info != NULL)
		info->node_id = node_id;
	*file = buf;
	*file_len = len;
	return 0;
}

static uint64_t restore_id(void)
{
	uint64_t id = 0;

	if (getrandom(&id, sizeof id, GRND_NONBLOCK) != sizeof id) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		id = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	}
	return id != 0 ? id : 1;
}

int st_admin_restore(st_client *c, const void *file, size_t file_len,
		     bool force, st_backup_info *restored, st_error *err)
{
	const uint8_t *bytes = file;
	st_backup_info checked;
	struct wire_op op;
	uint64_t id;
	size_t off;
	int rc;

	if (c == NULL || file == NULL)
		return st_err_set(err, ST_ERR_MISSING_PARAM, NULL,
				  "admin restore: no client or file");
	if ((rc = client_sync_guard(err, "admin restore")) != 0 ||
	    (rc = st_backup_check(file, file_len, &checked, err)) != 0)
		return rc;
	id = restore_id();
	struct bk_call b = {.what = "admin restore begin"};
	op = (struct wire_op){.type = WIRE_OP_RESTORE_BEGIN,
			      .backup_id = id,
			      .total_bytes = file_len,
			      .force = force};
	if ((rc = bk_run(c, &op, 0, &b, err)) != 0)
		return rc;
	for (off = 0; off < file_len;) {
		size_t n = file_len - off;
		if (n > WIRE_MAX_BACKUP_CHUNK_BYTES)
			n = WIRE_MAX_BACKUP_CHUNK_BYTES;
		struct bk_call ch = {.what = "admin restore chunk"};
		op = (struct wire_op){.type = WIRE_OP_RESTORE_CHUNK,
				      .backup_id = id,
				      .offset = off,
				      .data = bytes + off,
				      .data_len = n};
		if ((rc = bk_run(c, &op, 0, &ch, err)) != 0)
			return rc;
		off += n;
	}
	struct bk_call cm = {.what = "admin restore commit"};
	op = (struct wire_op){.type = WIRE_OP_RESTORE_COMMIT, .backup_id = id};
	if ((rc = bk_run(c, &op, 0, &cm, err)) != 0)
		return rc;
	if (restored != NULL) {
		*restored = checked;
		if (cm.has_info)
			restored->content_digest = cm.info.content_digest;
	}
	return 0;
}
