/* libFuzzer target: a pack of raft messages as a node receives it from the
 * network. Every frame either decodes (and is released) or stops the pack
 * with an error. */
#include <raft.h>
#include <stdint.h>

#include "nraft_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nraft_codec_pack pack;
	struct raft_message msg;
	char errmsg[256];

	if (nraft_codec_pack_open(&pack, data, size, errmsg, sizeof errmsg) !=
	    0) {
		return 0;
	}
	while (nraft_codec_pack_more(&pack)) {
		if (nraft_codec_pack_next(&pack, &msg, errmsg, sizeof errmsg) !=
		    0) {
			break;
		}
		nraft_codec_message_release(&msg);
	}
	return 0;
}
