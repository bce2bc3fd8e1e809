#!/bin/sh
# Test PKI for tests/kubeapi/kubeapi.py, made fresh by each test run with
# the openssl CLI:  sh mkcerts.sh DIR
#   ca.pem/ca.key            the cluster CA
#   server.pem/server.key    127.0.0.1 (IP SAN) and localhost, signed by ca
#   admin.pem/admin.key      client certificate, CN=admin, signed by ca
#   other-ca.pem             an unrelated CA (for "wrong CA" tests)
#   rogue.pem/rogue.key      client certificate CN=admin signed by other-ca
set -eu
d=$1
mkdir -p "$d"
cd "$d"
q() { "$@" > /dev/null 2>&1 || { echo "mkcerts: $* failed" >&2; "$@"; exit 1; }; }
ca() {  # name cn
	q openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days 2 \
		-subj "/CN=$2" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
leaf() {  # name cn ca ext
	q openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2"
	printf '%s\n' "$4" > "$1.ext"
	q openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial \
		-out "$1.pem" -days 2 -extfile "$1.ext"
	rm -f "$1.csr" "$1.ext"
}
ca ca "scalepipe test cluster CA"
ca other-ca "some other CA"
leaf server kubeapi ca "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
leaf admin admin ca "extendedKeyUsage=clientAuth"
leaf rogue admin other-ca "extendedKeyUsage=clientAuth"
