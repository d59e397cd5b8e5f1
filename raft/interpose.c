/* interpose — see interpose.h. */
#include "interpose.h"

#include <dlfcn.h>
#include <stdlib.h>

void *interpose_next(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (f == NULL) {
		abort();
	}
	return f;
}
