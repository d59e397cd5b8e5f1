#!/usr/bin/env bash
# make-certs.sh — a certificate authority and node certificates for a new
# Stratus cluster (openssl CLI).
#
#   deploy/make-certs.sh DIR NAME[=SAN,SAN,...] ...
#
# Makes DIR/ca.pem + DIR/ca.key (once; kept if present) and, for each NAME,
# DIR/NAME.pem (certificate signed by the CA, server and client use) and
# DIR/NAME.key. SANs are openssl subjectAltName items (IP:10.0.0.1,
# DNS:node1.example); the default is IP:127.0.0.1,DNS:localhost; every IP
# is also added as a DNS name (nng's mbedtls matches DNS names only). Keys are
# ECDSA P-256, certificates valid for 825 days; keys are mode 0600.
#
# Example (3 hosts):
#   deploy/make-certs.sh /etc/stratus/tls \
#       node1=IP:10.0.0.1 node2=IP:10.0.0.2 node3=IP:10.0.0.3 client
# then give each node --http-tls-cert DIR/nodeI.pem --http-tls-key
# DIR/nodeI.key, and clients the CA (aws --ca-bundle DIR/ca.pem,
# AWS_CA_BUNDLE, curl --cacert).
set -euo pipefail

PROG=${0##*/}
die() {
	echo "$PROG: $*" >&2
	exit 1
}

(($# >= 2)) || die "usage: $PROG DIR NAME[=SAN,SAN,...] ..."
command -v openssl >/dev/null 2>&1 || die "openssl not found (apt-get install openssl)"
DIR=$1
shift
mkdir -p "$DIR"
umask 077

if [[ ! -f $DIR/ca.pem || ! -f $DIR/ca.key ]]; then
	openssl ecparam -name prime256v1 -genkey -noout -out "$DIR/ca.key"
	openssl req -x509 -new -key "$DIR/ca.key" -sha256 -days 3650 \
		-subj "/CN=Stratus cluster CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$DIR/ca.pem"
	echo "$PROG: made $DIR/ca.pem"
fi

for spec in "$@"; do
	name=${spec%%=*}
	sans=IP:127.0.0.1,DNS:localhost
	[[ $spec == *=* ]] && sans=${spec#*=}
	[[ $name =~ ^[A-Za-z0-9._-]+$ ]] || die "bad certificate name '$name'"
	# nng's TLS engine (mbedtls 2.28) matches a host only against DNS
	# names: give every IP address a DNS twin.
	extra=
	IFS=, read -r -a items <<<"$sans"
	for item in "${items[@]}"; do
		[[ $item == IP:* ]] && extra+=",DNS:${item#IP:}"
	done
	sans+=$extra
	openssl ecparam -name prime256v1 -genkey -noout -out "$DIR/$name.key"
	openssl req -new -key "$DIR/$name.key" -subj "/CN=$name" \
		-out "$DIR/$name.csr"
	printf '%s\n' \
		"basicConstraints=CA:FALSE" \
		"keyUsage=critical,digitalSignature,keyEncipherment" \
		"extendedKeyUsage=serverAuth,clientAuth" \
		"subjectAltName=$sans" >"$DIR/$name.ext"
	openssl x509 -req -in "$DIR/$name.csr" -CA "$DIR/ca.pem" \
		-CAkey "$DIR/ca.key" -CAcreateserial -days 825 -sha256 \
		-extfile "$DIR/$name.ext" -out "$DIR/$name.pem" 2>/dev/null
	rm -f "$DIR/$name.csr" "$DIR/$name.ext"
	echo "$PROG: made $DIR/$name.pem ($sans)"
done
chmod 0644 "$DIR"/*.pem
