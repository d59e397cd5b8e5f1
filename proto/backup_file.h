/* backup_file — the on-disk format of a Stratus backup
 * (`stratus admin snapshot --out FILE`, `stratus admin restore --in FILE`).
 *
 * A backup file is a fixed 96-byte header followed by the payload, a
 * serialized state-machine Snapshot (proto/stratus.proto; the same bytes a
 * node's raft snapshot holds: kv, sessions, node registry, service states).
 * All integers little-endian:
 *
 *   0  magic "STRATUSB"           40 created_ms (capturing node's clock)
 *   8  u32 format version (1)     48 content_digest (kv + services)
 *  12  u32 header size (96)       56 8 reserved bytes, zero
 *  16  applied_index              64 SHA-256 of bytes 0..63 followed by
 *  24  term                          the payload
 *  32  payload_bytes              96 payload
 *
 * The checksum covers the header fields too, so a flipped bit anywhere is
 * caught; a truncated or extended file fails the size check first. The same
 * parser runs in the CLI (before a restore starts, and after a backup is
 * written) and in every node's state machine at restore commit (the staged
 * bytes are the file), so a file damaged in transit is refused identically
 * everywhere. Pure functions, any thread. */
#ifndef STRATUS_BACKUP_FILE_H
#define STRATUS_BACKUP_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define BACKUP_FILE_MAGIC	 "STRATUSB" /* 8 bytes, no NUL in the file */
#define BACKUP_FILE_VERSION	 1
#define BACKUP_FILE_HEADER_BYTES 96
#define BACKUP_FILE_SHA256_BYTES 32
/* Largest file accepted: a snapshot of WIRE_MAX_SNAPSHOT_BYTES plus the
 * header. */
#define BACKUP_FILE_MAX_BYTES                                                  \
	((uint64_t)WIRE_MAX_SNAPSHOT_BYTES + BACKUP_FILE_HEADER_BYTES)

/* Errors (negative). */
enum backup_file_err {
	BACKUP_FILE_OK = 0,
	BACKUP_FILE_ERR_TRUNCATED = -1, /* shorter than its header says */
	BACKUP_FILE_ERR_MAGIC = -2,	/* not a Stratus backup */
	BACKUP_FILE_ERR_VERSION = -3,	/* a format this build cannot read */
	BACKUP_FILE_ERR_SIZE = -4,	/* sizes inconsistent or too large */
	BACKUP_FILE_ERR_CHECKSUM = -5,	/* content damaged */
	BACKUP_FILE_ERR_NOMEM = -6
};

/* What a backup reflects. */
struct backup_header {
	uint32_t version;
	uint64_t applied_index; /* raft index the state was captured at */
	uint64_t term;		/* the capturing leader's term */
	uint64_t payload_bytes;
	uint64_t created_ms; /* wall clock of the capturing node */
	uint64_t content_digest;
};

/* Build a whole file from h (version and payload_bytes are filled in here)
 * and payload (borrowed). Returns 0 and a malloc'd *file of *file_len
 * bytes, or BACKUP_FILE_ERR_SIZE (payload too large) /
 * BACKUP_FILE_ERR_NOMEM. */
int backup_file_build(const struct backup_header *h, const uint8_t *payload,
		      size_t payload_len, uint8_t **file, size_t *file_len);

/* Check a whole file: magic, version, sizes, checksum. On success fills *h
 * and points *payload into buf (borrowed). On error fills errmsg with a
 * sentence naming the damage ("checksum mismatch: the file is damaged")
 * and returns a BACKUP_FILE_ERR_* code. buf may be NULL when len is 0. */
int backup_file_parse(const uint8_t *buf, size_t len, struct backup_header *h,
		      const uint8_t **payload, char *errmsg,
		      size_t errmsg_size);

#endif
