# Helpers for the integration tests that start servers (POSIX sh), sourced
# after tests/cli/lib.sh.  Servers listen on 127.0.0.1 only, on a free port,
# and are all stopped when the test exits.
#
#   free_port                 print a TCP port on 127.0.0.1 nobody listens on
#   start_bg NAME CMD...            start CMD in the background (log in $T/NAME.log)
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
	while :; do
		p=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 30000 + 20000 ))
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
