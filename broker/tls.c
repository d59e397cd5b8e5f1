/* tls — see tls.h. */
#include "tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A whole (small) file as a NUL-terminated string, or NULL. */
static char *read_pem(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long len;

	if (f == NULL) {
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 &&
	    len < 1024 * 1024 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)len + 1)) != NULL) {
		if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
			free(buf);
			buf = NULL;
		} else {
			buf[len] = '\0';
		}
	}
	fclose(f);
	return buf;
}

static int make(nng_tls_config **out, nng_tls_mode mode, nng_tls_auth_mode auth,
		const char *ca, const char *cert, const char *key)
{
	nng_tls_config *c;
	int rv;

	if ((rv = nng_tls_config_alloc(&c, mode)) != 0) {
		return rv;
	}
	if ((rv = nng_tls_config_version(c, NNG_TLS_1_2, NNG_TLS_1_3)) != 0 ||
	    (rv = nng_tls_config_own_cert(c, cert, key, NULL)) != 0 ||
	    (rv = nng_tls_config_auth_mode(c, auth)) != 0 ||
	    (auth != NNG_TLS_AUTH_MODE_NONE &&
	     (rv = nng_tls_config_ca_chain(c, ca, NULL)) != 0)) {
		nng_tls_config_free(c);
		return rv;
	}
	*out = c;
	return 0;
}

int node_tls_init(struct node_tls *t, const struct config *cfg, char *errmsg,
		  size_t errmsg_size)
{
	char *ca = NULL, *cert = NULL, *key = NULL;
	const char *bad = NULL;
	int rv = 0;

	memset(t, 0, sizeof *t);
	if (strncmp(cfg->raft_address, "tls+tcp://", 10) != 0 &&
	    strncmp(cfg->client_address, "tls+tcp://", 10) != 0) {
		return 0;
	}
	if ((ca = read_pem(cfg->tls_ca)) == NULL) {
		bad = cfg->tls_ca;
	} else if ((cert = read_pem(cfg->tls_cert)) == NULL) {
		bad = cfg->tls_cert;
	} else if ((key = read_pem(cfg->tls_key)) == NULL) {
		bad = cfg->tls_key;
	}
	if (bad != NULL) {
		snprintf(errmsg, errmsg_size, "tls: cannot read %s", bad);
		rv = -1;
		goto out;
	}
	if ((rv = make(&t->peer_server, NNG_TLS_MODE_SERVER,
		       NNG_TLS_AUTH_MODE_REQUIRED, ca, cert, key)) != 0 ||
	    (rv = make(&t->peer_client, NNG_TLS_MODE_CLIENT,
		       NNG_TLS_AUTH_MODE_REQUIRED, ca, cert, key)) != 0 ||
	    (rv = make(&t->client_server, NNG_TLS_MODE_SERVER,
		       NNG_TLS_AUTH_MODE_NONE, ca, cert, key)) != 0) {
		snprintf(errmsg, errmsg_size,
			 "tls: %s, %s, %s: %s (PEM certificate, key and CA "
			 "expected)",
			 cfg->tls_ca, cfg->tls_cert, cfg->tls_key,
			 nng_strerror(rv));
		node_tls_close(t);
		rv = -1;
	}
out:
	free(ca);
	free(cert);
	free(key);
	return rv;
}

void node_tls_close(struct node_tls *t)
{
	if (t->peer_server != NULL) {
		nng_tls_config_free(t->peer_server);
	}
	if (t->peer_client != NULL) {
		nng_tls_config_free(t->peer_client);
	}
	if (t->client_server != NULL) {
		nng_tls_config_free(t->client_server);
	}
	memset(t, 0, sizeof *t);
}
