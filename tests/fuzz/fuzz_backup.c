/* libFuzzer target: a backup file as `stratus admin verify/restore` and a
 * node's restore commit read it — the parser must refuse anything
 * truncated, extended or damaged without crashing, and what it accepts
 * must decode (or be refused) as a snapshot. */
#include <stdint.h>
#include <stdlib.h>

#include "backup_file.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct backup_header h;
	struct wire_snapshot s;
	const uint8_t *payload;
	char why[256];

	if (backup_file_parse(data, size, &h, &payload, why, sizeof why) != 0) {
		return 0;
	}
	if (payload + h.payload_bytes != data + size) {
		abort(); /* the parser let a size through unchecked */
	}
	if (wire_snapshot_decode(payload, (size_t)h.payload_bytes, &s) == 0) {
		wire_snapshot_release(&s);
	}
	return 0;
}
