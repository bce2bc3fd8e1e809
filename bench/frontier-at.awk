# bench/frontier-at.awk: a policy's frontier at a cost, interpolated.
#   awk -v c=COST -f bench/frontier-at.awk POINTS
# POINTS: "knob cost violations churn" lines, sorted by cost (ascending).
# The frontier: the points whose violations are below every cheaper
# point's; at cost c, its violations and churn interpolated linearly
# between the two frontier points around c ("%.2f %.0f"), or "n/a n/a"
# when c is outside the frontier's costs.  (decisions-explore.sh,
# tick-replay.sh: the HPA over its targets.)
{ cc[NR] = $2; v[NR] = $3; ch[NR] = $4 }
END {
	n = 0; best = -1
	for (i = 1; i <= NR; i++)
		if (best < 0 || v[i] < best) { best = v[i]; n++; fc[n] = cc[i]; fv[n] = v[i]; fch[n] = ch[i] }
	for (i = 1; i < n; i++)
		if (c >= fc[i] && c <= fc[i + 1]) {
			f = (c - fc[i]) / (fc[i + 1] - fc[i])
			printf "%.2f %.0f\n", fv[i] + f * (fv[i + 1] - fv[i]), fch[i] + f * (fch[i + 1] - fch[i])
			exit
		}
	print "n/a n/a"
}
