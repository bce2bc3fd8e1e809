#!/bin/sh
# promfetch without a server: options, usage errors, unreachable server,
# credentials never echoed.  The real-server cases are in
# tests/integration/prometheus.sh.
. "$TOP/tests/cli/lib.sh"

t "--help" 0 promfetch --help
out_has "usage: promfetch -q QUERY"
t "--version" 0 promfetch --version
out_has "promfetch (scalepipe)"
t "no query" 2 promfetch --last 1h
err_has "promfetch: --query is required"
t "no range" 2 promfetch -q up
err_has "promfetch: a range query needs --start or --last"
t "three range options" 2 promfetch -q up --start 0 --end 100 --last 50
err_has "promfetch: give at most two of --start, --end and --last"
t "end before start" 2 promfetch -q up --start 1000 --end 10
err_has "promfetch: --end is before --start"
t "bad time" 2 promfetch -q up --start yesterday
err_has "promfetch: --start: not a time: 'yesterday'"
t "bad duration" 2 promfetch -q up --last 5x
err_has "promfetch: --last: not a duration: '5x'"
t "zero step" 2 promfetch -q up --last 1h --step 0
err_has "promfetch: --step: not a duration: '0'"
t "bad --null" 2 promfetch -q up --last 1h --null drop
err_has "promfetch: --null"
t "--max-points above the server limit" 2 promfetch -q up --last 1h --max-points 11001
err_has "promfetch: --max-points"
t "-n with --wide" 2 promfetch -q up --last 1h -n x --wide pod
err_has "promfetch: -n and --wide exclude each other"
t "--wide empty item" 2 promfetch -q up --last 1h --wide pod,,job
err_has "promfetch: --wide: not a list of label names: 'pod,,job'"
t "--instant with --last" 2 promfetch -q up --instant --last 1h
err_has "promfetch: --instant takes no --start or --last"
t "not an http URL" 2 promfetch -q up --last 1h -u ftp://x
err_has "promfetch: --url: must start with http:// or https://"
t "credentials in URL refused" 2 promfetch -q up --last 1h -u http://user:s3cr3t@127.0.0.1:1
err_has "credentials in the URL are not accepted"
t "--cert without --key" 2 promfetch -q up --last 1h --cert c.pem
err_has "promfetch: --cert and --key go together"
t "unknown option" 2 promfetch --frobnicate
err_has "usage: promfetch"
t "extra argument" 2 promfetch -q up --last 1h extra
err_has "promfetch: unexpected argument 'extra'"
t "token file missing" 1 promfetch -q up --last 1h --bearer-token-file "$T/none"
err_has "promfetch: $T/none: No such file or directory"
: > "$T/empty"
t "token file empty" 1 promfetch -q up --last 1h --bearer-token-file "$T/empty"
err_has "promfetch: $T/empty: empty"
t "token env unset" 2 promfetch -q up --last 1h --bearer-token-env SP_NO_SUCH_VAR
err_has "promfetch: environment variable SP_NO_SUCH_VAR is not set or empty"
t "token and user" 2 promfetch -q up --last 1h --bearer-token-env HOME --user u
err_has "a bearer token and --user exclude each other"
t "password file without user" 2 promfetch -q up --last 1h --password-file "$T/empty"
err_has "--password-file needs --user"

# unreachable server: a closed port on 127.0.0.1, no retries
echo 'tok-SECRET-4711' > "$T/token"
t "connection refused" 1 promfetch -v -q up --last 1h --step 60 -u http://127.0.0.1:1 --retries 0 --bearer-token-file "$T/token"
err_has "promfetch: GET http://127.0.0.1:1/api/v1/query_range?query=up&start="
err_has "Couldn't connect to server"
out_is /dev/null
check "token never printed" sh -c "! grep -q SECRET '$T/err' '$T/out'"
SP_TOK=tok-SECRET-4712; export SP_TOK
t "connection refused, token from env" 1 promfetch -v -q 'sum(x{a="b c"})' --instant --end 0 -u https://127.0.0.1:1/ --retries 0 --bearer-token-env SP_TOK
err_has "promfetch: GET https://127.0.0.1:1/api/v1/query?query=sum%28x%7Ba%3D%22b%20c%22%7D%29&time=0"
check "env token never printed" sh -c "! grep -q SECRET '$T/err' '$T/out'"
t "bad --deadline" 2 promfetch -q up --last 1h --deadline -1
err_has "promfetch: --deadline"
t "bad --max-answer" 2 promfetch -q up --last 1h --max-answer 0
err_has "promfetch: --max-answer"
# Issue 20: the long format (the real-server cases are in tests/integration/prometheus.sh)
if [ -z "${SP_VALGRIND:-}" ]; then
t "--wide with --by-labels" 2 promfetch -q up --last 1h --wide pod --by-labels pod
err_has "promfetch: --wide and --by-labels exclude each other"
t "--by-labels empty item" 2 promfetch -q up --last 1h --by-labels namespace,
err_has "promfetch: --by-labels: not a list of label names: 'namespace,'"
fi
t "--help names --by-labels" 0 promfetch --help
out_has "--by-labels LABELS"
# --shard I/N (with --by-labels; the filtering is in tests/integration/prometheus.sh)
t "--shard without --by-labels" 2 promfetch -q up --last 1h --shard 0/2
err_has "promfetch: --shard goes with --by-labels"
t "--shard I >= N" 2 promfetch -q up --last 1h --by-labels pod --shard 2/2
err_has "promfetch: --shard: not I/N with 0 <= I < N <= 1000000: '2/2'"
t "--shard not I/N" 2 promfetch -q up --last 1h --by-labels pod --shard 1
err_has "promfetch: --shard: not I/N"
t "--shard N = 0" 2 promfetch -q up --last 1h --by-labels pod --shard 0/0
err_has "promfetch: --shard: not I/N"
finish
