/* session — exactly-once client commands.
 *
 * Every write request carries (client_id, seq). The state machine records
 * the serialized Response of each applied command per client, so a retry of
 * the same (client_id, seq) — after a timeout or a failover — is answered
 * with the first response instead of being applied twice.
 *
 * Per client we keep the responses of the last SESSION_WINDOW sequence
 * numbers (a ring that grows on demand); a seq older than that is answered
 * SessionExpired. Exactly the records in [max(floor, max_seq -
 * SESSION_WINDOW + 1), max_seq] are kept — older ones are dropped as the
 * window moves, not when the ring happens to reuse their slot — so the
 * records are a function of the commands applied: a node restored from a
 * snapshot holds what a node that applied the log holds. A client silent
 * for SESSION_TTL_MS (state-machine time) is forgotten. All of it is
 * replicated state: part of snapshots and digests, and changed only while
 * applying the log.
 *
 * The floor (Raft thesis §6.3): each request may also say the lowest seq
 * whose answer its client still awaits (Request.seq_floor; libstratus counts
 * long polls too). Every answer below it has reached the client, which
 * never sends those seqs again, so their records are dropped when the
 * request is applied, and a copy of one arriving later (a stale attempt
 * still in the pipeline) is SessionExpired, never applied. Without it a
 * client's table holds its last SESSION_WINDOW answers for SESSION_TTL_MS —
 * after a benchmark most of every snapshot; with it, about as many as the
 * client has calls in flight. The floor only rises; a request's floor above
 * its own seq counts as its seq. */
#ifndef STRATUS_SESSION_H
#define STRATUS_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "defer.h"
#include "u64map.h"
#include "wire.h"

#define SESSION_WINDOW 4096u
#define SESSION_TTL_MS (15ull * 60 * 1000)

struct session_slot {
	uint64_t seq; /* 0 = empty */
	uint8_t *response;
	size_t response_len;
	uint64_t digest; /* its term of session_table.digest (hashed once) */
};

struct session {
	uint64_t client_id;
	uint64_t last_active_ms;
	uint64_t max_seq;
	uint64_t floor;	       /* every seq below: answered, record dropped */
	uint64_t floor_digest; /* its term of session_table.digest */
	struct session_slot *ring; /* index seq & (cap - 1) */
	size_t cap;
	struct session *lru_prev, *lru_next; /* ordered by last_active_ms */
};

struct session_table {
	struct u64map by_client;
	struct session *lru_head, *lru_tail; /* head = least recently active */
	uint64_t digest; /* order-independent sum: responses and floors */
	size_t n_responses;
	size_t bytes;		  /* response bytes held */
	struct defer_list *defer; /* where released responses go */
};

enum session_check {
	SESSION_NEW,	   /* not seen: apply it */
	SESSION_DUPLICATE, /* seen: answer the stored response */
	SESSION_EXPIRED	   /* too old to tell: answer SessionExpired */
};

/* defer: borrowed, may be NULL (free at once). */
void session_table_init(struct session_table *t, struct defer_list *defer);
void session_table_free(struct session_table *t);

/* Look up (client_id, seq). On SESSION_DUPLICATE, *response / *len borrow
 * the stored response (valid until the table changes). */
enum session_check session_check(const struct session_table *t,
				 uint64_t client_id, uint64_t seq,
				 const uint8_t **response, size_t *len);

/* Record the response of an applied command, after raising the client's
 * floor to min(floor, seq) (0: the request carried none). Takes ownership
 * of response (malloc'd) in every case. Returns 0, or -1 when out of
 * memory (the command is still applied; only its dedup record is lost) or
 * when client_id or seq is 0 (no session: such commands are not
 * deduplicated). */
int session_record(struct session_table *t, uint64_t client_id, uint64_t seq,
		   uint64_t floor, uint8_t *response, size_t len,
		   uint64_t now_ms);

/* Forget clients inactive since before now_ms - SESSION_TTL_MS. */
void session_expire(struct session_table *t, uint64_t now_ms);

/* Snapshot support: export into wire structs (arrays malloc'd, pointers
 * borrowed from the table; free with session_export_free) and import. */
int session_export(const struct session_table *t, struct wire_session **out,
		   size_t *n);
void session_export_free(struct wire_session *s, size_t n);
/* Replaces the table's content with copies of the given sessions. */
int session_import(struct session_table *t, const struct wire_session *s,
		   size_t n);

#endif
