/* libFuzzer target: a node's JSON configuration file. Loading must end in
 * a configuration or a clear error, never a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct config c;
	char errmsg[CONFIG_ERRMSG_SIZE];
	FILE *f;

	if (path[0] == '\0') {
		snprintf(path, sizeof path, "/tmp/stratus-fuzz-config-%d.json",
			 (int)getpid());
	}
	f = fopen(path, "wb");
	if (f == NULL) {
		return 0;
	}
	fwrite(data, 1, size, f);
	fclose(f);
	config_defaults(&c);
	if (config_load_file(&c, path, errmsg, sizeof errmsg) == 0) {
		(void)config_validate(&c, errmsg, sizeof errmsg);
	}
	return 0;
}
