/* libFuzzer target: a native-protocol request as a node receives it —
 * decode, then, when it decodes, re-encode and decode again (the codec must
 * round-trip whatever it accepts). Also the reply decoder, as a client
 * receives it. */
#include <stdint.h>
#include <stdlib.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_request r, again;
	struct wire_response resp;
	uint8_t *buf;
	size_t len;

	if (wire_request_decode(data, size, &r) == 0) {
		if (wire_request_encode(&r, &buf, &len) == 0) {
			if (wire_request_decode(buf, len, &again) != 0) {
				abort(); /* accepted once, must round-trip */
			}
			wire_request_release(&again);
			free(buf);
		}
		wire_request_release(&r);
	}
	if (wire_response_decode(data, size, &resp) == 0) {
		wire_response_release(&resp);
	}
	return 0;
}
