# Helpers for the integration tests that start servers (POSIX sh), sourced
# after tests/cli/lib.sh.  Servers listen on 127.0.0.1 only, on a free port,
# and are all stopped when the test exits.
#
#   free_port                 print a TCP port on 127.0.0.1 nobody listens on,
#                             below the kernel's ephemeral range
#   serve NAME URL CMD...     start CMD on a free port: @PORT@ in URL and in the
#                             arguments is replaced; waits until URL answers
#                             2xx; tries another port when the server dies
#                             (port taken meanwhile); sets PORT
#   start_bg NAME CMD...      start CMD in the background (log in $T/NAME.log)
#   wait_url URL [SECS]       wait until URL answers 2xx (curl), else fail
#   stop NAME                 stop one background server
#   need CMD...               fail the whole test file when a command is missing

_bgpids=
_stop_all() {
	for p in $_bgpids; do kill "$p" 2>/dev/null; done
	for p in $_bgpids; do wait "$p" 2>/dev/null; done
	_bgpids=
}
trap '_stop_all; rm -rf "$T"' EXIT
trap '_stop_all; rm -rf "$T"; exit 1' INT TERM

need() {
	for c in "$@"; do
		if ! command -v "$c" >/dev/null 2>&1; then
			echo "FAIL: $c is not installed (scripts/install-deps installs it)"
			echo "0 passed, 1 failed"
			exit 1
		fi
	done
}

free_port() {
	# below ip_local_port_range, so no outgoing connection holds the port
	_lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	[ "$_lo" -gt 21000 ] 2>/dev/null || _lo=32768
	while :; do
		p=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % (_lo - 20000) + 20000 ))
		curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$p/" 2>/dev/null
		[ $? -eq 7 ] && { echo "$p"; return 0; }
	done
}

start_bg() {
	_n=$1; shift
	"$@" > "$T/$_n.log" 2>&1 &
	_p=$!
	_bgpids="$_bgpids $_p"
	eval "_pid_$_n=$_p"
}

stop() {
	eval "_p=\${_pid_$1:-}"
	[ -n "$_p" ] || return 0
	kill "$_p" 2>/dev/null; wait "$_p" 2>/dev/null
	_bgpids=$(echo "$_bgpids" | tr ' ' '\n' | grep -vx "$_p" | tr '\n' ' ')
	eval "_pid_$1="
}

wait_url() {
	_i=0 _max=$(( ${2:-30} * 10 ))
	while [ $_i -lt $_max ]; do
		curl -sf -o /dev/null --max-time 2 ${CURL_OPTS:-} "$1" && return 0
		sleep 0.1; _i=$((_i + 1))
	done
	echo "FAIL: $1 did not come up"
	return 1
}

_q() { printf "'%s' " "$(printf %s "$1" | sed "s/'/'\\\\''/g")"; }

serve() {
	_sn=$1 _su=$2; shift 2
	for _try in 1 2 3; do
		PORT=$(free_port)
		_cmd=
		for _a in "$@"; do _cmd="$_cmd$(_q "$(printf %s "$_a" | sed "s/@PORT@/$PORT/g")")"; done
		eval "start_bg $_sn $_cmd"
		_url=$(printf %s "$_su" | sed "s/@PORT@/$PORT/g")
		eval "_p=\${_pid_$_sn}"
		_i=0
		while [ $_i -lt 600 ]; do
			curl -sf -o /dev/null --max-time 2 ${CURL_OPTS:-} "$_url" && return 0
			kill -0 "$_p" 2>/dev/null || break
			sleep 0.1; _i=$((_i + 1))
		done
		if kill -0 "$_p" 2>/dev/null; then
			echo "FAIL: $_url did not come up"; tail -n 5 "$T/$_sn.log"; return 1
		fi
		stop "$_sn"
		echo "note: $_sn exited on port $PORT, trying another port"; tail -n 2 "$T/$_sn.log"
	done
	echo "FAIL: $_sn did not start"
	return 1
}

# kubeapi_serve OBJECTS: the test API server (tests/kubeapi/kubeapi.py) on a
# free port, with a CA of its own, the objects of the file OBJECTS (its
# --objects) and one user of the token tok-ci-SECRET-0123456789; sets PORT
# and K (the certificates' directory) and writes $T/kc, a kubeconfig for it
# whose context's namespace is shop
kubeapi_serve() {
	K=$T/pki
	sh "$TOP/tests/kubeapi/mkcerts.sh" "$K" > /dev/null 2>&1
	echo "ci tok-ci-SECRET-0123456789 *" > "$T/users"
	CURL_OPTS="--cacert $K/ca.pem" serve kubeapi "https://127.0.0.1:@PORT@/readyz" /usr/bin/python3 \
		"$TOP/tests/kubeapi/kubeapi.py" --port @PORT@ --cert "$K/server.pem" --key "$K/server.key" \
		--client-ca "$K/ca.pem" --users "$T/users" --objects "$1" || return 1
	cat > "$T/kc" <<KC
apiVersion: v1
kind: Config
current-context: t
clusters:
- name: t
  cluster: {server: "https://127.0.0.1:$PORT", certificate-authority-data: $(base64 -w0 < "$K/ca.pem")}
contexts:
- name: t
  context: {cluster: t, user: u, namespace: shop}
users:
- name: u
  user: {token: tok-ci-SECRET-0123456789}
KC
}
