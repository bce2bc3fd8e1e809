#!/bin/sh
# scale without a server: options, input checks, kubeconfig errors.  The
# API cases are in tests/integration/kube.sh (a test API server + kubectl).
. "$TOP/tests/cli/lib.sh"

printf 'timestamp,replicas\n1700000000,3\n1700000060,4\n' > "$T/in.csv"
cat > "$T/kc" <<'EOF'
apiVersion: v1
kind: Config
current-context: c
clusters:
- name: k
  cluster: {server: "https://127.0.0.1:1", certificate-authority-data: bm90IGEgY2VydA==}
contexts:
- name: c
  context: {cluster: k, user: u}
- name: nouser
  context: {cluster: k}
- name: nocluster
  context: {cluster: gone, user: u}
users:
- name: u
  user: {token: tok-SECRET-99}
EOF
HOME=$T/home; export HOME
unset KUBECONFIG KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT

t "--help" 0 scale --help
out_has "usage: scale [-c NAME]"
t "--version" 0 scale --version
out_has "scale (scalepipe)"
t "no target" 2 scale
err_has "scale: missing target KIND/NAME (e.g. deployment/web)"
t "bad target" 2 scale web
err_has "scale: target must be KIND/NAME (e.g. deployment/web): 'web'"
t "bad kind" 2 scale daemonset/x
err_has "scale: kind must be deployment or statefulset: 'daemonset'"
t "bad name" 2 scale deployment/Web_1
err_has "scale: not a valid object name: 'Web_1'"
t "bad namespace" 2 scale -n 'a b' deployment/web
err_has "scale: --namespace: not a valid namespace: 'a b'"
t "bad --max-age" 2 scale --max-age soon deployment/web
err_has "scale: --max-age: not a duration: 'soon'"
t "bad --method" 2 scale --method post deployment/web
err_has "scale: --method"
t "--in-cluster with --kubeconfig" 2 scale --in-cluster --kubeconfig x deployment/web
err_has "scale: --in-cluster excludes --kubeconfig and --context"
t "extra argument" 2 scale deployment/web a b
err_has "scale: unexpected argument 'b'"
t "unknown option" 2 scale --frob deployment/web
err_has "usage: scale"

# input
t "missing input file" 1 scale --kubeconfig "$T/kc" deployment/web "$T/none.csv"
err_has "scale: $T/none.csv: No such file or directory"
t "no replicas column" 2 scale --kubeconfig "$T/kc" deployment/web <<'EOF'
timestamp,load
1,2
EOF
err_has "scale: no column 'replicas' (have: timestamp, load)"
t "header only" 1 scale --kubeconfig "$T/kc" deployment/web <<'EOF'
timestamp,replicas
EOF
err_is <<'EOF'
scale: input: no data rows
EOF
t "fractional replicas" 1 scale --kubeconfig "$T/kc" deployment/web <<'EOF'
timestamp,replicas
1,2
2,2.5
EOF
err_is <<'EOF'
scale: row 2, column replicas: replicas must be a whole number from 0 to 1000000: 2.5
EOF
t "missing replicas in the last row" 1 scale --kubeconfig "$T/kc" deployment/web <<'EOF'
timestamp,replicas
1,2
2,
EOF
err_has "scale: row 2, column replicas: "
t "negative replicas" 1 scale -c n --kubeconfig "$T/kc" deployment/web <<'EOF'
timestamp,n
1,-1
EOF
err_has "replicas must be a whole number from 0 to 1000000: -1"
t "time going backwards" 1 scale --kubeconfig "$T/kc" deployment/web <<'EOF'
timestamp,replicas
5,1
4,1
EOF
err_has "scale: row 2"

# credentials
t "no kubeconfig, not in a cluster" 1 scale deployment/web "$T/in.csv"
err_is <<'EOF'
scale: no kubeconfig ($KUBECONFIG, ~/.kube/config) and not in a cluster; use --kubeconfig
EOF
t "kubeconfig missing" 1 scale --kubeconfig "$T/nope" deployment/web "$T/in.csv"
err_is <<EOF
scale: kubeconfig $T/nope: No such file or directory
EOF
printf 'clusters: [\n' > "$T/broken"
t "kubeconfig not YAML" 1 scale --kubeconfig "$T/broken" deployment/web "$T/in.csv"
err_has "scale: $T/broken:2: not valid YAML: "
t "unknown context" 1 scale --kubeconfig "$T/kc" --context x deployment/web "$T/in.csv"
err_is <<EOF
scale: kubeconfig $T/kc: context 'x' not found
EOF
t "context's cluster missing" 1 scale --kubeconfig "$T/kc" --context nocluster deployment/web "$T/in.csv"
err_is <<EOF
scale: kubeconfig $T/kc: cluster 'gone' (of context 'nocluster') not found
EOF
printf 'apiVersion: v1\nkind: Config\n' > "$T/nocur"
t "no current-context" 1 scale --kubeconfig "$T/nocur" deployment/web "$T/in.csv"
err_has "no current-context (use --context)"
t "a CA that is not a certificate" 1 scale -v --retries 0 --kubeconfig "$T/kc" deployment/web "$T/in.csv"
err_has "scale: server https://127.0.0.1:1, context c, namespace default, deployments/web"
check "token never printed" sh -c "! grep -q SECRET '$T/err' '$T/out'"
mkdir -p "$T/home/.kube" && cp "$T/kc" "$T/home/.kube/config"
t "~/.kube/config, unreachable server" 1 scale --retries 0 --context nouser deployment/web "$T/in.csv"
err_has "scale: GET https://127.0.0.1:1/apis/apps/v1/namespaces/default/deployments/web/scale: "
t "--in-cluster, no token file" 1 env KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=1 scale --in-cluster --service-account-dir "$T/sa" deployment/web "$T/in.csv"
err_is <<EOF
scale: $T/sa/token: No such file or directory
EOF
# input dates and freshness: refused before any credential is read
NOW=$(date +%s)
printf 'timestamp,load,replicas\n%s000,5,2\n' "$NOW" > "$T/ms.csv"
t "millisecond timestamps: an error, not a negative age" 1 scale --kubeconfig "$T/kc" deployment/web "$T/ms.csv"
err_has "is not Unix seconds (milliseconds?)"
out_is /dev/null
printf 'timestamp,load,replicas\n%s,5,2\n%s,5,2\n%s,,2\n' $((NOW - 120)) $((NOW - 60)) $((NOW + 900)) > "$T/future.csv"
t "a decision more than one step ahead" 1 scale --kubeconfig "$T/kc" deployment/web "$T/future.csv"
err_has "scale: the decision row ("
err_has "more than one step (60s)"
printf 'timestamp,load\n%s,1\n' $((NOW + 3600)) > "$T/obs.csv"
printf 'timestamp,load,replicas\n%s,5,2\n' "$NOW" > "$T/ok.csv"
t "--observed dates the input by another file" 1 scale --observed "$T/obs.csv" --kubeconfig "$T/kc" deployment/web "$T/ok.csv"
err_has ", from $T/obs.csv) is 3"
err_has "s ahead of the clock"
t "--observed without the column" 2 scale --observed "$T/in.csv" --load-column nope --kubeconfig "$T/kc" deployment/web "$T/ok.csv"
err_has "scale: $T/in.csv: no column 'nope' (have: timestamp, replicas)"
t "--load-column missing" 2 scale --load-column rps --kubeconfig "$T/kc" deployment/web "$T/ok.csv"
err_has "scale: $T/ok.csv: no column 'rps' (have: timestamp, load, replicas)"
t "bad --max-down-pct" 2 scale --max-down-pct 101 deployment/web
err_has "scale: --max-down-pct"
t "bad --down-stabilisation" 2 scale --down-stabilisation -1 deployment/web
err_has "scale: --down-stabilisation"
t "bad --max-up-pods" 2 scale --max-up-pods x deployment/web
err_has "scale: --max-up-pods"
t "bad --max-up-pct" 2 scale --max-up-pct -5 deployment/web
err_has "scale: --max-up-pct"
t "bad --deadline" 2 scale --deadline 0 deployment/web
err_has "scale: --deadline"
t "bad --exec-timeout" 2 scale --exec-timeout x deployment/web
err_has "scale: --exec-timeout"

# hostile kubeconfigs
sed 's|server: "https://127.0.0.1:1"|server: "https://bob:pw-SECRET-7@127.0.0.1:1"|' "$T/kc" > "$T/kc-ui"
t "credentials in the server URL are refused, not echoed" 1 scale -v --kubeconfig "$T/kc-ui" deployment/web "$T/ok.csv"
err_has "cluster 'k': credentials in the server URL (user:password@) are not accepted"
check "userinfo never printed" sh -c "! grep -q SECRET '$T/err' '$T/out'"
mkfifo "$T/tokfifo"
sed 's|{token: tok-SECRET-99}|{tokenFile: tokfifo}|' "$T/kc" > "$T/kc-fifo"
t "a FIFO tokenFile is refused at once" 1 timeout 10 scale --kubeconfig "$T/kc-fifo" deployment/web "$T/ok.csv"
err_is <<EOF
scale: $T/tokfifo: not a regular file
EOF
sed 's|{token: tok-SECRET-99}|{exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/sleep, args: ["30"]}}|' "$T/kc" > "$T/kc-hang"
t "an exec plugin that hangs is killed" 1 timeout 20 scale --exec-timeout 0.2 --kubeconfig "$T/kc-hang" deployment/web "$T/ok.csv"
err_is <<EOF
scale: user 'u': exec plugin '/bin/sleep' gave no answer within 0.2s (killed)
EOF
# times compared with the clock must be real dates: before 1990 is a
# relative time or another unit, refused before any credential is read
printf 'timestamp,load,replicas\n0,5,2\n60,5,3\n' > "$T/rel.csv"
t "a decision row before 1990 is refused" 1 scale --kubeconfig "$T/kc" deployment/web "$T/rel.csv"
err_is <<'EOF'
scale: the decision row's time (60) is not a wall-clock time (before 1990: a relative time, or minutes or hours?)
EOF
out_is /dev/null
printf 'timestamp,load\n%s,1\n' 631151999 > "$T/obs-old.csv"
t "--observed before 1990 is refused" 1 scale --observed "$T/obs-old.csv" --kubeconfig "$T/kc" deployment/web "$T/ok.csv"
err_has "scale: the newest observed time (631151999, from $T/obs-old.csv) is not a wall-clock time (before 1990"
# --by (the API cases are in tests/integration/kube.sh, section 5)
printf 'timestamp,series,replicas\n1700000000,"namespace=shop,deployment=web",3\n' > "$T/fleet.csv"
t "--kind without --by" 2 scale --kind statefulset deployment/web "$T/in.csv"
err_has "scale: --namespace-label, --name-label, --kind and --kind-label go with --by"
t "--by: --kind and --kind-label" 2 scale --by series --kind sts --kind-label kind "$T/fleet.csv"
err_has "scale: --kind and --kind-label exclude each other"
t "--by: a bad --kind" 2 scale --by series --kind daemonset "$T/fleet.csv"
err_has "scale: --kind: kind must be deployment or statefulset: 'daemonset'"
t "--by: --observed" 2 scale --by series --observed "$T/in.csv" "$T/fleet.csv"
err_has "scale: --observed does not go with --by"
t "--by: no such key column" 2 scale --kubeconfig "$T/kc" --by nope "$T/fleet.csv"
err_has "no column 'nope' (have: timestamp, series, replicas)"
t "--by: the key column is not the timestamp" 2 scale --kubeconfig "$T/kc" --by timestamp "$T/fleet.csv"
err_has "scale: --by: 'timestamp' is not a key column"
t "--by: no credentials: nothing done" 1 scale --kubeconfig "$T/none" --by series "$T/fleet.csv"
out_is /dev/null
t "--help names --by" 0 scale --help
out_has "--kind-label L"
finish
