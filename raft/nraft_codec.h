/* nraft_codec: the wire format of raft messages between Stratus nodes.
 *
 * Encodes every libraft 0.15 `struct raft_message` type into a compact
 * little-endian binary form and decodes it back, and frames several encoded
 * messages into one "pack" (one nng message). Decoding treats its input as
 * hostile: every length and count is checked against the bytes actually
 * present before anything is allocated, and any inconsistency is an error
 * return. Decoded messages are laid out exactly as libraft 0.15 expects to
 * take ownership of them in its recv callback (see nraft_codec_decode()).
 * This module owns no state; it does no I/O.
 *
 * Wire format (all integers little-endian):
 *
 *   pack    := u32 magic "NRP1" , u64 cluster_id , frame*
 *   frame   := u32 length , message            (length = bytes of message)
 *   message := u8 type , u64 sender_id , string sender_address , body
 *   string  := u16 n , n bytes                 (n >= 2, last byte NUL, no
 *                                               other NUL)
 *   body of
 *     RequestVote         u64 term, u64 candidate_id, u64 last_log_index,
 *                         u64 last_log_term, u8 flags (1 disrupt_leader,
 *                         2 pre_vote)
 *     RequestVoteResult   u64 term, u8 vote_granted (0/1),
 *                         u8 pre_vote (raft_tribool 0..2)
 *     AppendEntries       u64 term, u64 prev_log_index, u64 prev_log_term,
 *                         u64 leader_commit, u32 n,
 *                         n x (u64 term, u8 type, u32 len), then the n
 *                         entry payloads back to back
 *     AppendEntriesResult u64 term, u64 rejected, u64 last_log_index
 *     InstallSnapshot     u64 term, u64 last_index, u64 last_term,
 *                         u64 conf_index, u32 n_servers,
 *                         n_servers x (u64 id, u8 role, string address),
 *                         u64 data_len, data
 *     TimeoutNow          u64 term, u64 last_log_index, u64 last_log_term
 *
 * A message must fill its frame exactly; trailing bytes are an error. */
#ifndef NRAFT_CODEC_H
#define NRAFT_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <raft.h>

/* Bytes of the pack header written by nraft_codec_pack_begin(). */
#define NRAFT_CODEC_PACK_HEADER_BYTES 12

/* Bytes of the length prefix in front of each message in a pack. */
#define NRAFT_CODEC_FRAME_HEADER_BYTES 4

/* Longest address (excluding the NUL) that can be encoded or decoded. */
#define NRAFT_CODEC_MAX_ADDRESS_BYTES 1024

/* Upper bound of the bytes a frame needs besides the entry payloads of an
 * AppendEntries: frame prefix, message header with the longest address, the
 * fixed AppendEntries fields. Add 13 bytes per entry for entry headers. */
#define NRAFT_CODEC_APPEND_OVERHEAD_BYTES                                      \
	(NRAFT_CODEC_FRAME_HEADER_BYTES + 1 + 8 + 2 +                          \
	 NRAFT_CODEC_MAX_ADDRESS_BYTES + 1 + 36)

/* Bytes of one AppendEntries entry header (term, type, length). */
#define NRAFT_CODEC_ENTRY_HEADER_BYTES 13

/* Compute the size in bytes of the frame (length prefix included) that
 * encodes @msg as sent by @sender_id at @sender_address. Borrows all
 * arguments. @msg->server_id and @msg->server_address (the destination) are
 * not encoded.
 *
 * Errors: RAFT_INVALID for an unknown message type, a zero sender id, an
 * empty or too long address (also of a configuration server), or an invalid
 * entry type; RAFT_TOOBIG if an entry payload exceeds 4 GiB - 1 or the frame
 * exceeds 4 GiB - 1. */
int nraft_codec_frame_size(raft_id sender_id, const char *sender_address,
			   const struct raft_message *msg, size_t *frame_size);

/* Write the frame for @msg into @buf, which must have room for exactly
 * @frame_size bytes as returned by a successful nraft_codec_frame_size()
 * call with the same arguments. Copies entry payloads and snapshot data;
 * borrows everything. Cannot fail. */
void nraft_codec_frame_encode(raft_id sender_id, const char *sender_address,
			      const struct raft_message *msg, void *buf,
			      size_t frame_size);

/* Write the pack header into @buf (NRAFT_CODEC_PACK_HEADER_BYTES bytes).
 * @cluster_id lets a receiver reject packs from another cluster that
 * reached its address. Frames are then appended back to back. */
void nraft_codec_pack_begin(void *buf, uint64_t cluster_id);

/* Decode one message (without frame prefix) of @len bytes at @buf into
 * @msg. On success @msg->server_id and @msg->server_address are the sender's;
 * server_address points into @buf (borrowed: valid as long as @buf is).
 *
 * Ownership on success, as libraft 0.15's recv callback expects:
 * - AppendEntries with n_entries > 0: `entries` is a raft_malloc()'d array
 *   and every entry's `batch` is the same non-NULL raft_malloc()'d block that
 *   holds all payloads; with n_entries == 0, `entries` is NULL.
 * - InstallSnapshot: `conf` is built with raft_configuration_add() and
 *   `data.base` is raft_malloc()'d (never NULL, even for 0 bytes).
 * Hand @msg to raft's recv callback (raft then owns all of it) or release it
 * with nraft_codec_message_release().
 *
 * Errors (nothing allocated, @msg undefined): RAFT_MALFORMED for any
 * truncated, inconsistent or out-of-range input, with a reason in @errmsg
 * (may be NULL); RAFT_NOMEM. */
int nraft_codec_decode(const void *buf, size_t len, struct raft_message *msg,
		       char *errmsg, size_t errmsg_size);

/* Free what nraft_codec_decode() allocated for @msg, for a message that is
 * not handed to raft. */
void nraft_codec_message_release(struct raft_message *msg);

/* Cursor over the frames of a received pack. Borrows the pack bytes. */
struct nraft_codec_pack {
	const uint8_t *cursor; /* Next frame. */
	const uint8_t *end;    /* One past the last byte of the pack. */
	uint64_t cluster_id;   /* From the pack header. */
};

/* Check the pack header of the @len bytes at @buf, record its cluster id
 * and point @pack at the first frame. Errors: RAFT_MALFORMED (short or wrong
 * magic), with a reason in @errmsg (may be NULL). */
int nraft_codec_pack_open(struct nraft_codec_pack *pack, const void *buf,
			  size_t len, char *errmsg, size_t errmsg_size);

/* True while @pack has frames left. */
bool nraft_codec_pack_more(const struct nraft_codec_pack *pack);

/* Decode the next frame of @pack into @msg, with the ownership rules and
 * errors of nraft_codec_decode(). After an error the rest of the pack is
 * skipped (nraft_codec_pack_more() returns false). */
int nraft_codec_pack_next(struct nraft_codec_pack *pack,
			  struct raft_message *msg, char *errmsg,
			  size_t errmsg_size);

#endif /* NRAFT_CODEC_H */
