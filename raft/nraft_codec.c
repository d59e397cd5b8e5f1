/* nraft_codec: encoding and total decoding of raft messages and packs.
 *
 * The format is documented in nraft_codec.h. Encoding is two-pass (size,
 * then write into a buffer the caller provides, typically the tail of an
 * nng message) so entry payloads are copied exactly once. Decoding reads
 * through a bounds-checked cursor; nothing is allocated before the bytes it
 * describes are known to be present, so a hostile length can never cause a
 * large allocation. */
#include "nraft_codec.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* "NRP1" read as a little-endian u32. */
#define PACK_MAGIC 0x3150524eu

/* Most servers a decoded configuration may hold. raft_configuration_add()
 * is linear in the size of the configuration, so an unbounded count would
 * make decoding quadratic. Real clusters have a handful of servers. */
#define MAX_CONF_SERVERS 1024

/* Smallest encoding of one configuration server: id, role, shortest string
 * (u16 length + one byte + NUL). */
#define MIN_SERVER_BYTES (8 + 1 + 2 + 2)

/* Fixed body sizes of the message types without variable parts. */
#define REQUEST_VOTE_BYTES	     (4 * 8 + 1)
#define REQUEST_VOTE_RESULT_BYTES    (8 + 1 + 1)
#define APPEND_ENTRIES_FIXED_BYTES   (4 * 8 + 4)
#define APPEND_ENTRIES_RESULT_BYTES  (3 * 8)
#define INSTALL_SNAPSHOT_FIXED_BYTES (4 * 8 + 4 + 8)
#define TIMEOUT_NOW_BYTES	     (3 * 8)

/* Flag bits of RequestVote. */
#define FLAG_DISRUPT_LEADER 0x1u
#define FLAG_PRE_VOTE	    0x2u

/* --- writing ------------------------------------------------------------ */

/* Write cursor; the caller has sized the buffer, so no checks here. */
struct wcur {
	uint8_t *p;
};

static void put8(struct wcur *w, uint8_t v)
{
	*w->p++ = v;
}

static void put16(struct wcur *w, uint16_t v)
{
	w->p[0] = (uint8_t)v;
	w->p[1] = (uint8_t)(v >> 8);
	w->p += 2;
}

static void put32(struct wcur *w, uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		w->p[i] = (uint8_t)(v >> (8 * i));
	}
	w->p += 4;
}

static void put64(struct wcur *w, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		w->p[i] = (uint8_t)(v >> (8 * i));
	}
	w->p += 8;
}

static void putBytes(struct wcur *w, const void *src, size_t n)
{
	if (n > 0) {
		memcpy(w->p, src, n);
		w->p += n;
	}
}

/* Strings carry their NUL so a decoded address can point into the input. */
static void putString(struct wcur *w, const char *s)
{
	size_t n = strlen(s) + 1;
	put16(w, (uint16_t)n);
	putBytes(w, s, n);
}

/* Encoded size of a string, or 0 if it is empty or too long. */
static size_t stringSize(const char *s)
{
	size_t n;
	if (s == NULL) {
		return 0;
	}
	n = strlen(s);
	if (n == 0 || n > NRAFT_CODEC_MAX_ADDRESS_BYTES) {
		return 0;
	}
	return 2 + n + 1;
}

static bool entryTypeValid(unsigned type)
{
	return type == RAFT_COMMAND || type == RAFT_BARRIER ||
	       type == RAFT_CHANGE;
}

/* Size of the body of @msg (after the message header). */
static int bodySize(const struct raft_message *msg, uint64_t *size)
{
	const struct raft_append_entries *ae;
	const struct raft_install_snapshot *is;
	unsigned i;

	switch (msg->type) {
	case RAFT_IO_REQUEST_VOTE:
		*size = REQUEST_VOTE_BYTES;
		return 0;
	case RAFT_IO_REQUEST_VOTE_RESULT:
		if ((unsigned)msg->request_vote_result.pre_vote >
		    raft_tribool_false) {
			return RAFT_INVALID;
		}
		*size = REQUEST_VOTE_RESULT_BYTES;
		return 0;
	case RAFT_IO_APPEND_ENTRIES:
		ae = &msg->append_entries;
		*size = APPEND_ENTRIES_FIXED_BYTES;
		for (i = 0; i < ae->n_entries; i++) {
			if (!entryTypeValid(ae->entries[i].type)) {
				return RAFT_INVALID;
			}
			if (ae->entries[i].buf.len > UINT32_MAX) {
				return RAFT_TOOBIG;
			}
			*size += NRAFT_CODEC_ENTRY_HEADER_BYTES +
				 ae->entries[i].buf.len;
		}
		return 0;
	case RAFT_IO_APPEND_ENTRIES_RESULT:
		*size = APPEND_ENTRIES_RESULT_BYTES;
		return 0;
	case RAFT_IO_INSTALL_SNAPSHOT:
		is = &msg->install_snapshot;
		if (is->conf.n > MAX_CONF_SERVERS) {
			return RAFT_INVALID;
		}
		*size = INSTALL_SNAPSHOT_FIXED_BYTES + is->data.len;
		for (i = 0; i < is->conf.n; i++) {
			size_t s = stringSize(is->conf.servers[i].address);
			if (s == 0 || is->conf.servers[i].id == 0) {
				return RAFT_INVALID;
			}
			*size += 8 + 1 + s;
		}
		return 0;
	case RAFT_IO_TIMEOUT_NOW:
		*size = TIMEOUT_NOW_BYTES;
		return 0;
	default:
		return RAFT_INVALID;
	}
}

int nraft_codec_frame_size(raft_id sender_id, const char *sender_address,
			   const struct raft_message *msg, size_t *frame_size)
{
	size_t address_size = stringSize(sender_address);
	uint64_t body;
	uint64_t message;
	int rv;

	if (sender_id == 0 || address_size == 0) {
		return RAFT_INVALID;
	}
	rv = bodySize(msg, &body);
	if (rv != 0) {
		return rv;
	}
	message = 1 + 8 + address_size + body;
	if (message > UINT32_MAX ||
	    message > SIZE_MAX - NRAFT_CODEC_FRAME_HEADER_BYTES) {
		return RAFT_TOOBIG;
	}
	*frame_size = (size_t)message + NRAFT_CODEC_FRAME_HEADER_BYTES;
	return 0;
}

static void encodeAppendEntries(struct wcur *w,
				const struct raft_append_entries *ae)
{
	unsigned i;
	put64(w, ae->term);
	put64(w, ae->prev_log_index);
	put64(w, ae->prev_log_term);
	put64(w, ae->leader_commit);
	put32(w, ae->n_entries);
	/* Headers first, payloads after: the receiver copies all payloads into
	 * one batch with a single memcpy. */
	for (i = 0; i < ae->n_entries; i++) {
		put64(w, ae->entries[i].term);
		put8(w, (uint8_t)ae->entries[i].type);
		put32(w, (uint32_t)ae->entries[i].buf.len);
	}
	for (i = 0; i < ae->n_entries; i++) {
		putBytes(w, ae->entries[i].buf.base, ae->entries[i].buf.len);
	}
}

static void encodeInstallSnapshot(struct wcur *w,
				  const struct raft_install_snapshot *is)
{
	unsigned i;
	put64(w, is->term);
	put64(w, is->last_index);
	put64(w, is->last_term);
	put64(w, is->conf_index);
	put32(w, is->conf.n);
	for (i = 0; i < is->conf.n; i++) {
		put64(w, is->conf.servers[i].id);
		put8(w, (uint8_t)is->conf.servers[i].role);
		putString(w, is->conf.servers[i].address);
	}
	put64(w, is->data.len);
	putBytes(w, is->data.base, is->data.len);
}

void nraft_codec_frame_encode(raft_id sender_id, const char *sender_address,
			      const struct raft_message *msg, void *buf,
			      size_t frame_size)
{
	struct wcur w = {buf};
	uint8_t flags;

	put32(&w, (uint32_t)(frame_size - NRAFT_CODEC_FRAME_HEADER_BYTES));
	put8(&w, (uint8_t)msg->type);
	put64(&w, sender_id);
	putString(&w, sender_address);

	switch (msg->type) {
	case RAFT_IO_REQUEST_VOTE:
		flags = 0;
		if (msg->request_vote.disrupt_leader) {
			flags |= FLAG_DISRUPT_LEADER;
		}
		if (msg->request_vote.pre_vote) {
			flags |= FLAG_PRE_VOTE;
		}
		put64(&w, msg->request_vote.term);
		put64(&w, msg->request_vote.candidate_id);
		put64(&w, msg->request_vote.last_log_index);
		put64(&w, msg->request_vote.last_log_term);
		put8(&w, flags);
		break;
	case RAFT_IO_REQUEST_VOTE_RESULT:
		put64(&w, msg->request_vote_result.term);
		put8(&w, msg->request_vote_result.vote_granted ? 1 : 0);
		put8(&w, (uint8_t)msg->request_vote_result.pre_vote);
		break;
	case RAFT_IO_APPEND_ENTRIES:
		encodeAppendEntries(&w, &msg->append_entries);
		break;
	case RAFT_IO_APPEND_ENTRIES_RESULT:
		put64(&w, msg->append_entries_result.term);
		put64(&w, msg->append_entries_result.rejected);
		put64(&w, msg->append_entries_result.last_log_index);
		break;
	case RAFT_IO_INSTALL_SNAPSHOT:
		encodeInstallSnapshot(&w, &msg->install_snapshot);
		break;
	case RAFT_IO_TIMEOUT_NOW:
		put64(&w, msg->timeout_now.term);
		put64(&w, msg->timeout_now.last_log_index);
		put64(&w, msg->timeout_now.last_log_term);
		break;
	}
	/* The caller sized @buf with nraft_codec_frame_size(). */
	assert(w.p == (uint8_t *)buf + frame_size);
}

void nraft_codec_pack_begin(void *buf, uint64_t cluster_id)
{
	struct wcur w = {buf};
	put32(&w, PACK_MAGIC);
	put64(&w, cluster_id);
}

/* --- reading ------------------------------------------------------------ */

/* Unchecked little-endian loads, for bytes already known to be present. */
static uint32_t le32(const uint8_t *p)
{
	uint32_t x = 0;
	for (int i = 0; i < 4; i++) {
		x |= (uint32_t)p[i] << (8 * i);
	}
	return x;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t x = 0;
	for (int i = 0; i < 8; i++) {
		x |= (uint64_t)p[i] << (8 * i);
	}
	return x;
}

/* Bounds-checked read cursor. Every get returns false once input runs out. */
struct rcur {
	const uint8_t *p;
	size_t left;
};

static bool get8(struct rcur *r, uint8_t *v)
{
	if (r->left < 1) {
		return false;
	}
	*v = r->p[0];
	r->p++;
	r->left--;
	return true;
}

static bool get16(struct rcur *r, uint16_t *v)
{
	if (r->left < 2) {
		return false;
	}
	*v = (uint16_t)(r->p[0] | (r->p[1] << 8));
	r->p += 2;
	r->left -= 2;
	return true;
}

static bool get32(struct rcur *r, uint32_t *v)
{
	if (r->left < 4) {
		return false;
	}
	*v = le32(r->p);
	r->p += 4;
	r->left -= 4;
	return true;
}

/* raft's id/term/index types are unsigned long long. */
static bool get64(struct rcur *r, unsigned long long *v)
{
	if (r->left < 8) {
		return false;
	}
	*v = le64(r->p);
	r->p += 8;
	r->left -= 8;
	return true;
}

/* Read a NUL-terminated string in place; @s borrows the input. */
static bool getString(struct rcur *r, const char **s)
{
	uint16_t n;
	if (!get16(r, &n) || n < 2 || n - 1 > NRAFT_CODEC_MAX_ADDRESS_BYTES ||
	    r->left < n) {
		return false;
	}
	/* Exactly one NUL, at the end. */
	if (r->p[n - 1] != 0 || memchr(r->p, 0, (size_t)n - 1) != NULL) {
		return false;
	}
	*s = (const char *)r->p;
	r->p += n;
	r->left -= n;
	return true;
}

/* Record why decoding failed and return RAFT_MALFORMED. */
static int malformed(char *errmsg, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int malformed(char *errmsg, size_t size, const char *fmt, ...)
{
	va_list ap;
	if (errmsg != NULL && size > 0) {
		va_start(ap, fmt);
		vsnprintf(errmsg, size, fmt, ap);
		va_end(ap);
	}
	return RAFT_MALFORMED;
}

static int decodeAppendEntries(struct rcur *r, struct raft_append_entries *ae,
			       char *errmsg, size_t errmsg_size)
{
	const uint8_t *headers; /* The n entry headers (validated length). */
	const uint8_t *h;	/* Walks the headers. */
	uint64_t total = 0;
	uint32_t n;
	uint8_t *batch;
	uint8_t *data;
	unsigned i;

	if (!get64(r, &ae->term) || !get64(r, &ae->prev_log_index) ||
	    !get64(r, &ae->prev_log_term) || !get64(r, &ae->leader_commit) ||
	    !get32(r, &n)) {
		return malformed(errmsg, errmsg_size,
				 "append entries: truncated header");
	}
	ae->entries = NULL;
	ae->n_entries = 0;
	if (n == 0) {
		return 0;
	}
	if (n > r->left / NRAFT_CODEC_ENTRY_HEADER_BYTES) {
		return malformed(errmsg, errmsg_size,
				 "append entries: %u entries in %zu bytes", n,
				 r->left);
	}

	/* First pass: validate headers and sum payload sizes without
	 * allocating. total stays <= r->left + 4 GiB, so it cannot overflow. */
	headers = r->p;
	r->p += (size_t)n * NRAFT_CODEC_ENTRY_HEADER_BYTES;
	r->left -= (size_t)n * NRAFT_CODEC_ENTRY_HEADER_BYTES;
	for (i = 0, h = headers; i < n;
	     i++, h += NRAFT_CODEC_ENTRY_HEADER_BYTES) {
		if (!entryTypeValid(h[8])) {
			return malformed(errmsg, errmsg_size,
					 "append entries: entry %u has type %u",
					 i, h[8]);
		}
		total += le32(h + 9);
		if (total > r->left) {
			return malformed(errmsg, errmsg_size,
					 "append entries: payloads exceed "
					 "message (entry %u)",
					 i);
		}
	}

	/* raft frees entries[] and, once per distinct pointer,
	 * entries[i].batch; it asserts batch != NULL, so allocate one byte even
	 * for empty payloads. */
	ae->entries = raft_malloc((size_t)n * sizeof *ae->entries);
	if (ae->entries == NULL) {
		return RAFT_NOMEM;
	}
	batch = raft_malloc(total > 0 ? (size_t)total : 1);
	if (batch == NULL) {
		raft_free(ae->entries);
		ae->entries = NULL;
		return RAFT_NOMEM;
	}
	memcpy(batch, r->p, (size_t)total);

	/* Second pass: fill the entries; the headers are known to be valid. */
	data = batch;
	for (i = 0, h = headers; i < n;
	     i++, h += NRAFT_CODEC_ENTRY_HEADER_BYTES) {
		uint32_t len = le32(h + 9);
		ae->entries[i].term = le64(h);
		ae->entries[i].type = h[8];
		ae->entries[i].buf.base = data;
		ae->entries[i].buf.len = len;
		ae->entries[i].batch = batch;
		data += len;
	}
	ae->n_entries = n;
	r->p += total;
	r->left -= (size_t)total;
	return 0;
}

static int decodeInstallSnapshot(struct rcur *r,
				 struct raft_install_snapshot *is, char *errmsg,
				 size_t errmsg_size)
{
	uint32_t n;
	unsigned long long data_len;
	unsigned i;
	int rv;

	if (!get64(r, &is->term) || !get64(r, &is->last_index) ||
	    !get64(r, &is->last_term) || !get64(r, &is->conf_index) ||
	    !get32(r, &n)) {
		return malformed(errmsg, errmsg_size,
				 "install snapshot: truncated header");
	}
	if (n > MAX_CONF_SERVERS || n > r->left / MIN_SERVER_BYTES) {
		return malformed(errmsg, errmsg_size,
				 "install snapshot: %u servers in %zu bytes", n,
				 r->left);
	}
	raft_configuration_init(&is->conf);
	for (i = 0; i < n; i++) {
		raft_id id;
		uint8_t role;
		const char *address;
		if (!get64(r, &id) || !get8(r, &role) ||
		    !getString(r, &address)) {
			rv = malformed(errmsg, errmsg_size,
				       "install snapshot: server %u truncated "
				       "or bad address",
				       i);
			goto err_after_conf_init;
		}
		if (id == 0 || role > RAFT_SPARE) {
			rv = malformed(
			    errmsg, errmsg_size,
			    "install snapshot: server %u has id %llu role %u",
			    i, (unsigned long long)id, role);
			goto err_after_conf_init;
		}
		rv = raft_configuration_add(&is->conf, id, address, role);
		if (rv == RAFT_NOMEM) {
			goto err_after_conf_init;
		}
		if (rv != 0) {
			rv = malformed(errmsg, errmsg_size,
				       "install snapshot: server %u: %s", i,
				       raft_strerror(rv));
			goto err_after_conf_init;
		}
	}
	if (!get64(r, &data_len) || data_len > r->left) {
		rv = malformed(errmsg, errmsg_size,
			       "install snapshot: data length exceeds message");
		goto err_after_conf_init;
	}
	/* raft frees data.base unconditionally: never hand it NULL. */
	is->data.base = raft_malloc(data_len > 0 ? (size_t)data_len : 1);
	if (is->data.base == NULL) {
		rv = RAFT_NOMEM;
		goto err_after_conf_init;
	}
	memcpy(is->data.base, r->p, (size_t)data_len);
	is->data.len = (size_t)data_len;
	r->p += data_len;
	r->left -= (size_t)data_len;
	return 0;

err_after_conf_init:
	raft_configuration_close(&is->conf);
	return rv;
}

int nraft_codec_decode(const void *buf, size_t len, struct raft_message *msg,
		       char *errmsg, size_t errmsg_size)
{
	struct rcur r = {buf, len};
	uint8_t type;
	raft_id sender_id;
	const char *address;
	uint8_t u8a;
	uint8_t u8b;
	int rv = 0;

	memset(msg, 0, sizeof *msg);
	if (!get8(&r, &type) || !get64(&r, &sender_id) ||
	    !getString(&r, &address)) {
		return malformed(errmsg, errmsg_size,
				 "message header truncated or bad address");
	}
	/* raft asserts a non-zero sender id. */
	if (sender_id == 0) {
		return malformed(errmsg, errmsg_size, "sender id is 0");
	}
	msg->type = type;
	msg->server_id = sender_id;
	msg->server_address = address;

	switch (type) {
	case RAFT_IO_REQUEST_VOTE:
		if (!get64(&r, &msg->request_vote.term) ||
		    !get64(&r, &msg->request_vote.candidate_id) ||
		    !get64(&r, &msg->request_vote.last_log_index) ||
		    !get64(&r, &msg->request_vote.last_log_term) ||
		    !get8(&r, &u8a)) {
			return malformed(errmsg, errmsg_size,
					 "request vote: truncated");
		}
		if ((u8a & ~(FLAG_DISRUPT_LEADER | FLAG_PRE_VOTE)) != 0) {
			return malformed(errmsg, errmsg_size,
					 "request vote: unknown flags 0x%x",
					 u8a);
		}
		msg->request_vote.disrupt_leader =
		    (u8a & FLAG_DISRUPT_LEADER) != 0;
		msg->request_vote.pre_vote = (u8a & FLAG_PRE_VOTE) != 0;
		break;
	case RAFT_IO_REQUEST_VOTE_RESULT:
		if (!get64(&r, &msg->request_vote_result.term) ||
		    !get8(&r, &u8a) || !get8(&r, &u8b)) {
			return malformed(errmsg, errmsg_size,
					 "request vote result: truncated");
		}
		if (u8a > 1 || u8b > raft_tribool_false) {
			return malformed(errmsg, errmsg_size,
					 "request vote result: bad flags %u %u",
					 u8a, u8b);
		}
		msg->request_vote_result.vote_granted = u8a == 1;
		msg->request_vote_result.pre_vote = (raft_tribool)u8b;
		break;
	case RAFT_IO_APPEND_ENTRIES:
		rv = decodeAppendEntries(&r, &msg->append_entries, errmsg,
					 errmsg_size);
		break;
	case RAFT_IO_APPEND_ENTRIES_RESULT:
		if (!get64(&r, &msg->append_entries_result.term) ||
		    !get64(&r, &msg->append_entries_result.rejected) ||
		    !get64(&r, &msg->append_entries_result.last_log_index)) {
			return malformed(errmsg, errmsg_size,
					 "append entries result: truncated");
		}
		break;
	case RAFT_IO_INSTALL_SNAPSHOT:
		rv = decodeInstallSnapshot(&r, &msg->install_snapshot, errmsg,
					   errmsg_size);
		break;
	case RAFT_IO_TIMEOUT_NOW:
		if (!get64(&r, &msg->timeout_now.term) ||
		    !get64(&r, &msg->timeout_now.last_log_index) ||
		    !get64(&r, &msg->timeout_now.last_log_term)) {
			return malformed(errmsg, errmsg_size,
					 "timeout now: truncated");
		}
		break;
	default:
		return malformed(errmsg, errmsg_size, "unknown message type %u",
				 type);
	}
	if (rv != 0) {
		return rv;
	}
	if (r.left != 0) {
		nraft_codec_message_release(msg);
		return malformed(errmsg, errmsg_size,
				 "message type %u: %zu trailing bytes", type,
				 r.left);
	}
	return 0;
}

void nraft_codec_message_release(struct raft_message *msg)
{
	switch (msg->type) {
	case RAFT_IO_APPEND_ENTRIES:
		if (msg->append_entries.entries != NULL) {
			/* Decoded messages have a single batch. */
			raft_free(msg->append_entries.entries[0].batch);
			raft_free(msg->append_entries.entries);
		}
		msg->append_entries.entries = NULL;
		msg->append_entries.n_entries = 0;
		break;
	case RAFT_IO_INSTALL_SNAPSHOT:
		raft_configuration_close(&msg->install_snapshot.conf);
		raft_free(msg->install_snapshot.data.base);
		msg->install_snapshot.data.base = NULL;
		break;
	}
}

int nraft_codec_pack_open(struct nraft_codec_pack *pack, const void *buf,
			  size_t len, char *errmsg, size_t errmsg_size)
{
	struct rcur r = {buf, len};
	uint32_t magic;
	unsigned long long cluster_id;

	pack->cursor = pack->end = buf;
	pack->cluster_id = 0;
	if (!get32(&r, &magic) || magic != PACK_MAGIC ||
	    !get64(&r, &cluster_id)) {
		return malformed(errmsg, errmsg_size,
				 "pack: bad header (%zu bytes)", len);
	}
	pack->cluster_id = cluster_id;
	pack->cursor = r.p;
	pack->end = r.p + r.left;
	return 0;
}

bool nraft_codec_pack_more(const struct nraft_codec_pack *pack)
{
	return pack->cursor < pack->end;
}

int nraft_codec_pack_next(struct nraft_codec_pack *pack,
			  struct raft_message *msg, char *errmsg,
			  size_t errmsg_size)
{
	struct rcur r = {pack->cursor, (size_t)(pack->end - pack->cursor)};
	uint32_t len;
	int rv;

	if (!get32(&r, &len) || len > r.left) {
		pack->cursor = pack->end;
		return malformed(errmsg, errmsg_size,
				 "pack: frame length exceeds pack");
	}
	rv = nraft_codec_decode(r.p, len, msg, errmsg, errmsg_size);
	if (rv != 0) {
		pack->cursor = pack->end;
		return rv;
	}
	pack->cursor = r.p + len;
	return 0;
}
