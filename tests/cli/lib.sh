# CLI test helpers, sourced by tests/cli/*.sh (POSIX sh).
#
#   t NAME STATUS CMD [ARGS...]  run CMD (a tool from $BIN, stdin as given to t),
#                                record stdout/stderr, check the exit status
#   out_is [FILE]                stdout equals FILE (or stdin of out_is)
#   err_is [FILE]                stderr equals FILE (or stdin)
#   err_has TEXT                 stderr contains TEXT
#   out_has TEXT                 stdout contains TEXT
#   check NAME CMD...            a free-form check: passes if CMD exits 0
#   finish                       print "N passed, N failed"; exit status
#
# Every tool name resolves in $BIN first, so the same files run against the
# plain, sanitizer and valgrind builds.
set -u
LC_ALL=C; export LC_ALL
: "${BIN:?BIN must name the directory of the tools}"
: "${TOP:=$(pwd)}"
PATH=$BIN:$PATH; export PATH
# the example service curve and other run-time data (sp_cli_datafile), for
# builds outside bin/ (build/asan/bin, the valgrind wrappers)
SCALEPIPE_DATADIR=$TOP/data; export SCALEPIPE_DATADIR
D=$TOP/tests/cli/data
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
_pass=0 _fail=0 _name= _ok=1

_close() {
	if [ -n "$_name" ]; then
		if [ "$_ok" = 1 ]; then _pass=$((_pass + 1)); else _fail=$((_fail + 1)); fi
	fi
	_name= _ok=1
}
_bad() {
	[ "$_ok" = 1 ] && echo "FAIL: $_name"
	_ok=0
	echo "  $*"
}
t() {
	_close
	_name=$1 want=$2; shift 2
	# SP_TTIMES=FILE: append "<file> <seconds> <test name>" per run, to find
	# the runs that cost the most (under valgrind, where time matters)
	[ -n "${SP_TTIMES:-}" ] && _t0=$(date +%s.%N)
	# An error exit may leave memory to the OS (as exit(3) does); leak
	# checking applies to the runs that succeed.  Runs expected to fail
	# are not run under valgrind (tests/run.sh: the sanitizer stages
	# check them).
	if [ "$want" != 0 ]; then
		ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" SP_NO_LEAK_CHECK=1 SP_NO_VALGRIND=1 \
			"$@" > "$T/out" 2> "$T/err"
	else
		"$@" > "$T/out" 2> "$T/err"
	fi
	_rc=$?
	[ -n "${SP_TTIMES:-}" ] && awk -v a="$_t0" -v b="$(date +%s.%N)" -v f="$(basename "$0" .sh)" \
		-v n="$_name" 'BEGIN { printf "%s %.2f %s\n", f, b - a, n }' >> "$SP_TTIMES"
	# SP_CAPTURE=DIR: keep every run's status, stdout and stderr (the temp
	# directory's name replaced by @T@) in DIR/<test file>.txt, to diff the
	# output of two builds (a refactoring must leave it byte-identical).
	if [ -n "${SP_CAPTURE:-}" ]; then
		{ printf '### %s\nstatus %s\n--- stdout\n' "$_name" "$_rc"
		  sed "s|$T|@T@|g" "$T/out"
		  printf '\n--- stderr\n'
		  sed "s|$T|@T@|g" "$T/err"; } >> "$SP_CAPTURE/$(basename "$0" .sh).txt"
	fi
	if [ "$_rc" != "$want" ]; then
		_bad "exit status $_rc, expected $want"
		sed 's/^/  stderr: /' "$T/err" | head -n 10
	fi
	return 0
}
out_is() {
	if [ $# -gt 0 ]; then cp "$1" "$T/want"; else cat > "$T/want"; fi
	if ! cmp -s "$T/want" "$T/out"; then
		_bad "stdout differs (- expected, + got):"
		diff -u "$T/want" "$T/out" | sed -n '3,40p' | sed 's/^/    /'
	fi
}
err_is() {
	if [ $# -gt 0 ]; then cp "$1" "$T/want"; else cat > "$T/want"; fi
	if ! cmp -s "$T/want" "$T/err"; then
		_bad "stderr differs (- expected, + got):"
		diff -u "$T/want" "$T/err" | sed -n '3,40p' | sed 's/^/    /'
	fi
}
err_has() {
	grep -qF -- "$1" "$T/err" || { _bad "stderr lacks: $1"; sed 's/^/    got: /' "$T/err" | head -n 5; }
}
out_has() {
	grep -qF -- "$1" "$T/out" || { _bad "stdout lacks: $1"; head -n 5 "$T/out" | sed 's/^/    got: /'; }
}
err_empty() {
	[ -s "$T/err" ] && { _bad "stderr not empty:"; sed 's/^/    /' "$T/err" | head -n 5; }
	return 0
}
check() {
	_close
	_name=$1; shift
	if ! "$@" > "$T/check.log" 2>&1; then
		_bad "check failed:"; sed 's/^/    /' "$T/check.log" | head -n 20
	fi
	return 0
}
# Numeric comparison of two CSV files, field by field, with a relative+absolute
# tolerance (awk): csv_close FILE1 FILE2 TOL
csv_close() {
	awk -F, -v tol="$3" '
	NR == FNR { a[FNR] = $0; n = FNR; next }
	{
		if (!(FNR in a)) { print "extra line " FNR; bad = 1; exit }
		split(a[FNR], x, ","); m = split($0, y, ",")
		if (length(x) != m) { print "line " FNR ": field count"; bad = 1; exit }
		for (i = 1; i <= m; i++) {
			if (x[i] == y[i]) continue
			if (x[i] !~ /^-?[0-9.eE+-]+$/ || y[i] !~ /^-?[0-9.eE+-]+$/) {
				print "line " FNR " field " i ": " x[i] " vs " y[i]; bad = 1; exit }
			d = x[i] - y[i]; if (d < 0) d = -d
			s = (x[i] < 0 ? -x[i] : x[i]); if (s < 1) s = 1
			if (d > tol * s) { print "line " FNR " field " i ": " x[i] " vs " y[i]; bad = 1; exit }
		}
		seen = FNR
	}
	END { if (!bad && seen != n) { print "line count " seen " vs " n; bad = 1 } exit bad }' "$1" "$2"
}
# keysplit NAME COL DROP INPUT CMD...: the keyed run (CMD --by series INPUT)
# against separate runs: for each key of INPUT (its column 2), the keyed
# output's rows of that key (the key in its column COL; the key column,
# column 2, dropped first when DROP is 1) are byte-identical to CMD on that
# key's rows alone, without --by.  KS_MODEL_DIR: the keyed run gets --models
# KS_MODEL_DIR and the run of key K alone -m KS_MODEL_DIR/K when it exists.
# Under valgrind only the keyed run (the comparison is the plain build's).
keysplit() {
	_ks=$1 _col=$2 _drop=$3 _in=$4; shift 4
	t "$_ks" 0 "$@" ${KS_MODEL_DIR:+--models "$KS_MODEL_DIR"} --by series "$_in"
	cp "$T/out" "$T/keyed"
	[ -n "${SP_VALGRIND:-}" ] && return 0
	for _k in $(awk -F, 'NR > 1 && !s[$2]++ { print $2 }' "$_in"); do
		awk -F, -v k="$_k" 'NR == 1 || $2 == k' "$_in" > "$T/one.csv"
		if [ -n "${KS_MODEL_DIR:-}" ] && [ -f "$KS_MODEL_DIR/$_k" ]; then
			"$@" -m "$KS_MODEL_DIR/$_k" "$T/one.csv" > "$T/sep" 2>&1
		else
			"$@" "$T/one.csv" > "$T/sep" 2>&1
		fi
		awk -F, -v k="$_k" -v c="$_col" -v d="$_drop" 'NR == 1 || $c == k {
			if (d == 1) { sub(/^[^,]*,[^,]*/, "&@"); sub(/,[^,]*@/, "") } print }' "$T/keyed" > "$T/part"
		check "$_ks: key $_k as a run of its own" cmp "$T/sep" "$T/part"
	done
}

finish() {
	_close
	echo "$_pass passed, $_fail failed"
	[ "$_fail" -eq 0 ]
}
