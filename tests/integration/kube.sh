#!/bin/sh
# scale against the test Kubernetes API server (tests/kubeapi/kubeapi.py) over
# TLS on a free 127.0.0.1 port.  The real kubectl is run against the same
# server first, so the server is checked against the real client before
# scale is checked against the server.  KUBECTL=path picks another kubectl.
. "$TOP/tests/cli/lib.sh"
. "$TOP/tests/kubeapi/netlib.sh"
need openssl curl
PY=/usr/bin/python3
[ -x $PY ] || PY=python3
need $PY
KUBECTL=${KUBECTL:-kubectl}

K=$T/pki
sh "$TOP/tests/kubeapi/mkcerts.sh" "$K" || { echo "0 passed, 1 failed"; exit 1; }
cat > "$T/users" <<'EOF'
admin - *
ci tok-ci-SECRET-0123456789 *
viewer tok-viewer-SECRET get:deployments/scale,get:deployments,get:statefulsets/scale,list:horizontalpodautoscalers,list:scaledobjects
old !tok-expired-SECRET *
noget tok-noget-SECRET get:deployments/scale,update:deployments/scale,patch:deployments/scale,list:horizontalpodautoscalers,list:scaledobjects
sa tok-sa-SECRET get:deployments/scale,update:deployments/scale,patch:deployments/scale,get:deployments,list:horizontalpodautoscalers,list:scaledobjects
EOF
cat > "$T/objects" <<'EOF'
Deployment default web 2
Deployment shop api 4
Deployment shop front 3
Deployment shop worker 1
Deployment shop held 2 scalepipe.io/paused=true
StatefulSet shop db 3
HPA shop api-hpa Deployment/api
SCALEDOBJECT shop front-so -/front
EOF
CURL_OPTS="--cacert $K/ca.pem" serve kubeapi "https://127.0.0.1:@PORT@/readyz" $PY "$TOP/tests/kubeapi/kubeapi.py" \
	--port @PORT@ --cert "$K/server.pem" --key "$K/server.key" --client-ca "$K/ca.pem" \
	--users "$T/users" --objects "$T/objects" || { echo "0 passed, 1 failed"; exit 1; }
SRV=https://127.0.0.1:$PORT
knob() { curl -sf --cacert "$K/ca.pem" -X POST "$SRV/_test/$1" > /dev/null; }
replicas_of() {  # ns resource name: spec.replicas as the server has it (admin client cert)
	curl -sf --cacert "$K/ca.pem" --cert "$K/admin.pem" --key "$K/admin.key" \
		"$SRV/apis/apps/v1/namespaces/$1/$2/$3/scale" | sed -n 's/.*"spec": {"replicas": \([0-9]*\)}.*/\1/p'
}
log_count() { curl -sf --cacert "$K/ca.pem" "$SRV/_test/log" | grep -c "$1"; }

# kubeconfigs: token (inline), token file, client certificate (inline data and
# relative files), expired token, no credentials, wrong CA
kc() {  # file user-block [ca-block]
	ca=${3:-"certificate-authority-data: $(base64 -w0 < "$K/ca.pem")"}
	cat > "$1" <<EOF
apiVersion: v1
kind: Config
current-context: test
clusters:
- name: test
  cluster:
    server: $SRV/
    $ca
contexts:
- name: test
  context: {cluster: test, user: u, namespace: default}
- name: shop
  context:
    cluster: test
    user: u
    namespace: shop
users:
- name: u
  user:
$2
EOF
}
kc "$T/kc-token" "    token: tok-ci-SECRET-0123456789"
echo tok-ci-SECRET-0123456789 > "$T/tokfile"
kc "$T/kc-tokfile" "    tokenFile: tokfile"
kc "$T/kc-cert" "    client-certificate-data: $(base64 -w0 < "$K/admin.pem")
    client-key-data: $(base64 -w0 < "$K/admin.key")"
kc "$T/kc-certfiles" "    client-certificate: pki/admin.pem
    client-key: pki/admin.key" "certificate-authority: pki/ca.pem"
kc "$T/kc-viewer" "    token: tok-viewer-SECRET"
kc "$T/kc-sa" "    token: tok-sa-SECRET"
kc "$T/kc-expired" "    token: tok-expired-SECRET"
kc "$T/kc-anon" "    {}"
kc "$T/kc-noget" "    token: tok-noget-SECRET"
kc "$T/kc-wrongca" "    token: tok-ci-SECRET-0123456789" "certificate-authority: pki/other-ca.pem"
kc "$T/kc-rogue" "    client-certificate: pki/rogue.pem
    client-key: pki/rogue.key"
# exec credential plugins: a script standing for aws/gke-gcloud-auth-plugin;
# token <TOKEN> | cert (admin's certificate) | anything else fails
cat > "$T/kplug.sh" <<EOF
#!/bin/sh
api=\${API:-client.authentication.k8s.io/v1}
pem() { awk '{ printf "%s\\\\n", \$0 }' "\$1"; }
case "\$1" in
token) printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"%s"}}\\n' "\$api" "\$2" ;;
cert) printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"clientCertificateData":"%s","clientKeyData":"%s"}}\\n' \\
	"\$api" "\$(pem "$K/admin.pem")" "\$(pem "$K/admin.key")" ;;
*) echo "kplug: not logged in (run kplug login)" >&2; exit 1 ;;
esac
EOF
chmod +x "$T/kplug.sh"
kc "$T/kc-exec" "    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./kplug.sh
      args: [token, tok-ci-SECRET-0123456789]
      interactiveMode: Never"
kc "$T/kc-exec-cert" "    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: $T/kplug.sh
      args: [cert]
      env: [{name: API, value: client.authentication.k8s.io/v1beta1}]"
kc "$T/kc-exec-fail" "    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./kplug.sh
      args: [login-expired]
      interactiveMode: IfAvailable"

# ---- 1. the test server against the real kubectl ----------------------
if command -v "$KUBECTL" > /dev/null 2>&1; then
	kctl() { "$KUBECTL" --kubeconfig "$@"; }
	t "kubectl scale deployment/web --replicas=3" 0 kctl "$T/kc-token" scale deployment/web --replicas=3
	out_is <<'EOF'
deployment.apps/web scaled
EOF
	t "kubectl get deployment web -o json" 0 kctl "$T/kc-token" get deployment web -o json
	out_has '"replicas": 3,'
	out_has '"kind": "Deployment"'
	check "the server holds 3" test "$(replicas_of default deployments web)" = 3
	t "kubectl get (table) with a client certificate" 0 kctl "$T/kc-cert" get deployment web
	out_has "web    3/3     3            3"
	t "kubectl get sts with a cert from relative files" 0 kctl "$T/kc-certfiles" -n shop get statefulset db -o name
	out_is <<'EOF'
statefulset.apps/db
EOF
	t "kubectl with an exec plugin (token)" 0 kctl "$T/kc-exec" get deployment web -o name
	out_is <<'EOF'
deployment.apps/web
EOF
	t "kubectl with an exec plugin (client certificate, v1beta1)" 0 kctl "$T/kc-exec-cert" get deployment web -o name
	out_is <<'EOF'
deployment.apps/web
EOF
	t "kubectl: a failing exec plugin" 1 kctl "$T/kc-exec-fail" get deployment web
	err_has "kplug: not logged in"
	t "kubectl: a 404 Status" 1 kctl "$T/kc-token" get deployment nope
	err_has 'Error from server (NotFound): deployments.apps "nope" not found'
	t "kubectl: a 403 Status" 1 kctl "$T/kc-viewer" -n shop get statefulset db
	err_has 'Error from server (Forbidden): statefulsets.apps "db" is forbidden: User "viewer" cannot get resource "statefulsets" in API group "apps" in the namespace "shop"'
	t "kubectl: expired token, 401" 1 kctl "$T/kc-expired" get deployment web
	err_has "Unauthorized"
	t "kubectl: wrong CA" 1 kctl "$T/kc-wrongca" get deployment web
	err_has "certificate signed by unknown authority"
	knob "conflict?n=1"
	n0=$(log_count "PUT /apis/apps/v1/namespaces/shop/statefulsets/db/scale")
	t "kubectl scale --current-replicas retries a 409 conflict" 0 kctl "$T/kc-token" -n shop scale statefulset/db --current-replicas=3 --replicas=2
	out_is <<'EOF'
statefulset.apps/db scaled
EOF
	check "kubectl sent the PUT twice" test "$(log_count "PUT /apis/apps/v1/namespaces/shop/statefulsets/db/scale")" = $((n0 + 2))
	check "the server holds 2" test "$(replicas_of shop statefulsets db)" = 2
	t "kubectl: precondition fails on the current count" 1 kctl "$T/kc-token" -n shop scale statefulset/db --current-replicas=7 --replicas=1
	err_has "Expected replicas to be 7, was 2"
	if kctl "$T/kc-token" patch --help 2>/dev/null | grep -q -- '--subresource'; then
		t "kubectl: a 422 Status (negative replicas)" 1 kctl "$T/kc-token" patch deployment web --subresource=scale --type=merge -p '{"spec":{"replicas":-1}}'
		err_has 'The Scale "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0'
	fi
	t "kubectl get hpa (autoscaling/v2 list)" 0 kctl "$T/kc-token" -n shop get hpa -o name
	out_is <<'EOF'
horizontalpodautoscaler.autoscaling/api-hpa
EOF
	t "kubectl get scaledobjects (keda.sh/v1alpha1)" 0 kctl "$T/kc-token" -n shop get scaledobjects -o name
	out_is <<'EOF'
scaledobject.keda.sh/front-so
EOF
	# the deploy/ manifests: kubectl parses them, maps every kind through
	# the server's discovery, and sends them for a server-side dry-run
	# create, which checks the required fields (422 otherwise)
	if [ -d "$TOP/deploy" ]; then
		t "kubectl create --dry-run=server deploy/" 0 kctl "$T/kc-token" create --dry-run=server --validate=false \
			-f "$TOP/deploy/" -f "$TOP/deploy/keda/" -f "$TOP/deploy/hpa/"
		err_empty
		sort "$T/out" > "$T/applied"
		cat > "$T/applied.want" <<'EOF'
configmap/prometheus-adapter-scalepipe created (server dry run)
configmap/scalepipe-web created (server dry run)
cronjob.batch/scalepipe-web created (server dry run)
horizontalpodautoscaler.autoscaling/web created (server dry run)
persistentvolumeclaim/scalepipe-web-state created (server dry run)
role.rbac.authorization.k8s.io/scalepipe created (server dry run)
rolebinding.rbac.authorization.k8s.io/scalepipe created (server dry run)
scaledobject.keda.sh/web created (server dry run)
serviceaccount/scalepipe created (server dry run)
EOF
		check "all 9 objects created (dry run)" cmp "$T/applied.want" "$T/applied"
		t "kubectl create --dry-run=server deploy/lstm/" 0 kctl "$T/kc-token" create --dry-run=server --validate=false \
			-f "$TOP/deploy/lstm/"
		err_empty
		sort "$T/out" > "$T/applied"
		cat > "$T/applied.want" <<'EOF'
configmap/scalepipe-web-lstm created (server dry run)
cronjob.batch/scalepipe-web created (server dry run)
cronjob.batch/scalepipe-web-retrain created (server dry run)
persistentvolumeclaim/scalepipe-web-model created (server dry run)
persistentvolumeclaim/scalepipe-web-state created (server dry run)
EOF
		check "the LSTM variant: 5 objects (dry run)" cmp "$T/applied.want" "$T/applied"
		sed 's/requests: {storage: 64Mi}/requests: {}/' "$TOP/deploy/lstm/pvc.yaml" > "$T/bad-pvc.yaml"
		t "a claim without a size is rejected (422)" 1 kctl "$T/kc-token" create --dry-run=server --validate=false -f "$T/bad-pvc.yaml"
		err_has 'spec.resources.requests.storage: Required value'
		curl -sf --cacert "$K/ca.pem" --cert "$K/admin.pem" --key "$K/admin.key" "$SRV/apis/batch/v1/namespaces/shop/cronjobs" > "$T/cj.json"
		check "the dry run stored nothing" grep -q '"items": \[\]' "$T/cj.json"
		sed 's/^\( *\)schedule:.*/\1schedule: "every minute"/' "$TOP/deploy/cronjob.yaml" > "$T/bad-cron.yaml"
		t "a broken manifest is rejected (422)" 1 kctl "$T/kc-token" create --dry-run=server --validate=false -f "$T/bad-cron.yaml"
		err_has 'The CronJob "scalepipe-web" is invalid: spec.schedule: Invalid value'
		sed '/threshold: "1"/d' "$TOP/deploy/keda/scaledobject.yaml" > "$T/bad-so.yaml"
		t "a trigger without threshold is rejected (422)" 1 kctl "$T/kc-token" create --dry-run=server --validate=false -f "$T/bad-so.yaml"
		err_has 'spec.triggers[].metadata.threshold: Required value'
		t "kubectl create --dry-run=server deploy/place/" 0 kctl "$T/kc-token" create --dry-run=server --validate=false \
			-f "$TOP/deploy/place/"
		err_empty
		sort "$T/out" > "$T/applied"
		cat > "$T/applied.want" <<'EOF'
configmap/place-feeder created (server dry run)
configmap/place-scheduler-config created (server dry run)
deployment.apps/scalepipe-place created (server dry run)
service/scalepipe-place created (server dry run)
serviceaccount/scalepipe-place created (server dry run)
EOF
		check "the place extender: 5 objects (dry run)" cmp "$T/applied.want" "$T/applied"
	fi
else
	echo "SKIP: $KUBECTL is not installed: the test server is not checked against kubectl in this run"
fi

# ---- 2. scale against the server -------------------------------------
NOW=$(date +%s)
plan() { printf 'timestamp,load,replicas\n%s,10,%s\n%s,12,%s\n' $(($2 - 60)) 1 "$2" "$1" > "$T/plan.csv"; }
# normalise the action time (first field) for comparisons
scale_out() { sed '2s/^[0-9]*,/T,/' "$T/out"; }
cur=$(replicas_of default deployments web)
plan 5 $NOW
t "scale up with a token" 0 scale --kubeconfig "$T/kc-token" deployment/web "$T/plan.csv"
check "row of what was done" test "$(scale_out)" = "timestamp,namespace,kind,name,current,desired,replicas,action,input_age,limit
T,default,Deployment,web,$cur,5,5,scaled,$(($(sed -n '2s/,.*//p' "$T/out") - NOW)),"
check "server holds 5" test "$(replicas_of default deployments web)" = 5
check "PUT with resourceVersion" test "$(log_count 'PUT /apis/apps/v1/namespaces/default/deployments/web/scale ci')" -ge 1
t "unchanged: nothing written" 0 scale --kubeconfig "$T/kc-token" deploy/web "$T/plan.csv"
out_has ",5,5,5,unchanged,"
plan 6 $NOW
n0=$(log_count 'PATCH /apis/apps/v1/namespaces/default/deployments/web/scale ci')
t "token from a tokenFile, stdin input, merge PATCH" 0 scale --kubeconfig "$T/kc-tokfile" --method patch deployments/web < "$T/plan.csv"
out_has ",default,Deployment,web,5,6,6,scaled,"
check "PATCH sent" test "$(log_count 'PATCH /apis/apps/v1/namespaces/default/deployments/web/scale ci')" = $((n0 + 1))
plan 7 $NOW
t "client certificate (inline data)" 0 scale --kubeconfig "$T/kc-cert" deployment/web "$T/plan.csv"
out_has ",6,7,7,scaled,"
check "as user admin" test "$(log_count 'PUT /apis/apps/v1/namespaces/default/deployments/web/scale admin')" = 1
plan 4 $NOW
curdb=$(replicas_of shop statefulsets db)
t "client certificate (relative files), statefulset, --context" 0 scale --kubeconfig "$T/kc-certfiles" --context shop statefulset/db "$T/plan.csv"
out_has ",shop,StatefulSet,db,$curdb,4,4,scaled,"
check "server holds 4" test "$(replicas_of shop statefulsets db)" = 4
plan 9 $NOW
n0=$(log_count 'P[UA][TC]H* /apis/apps/v1/namespaces/default/deployments/web/scale')
t "--dry-run reads but changes nothing" 0 scale --kubeconfig "$T/kc-token" --dry-run deployment/web "$T/plan.csv"
out_has ",default,Deployment,web,7,9,7,dry-run,"
check "only a GET" test "$(log_count 'GET /apis/apps/v1/namespaces/default/deployments/web/scale')" -ge 1
check "no write" test "$(log_count 'P[UA][TC]H* /apis/apps/v1/namespaces/default/deployments/web/scale')" = "$n0"
check "server still 7" test "$(replicas_of default deployments web)" = 7
KUBECONFIG=$T/nope:$T/kc-token; export KUBECONFIG
t "KUBECONFIG list (missing files skipped), -n" 0 scale --max-up-pods 10 -n shop sts/db "$T/plan.csv"
out_has ",shop,StatefulSet,db,4,9,9,scaled,"
unset KUBECONFIG

# managed by someone else
t "refuses a target an HPA manages" 1 scale --kubeconfig "$T/kc-token" -n shop deployment/api "$T/plan.csv"
err_is <<'EOF'
scale: deployments/api in namespace shop is managed by HorizontalPodAutoscaler api-hpa; two autoscalers would fight (remove it, or use --force)
EOF
check "api untouched" test "$(replicas_of shop deployments api)" = 4
t "refuses a target a KEDA ScaledObject manages (default kind)" 1 scale --kubeconfig "$T/kc-token" -n shop deployment/front "$T/plan.csv"
err_has "is managed by ScaledObject front-so"
t "--force overrides" 0 scale --kubeconfig "$T/kc-token" -n shop --force --max-up-pods 10 deployment/api "$T/plan.csv"
out_has ",shop,Deployment,api,4,9,9,scaled,"

# stale input changes nothing, up or down
plan 1 $((NOW - 3600))
t "stale input does not scale down" 0 scale --kubeconfig "$T/kc-token" --max-age 10m deployment/web "$T/plan.csv"
out_has ",default,Deployment,web,7,1,7,held-stale,36"
err_has "scale: input is 36"
err_has "s old (--max-age 600s): not scaling deployments/web from 7 to 1"
check "server still 7" test "$(replicas_of default deployments web)" = 7
plan 8 $((NOW - 3600))
t "stale input does not scale up either" 0 scale --kubeconfig "$T/kc-token" --max-age 10m deployment/web "$T/plan.csv"
out_has ",7,8,7,held-stale,"
err_has "not scaling deployments/web from 7 to 8"
plan 2 $((NOW - 3600))
t "fresh enough under a longer --max-age" 0 scale --kubeconfig "$T/kc-token" --max-age 2h --max-down-pct 100 deployment/web "$T/plan.csv"
out_has ",7,2,2,scaled,"

# conflicts
plan 3 $NOW
knob "conflict?n=1"
t "409 conflict: re-read and retry" 0 scale -v --kubeconfig "$T/kc-token" deployment/web "$T/plan.csv"
out_has ",2,3,3,scaled,"
err_has "scale: conflict; re-reading (1 of 3)"
knob "conflict?n=5"
plan 4 $NOW
t "409 conflict persists: clear message" 1 scale --kubeconfig "$T/kc-token" --conflict-retries 2 deployment/web "$T/plan.csv"
err_is <<'EOF'
scale: PUT deployments/web/scale in namespace default: conflict: the object was changed by someone else (HTTP 409): Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again
EOF
out_is /dev/null
knob "conflict?n=0"
curl -sf --cacert "$K/ca.pem" -X POST "$SRV/_test/set?kind=Deployment&ns=default&name=web&replicas=3" > /dev/null

# errors: 401, 403, 404, 422, 5xx, timeout, TLS
t "401: expired token" 1 scale --kubeconfig "$T/kc-expired" deployment/web "$T/plan.csv"
err_is <<'EOF'
scale: GET deployments/web/scale in namespace default: unauthorized: the credentials were not accepted (token expired or wrong, or client certificate not trusted) (HTTP 401)
EOF
t "401: no credentials at all" 1 scale --kubeconfig "$T/kc-anon" deployment/web "$T/plan.csv"
err_has "(HTTP 401)"
t "403: may read, may not write" 1 scale --kubeconfig "$T/kc-viewer" deployment/web "$T/plan.csv"
err_is <<'EOF'
scale: PUT deployments/web/scale in namespace default: forbidden: the account lacks the permission (see deploy/rbac.yaml) (HTTP 403): deployments.apps "web" is forbidden: User "viewer" cannot update resource "deployments/scale" in API group "apps" in the namespace "default"
EOF
t "403: the RBAC of deploy/ suffices (get, update, patch scale; list HPAs, ScaledObjects)" 0 scale --kubeconfig "$T/kc-sa" deployment/web "$T/plan.csv"
out_has ",3,4,4,scaled,"
t "403 on a statefulset the account may not touch" 1 scale --kubeconfig "$T/kc-sa" -n shop sts/db "$T/plan.csv"
err_has 'User "sa" cannot get resource "statefulsets/scale"'
t "404: no such deployment" 1 scale --kubeconfig "$T/kc-token" deployment/nope "$T/plan.csv"
err_is <<'EOF'
scale: GET deployments/nope/scale in namespace default: not found (HTTP 404): deployments.apps "nope" not found
EOF
t "404: wrong namespace" 1 scale --kubeconfig "$T/kc-token" -n shop deployment/web "$T/plan.csv"
err_has 'not found (HTTP 404): deployments.apps "web" not found'
plan 6 $NOW
knob "fail?code=422&verb=PUT"
t "422: rejected (admission)" 1 scale --kubeconfig "$T/kc-token" deployment/web "$T/plan.csv"
err_is <<'EOF'
scale: PUT deployments/web/scale in namespace default: rejected as invalid (HTTP 422): admission webhook "policy.example.com" denied the request: replicas above the quota
EOF
knob "fail?code=503&n=2"
t "503 twice, then success (retries with backoff)" 0 scale -v --retry-wait 0.05 --kubeconfig "$T/kc-token" deployment/web "$T/plan.csv"
out_has ",4,6,6,scaled,"
err_has "scale: attempt 1 failed (HTTP 503); retrying in 0.05s"
err_has "scale: attempt 2 failed (HTTP 503); retrying in 0.1s"
knob "fail?code=500&n=3"
t "500 beyond the retries" 1 scale --retries 2 --retry-wait 0.01 --kubeconfig "$T/kc-token" deployment/web "$T/plan.csv"
err_has "server error (HTTP 500): Internal error occurred: etcdserver: request timed out"
TO=2; [ -n "${SP_VALGRIND:-}" ] && TO=5
knob "slow?seconds=$((2 * TO))&n=1"
t "slow server: timeout" 1 scale --timeout 0.5 --retries 0 --kubeconfig "$T/kc-token" deployment/web "$T/plan.csv"
err_has "scale: GET $SRV/apis/apps/v1/namespaces/default/deployments/web/scale: "
check "says it timed out" grep -qiE 'timed out|timeout' "$T/err"
knob "slow?seconds=$((2 * TO))&n=1"
t "slow once, then a retry in time" 0 scale --timeout $TO --retries 1 --retry-wait 0.01 --kubeconfig "$T/kc-token" deployment/web "$T/plan.csv"
out_has ",6,6,6,unchanged,"
t "wrong CA" 1 scale --kubeconfig "$T/kc-wrongca" deployment/web "$T/plan.csv"
err_has "SSL certificate problem"
t "client certificate from another CA" 1 scale --kubeconfig "$T/kc-rogue" deployment/web "$T/plan.csv"
err_has "scale: GET $SRV/apis/apps/v1/namespaces/default/deployments/web/scale: "
n0=$(log_count 'GET /apis/apps/v1/namespaces/default/deployments/web/scale ci')
t "exec plugin: token" 0 scale --kubeconfig "$T/kc-exec" deployment/web "$T/plan.csv"
out_has ",default,Deployment,web,"
check "as user ci" test "$(log_count 'GET /apis/apps/v1/namespaces/default/deployments/web/scale ci')" = $((n0 + 1))
n0=$(log_count 'GET /apis/apps/v1/namespaces/default/deployments/web/scale admin')
t "exec plugin: client certificate, v1beta1" 0 scale --kubeconfig "$T/kc-exec-cert" deployment/web "$T/plan.csv"
check "as user admin" test "$(log_count 'GET /apis/apps/v1/namespaces/default/deployments/web/scale admin')" = $((n0 + 1))
t "exec plugin fails: its stderr, then ours" 1 scale --kubeconfig "$T/kc-exec-fail" deployment/web "$T/plan.csv"
err_is <<'EOF'
kplug: not logged in (run kplug login)
scale: user 'u': exec plugin './kplug.sh' exited with status 1
EOF
stop kubeapi
t "server down" 1 scale --retries 1 --retry-wait 0.01 --kubeconfig "$T/kc-token" deployment/web "$T/plan.csv"
err_has "Couldn't connect to server (after 2 attempts)"
start_bg kubeapi $PY "$TOP/tests/kubeapi/kubeapi.py" --port $PORT --cert "$K/server.pem" \
	--key "$K/server.key" --client-ca "$K/ca.pem" --users "$T/users" --objects "$T/objects"
CURL_OPTS="--cacert $K/ca.pem" wait_url "$SRV/readyz" 30

# in-cluster: service account files + KUBERNETES_SERVICE_HOST/PORT, no kubeconfig
mkdir -p "$T/sa" "$T/home"
cp "$K/ca.pem" "$T/sa/ca.crt"
echo tok-sa-SECRET > "$T/sa/token"
printf 'default' > "$T/sa/namespace"
plan 5 $NOW
t "in-cluster service account (automatic)" 0 env HOME="$T/home" KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=$PORT \
	scale --service-account-dir "$T/sa" deployment/web "$T/plan.csv"
out_has ",default,Deployment,web,2,5,5,scaled,"
check "as the service account" test "$(log_count 'PUT /apis/apps/v1/namespaces/default/deployments/web/scale sa')" = 1
t "--in-cluster outside a cluster" 2 env -u KUBERNETES_SERVICE_HOST scale --in-cluster deployment/web "$T/plan.csv"
err_has "not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set"
t "no credentials anywhere" 1 env -u KUBECONFIG -u KUBERNETES_SERVICE_HOST HOME="$T/home" scale deployment/web "$T/plan.csv"
err_has "no kubeconfig"

# secrets never appear in any output, -v included
for f in kc-token kc-tokfile kc-cert kc-expired kc-viewer; do
	scale -v --dry-run --kubeconfig "$T/$f" deployment/web "$T/plan.csv" > "$T/s.out" 2> "$T/s.err"
	scale -v --kubeconfig "$T/$f" deployment/nope "$T/plan.csv" >> "$T/s.out" 2>> "$T/s.err"
	check "no secret in output ($f)" sh -c "! grep -F -e SECRET -e PRIVATE -e '$(sed -n 2p "$K/admin.key" | cut -c1-30)' '$T/s.out' '$T/s.err'"
done

# ---- 3. safe to leave unattended: limits, state, hostile answers -------
knob "set?kind=Deployment&ns=default&name=web&replicas=4"
plan 2 $NOW
t "first run with --state: no scale-down before a window of history" 0 scale --kubeconfig "$T/kc-token" --state "$T/web.state" deployment/web "$T/plan.csv"
out_has ",default,Deployment,web,4,2,4,unchanged,"
out_has ",stabilised"
err_has "scale: $T/web.state: no state yet: no scale-down before 300s of recommendations"
check "state written, versioned" grep -q "^scalepipe-model scale-state 1" "$T/web.state"
t "second run: still held by the window" 0 scale --kubeconfig "$T/kc-token" --state "$T/web.state" deployment/web "$T/plan.csv"
out_has ",4,2,4,unchanged,"
out_has ",stabilised"
err_empty
t "no window: at most 25 % fewer per run, 4 -> 3, never 4 -> 2 at once" 0 scale --kubeconfig "$T/kc-token" --state "$T/web.state" --down-stabilisation 0 deployment/web "$T/plan.csv"
out_has ",4,2,3,scaled,"
out_has ",max-down"
check "server holds 3" test "$(replicas_of default deployments web)" = 3
printf 'garbage\n' > "$T/web.state"
t "corrupt state: a warning, no scale-down" 0 scale --kubeconfig "$T/kc-token" --state "$T/web.state" deployment/web "$T/plan.csv"
out_has ",3,2,3,unchanged,"
err_has "starting over: no scale-down before 300s of recommendations"
printf 'timestamp,load,replicas\n%s,,6\n' "$NOW" > "$T/noload.csv"
t "no observed load at all: nothing changes" 0 scale --kubeconfig "$T/kc-token" deployment/web "$T/noload.csv"
out_has ",3,6,3,held-stale,"
err_has "input has no observed load: not scaling deployments/web from 3 to 6"
for j in 10.0 %2210%22 absent null; do
	knob "bogus?replicas=$j"
	t "spec.replicas $j in the answer is an error" 1 scale --kubeconfig "$T/kc-token" deployment/web "$T/plan.csv"
	err_has "answer's spec.replicas is not a non-negative integer"
done
check "server still 3" test "$(replicas_of default deployments web)" = 3
plan 5 $NOW
knob "drop?verb=PUT"
t "PUT applied, its answer lost: a re-read reports it" 0 scale --retries 0 --kubeconfig "$T/kc-token" deployment/web "$T/plan.csv"
out_has ",3,5,5,scaled,"
err_has "scale: the answer to the write was lost; a re-read found deployments/web at 5 replicas (applied)"
plan 6 $NOW
knob "drop?verb=PUT"
t "answer lost, the retried PUT conflicts: still reported as scaled" 0 scale --retry-wait 0.01 --kubeconfig "$T/kc-token" deployment/web "$T/plan.csv"
out_has ",5,6,6,scaled,"
err_has "the answer to the write was lost"
plan 7 $NOW
knob "fail?code=403&verb=PUT&echo=1"
t "a server echoing the Authorization header: redacted" 1 scale --kubeconfig "$T/kc-token" deployment/web "$T/plan.csv"
err_has "request headers: Authorization: [redacted]"
check "the token is not printed" sh -c "! grep -q SECRET '$T/err'"

# ---- 4. the kill switch needs "get" on the object itself ---------------
knob "set?kind=Deployment&ns=default&name=web&replicas=4"
plan 5 $NOW
t "no get on the Deployment: the kill switch cannot be read, nothing changes" 1 scale --kubeconfig "$T/kc-noget" deployment/web "$T/plan.csv"
err_is <<'EOF'
scale: GET deployments/web in namespace default (for the scalepipe.io/paused annotation): forbidden: the account lacks the permission (see deploy/rbac.yaml) (HTTP 403): deployments.apps "web" is forbidden: User "noget" cannot get resource "deployments" in API group "apps" in the namespace "default"
EOF
check "server still 4" test "$(replicas_of default deployments web)" = 4
t "unchanged needs no read of the object" 0 scale --kubeconfig "$T/kc-noget" --max-up-pods 0 --max-up-pct 0 deployment/web "$T/plan.csv"
out_has ",4,5,4,unchanged,"

# ---- 5. scale --by: a fleet, one target per key, failures isolated ------
# (scalepipe(7) "Many workloads", scale(1) --by): the good key is scaled;
# an HPA-managed target, a missing target, a key with a bad newest row and
# a key without the name label fail and hold; stale data holds; exit 1
knob "set?kind=Deployment&ns=default&name=web&replicas=4"
knob "set?kind=Deployment&ns=shop&name=worker&replicas=1"
knob "set?kind=StatefulSet&ns=shop&name=db&replicas=3"
OLD=$((NOW - 7200))
cat > "$T/fleet.csv" <<EOF
timestamp,series,load,replicas
$((NOW - 60)),"namespace=shop,deployment=worker",10,1
$((NOW - 60)),"namespace=shop,deployment=api",10,4
$((OLD - 60)),"namespace=default,deployment=web",10,4
$OLD,"namespace=default,deployment=web",10,1
$((NOW - 60)),"namespace=shop,deployment=gone",10,2
$((NOW - 60)),"namespace=shop,deployment=bad",10,2
$NOW,"namespace=shop,deployment=worker",12,3
$NOW,"namespace=shop,deployment=api",12,6
$NOW,"namespace=shop,deployment=gone",12,3
$NOW,"namespace=shop,deployment=bad",12,2.5
$NOW,"namespace=shop,name=x",1,1
EOF
t "--by: one key scaled, the others held and reported, exit 1" 1 scale --kubeconfig "$T/kc-token" --by series "$T/fleet.csv"
out_has "timestamp,series,namespace,kind,name,current,desired,replicas,action,input_age,limit,error"
out_has ",\"namespace=shop,deployment=worker\",shop,Deployment,worker,1,3,3,scaled,"
out_has ",\"namespace=shop,deployment=api\",shop,Deployment,api,,6,,failed,"
out_has "managed by HorizontalPodAutoscaler api-hpa"
out_has ",\"namespace=default,deployment=web\",default,Deployment,web,4,1,4,held-stale,"
out_has ",\"namespace=shop,deployment=gone\",shop,Deployment,gone,,3,,failed,"
out_has ",\"namespace=shop,deployment=bad\",shop,Deployment,bad,,,,failed,,,\"$T/fleet.csv: row 10, column replicas: replicas must be a whole number from 0 to 1000000: 2.5\""
out_has ",\"namespace=shop,name=x\",,,,,,,failed,,,no label 'deployment' in the key"
check "--by: six rows" test "$(wc -l < "$T/out")" = 7
check "--by: worker scaled to 3" test "$(replicas_of shop deployments worker)" = 3
check "--by: web not scaled down on stale data" test "$(replicas_of default deployments web)" = 4
err_has "scale: key 'namespace=shop,deployment=gone': GET deployments/gone/scale in namespace shop: "
err_has "scale: key 'namespace=default,deployment=web': input is "
err_has "scale: 4 of 6 keys failed (held); the others were applied"
# plain keys name the object, -n the namespace, --kind the kind; exit 0
printf 'timestamp,series,load,replicas\n%s,db,1,4\n' "$NOW" > "$T/fleet2.csv"
t "--by --kind statefulset -n shop --dry-run: plain keys are names" 0 scale --kubeconfig "$T/kc-token" -n shop \
	--by series --kind statefulset --dry-run "$T/fleet2.csv"
out_has ",db,shop,StatefulSet,db,3,4,"
check "--dry-run: db still 3" test "$(replicas_of shop statefulsets db)" = 3
# --state DIR: a history per target, DIR/NS_KIND_NAME
mkdir "$T/fleetstate"
printf 'timestamp,series,load,replicas\n%s,"namespace=shop,deployment=worker",1,2\n' "$NOW" > "$T/fleet3.csv"
t "--by --state DIR: no history yet, no scale-down" 0 scale --kubeconfig "$T/kc-token" --by series \
	--state "$T/fleetstate" "$T/fleet3.csv"
err_has "$T/fleetstate/shop_Deployment_worker: no state yet"
check "--state DIR: the target's file" test -s "$T/fleetstate/shop_Deployment_worker"
check "worker kept at 3" test "$(replicas_of shop deployments worker)" = 3
# the histories are synced once and put in place at the end of the run;
# a second key with the same target reads the first one's, as before
nrec() { awk '$1 == "n" { print $2 }' "$T/fleetstate/shop_Deployment_worker"; }
n0=$(nrec)
printf 'timestamp,series,load,replicas\n%s,"namespace=shop,deployment=worker",1,2\n%s,"namespace=shop,deployment=worker,pod=a",1,2\n' \
	"$NOW" "$NOW" > "$T/fleet-dup.csv"
t "--by --state DIR: two keys, one target" 0 scale --kubeconfig "$T/kc-token" --by series \
	--state "$T/fleetstate" "$T/fleet-dup.csv"
check "both recommendations in the target's history" test "$(nrec)" = "$((n0 + 2))"
check "no temporary file left in DIR" test -z "$(ls -a "$T/fleetstate" | grep '\.tmp\.')"
t "--by with a target: usage" 2 scale --by series deployment/web "$T/fleet3.csv"
err_has "scale: unexpected argument"

# ---- 6. deploy/fleet/ against the server with the real kubectl ----------
if command -v "$KUBECTL" > /dev/null 2>&1 && [ -d "$TOP/deploy/fleet" ]; then
	kctl() { "$KUBECTL" --kubeconfig "$@"; }
	t "kubectl create --dry-run=server deploy/fleet/" 0 kctl "$T/kc-token" create --dry-run=server --validate=false \
		-f "$TOP/deploy/fleet/"
	err_empty
	sort "$T/out" > "$T/applied"
	cat > "$T/applied.want" <<'EOF'
clusterrole.rbac.authorization.k8s.io/scalepipe-fleet created (server dry run)
clusterrolebinding.rbac.authorization.k8s.io/scalepipe-fleet created (server dry run)
configmap/scalepipe-fleet created (server dry run)
cronjob.batch/scalepipe-fleet created (server dry run)
persistentvolumeclaim/scalepipe-fleet-state created (server dry run)
serviceaccount/scalepipe-fleet created (server dry run)
EOF
	check "the fleet: 6 objects (dry run)" cmp "$T/applied.want" "$T/applied"
	sed '/completions: 4/d' "$TOP/deploy/fleet/cronjob.yaml" > "$T/bad-fleet.yaml"
	t "an Indexed Job without completions is rejected (422)" 1 kctl "$T/kc-token" create --dry-run=server \
		--validate=false -f "$T/bad-fleet.yaml"
	err_has "spec.jobTemplate.spec.completions: Required value: when completion mode is Indexed"
	# the ClusterRole: exactly the scale subresource, get and list on the
	# objects (scale --by reads the kill switch from lists), list on HPAs
	# and ScaledObjects
	check "the ClusterRole's rules" test "$(sed -n '/^kind: ClusterRole$/,/^---/p' "$TOP/deploy/fleet/rbac.yaml" | grep -E '^- apiGroups|^  (resources|verbs)' | tr -d ' ')" = '-apiGroups:["apps"]
resources:["deployments/scale","statefulsets/scale"]
verbs:["get","update","patch"]
-apiGroups:["apps"]
resources:["deployments","statefulsets"]
verbs:["get","list"]
-apiGroups:["autoscaling"]
resources:["horizontalpodautoscalers"]
verbs:["list"]
-apiGroups:["keda.sh"]
resources:["scaledobjects"]
verbs:["list"]'
fi
# ---- 7. scale --by: one connection and one manager list per namespace ---
# 4 keys in 2 namespaces: HPAs and ScaledObjects are listed once per
# namespace (not per key), all requests go over one connection, and the
# targets managed by an HPA or a ScaledObject are still refused
conns() { curl -sf --cacert "$K/ca.pem" "$SRV/_test/connections"; }
cat > "$T/fleet4.csv" <<EOF
timestamp,series,load,replicas
$NOW,"namespace=shop,deployment=worker",1,5
$NOW,"namespace=shop,deployment=front",1,5
$NOW,"namespace=default,deployment=web",1,6
$NOW,"namespace=shop,deployment=api",1,5
EOF
H0=$(log_count 'GET /apis/autoscaling/v2/namespaces/.*/horizontalpodautoscalers')
S0=$(log_count 'GET /apis/keda.sh/v1alpha1/namespaces/.*/scaledobjects')
R0=$(log_count 'GET /apis/apps/v1/namespaces/[a-z]*/deployments/[a-z]*/scale')
C0=$(conns)
t "--by: 4 keys in 2 namespaces, managed targets refused" 1 scale -v --dry-run --kubeconfig "$T/kc-token" \
	--by series "$T/fleet4.csv"
C1=$(conns)
out_has ",\"namespace=shop,deployment=worker\",shop,Deployment,worker,3,5,3,dry-run,"
out_has ",\"namespace=default,deployment=web\",default,Deployment,web,4,6,4,dry-run,"
out_has ",\"namespace=shop,deployment=front\",shop,Deployment,front,,5,,failed,"
out_has "\"deployments/front in namespace shop is managed by ScaledObject front-so; two autoscalers would fight (remove it, or use --force)\""
out_has ",\"namespace=shop,deployment=api\",shop,Deployment,api,,5,,failed,"
out_has "\"deployments/api in namespace shop is managed by HorizontalPodAutoscaler api-hpa; two autoscalers would fight (remove it, or use --force)\""
check "--by: HPAs listed once per namespace" test $(($(log_count 'GET /apis/autoscaling/v2/namespaces/.*/horizontalpodautoscalers') - H0)) = 2
check "--by: ScaledObjects listed once per namespace" test $(($(log_count 'GET /apis/keda.sh/v1alpha1/namespaces/.*/scaledobjects') - S0)) = 2
check "--by: one connection for the run" test $((C1 - C0 - 1)) = 1
# a dry run reads the counts from the lists of Deployments (one per
# namespace, the kill switch's too), not the scale of each target
check "--by --dry-run: no GET of a scale" test $(($(log_count 'GET /apis/apps/v1/namespaces/[a-z]*/deployments/[a-z]*/scale') - R0)) = 0
err_has "scale: 6 requests over 1 connections; 4 manager lists, 2 workload lists"
# the kill switch from one list of Deployments per namespace: no GET of a
# Deployment per key; a paused Deployment among them is still paused
cat > "$T/fleet5.csv" <<EOF
timestamp,series,load,replicas
$NOW,"namespace=shop,deployment=worker",1,5
$NOW,"namespace=shop,deployment=held",1,5
$NOW,"namespace=default,deployment=web",1,6
$NOW,"namespace=shop,deployment=front",1,5
EOF
L0=$(log_count 'GET /apis/apps/v1/namespaces/[a-z]*/deployments ')
G0=$(log_count 'GET /apis/apps/v1/namespaces/[a-z]*/deployments/[a-z]* ')
R1=$(log_count 'GET /apis/apps/v1/namespaces/[a-z]*/deployments/[a-z]*/scale')
t "--by: the kill switch from lists" 0 scale -v --force --kubeconfig "$T/kc-token" --by series "$T/fleet5.csv"
check "--by, not a dry run: each target's scale read (GET)" test $(($(log_count 'GET /apis/apps/v1/namespaces/[a-z]*/deployments/[a-z]*/scale') - R1)) = 4
out_has ",\"namespace=shop,deployment=worker\",shop,Deployment,worker,3,5,5,scaled,"
out_has ",\"namespace=shop,deployment=held\",shop,Deployment,held,2,5,2,paused,"
out_has ",\"namespace=default,deployment=web\",default,Deployment,web,4,6,6,scaled,"
err_has "scale: key 'namespace=shop,deployment=held': deployments/held carries scalepipe.io/paused: true: not scaling it from 2 to 5"
check "--by: one Deployment list per namespace" test $(($(log_count 'GET /apis/apps/v1/namespaces/[a-z]*/deployments ') - L0)) = 2
check "--by: no GET of a Deployment" test $(($(log_count 'GET /apis/apps/v1/namespaces/[a-z]*/deployments/[a-z]* ') - G0)) = 0
check "--by: held still 2" test "$(replicas_of shop deployments held)" = 2
err_has "manager lists, 2 workload lists"
# without "list" on Deployments: the keys that would change fail and hold
t "--by: no list on Deployments, the keys fail" 1 scale --kubeconfig "$T/kc-noget" --force --by series "$T/fleet5.csv"
err_has "scale: key 'namespace=shop,deployment=held': listing deployments in namespace shop (for the scalepipe.io/paused annotation): forbidden: the account lacks the permission (see deploy/rbac.yaml) (HTTP 403): "
check "--by: no list, held still 2" test "$(replicas_of shop deployments held)" = 2
# and a dry run cannot read the counts
t "--by --dry-run: no list on Deployments, no count read" 1 scale --kubeconfig "$T/kc-noget" --force --dry-run --by series "$T/fleet5.csv"
err_has "scale: key 'namespace=default,deployment=web': listing deployments in namespace default (for the replicas): forbidden: the account lacks the permission (see deploy/rbac.yaml) (HTTP 403): "
err_has "scale: 4 of 4 keys failed (held); the others were applied"
# --by --state DIR --forget: the file of a target without a decision for
# longer is removed (the newest file in DIR is the reference); other files
# are left alone
{ echo "scalepipe-model scale-state 1"; echo "target shop/Deployment/gone"; echo "n 1"
  echo "t $((NOW - 90000))"; echo "replicas 2"; echo "end"; } > "$T/fleetstate/shop_Deployment_gone"
cp "$T/fleetstate/shop_Deployment_gone" "$T/fleetstate/shop_Deployment_misnamed"
echo notes > "$T/fleetstate/notes.txt"
t "--by --state DIR --forget 1d: the silent target's file removed" 0 scale --kubeconfig "$T/kc-token" --by series \
	--state "$T/fleetstate" --forget 1d "$T/fleet3.csv"
err_has "scale: warning: target 'shop/Deployment/gone': no row for 1d: forgotten ($T/fleetstate/shop_Deployment_gone removed)"
check "--forget: gone removed, worker kept" test ! -e "$T/fleetstate/shop_Deployment_gone" -a -s "$T/fleetstate/shop_Deployment_worker"
check "--forget: files not of their name's target left alone" test -s "$T/fleetstate/shop_Deployment_misnamed" -a \
	-s "$T/fleetstate/notes.txt"
t "--forget without --by" 2 scale --forget 1d deployment/web "$T/fleet3.csv"
err_has "scale: --forget goes with --by and --state DIR"
t "--by --forget without --state" 2 scale --by series --forget 1d "$T/fleet3.csv"
err_has "scale: --forget needs --state DIR"
t "--forget 0" 2 scale --by series --state "$T/fleetstate" --forget 0 "$T/fleet3.csv"
err_has "scale: --forget: not a duration: '0'"
finish
