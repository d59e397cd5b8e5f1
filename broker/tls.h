/* tls — nng TLS configurations of a node, from the PEM files its
 * configuration names (tls.ca, tls.cert, tls.key):
 *   peer_server  the raft listener: presents the node's certificate and
 *                requires a client certificate signed by the cluster CA
 *                (mutual TLS: only cluster members can speak raft);
 *   peer_client  raft dialers: present the node's certificate, verify the
 *                peer's against the CA (and its name against the address);
 *   client_server  the native client listener: presents the node's
 *                certificate; clients authenticate with access keys.
 * nng's TLS engine is mbedtls 2.28, which matches a host name against a
 * certificate's DNS names only: a node reached by IP needs that IP as a
 * DNS name too (deploy/make-certs.sh adds it). */
#ifndef STRATUS_TLS_H
#define STRATUS_TLS_H

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>
#include <stddef.h>

#include "config.h"

struct node_tls {
	nng_tls_config *peer_server;
	nng_tls_config *peer_client;
	nng_tls_config *client_server;
};

/* Build the configurations when the node has any tls+tcp:// address (all
 * NULL otherwise). 0, or -1 with errmsg (an unreadable or invalid file). */
int node_tls_init(struct node_tls *t, const struct config *cfg, char *errmsg,
		  size_t errmsg_size);
void node_tls_close(struct node_tls *t);

#endif
