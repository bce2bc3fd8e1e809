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
finish
