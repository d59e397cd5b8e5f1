/* auth — the cluster's access keys: a replicated service ("auth") whose
 * state is the set of keys, and a thread-safe secret lookup for the front
 * doors that verify signatures (HTTP SigV4 on the HTTP thread, native
 * request signatures on the loop thread).
 *
 * Actions (AWS IAM's names and shapes, ServiceCall service "auth"):
 *   CreateAccessKey {}            -> {"AccessKey": {"AccessKeyId",
 * "SecretAccessKey", "Status": "Active", "CreateDate"}} ListAccessKeys {} ->
 * {"AccessKeyMetadata": [{"AccessKeyId", "Status", "CreateDate"}]}  (never
 * secrets) DeleteAccessKey {"AccessKeyId"} -> {}   (NoSuchEntity when unknown)
 * The leader's prepare makes the id ("AKIA" + 16 of [A-Z2-7]) and the
 * 40-character secret from a CSPRNG and puts them in the context; apply
 * stores them. With no keys the cluster accepts unsigned requests (the
 * local demo default); with at least one key, every request must be signed
 * by one of them.
 *
 * Secrets are never logged. */
#ifndef STRATUS_AUTH_H
#define STRATUS_AUTH_H

#include <stddef.h>

#include "service.h"
#include "sigv4.h"

struct service *auth_service_new(const struct service_env *env);

/* Thread-safe (any thread, while the service lives): the number of keys,
 * and the secret of an active key (0, or -1 when unknown). Matches
 * sigv4_lookup_fn with ctx = the service. */
size_t auth_key_count(struct service *auth);
int auth_lookup_secret(void *auth, const char *access_key_id,
		       char secret[SIGV4_SECRET_SIZE]);

#endif
