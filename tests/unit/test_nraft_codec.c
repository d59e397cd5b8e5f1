/* Unit tests for raft/nraft_codec: every message type survives a round trip
 * with raft 0.15's ownership layout, packs carry several messages, and
 * decoding is total — truncation at every offset, random garbage, mutated
 * encodings and absurd counts/lengths all give an error, never a crash, a
 * leak (checked under ASan) or a large allocation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nraft_codec.h"

#define SENDER_ID      7
#define SENDER_ADDRESS "tcp://127.0.0.1:7107"

/* Encode @msg as one frame into a new malloc'd buffer; *@len gets its size
 * (frame prefix included). */
static uint8_t *encodeFrame(const struct raft_message *msg, size_t *len)
{
	uint8_t *buf;
	assert_int_equal(
	    nraft_codec_frame_size(SENDER_ID, SENDER_ADDRESS, msg, len), 0);
	buf = malloc(*len);
	assert_non_null(buf);
	nraft_codec_frame_encode(SENDER_ID, SENDER_ADDRESS, msg, buf, *len);
	return buf;
}

/* Encode then decode @msg (without frame prefix) into @out. Returns the
 * encoded buffer, which @out borrows the sender address from. */
static uint8_t *roundTrip(const struct raft_message *msg,
			  struct raft_message *out)
{
	size_t len;
	uint8_t *buf = encodeFrame(msg, &len);
	char errmsg[256];
	int rv = nraft_codec_decode(buf + NRAFT_CODEC_FRAME_HEADER_BYTES,
				    len - NRAFT_CODEC_FRAME_HEADER_BYTES, out,
				    errmsg, sizeof errmsg);
	if (rv != 0) {
		fail_msg("decode: %s", errmsg);
	}
	assert_int_equal(out->type, msg->type);
	assert_int_equal(out->server_id, SENDER_ID);
	assert_string_equal(out->server_address, SENDER_ADDRESS);
	return buf;
}

static void test_request_vote(void **state)
{
	struct raft_message msg = {0};
	struct raft_message out;
	uint8_t *buf;
	(void)state;

	for (int flags = 0; flags < 4; flags++) {
		msg.type = RAFT_IO_REQUEST_VOTE;
		msg.server_id = 2;
		msg.server_address = "tcp://dest:1";
		msg.request_vote.term = 0x0102030405060708ull;
		msg.request_vote.candidate_id = 7;
		msg.request_vote.last_log_index = 99;
		msg.request_vote.last_log_term = ~0ull;
		msg.request_vote.disrupt_leader = flags & 1;
		msg.request_vote.pre_vote = (flags & 2) != 0;
		buf = roundTrip(&msg, &out);
		assert_true(out.request_vote.term == msg.request_vote.term);
		assert_true(out.request_vote.candidate_id == 7);
		assert_true(out.request_vote.last_log_index == 99);
		assert_true(out.request_vote.last_log_term == ~0ull);
		assert_int_equal(out.request_vote.disrupt_leader, flags & 1);
		assert_int_equal(out.request_vote.pre_vote, (flags & 2) != 0);
		free(buf);
	}
}

static void test_request_vote_result(void **state)
{
	struct raft_message msg = {0};
	struct raft_message out;
	uint8_t *buf;
	(void)state;

	for (int granted = 0; granted < 2; granted++) {
		for (int pre = raft_tribool_unknown; pre <= raft_tribool_false;
		     pre++) {
			msg.type = RAFT_IO_REQUEST_VOTE_RESULT;
			msg.request_vote_result.term = 12;
			msg.request_vote_result.vote_granted = granted;
			msg.request_vote_result.pre_vote = (raft_tribool)pre;
			buf = roundTrip(&msg, &out);
			assert_true(out.request_vote_result.term == 12);
			assert_int_equal(out.request_vote_result.vote_granted,
					 granted);
			assert_int_equal(out.request_vote_result.pre_vote, pre);
			free(buf);
		}
	}
}

static void test_append_entries(void **state)
{
	struct raft_entry entries[4];
	struct raft_message msg = {0};
	struct raft_message out;
	char big[3000];
	uint8_t *buf;
	(void)state;

	memset(big, 'x', sizeof big);
	entries[0] = (struct raft_entry){
	    .term = 3, .type = RAFT_COMMAND, .buf = {"hello", 5}};
	entries[1] = (struct raft_entry){
	    .term = 3, .type = RAFT_BARRIER, .buf = {NULL, 0}};
	entries[2] = (struct raft_entry){
	    .term = 4, .type = RAFT_CHANGE, .buf = {big, sizeof big}};
	entries[3] = (struct raft_entry){
	    .term = 5, .type = RAFT_COMMAND, .buf = {"!", 1}};
	msg.type = RAFT_IO_APPEND_ENTRIES;
	msg.append_entries.term = 5;
	msg.append_entries.prev_log_index = 10;
	msg.append_entries.prev_log_term = 2;
	msg.append_entries.leader_commit = 9;
	msg.append_entries.entries = entries;
	msg.append_entries.n_entries = 4;

	buf = roundTrip(&msg, &out);
	assert_true(out.append_entries.term == 5);
	assert_true(out.append_entries.prev_log_index == 10);
	assert_true(out.append_entries.prev_log_term == 2);
	assert_true(out.append_entries.leader_commit == 9);
	assert_int_equal(out.append_entries.n_entries, 4);
	assert_non_null(out.append_entries.entries);
	for (unsigned i = 0; i < 4; i++) {
		struct raft_entry *e = &out.append_entries.entries[i];
		assert_true(e->term == entries[i].term);
		assert_int_equal(e->type, entries[i].type);
		assert_int_equal(e->buf.len, entries[i].buf.len);
		assert_memory_equal(
		    e->buf.base, entries[i].buf.base ? entries[i].buf.base : "",
		    e->buf.len);
		/* One shared, non-NULL batch, as raft 0.15 frees it. */
		assert_non_null(e->batch);
		assert_ptr_equal(e->batch, out.append_entries.entries[0].batch);
	}
	/* Raft would free it like this (entryBatchesDestroy). */
	raft_free(out.append_entries.entries[0].batch);
	raft_free(out.append_entries.entries);
	free(buf);

	/* Heartbeat: no entries, entries NULL. */
	msg.append_entries.n_entries = 0;
	msg.append_entries.entries = NULL;
	buf = roundTrip(&msg, &out);
	assert_int_equal(out.append_entries.n_entries, 0);
	assert_null(out.append_entries.entries);
	free(buf);

	/* Only empty payloads: batch must still be non-NULL. */
	msg.append_entries.entries = &entries[1];
	msg.append_entries.n_entries = 1;
	buf = roundTrip(&msg, &out);
	assert_non_null(out.append_entries.entries[0].batch);
	nraft_codec_message_release(&out);
	free(buf);
}

static void test_append_entries_result(void **state)
{
	struct raft_message msg = {0};
	struct raft_message out;
	uint8_t *buf;
	(void)state;

	msg.type = RAFT_IO_APPEND_ENTRIES_RESULT;
	msg.append_entries_result.term = 8;
	msg.append_entries_result.rejected = 77;
	msg.append_entries_result.last_log_index = 76;
	buf = roundTrip(&msg, &out);
	assert_true(out.append_entries_result.term == 8);
	assert_true(out.append_entries_result.rejected == 77);
	assert_true(out.append_entries_result.last_log_index == 76);
	free(buf);
}

/* Build an InstallSnapshot with a 3-server configuration. The caller frees
 * msg->install_snapshot.conf. */
static void makeSnapshot(struct raft_message *msg, void *data, size_t len)
{
	memset(msg, 0, sizeof *msg);
	msg->type = RAFT_IO_INSTALL_SNAPSHOT;
	msg->install_snapshot.term = 9;
	msg->install_snapshot.last_index = 1000;
	msg->install_snapshot.last_term = 8;
	msg->install_snapshot.conf_index = 3;
	raft_configuration_init(&msg->install_snapshot.conf);
	assert_int_equal(raft_configuration_add(&msg->install_snapshot.conf, 1,
						"tcp://a:1", RAFT_VOTER),
			 0);
	assert_int_equal(raft_configuration_add(&msg->install_snapshot.conf, 2,
						"tcp://b:2", RAFT_STANDBY),
			 0);
	assert_int_equal(raft_configuration_add(&msg->install_snapshot.conf, 3,
						"tcp://c:3", RAFT_SPARE),
			 0);
	msg->install_snapshot.data.base = data;
	msg->install_snapshot.data.len = len;
}

static void test_install_snapshot(void **state)
{
	struct raft_message msg;
	struct raft_message out;
	char data[1000];
	uint8_t *buf;
	(void)state;

	for (size_t i = 0; i < sizeof data; i++) {
		data[i] = (char)i;
	}
	makeSnapshot(&msg, data, sizeof data);
	buf = roundTrip(&msg, &out);
	assert_true(out.install_snapshot.term == 9);
	assert_true(out.install_snapshot.last_index == 1000);
	assert_true(out.install_snapshot.last_term == 8);
	assert_true(out.install_snapshot.conf_index == 3);
	assert_int_equal(out.install_snapshot.conf.n, 3);
	for (unsigned i = 0; i < 3; i++) {
		struct raft_server *a = &msg.install_snapshot.conf.servers[i];
		struct raft_server *b = &out.install_snapshot.conf.servers[i];
		assert_true(a->id == b->id);
		assert_int_equal(a->role, b->role);
		assert_string_equal(a->address, b->address);
	}
	assert_int_equal(out.install_snapshot.data.len, sizeof data);
	assert_memory_equal(out.install_snapshot.data.base, data, sizeof data);
	/* Raft frees these two. */
	raft_configuration_close(&out.install_snapshot.conf);
	raft_free(out.install_snapshot.data.base);
	free(buf);

	/* Empty data still gets a buffer raft can free. */
	msg.install_snapshot.data.len = 0;
	buf = roundTrip(&msg, &out);
	assert_non_null(out.install_snapshot.data.base);
	assert_int_equal(out.install_snapshot.data.len, 0);
	nraft_codec_message_release(&out);
	free(buf);
	raft_configuration_close(&msg.install_snapshot.conf);
}

static void test_timeout_now(void **state)
{
	struct raft_message msg = {0};
	struct raft_message out;
	uint8_t *buf;
	(void)state;

	msg.type = RAFT_IO_TIMEOUT_NOW;
	msg.timeout_now.term = 4;
	msg.timeout_now.last_log_index = 40;
	msg.timeout_now.last_log_term = 3;
	buf = roundTrip(&msg, &out);
	assert_true(out.timeout_now.term == 4);
	assert_true(out.timeout_now.last_log_index == 40);
	assert_true(out.timeout_now.last_log_term == 3);
	free(buf);
}

/* One of each message type, used by the pack and robustness tests. */
struct sample {
	struct raft_message msgs[6];
	struct raft_entry entries[3];
	char data[64];
};

static void sampleInit(struct sample *s)
{
	memset(s, 0, sizeof *s);
	memset(s->data, 'd', sizeof s->data);
	s->entries[0] = (struct raft_entry){
	    .term = 1, .type = RAFT_COMMAND, .buf = {"abc", 3}};
	s->entries[1] = (struct raft_entry){
	    .term = 1, .type = RAFT_BARRIER, .buf = {NULL, 0}};
	s->entries[2] = (struct raft_entry){
	    .term = 2, .type = RAFT_COMMAND, .buf = {"defgh", 5}};
	s->msgs[0].type = RAFT_IO_REQUEST_VOTE;
	s->msgs[0].request_vote.term = 3;
	s->msgs[0].request_vote.pre_vote = true;
	s->msgs[1].type = RAFT_IO_REQUEST_VOTE_RESULT;
	s->msgs[1].request_vote_result.vote_granted = true;
	s->msgs[1].request_vote_result.pre_vote = raft_tribool_true;
	s->msgs[2].type = RAFT_IO_APPEND_ENTRIES;
	s->msgs[2].append_entries.entries = s->entries;
	s->msgs[2].append_entries.n_entries = 3;
	s->msgs[3].type = RAFT_IO_APPEND_ENTRIES_RESULT;
	s->msgs[3].append_entries_result.last_log_index = 5;
	makeSnapshot(&s->msgs[4], s->data, sizeof s->data);
	s->msgs[5].type = RAFT_IO_TIMEOUT_NOW;
	s->msgs[5].timeout_now.term = 6;
}

static void sampleClose(struct sample *s)
{
	raft_configuration_close(&s->msgs[4].install_snapshot.conf);
}

/* Build a pack of all sample messages. */
static uint8_t *encodePack(struct sample *s, size_t *len)
{
	size_t sizes[6];
	size_t total = NRAFT_CODEC_PACK_HEADER_BYTES;
	uint8_t *buf;
	size_t off;

	for (int i = 0; i < 6; i++) {
		assert_int_equal(nraft_codec_frame_size(SENDER_ID,
							SENDER_ADDRESS,
							&s->msgs[i], &sizes[i]),
				 0);
		total += sizes[i];
	}
	buf = malloc(total);
	assert_non_null(buf);
	nraft_codec_pack_begin(buf, 0x1122334455667788ull);
	off = NRAFT_CODEC_PACK_HEADER_BYTES;
	for (int i = 0; i < 6; i++) {
		nraft_codec_frame_encode(SENDER_ID, SENDER_ADDRESS, &s->msgs[i],
					 buf + off, sizes[i]);
		off += sizes[i];
	}
	*len = total;
	return buf;
}

/* Decode every message of a pack, releasing each. Returns how many decoded,
 * or -1 if an error stopped it. */
static int drainPack(const uint8_t *buf, size_t len)
{
	struct nraft_codec_pack pack;
	struct raft_message msg;
	int n = 0;
	if (nraft_codec_pack_open(&pack, buf, len, NULL, 0) != 0) {
		return -1;
	}
	while (nraft_codec_pack_more(&pack)) {
		if (nraft_codec_pack_next(&pack, &msg, NULL, 0) != 0) {
			assert_false(nraft_codec_pack_more(&pack));
			return -1;
		}
		nraft_codec_message_release(&msg);
		n++;
	}
	return n;
}

static void test_pack(void **state)
{
	struct sample s;
	struct nraft_codec_pack pack;
	struct raft_message msg;
	uint8_t *buf;
	size_t len;
	int i = 0;
	(void)state;

	sampleInit(&s);
	buf = encodePack(&s, &len);
	assert_int_equal(nraft_codec_pack_open(&pack, buf, len, NULL, 0), 0);
	assert_true(pack.cluster_id == 0x1122334455667788ull);
	while (nraft_codec_pack_more(&pack)) {
		assert_int_equal(nraft_codec_pack_next(&pack, &msg, NULL, 0),
				 0);
		assert_int_equal(msg.type, s.msgs[i].type);
		if (msg.type == RAFT_IO_APPEND_ENTRIES) {
			assert_int_equal(msg.append_entries.n_entries, 3);
			assert_memory_equal(
			    msg.append_entries.entries[2].buf.base, "defgh", 5);
		}
		if (msg.type == RAFT_IO_INSTALL_SNAPSHOT) {
			assert_int_equal(msg.install_snapshot.conf.n, 3);
		}
		nraft_codec_message_release(&msg);
		i++;
	}
	assert_int_equal(i, 6);

	/* An empty pack is valid and holds nothing. */
	assert_int_equal(drainPack(buf, NRAFT_CODEC_PACK_HEADER_BYTES), 0);
	/* A wrong magic is not. */
	buf[0] ^= 0xff;
	assert_int_equal(drainPack(buf, len), -1);
	free(buf);
	sampleClose(&s);
}

/* Every strict prefix of every message fails to decode; every prefix of a
 * pack either decodes whole frames only or fails. */
static void test_truncation(void **state)
{
	struct sample s;
	struct raft_message out;
	uint8_t *buf;
	size_t len;
	(void)state;

	sampleInit(&s);
	for (int i = 0; i < 6; i++) {
		buf = encodeFrame(&s.msgs[i], &len);
		for (size_t cut = 0; cut < len - NRAFT_CODEC_FRAME_HEADER_BYTES;
		     cut++) {
			/* Copy to an exact-size buffer so ASan sees any
			 * over-read. */
			uint8_t *part = malloc(cut + 1);
			memcpy(part, buf + NRAFT_CODEC_FRAME_HEADER_BYTES, cut);
			assert_int_equal(
			    nraft_codec_decode(part, cut, &out, NULL, 0),
			    RAFT_MALFORMED);
			free(part);
		}
		free(buf);
	}

	buf = encodePack(&s, &len);
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *part = malloc(cut + 1);
		memcpy(part, buf, cut);
		int n = drainPack(part, cut);
		assert_true(n < 6);
		free(part);
	}
	free(buf);
	sampleClose(&s);
}

/* Deterministic PRNG so failures reproduce. */
static uint64_t rngState = 0x9e3779b97f4a7c15ull;
static uint32_t rng(void)
{
	rngState ^= rngState << 13;
	rngState ^= rngState >> 7;
	rngState ^= rngState << 17;
	return (uint32_t)rngState;
}

static void test_garbage(void **state)
{
	struct sample s;
	struct raft_message out;
	uint8_t *pack;
	size_t pack_len;
	(void)state;

	/* Pure noise, sometimes behind a valid pack magic or type byte. */
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = rng() % 600;
		uint8_t *buf = malloc(len + 1);
		for (size_t i = 0; i < len; i++) {
			buf[i] = (uint8_t)rng();
		}
		if (len > 0 && iter % 2 == 0) {
			buf[0] = (uint8_t)(1 + rng() % 6); /* Plausible type. */
		}
		if (nraft_codec_decode(buf, len, &out, NULL, 0) == 0) {
			nraft_codec_message_release(&out);
		}
		if (len >= NRAFT_CODEC_PACK_HEADER_BYTES) {
			nraft_codec_pack_begin(buf, 0);
		}
		(void)drainPack(buf, len);
		free(buf);
	}

	/* Valid packs with a few bytes flipped. */
	sampleInit(&s);
	pack = encodePack(&s, &pack_len);
	for (int iter = 0; iter < 20000; iter++) {
		uint8_t *buf = malloc(pack_len);
		int flips = 1 + (int)(rng() % 4);
		memcpy(buf, pack, pack_len);
		for (int f = 0; f < flips; f++) {
			buf[NRAFT_CODEC_PACK_HEADER_BYTES +
			    rng() %
				(pack_len - NRAFT_CODEC_PACK_HEADER_BYTES)] =
			    (uint8_t)rng();
		}
		(void)drainPack(buf, pack_len);
		free(buf);
	}
	free(pack);
	sampleClose(&s);
}

/* Little-endian writers for hand-built hostile input. */
/* bytes may exceed 8 (several fields at once): the bytes past the
 * eighth are zero. */
static uint8_t *put(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++) {
		*p++ = i < 8 ? (uint8_t)(v >> (8 * i)) : 0;
	}
	return p;
}

/* Message header from sender 7 at "a". */
static uint8_t *header(uint8_t *p, int type)
{
	p = put(p, (uint64_t)type, 1);
	p = put(p, 7, 8);
	p = put(p, 2, 2);
	*p++ = 'a';
	*p++ = 0;
	return p;
}

static void test_huge_counts(void **state)
{
	uint8_t buf[256];
	struct raft_message out;
	uint8_t *p;
	(void)state;

	/* AppendEntries claiming 4 billion entries. */
	p = header(buf, RAFT_IO_APPEND_ENTRIES);
	p = put(p, 1, 8 * 4);
	p = put(p, 0xffffffffu, 4);
	memset(p, 0, 40);
	assert_int_equal(
	    nraft_codec_decode(buf, (size_t)(p - buf) + 40, &out, NULL, 0),
	    RAFT_MALFORMED);

	/* One entry with a 4 GiB payload. */
	p = header(buf, RAFT_IO_APPEND_ENTRIES);
	p = put(p, 1, 8 * 4);
	p = put(p, 1, 4);
	p = put(p, 1, 8);
	p = put(p, RAFT_COMMAND, 1);
	p = put(p, 0xffffffffu, 4);
	assert_int_equal(
	    nraft_codec_decode(buf, (size_t)(p - buf), &out, NULL, 0),
	    RAFT_MALFORMED);

	/* Entry with an unknown type. */
	p = header(buf, RAFT_IO_APPEND_ENTRIES);
	p = put(p, 1, 8 * 4);
	p = put(p, 1, 4);
	p = put(p, 1, 8);
	p = put(p, 9, 1);
	p = put(p, 0, 4);
	assert_int_equal(
	    nraft_codec_decode(buf, (size_t)(p - buf), &out, NULL, 0),
	    RAFT_MALFORMED);

	/* InstallSnapshot claiming 4 billion servers. */
	p = header(buf, RAFT_IO_INSTALL_SNAPSHOT);
	p = put(p, 1, 8 * 4);
	p = put(p, 0xffffffffu, 4);
	memset(p, 0, 100);
	assert_int_equal(
	    nraft_codec_decode(buf, (size_t)(p - buf) + 100, &out, NULL, 0),
	    RAFT_MALFORMED);

	/* InstallSnapshot with a 2^64-1 byte data length. */
	p = header(buf, RAFT_IO_INSTALL_SNAPSHOT);
	p = put(p, 1, 8 * 4);
	p = put(p, 0, 4);
	p = put(p, ~0ull, 8);
	assert_int_equal(
	    nraft_codec_decode(buf, (size_t)(p - buf), &out, NULL, 0),
	    RAFT_MALFORMED);

	/* Duplicate server ids in the configuration. */
	p = header(buf, RAFT_IO_INSTALL_SNAPSHOT);
	p = put(p, 1, 8 * 4);
	p = put(p, 2, 4);
	for (int i = 0; i < 2; i++) {
		p = put(p, 5, 8);
		p = put(p, RAFT_VOTER, 1);
		p = put(p, 3, 2);
		*p++ = 'x';
		*p++ = (uint8_t)('0' + i);
		*p++ = 0;
	}
	p = put(p, 0, 8);
	assert_int_equal(
	    nraft_codec_decode(buf, (size_t)(p - buf), &out, NULL, 0),
	    RAFT_MALFORMED);

	/* Address length beyond the input / missing NUL / embedded NUL. */
	p = put(buf, RAFT_IO_TIMEOUT_NOW, 1);
	p = put(p, 7, 8);
	p = put(p, 0xffff, 2);
	assert_int_equal(
	    nraft_codec_decode(buf, (size_t)(p - buf) + 30, &out, NULL, 0),
	    RAFT_MALFORMED);
	p = put(buf, RAFT_IO_TIMEOUT_NOW, 1);
	p = put(p, 7, 8);
	p = put(p, 2, 2);
	*p++ = 'a';
	*p++ = 'b';
	p = put(p, 0, 24);
	assert_int_equal(
	    nraft_codec_decode(buf, (size_t)(p - buf), &out, NULL, 0),
	    RAFT_MALFORMED);
	p = put(buf, RAFT_IO_TIMEOUT_NOW, 1);
	p = put(p, 7, 8);
	p = put(p, 3, 2);
	*p++ = 0;
	*p++ = 'b';
	*p++ = 0;
	p = put(p, 0, 24);
	assert_int_equal(
	    nraft_codec_decode(buf, (size_t)(p - buf), &out, NULL, 0),
	    RAFT_MALFORMED);

	/* Sender id 0 (raft asserts it is not), trailing bytes, bad flags. */
	p = put(buf, RAFT_IO_TIMEOUT_NOW, 1);
	p = put(p, 0, 8);
	p = put(p, 2, 2);
	*p++ = 'a';
	*p++ = 0;
	p = put(p, 0, 24);
	assert_int_equal(
	    nraft_codec_decode(buf, (size_t)(p - buf), &out, NULL, 0),
	    RAFT_MALFORMED);
	p = header(buf, RAFT_IO_TIMEOUT_NOW);
	p = put(p, 0, 24);
	assert_int_equal(
	    nraft_codec_decode(buf, (size_t)(p - buf), &out, NULL, 0), 0);
	assert_int_equal(
	    nraft_codec_decode(buf, (size_t)(p - buf) + 1, &out, NULL, 0),
	    RAFT_MALFORMED);
	p = header(buf, RAFT_IO_REQUEST_VOTE);
	p = put(p, 0, 32);
	p = put(p, 0x80, 1);
	assert_int_equal(
	    nraft_codec_decode(buf, (size_t)(p - buf), &out, NULL, 0),
	    RAFT_MALFORMED);

	/* A pack frame longer than the pack. */
	nraft_codec_pack_begin(buf, 0);
	put(buf + NRAFT_CODEC_PACK_HEADER_BYTES, 0xfffffff0u, 4);
	assert_int_equal(drainPack(buf, 64), -1);
}

static void test_encode_errors(void **state)
{
	struct raft_message msg = {0};
	struct raft_entry entry = {.term = 1, .type = 42, .buf = {"x", 1}};
	size_t size;
	char long_address[NRAFT_CODEC_MAX_ADDRESS_BYTES + 2];
	(void)state;

	msg.type = RAFT_IO_TIMEOUT_NOW;
	assert_int_equal(nraft_codec_frame_size(0, "a", &msg, &size),
			 RAFT_INVALID);
	assert_int_equal(nraft_codec_frame_size(1, "", &msg, &size),
			 RAFT_INVALID);
	memset(long_address, 'a', sizeof long_address - 1);
	long_address[sizeof long_address - 1] = '\0';
	assert_int_equal(nraft_codec_frame_size(1, long_address, &msg, &size),
			 RAFT_INVALID);
	long_address[NRAFT_CODEC_MAX_ADDRESS_BYTES] = '\0';
	assert_int_equal(nraft_codec_frame_size(1, long_address, &msg, &size),
			 0);

	msg.type = 99;
	assert_int_equal(nraft_codec_frame_size(1, "a", &msg, &size),
			 RAFT_INVALID);

	msg.type = RAFT_IO_APPEND_ENTRIES;
	msg.append_entries.entries = &entry;
	msg.append_entries.n_entries = 1;
	assert_int_equal(nraft_codec_frame_size(1, "a", &msg, &size),
			 RAFT_INVALID);
	entry.type = RAFT_COMMAND;
	entry.buf.len =
	    (size_t)UINT32_MAX + 1; /* Never read: size check only. */
	assert_int_equal(nraft_codec_frame_size(1, "a", &msg, &size),
			 RAFT_TOOBIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_request_vote),
	    cmocka_unit_test(test_request_vote_result),
	    cmocka_unit_test(test_append_entries),
	    cmocka_unit_test(test_append_entries_result),
	    cmocka_unit_test(test_install_snapshot),
	    cmocka_unit_test(test_timeout_now),
	    cmocka_unit_test(test_pack),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_garbage),
	    cmocka_unit_test(test_huge_counts),
	    cmocka_unit_test(test_encode_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
