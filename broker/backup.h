/* backup — online backups of the whole replicated state
 * (`stratus admin snapshot`), and where restores come in.
 *
 * Design. A backup is the state machine's snapshot (kv, sessions, node
 * registry, every service's state: exactly what a raft snapshot holds)
 * wrapped in a file with a header and a SHA-256 (proto/backup_file.h).
 * Taking one: BACKUP_BEGIN goes to the leader, which issues a raft barrier;
 * when the barrier applies, everything committed before the request has
 * applied and leadership was confirmed, so the state at that moment is a
 * linearizable cut. The leader captures it there the way raft snapshots
 * are taken (fsm_capture: pointers into the kv and sessions, whose frees
 * are deferred meanwhile; services serialize into copies on the loop),
 * serializes it and builds the file (SHA-256) on a libuv worker thread
 * while the loop keeps serving, and keeps it in a small node-local store
 * under a random id, answering
 * {id, applied index, term, size, content digest}. The client then pulls
 * the file with BACKUP_READ {id, offset} in pieces of at most
 * WIRE_MAX_BACKUP_CHUNK_BYTES; any node answers those from its own store,
 * so a leader change after the capture does not spoil a backup being read
 * (the routed client keeps talking to the same node). A read at the end of
 * the file releases the capture; unread captures are dropped after
 * BACKUP_IDLE_MS, and the oldest one goes when the store is full. Nothing
 * of this is replicated: a capture is a read.
 *
 * Restoring goes the other way, through the log (broker/fsm_restore.c):
 * RESTORE_BEGIN, RESTORE_CHUNK... (each an ordinary replicated write of at
 * most 1 MiB, far below the raft entry and message limits), and
 * RESTORE_COMMIT, which checks the staged file and swaps the state in
 * atomically on every node; a partly received restore is never visible.
 * Both directions are authenticated like any request when the cluster
 * has access keys (node.c request_authenticated). Loop thread only. */
#ifndef STRATUS_BACKUP_H
#define STRATUS_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

struct node_call;

#define BACKUP_MAX_CAPTURES 2
#define BACKUP_IDLE_MS	    (5u * 60 * 1000)

/* One capture: the whole backup file. */
struct backup_capture {
	uint64_t id;   /* 0: free */
	uint8_t *file; /* owned */
	size_t len;
	struct wire_backup_info info;
	uint64_t last_used_ms; /* wall clock of the last begin / read */
};

/* The captures this node holds for clients reading them. */
struct backup_store {
	struct backup_capture slots[BACKUP_MAX_CAPTURES];
};

/* Answer a BACKUP_BEGIN: barrier, capture, store, reply with the info.
 * Leader only (the caller checked); answers ServiceUnavailable when
 * leadership is lost before the barrier applies (the client retries). */
void backup_begin(struct node_call *call);

/* Answer a BACKUP_READ from this node's store: a piece of the file in
 * result.value with the info; ResourceNotFoundException when the id is not
 * held here (expired, released, another node), InvalidParameterValue for
 * an offset past the end. A read at the end releases the capture. */
void backup_read(struct node_call *call);

/* Free every capture (node shutdown). */
void backup_store_free(struct backup_store *s);

#endif
