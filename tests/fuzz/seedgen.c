/* seedgen — writes the fuzz targets' seed corpora (valid inputs of every
 * kind) into DIR/<target>/. Run by tests/run-fuzz.sh; the output is also
 * committed under tests/fuzz/corpus/. */
#include <raft.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backup_file.h"
#include "fsm.h"
#include "nraft_codec.h"
#include "wire.h"

static const char *dir;

static void put_file(const char *target, const char *name, const void *data,
		     size_t len)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, target);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/%s/%s", dir, target, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(data, 1, len, f) != len) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

static void request_seed(const char *name, struct wire_op *ops, size_t n)
{
	struct wire_request r = {
	    .client_id = 7, .seq = 3, .ops = ops, .n_ops = n};
	uint8_t *buf;
	size_t len;

	if (wire_request_encode(&r, &buf, &len) != 0) {
		exit(1);
	}
	put_file("request", name, buf, len);
	free(buf);
}

int main(int argc, char **argv)
{
	struct wire_op put = {.type = WIRE_OP_KV_PUT,
			      .key = "k",
			      .value = (const uint8_t *)"v",
			      .value_len = 1};
	struct wire_op list = {.type = WIRE_OP_KV_LIST,
			       .prefix = "a/",
			       .start_after = "a/1",
			       .limit = 10};
	struct wire_op status = {.type = WIRE_OP_CLUSTER_STATUS};
	struct wire_op add = {.type = WIRE_OP_ADD_NODE,
			      .node = {4, "tcp://127.0.0.1:7140",
				       "tcp://127.0.0.1:7141",
				       "127.0.0.1:7142"},
			      .voter = true};
	struct wire_op call = {.type = WIRE_OP_SERVICE_CALL,
			       .service = "sqs",
			       .action = "SendMessage",
			       .input = (const uint8_t *)"{\"QueueUrl\":\"q\"}",
			       .input_len = 16};
	struct wire_op two[2] = {put, put};
	uint8_t *cmd;
	size_t cmd_len;
	struct wire_bytes b;
	struct wire_batch batch = {.leader_time_ms = 1000,
				   .leader_id = 1,
				   .nonce = 9,
				   .commands = &b,
				   .n_commands = 1};
	struct wire_request r = {
	    .client_id = 7, .seq = 3, .ops = two, .n_ops = 2};
	void *buf;
	size_t len;
	struct fsm f;
	struct raft_message msg;
	uint8_t pack[512];
	size_t frame;

	if (argc != 2) {
		fprintf(stderr, "usage: seedgen DIR\n");
		return 2;
	}
	dir = argv[1];
	mkdir(dir, 0755);
	request_seed("put", &put, 1);
	request_seed("list", &list, 1);
	request_seed("status", &status, 1);
	request_seed("add-node", &add, 1);
	request_seed("service-call", &call, 1);
	request_seed("two-puts", two, 2);
	{
		static const uint8_t piece[] = "STRATUSB\x01\0\0\0`\0\0\0";
		struct wire_op bb = {.type = WIRE_OP_BACKUP_BEGIN};
		struct wire_op br = {.type = WIRE_OP_BACKUP_READ,
				     .backup_id = 0x1234567890abcdefu,
				     .offset = 4096,
				     .max_bytes = 65536};
		struct wire_op rb = {.type = WIRE_OP_RESTORE_BEGIN,
				     .backup_id = 77,
				     .total_bytes = 1 << 20,
				     .force = true};
		struct wire_op rc = {.type = WIRE_OP_RESTORE_CHUNK,
				     .backup_id = 77,
				     .offset = 0,
				     .data = piece,
				     .data_len = sizeof piece - 1};
		struct wire_op rm = {.type = WIRE_OP_RESTORE_COMMIT,
				     .backup_id = 77};
		request_seed("backup-begin", &bb, 1);
		request_seed("backup-read", &br, 1);
		request_seed("restore-begin", &rb, 1);
		request_seed("restore-chunk", &rc, 1);
		request_seed("restore-commit", &rm, 1);
	}

	/* entries: a plain batch, an lz4 batch, a snapshot */
	if (wire_request_encode(&r, &cmd, &cmd_len) != 0) {
		return 1;
	}
	b.data = cmd;
	b.len = cmd_len;
	if (wire_batch_encode(&batch, SIZE_MAX, NULL, &buf, &len) != 0) {
		return 1;
	}
	put_file("entry", "batch", buf, len);
	free(buf);
	if (wire_batch_encode(&batch, 0, NULL, &buf, &len) != 0) {
		return 1;
	}
	put_file("entry", "batch-lz4", buf, len);
	free(buf);
	fsm_init(&f, 1, NULL, NULL);
	if (wire_batch_encode(&batch, SIZE_MAX, NULL, &buf, &len) != 0) {
		return 1;
	}
	fsm_apply_entry(&f, buf, len);
	free(buf);
	if (fsm_snapshot(&f, NULL, &buf, &len) != 0) {
		return 1;
	}
	put_file("entry", "snapshot", buf, len);
	free(buf);
	fsm_close(&f);
	free(cmd);

	/* entries: a restore in three commands (begin, a chunk of a real
	 * backup file, commit), and a snapshot taken with a restore staged */
	{
		struct backup_header h = {.applied_index = 5, .term = 1};
		uint8_t *file, *cmds[3];
		size_t file_len, cmd_lens[3];
		struct wire_bytes rb[3];
		struct wire_batch rbatch = {.leader_time_ms = 2000,
					    .leader_id = 1,
					    .nonce = 10,
					    .commands = rb,
					    .n_commands = 3};
		void *snap;
		size_t snap_len;

		fsm_init(&f, 1, NULL, NULL);
		if (fsm_snapshot(&f, NULL, &snap, &snap_len) != 0 ||
		    backup_file_build(&h, snap, snap_len, &file, &file_len) !=
			0) {
			return 1;
		}
		free(snap);
		struct wire_op ops[3] = {
		    {.type = WIRE_OP_RESTORE_BEGIN,
		     .backup_id = 3,
		     .total_bytes = file_len},
		    {.type = WIRE_OP_RESTORE_CHUNK,
		     .backup_id = 3,
		     .data = file,
		     .data_len = file_len},
		    {.type = WIRE_OP_RESTORE_COMMIT, .backup_id = 3}};
		for (int i = 0; i < 3; i++) {
			struct wire_request rr = {.client_id = 7,
						  .seq = (uint64_t)i + 1,
						  .ops = &ops[i],
						  .n_ops = 1};
			if (wire_request_encode(&rr, &cmds[i], &cmd_lens[i]) !=
			    0) {
				return 1;
			}
			rb[i].data = cmds[i];
			rb[i].len = cmd_lens[i];
		}
		if (wire_batch_encode(&rbatch, SIZE_MAX, NULL, &buf, &len) !=
		    0) {
			return 1;
		}
		put_file("entry", "restore", buf, len);
		put_file("backup", "empty-state", file, file_len);
		free(buf);
		/* Begin and chunk only: the snapshot holds the staging. */
		rbatch.n_commands = 2;
		if (wire_batch_encode(&rbatch, SIZE_MAX, NULL, &buf, &len) !=
		    0) {
			return 1;
		}
		fsm_apply_entry(&f, buf, len);
		free(buf);
		if (fsm_snapshot(&f, NULL, &buf, &len) != 0) {
			return 1;
		}
		put_file("entry", "snapshot-restore-staged", buf, len);
		free(buf);
		fsm_close(&f);
		for (int i = 0; i < 3; i++) {
			free(cmds[i]);
		}
		free(file);
	}

	/* raft: a pack with one RequestVote */
	memset(&msg, 0, sizeof msg);
	msg.type = RAFT_IO_REQUEST_VOTE;
	msg.request_vote.term = 3;
	msg.request_vote.candidate_id = 2;
	msg.request_vote.last_log_index = 10;
	msg.request_vote.last_log_term = 2;
	nraft_codec_pack_begin(pack, 42);
	if (nraft_codec_frame_size(2, "tcp://127.0.0.1:7120", &msg, &frame) !=
		0 ||
	    frame + NRAFT_CODEC_PACK_HEADER_BYTES > sizeof pack) {
		return 1;
	}
	nraft_codec_frame_encode(2, "tcp://127.0.0.1:7120", &msg,
				 pack + NRAFT_CODEC_PACK_HEADER_BYTES, frame);
	put_file("raft_codec", "request-vote", pack,
		 NRAFT_CODEC_PACK_HEADER_BYTES + frame);

	/* config */
	{
		const char *cfg =
		    "{\"node_id\": 1, \"data_dir\": \"/tmp/d\",\n"
		    " \"raft_address\": \"tcp://127.0.0.1:7110\",\n"
		    " \"client_address\": \"tcp://127.0.0.1:7111\",\n"
		    " \"peers\": [{\"id\": 1, \"raft_address\": "
		    "\"tcp://127.0.0.1:7110\", \"client_address\": "
		    "\"tcp://127.0.0.1:7111\"}],\n"
		    " \"raft\": {\"election_timeout_ms\": 300}}\n";
		put_file("config", "node", cfg, strlen(cfg));
	}
	return 0;
}
