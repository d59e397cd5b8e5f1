/* sqs_int — the SQS state shared by the sqs*.c files: queues, messages,
 * FIFO groups, the time-ordered heap of pending messages, and the helpers
 * each concern exports to the others. Loop thread only. */
#ifndef STRATUS_SQS_INT_H
#define STRATUS_SQS_INT_H

#include <openssl/md5.h> /* MD5_CTX */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "service.h"
#include "seq_index.h"
#include "u64map.h"

#define SQS_NAME_MAX	      80
#define SQS_GROUP_MAX	      128
#define SQS_DEDUP_MAX	      128
#define SQS_DEDUP_WINDOW_MS   (5 * 60 * 1000ULL)
#define SQS_DELETED_REUSE_MS  (60 * 1000ULL)
#define SQS_PURGE_INTERVAL_MS (60 * 1000ULL)
#define SQS_MAX_VISIBILITY_S  43200u
#define SQS_INFLIGHT_STD      120000u
#define SQS_INFLIGHT_FIFO     20000u
#define SQS_BATCH_MAX	      10
#define SQS_BATCH_BYTES_MAX   1048576u
#define SQS_HANDLE_LEN	      48 /* 16 hex seq + 32 hex nonce */

/* Settable queue attributes (validated values). */
struct sqs_qcfg {
	uint32_t visibility_timeout_s;
	uint32_t retention_s;
	uint32_t max_message_bytes;
	uint32_t delay_s;
	uint32_t receive_wait_s;
	bool content_dedup;
	bool dedup_scope_group;	    /* DeduplicationScope=messageGroup */
	bool throughput_per_group;  /* FifoThroughputLimit=perMessageGroupId */
	char *redrive_policy;	    /* canonical JSON or NULL; owned */
	char *redrive_allow_policy; /* canonical JSON or NULL; owned */
	char dlq_name[SQS_NAME_MAX + 1]; /* from redrive_policy */
	uint32_t max_receive_count;	 /* from redrive_policy, 0 = none */
	/* Stored and returned, not enforced (no IAM or KMS here). */
	char *policy;	      /* Policy: a JSON document as given; owned/NULL */
	char *kms_key_id;     /* KmsMasterKeyId (SSE-KMS); owned or NULL */
	uint32_t kms_reuse_s; /* KmsDataKeyReusePeriodSeconds, 0 = not set
				 (reported as 300 with a KMS key) */
	bool sse_sqs;	      /* SqsManagedSseEnabled (SSE-SQS) */
};

struct sqs_group;

/* One message. Lives in: by_seq map, the all-list (seq order), and either
 * the heap (delayed or in flight: pending until visible_at_ms) or, when
 * available, the ready list (standard) / its group's list (FIFO: a FIFO
 * message is always on its group's list until deleted). */
struct sqs_msg {
	uint64_t seq; /* per-queue, from 1; the FIFO SequenceNumber */
	char id[37];  /* MessageId (UUID) */
	size_t body_len;
	json_t *attrs; /* MessageAttributes (owned) or NULL */
	char md5_body[33];
	char md5_attrs[33]; /* "" when no attributes */
	char *group_id;	    /* owned or NULL */
	char *dedup_id;	    /* owned or NULL */
	char *trace_header; /* owned or NULL */
	char *origin;	    /* dead-lettered from this queue; owned or NULL */
	uint64_t sent_ms;
	uint64_t first_receive_ms; /* 0 = never received */
	uint64_t visible_at_ms;	   /* meaningful while pending */
	uint32_t receive_count;
	bool pending;	   /* in the heap */
	bool inflight;	   /* received and not yet visible again */
	uint8_t nonce[16]; /* current receipt nonce */
	size_t heap_idx;
	struct sqs_msg *prev, *next;   /* all-list */
	struct sqs_msg *rprev, *rnext; /* ready list or group list */
	struct sqs_group *group;
	/* NUL-terminated, in the message's own allocation (sqs_msg_alloc):
	 * one malloc and one free per message on every node, and the body
	 * next to what a receive reads first. */
	char body[];
};

/* A zeroed message with room for a body of body_len bytes (copied from
 * body, NUL added). NULL when out of memory. Freed by sqs_msg_free. */
struct sqs_msg *sqs_msg_alloc(const char *body, size_t body_len);

/* A FIFO message group. */
struct sqs_group {
	char *id; /* owned */
	uint64_t hash;
	struct sqs_group *hnext; /* hash chain */
	struct sqs_msg *head, *tail;
	uint32_t inflight;
	bool in_ready;
	struct sqs_group *gprev, *gnext; /* ready-group list */
};

/* A FIFO deduplication record. */
struct sqs_dedup {
	char *key; /* owned: "<group>\n<dedup id>" or "\n<dedup id>" */
	uint64_t hash;
	char id[37];
	uint64_t seq;
	uint64_t at_ms;
	struct sqs_dedup *hnext;
	struct sqs_dedup *prev, *next; /* time order */
};

/* A FIFO receive attempt (ReceiveRequestAttemptId). */
struct sqs_attempt {
	char *id; /* owned */
	uint64_t hash;
	uint64_t at_ms;
	uint8_t nonce[16];
	uint64_t seqs[SQS_BATCH_MAX];
	size_t n;
	struct sqs_attempt *hnext;
	struct sqs_attempt *prev, *next; /* time order */
};

/* A message move task (StartMessageMoveTask), kept on its source queue
 * (sqs_move.c). RUNNING → COMPLETED | CANCELLED | FAILED; at most one
 * RUNNING per source queue, and it is the newest. The leader's tick
 * proposes "advance" steps; each step's apply moves what the rate allows
 * at the batch's clock (a token bucket in state-machine time). */
#define SQS_TASKS_KEPT 10
enum sqs_task_status {
	SQS_TASK_RUNNING = 0,
	SQS_TASK_COMPLETED,
	SQS_TASK_CANCELLED,
	SQS_TASK_FAILED
};
struct sqs_task {
	char handle[33];  /* leader-made, hex */
	char *dest_arn;	  /* owned or NULL (back to each message's origin) */
	uint32_t rate;	  /* MaxNumberOfMessagesPerSecond, 0 = not given */
	uint64_t moved;	  /* ApproximateNumberOfMessagesMoved */
	uint64_t to_move; /* ApproximateNumberOfMessagesToMove */
	uint64_t started_ms;
	uint8_t status;	       /* enum sqs_task_status */
	uint64_t horizon_seq;  /* moves messages with seq below this (those
				  present at the start) */
	uint64_t cursor_seq;   /* next message to visit: seq >= this */
	uint64_t tat_us;       /* rate limit: theoretical arrival time of the
				  next message (state-machine time, us) */
	uint64_t last_step_ms; /* state-machine time of the last step */
	char *failure;	       /* FailureReason (FAILED); owned or NULL */
};

/* A pending message in its queue's heap, with its key (visible_at_ms, seq)
 * kept beside it. */
struct sqs_heap_slot {
	uint64_t at_ms;
	uint64_t seq;
	struct sqs_msg *m;
};

struct sqs_queue {
	char name[SQS_NAME_MAX + 1];
	bool fifo;
	char *url; /* owned */
	uint64_t created_ms;
	uint64_t modified_ms;
	uint64_t last_purge_ms; /* 0 = never */
	struct sqs_qcfg cfg;
	json_t *tags; /* object, owned */
	uint64_t next_seq;
	uint64_t clock_ms; /* latest now_ms seen: time never goes back */
	struct seq_index by_seq;
	struct sqs_msg *head, *tail;   /* all messages, seq order */
	struct sqs_msg *rhead, *rtail; /* standard: available messages */
	struct sqs_heap_slot *heap;    /* pending messages, min-heap */
	size_t heap_len, heap_cap;
	size_t n_msgs, n_inflight, n_delayed;
	/* FIFO */
	struct u64map groups; /* hash -> chain of struct sqs_group */
	struct sqs_group *ghead, *gtail;
	struct u64map dedups; /* hash -> chain of struct sqs_dedup */
	struct sqs_dedup *dhead, *dtail;
	struct u64map attempts; /* hash -> chain of struct sqs_attempt */
	struct sqs_attempt *ahead, *atail;
	struct sqs_task tasks[SQS_TASKS_KEPT]; /* newest first */
	size_t msg_bytes; /* sqs_msg_size of every message (insert/unlink) */
	size_t n_tasks;
	/* Messages sent / received / deleted since this process started
	 * applying (for /metrics): counted by apply, so alike on every
	 * replica, but not state — not in snapshots or digests. */
	uint64_t n_sent, n_received, n_deleted;
};

struct sqs_deleted {
	char name[SQS_NAME_MAX + 1];
	uint64_t at_ms;
};

struct sqs_state {
	struct service_env env;
	struct sqs_queue **queues; /* sorted by name */
	size_t n_queues, cap_queues;
	struct sqs_deleted *deleted; /* recently deleted names */
	size_t n_deleted, cap_deleted;
};

/* ---- sqs_hash.c ---- */
/* MD5 (RFC 1321) of data as 32 lowercase hex chars + NUL in out. */
void sqs_md5_hex(const void *data, size_t len, char out[33]);
struct sqs_md5 {
	MD5_CTX ctx; /* OpenSSL's (sqs_hash.c) */
};
void sqs_md5_init(struct sqs_md5 *c);
void sqs_md5_update(struct sqs_md5 *c, const void *data, size_t len);
void sqs_md5_final(struct sqs_md5 *c, uint8_t out[16]);
/* SHA-256 (RFC 6234) of data as 64 lowercase hex chars + NUL. */
void sqs_sha256_hex(const void *data, size_t len, char out[65]);
/* Base64 decode (standard alphabet, padding required). Returns a malloc'd
 * buffer (free it) and its length, or NULL when invalid. */
uint8_t *sqs_base64_decode(const char *s, size_t len, size_t *out_len);
void sqs_hex(const uint8_t *b, size_t n, char *out);
int sqs_unhex(const char *s, size_t n, uint8_t *out);

/* ---- sqs.c (queues) ---- */
int sqs_err(struct service_result *r, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The queue named by input's "QueueUrl" (or NULL, with the error set). */
struct sqs_queue *sqs_queue_by_url(struct sqs_state *st, const json_t *input,
				   struct service_result *r);
struct sqs_queue *sqs_queue_find(const struct sqs_state *st, const char *name);
/* An integer input field that may be a JSON number or a decimal string.
 * 1 = present (*out set), 0 = absent, -1 = invalid (error set). */
int sqs_get_int(const json_t *input, const char *key, int64_t lo, int64_t hi,
		int64_t *out, struct service_result *r);
void sqs_queue_arn(const struct sqs_state *st, const char *name, char *out,
		   size_t n);
/* q's wait key ("sqs:<account>/<name>") into key. */
void sqs_wait_key(const struct sqs_state *st, const struct sqs_queue *q,
		  char *key, size_t size);
/* Tell q's long polls how many of them can be served now
 * (sqs_queue_available; service_env.wake); every one (the queue is gone). */
void sqs_wake(struct sqs_state *st, const struct sqs_queue *q);
void sqs_wake_all(struct sqs_state *st, const struct sqs_queue *q);
/* How many receives could get something now: available messages
 * (standard), groups with an available message (FIFO, counted up to 64). */
unsigned sqs_queue_available(const struct sqs_queue *q);
void sqs_qcfg_free(struct sqs_qcfg *c);
struct sqs_queue *sqs_queue_alloc(const char *name, bool fifo);
void sqs_queue_free(struct sqs_queue *q);
int sqs_state_insert(struct sqs_state *st, struct sqs_queue *q);
void sqs_state_clear(struct sqs_state *st);

size_t sqs_queue_pos(const struct sqs_state *st, const char *name, bool *found);
void sqs_state_remove(struct sqs_state *st, struct sqs_queue *q);
/* Forget names deleted more than 60 s before now. */
void sqs_prune_deleted(struct sqs_state *st, uint64_t now);
bool sqs_queue_name_ok(const char *name);
bool sqs_is_fifo_name(const char *name);
/* The context's "Endpoint" (default "http://localhost"). */
const char *sqs_endpoint_of(const json_t *ctx);
/* "<endpoint>/<account>/<name>" as a new JSON string. */
json_t *sqs_queue_url(const struct sqs_state *st, const json_t *ctx,
		      const char *name);

/* ---- sqs_queues.c (queue actions; in, ctx borrowed) ---- */
/* dry: validate only (prepare), change nothing, no output. */
enum service_status sqs_create_queue(struct sqs_state *st, const json_t *in,
				     const json_t *ctx, uint64_t now, bool dry,
				     struct service_result *r);
enum service_status sqs_delete_queue(struct sqs_state *st, const json_t *in,
				     uint64_t now, struct service_result *r);
enum service_status sqs_get_queue_url(struct sqs_state *st, const json_t *in,
				      const json_t *ctx,
				      struct service_result *r);
/* ListQueues, or ListDeadLetterSourceQueues when dlq_name is set. */
enum service_status sqs_list_queues(struct sqs_state *st, const json_t *in,
				    const json_t *ctx, const char *dlq_name,
				    struct service_result *r);
enum service_status sqs_purge_queue(struct sqs_state *st, const json_t *in,
				    uint64_t now, struct service_result *r);
enum service_status sqs_tag_queue(struct sqs_state *st, const json_t *in,
				  bool untag, struct service_result *r);
enum service_status sqs_list_tags(struct sqs_state *st, const json_t *in,
				  struct service_result *r);
enum service_status sqs_set_attrs(struct sqs_state *st, const json_t *in,
				  uint64_t now, struct service_result *r);
enum service_status sqs_get_attrs(struct sqs_state *st, const json_t *in,
				  uint64_t now, struct service_result *r);
enum service_status sqs_list_dlq_sources(struct sqs_state *st, const json_t *in,
					 const json_t *ctx,
					 struct service_result *r);

/* ---- sqs_attr.c ---- */
/* Validate and apply a CreateQueue/SetQueueAttributes "Attributes" map. */
int sqs_qcfg_set(struct sqs_state *st, struct sqs_qcfg *cfg, bool fifo,
		 bool creating, const json_t *attrs, const char *self_name,
		 struct service_result *r);
void sqs_qcfg_default(struct sqs_qcfg *cfg);
/* A deep copy of src into dst (validation works on a copy). 0, or -1 when
 * out of memory (dst then holds nothing to free). */
int sqs_qcfg_copy(struct sqs_qcfg *dst, const struct sqs_qcfg *src);
/* "arn:aws:sqs:<region>:<account>:<name>" of ours -> name (81 bytes).
 * 0, or -1 when it is not such an ARN. */
int sqs_arn_name(const struct sqs_state *st, const char *arn, char *name);
/* A stored (canonical) RedrivePolicy, checked for form only: restore. */
int sqs_redrive_restore(const struct sqs_state *st, struct sqs_qcfg *c,
			const char *s);
bool sqs_qcfg_equal(const struct sqs_qcfg *a, const struct sqs_qcfg *b);
/* GetQueueAttributes output object (new reference) or NULL + error. */
json_t *sqs_queue_attrs(struct sqs_state *st, struct sqs_queue *q,
			const json_t *names, uint64_t now_ms,
			struct service_result *r);
/* Validate MessageAttributes; fill md5 ("" if none) and *out (new ref or
 * NULL). *size_out grows by the attributes' size. */
int sqs_msg_attrs_check(const json_t *attrs, const char *field, json_t **out,
			char md5[33], size_t *size_out,
			struct service_result *r);
bool sqs_attr_selected(const json_t *names, const char *name);

/* ---- sqs_message.c ---- */
enum service_status sqs_send(struct sqs_state *st, const json_t *in,
			     const json_t *ctx, uint64_t now,
			     struct service_result *r, bool batch);
/* A FIFO SequenceNumber: 21 digits, increasing with seq. */
void sqs_seq_str(uint64_t seq, char out[32]);
enum service_status sqs_receive(struct sqs_state *st, const json_t *in,
				const json_t *ctx, uint64_t now,
				struct service_result *r);
/* Rebuild a receive's answer from its stored form (service.h). */
enum service_status sqs_receive_render(struct sqs_state *st,
				       const json_t *stored,
				       struct service_result *r);
enum service_status sqs_delete(struct sqs_state *st, const json_t *in,
			       uint64_t now, struct service_result *r,
			       bool batch);
enum service_status sqs_change_vis(struct sqs_state *st, const json_t *in,
				   uint64_t now, struct service_result *r,
				   bool batch);
/* The checks apply makes first, without changing anything (prepare):
 * SendMessage's fields, batch shapes, receipt handles and ranges. */
enum service_status sqs_message_precheck(struct sqs_state *st,
					 struct sqs_queue *q,
					 const char *action, const json_t *in,
					 struct service_result *r);
/* Bring q up to now: pending messages whose time came become available,
 * expired messages go. Returns whether any message became available. */
bool sqs_queue_advance(struct sqs_queue *q, uint64_t now);
/* Counts as of now without changing anything. */
/* /metrics families (sqs_metrics.c). */
struct strbuf;
void sqs_metrics(const void *state, struct strbuf *b);

void sqs_queue_counts(const struct sqs_queue *q, uint64_t now, size_t *visible,
		      size_t *not_visible, size_t *delayed);
void sqs_queue_purge(struct sqs_queue *q);
/* Insert a message (used by send, DLQ moves, restore). Takes ownership of
 * m. Returns 0 or -1 (out of memory). */
int sqs_msg_insert(struct sqs_queue *q, struct sqs_msg *m);
void sqs_msg_free(struct sqs_msg *m);
struct sqs_group *sqs_group_get(struct sqs_queue *q, const char *id,
				bool create);

/* ---- sqs_queue.c (the message store) ---- */
/* Approximate memory of one message: the struct, body, ids, attributes. */
size_t sqs_msg_size(const struct sqs_msg *m);
/* service state_bytes: every queue's messages and bookkeeping. */
size_t sqs_state_bytes(const void *state);
void sqs_msg_unlink(struct sqs_queue *q, struct sqs_msg *m);
void sqs_msg_remove(struct sqs_queue *q, struct sqs_msg *m);
/* Make available m in flight: visible_at_ms in the future (pending) or
 * now (available at once). */
void sqs_msg_set_visible_at(struct sqs_queue *q, struct sqs_msg *m,
			    uint64_t at_ms);
/* Receive available m: in flight until visible_at; -1 out of memory. */
int sqs_msg_take(struct sqs_queue *q, struct sqs_msg *m, uint64_t visible_at,
		 const uint8_t nonce[16], uint64_t now);
bool sqs_msg_expired(const struct sqs_queue *q, const struct sqs_msg *m,
		     uint64_t now);
bool sqs_group_eligible(const struct sqs_group *g);
struct sqs_group *sqs_group_pop_ready(struct sqs_queue *q);
/* Earliest visible_at_ms of a pending message, 0 = none. */
uint64_t sqs_queue_next_due(const struct sqs_queue *q);
struct sqs_dedup *sqs_dedup_find(struct sqs_queue *q, const char *key);
int sqs_dedup_add(struct sqs_queue *q, const char *key, const char *id,
		  uint64_t seq, uint64_t at_ms);
void sqs_dedup_remove(struct sqs_queue *q, struct sqs_dedup *d);

/* Restore the ready-list order (standard) / ready-group order (FIFO). */
int sqs_ready_restore(struct sqs_queue *q, const uint64_t *seqs, size_t n);
int sqs_gready_restore(struct sqs_queue *q, const char *const *ids, size_t n);

/* ---- sqs_fifo.c ---- */
struct sqs_attempt *sqs_attempt_find(struct sqs_queue *q, const char *id);
/* Record an attempt; -1 when out of memory, n > 10 or id known. */
int sqs_attempt_add(struct sqs_queue *q, const char *id, uint64_t at_ms,
		    const uint8_t nonce[16], const uint64_t *seqs, size_t n);
void sqs_attempt_remove(struct sqs_queue *q, struct sqs_attempt *a);
void sqs_attempts_expire(struct sqs_queue *q, uint64_t now);
void sqs_attempts_free(struct sqs_queue *q);
bool sqs_attempt_id_ok(const char *s);

/* ---- sqs_move.c (message move tasks) ---- */
enum service_status sqs_start_move(struct sqs_state *st, const json_t *in,
				   const json_t *ctx, uint64_t now,
				   struct service_result *r);
enum service_status sqs_list_moves(struct sqs_state *st, const json_t *in,
				   struct service_result *r);
/* dry: validate only (prepare). */
enum service_status sqs_cancel_move(struct sqs_state *st, const json_t *in,
				    bool dry, struct service_result *r);
/* The leader's "advance" step of a running task (internal action). */
enum service_status sqs_advance_move(struct sqs_state *st, const json_t *in,
				     uint64_t now, struct service_result *r);
/* service tick: emit an advance step for each running task that is due. */
uint64_t sqs_move_tick(void *state, uint64_t now_ms, service_emit_fn emit,
		       void *emit_ctx);
const char *sqs_task_status_name(uint8_t status);
/* Keep a task record on q (newest first; the oldest beyond 10 goes). */
void sqs_task_push(struct sqs_queue *q, const struct sqs_task *t);
void sqs_tasks_free(struct sqs_queue *q);
void sqs_task_free(struct sqs_task *t);

/* ---- sqs_snap.c ---- */
int sqs_snapshot(const void *state, uint8_t **buf, size_t *len);
int sqs_restore(void *state, const uint8_t *buf, size_t len);
uint64_t sqs_digest(const void *state);

#endif
