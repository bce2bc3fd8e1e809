#!/bin/sh
# The campaign's table (Markdown) from build/fuzz/campaign*.tsv (written by
# tests/fuzz/run.sh): per target the passes, wall and CPU seconds and
# executions summed over passes, libFuzzer's cov and ft at the end of the
# last pass, the corpus size, and the artifacts kept.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cat "$top"/build/fuzz/campaign*.tsv | awk -F '\t' '
$1 == "target" || NF < 11 { next }
{
	t = $1
	if (!(t in passes)) order[n++] = t
	passes[t]++; wall[t] += $3; cpu[t] += ($4 == "?" ? 0 : $4); ex[t] += $5
	cov[t] = $6; ft[t] = $7; corp[t] = $8; cr[t] = $9; to[t] = $10; oom[t] = $11
}
END {
	print "| target | passes | wall s | CPU s | executions | cov | ft | corpus | crashes | timeouts | OOMs |"
	print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for (i = 0; i < n; i++) {
		t = order[i]
		printf "| fuzz_%s | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d |\n", t, passes[t], wall[t], cpu[t], ex[t], cov[t], ft[t], corp[t], cr[t], to[t], oom[t]
		W += wall[t]; C += cpu[t]; E += ex[t]
	}
	printf "| **all** | | %d | %d | %d | | | | | | |\n", W, C, E
}'
