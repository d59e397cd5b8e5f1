/* libFuzzer target: a raft entry and a snapshot as the state machine reads
 * them from the log / from a peer — apply must skip or reject garbage
 * without crashing, and restore must refuse it. */
#include <stdint.h>
#include <stdlib.h>

#include "fsm.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;
	struct fsm f;

	if (!quiet) {
		log_setup(LOGLEVEL_ERROR + 1, 0); /* silence "malformed" */
		quiet = 1;
	}
	if (fsm_init(&f, 1, NULL, NULL) != 0) {
		return 0;
	}
	fsm_apply_entry(&f, data, size);
	(void)fsm_restore(&f, data, size);
	fsm_close(&f);
	return 0;
}
