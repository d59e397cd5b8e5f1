/* services — see services.h. */
#include "services.h"

#include <stddef.h>
#include <string.h>

#include "auth.h"
#include "sqs.h"

typedef struct service *(*service_new_fn)(const struct service_env *env);

/* Every service the broker runs. */
static const service_new_fn service_table[] = {
    sqs_service_new,
    auth_service_new,
};

int services_register(struct fsm *f, const struct service_env *env)
{
	size_t i;

	for (i = 0; i < sizeof service_table / sizeof *service_table; i++) {
		struct service *svc = service_table[i](env);
		if (svc == NULL || fsm_add_service(f, svc) != 0) {
			if (svc != NULL) {
				svc->destroy(svc);
			}
			return -1;
		}
	}
	return 0;
}

/* The table's entry for action, or NULL. Looked up several times for
 * every command on every node: the first letter rules out most entries
 * without a call. */
static const struct service_action *
action_entry(const struct service_action *table, size_t n, const char *action)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (table[i].name[0] == action[0] &&
		    strcmp(table[i].name, action) == 0) {
			return &table[i];
		}
	}
	return NULL;
}

enum service_action_kind service_action_find(const struct service_action *table,
					     size_t n, const char *action)
{
	const struct service_action *a = action_entry(table, n, action);

	return a != NULL ? a->kind : SERVICE_ACTION_UNKNOWN;
}

bool service_action_ahead(const struct service_action *table, size_t n,
			  const char *action)
{
	const struct service_action *a = action_entry(table, n, action);

	return a != NULL && a->ahead;
}

bool service_action_grows(const struct service_action *table, size_t n,
			  const char *action)
{
	const struct service_action *a = action_entry(table, n, action);

	return a != NULL && a->grows_state;
}
