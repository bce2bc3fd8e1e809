# bench/decisions-rank.awk: the rule that ranks candidate settings of the
# scalepipe policy (bench/decisions-explore.sh, bench/decisions-select.sh;
# bench/decisions.md says why).
#
# Input, one line per candidate, span and trace (and start-up, when the
# caller ranks over several: each pair then counts as a trace):
#   CANDIDATE SPAN CHANGE CHURN
# CHANGE: its violations against the HPA frontier at the same cost, in %;
# CHURN: its replica changes against the HPA's at that cost, in %; "n/a"
# where there is nothing to compare (the trace is then left out).
# Each bar is a line: CHANGE <= -30, CHANGE <= 0, CHURN <= 0.  A trace
# counts 1 for a bar it passes by more than TOL percentage points, 0 for
# one it fails by more, and 1/2 within TOL of the line: a difference that
# small is the knob's own jitter, not a rank.
# Output, one line per candidate, the spans in the order they came:
#   CANDIDATE SPAN B30 NOMORE CHURN MEAN % | SPAN ...
# MEAN is the mean CHANGE.  Rank with sort -k3,3gr -k4,4gr -k5,5gr -k6,6g
# (the first span's counts, then its mean change).
function score(x, line) { return x <= line - tol ? 1 : x <= line + tol ? 0.5 : 0 }
BEGIN { if (tol == "") tol = 2 }
$3 == "n/a" { next }
{
	k = $1 SUBSEP $2
	if (!($1 in seen)) { seen[$1] = 1; names[++nn] = $1 }
	if (!($2 in sp)) { sp[$2] = 1; spans[++ns] = $2 }
	b30[k] += score($3, -30); nm[k] += score($3, 0)
	if ($4 != "n/a") cl[k] += score($4, 0)
	mc[k] += $3; n[k]++
}
END {
	for (i = 1; i <= nn; i++) {
		printf "%-22s", names[i]
		for (j = 1; j <= ns; j++) {
			k = names[i] SUBSEP spans[j]
			printf "%s %s %g %g %g %+.1f %%", (j > 1 ? " |" : ""), spans[j], b30[k], nm[k], cl[k], (n[k] ? mc[k] / n[k] : 0)
		}
		printf "\n"
	}
}
