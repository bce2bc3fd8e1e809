# bench/interp-band.awk: ANALYSIS ONLY, IT READS THE FUTURE.  A forecast
# band (arfit's long rows) whose horizons 1..G are replaced by what a
# linear interpolator makes of the same rows when it also knows the K rows
# after each target (bench/decisions-bound.sh, decisions-explore.sh's band
# kind ipK): an estimate of the best that any forecaster could do, since a
# forecaster knows less.
#
#   awk -v K=8 -v G=4 -v W=500 -v tcut=T [-v maeout=F] -f bench/interp-band.awk LOAD BAND > OUT
#
# LOAD: timestamp,load (one row per step); BAND: origin,timestamp,horizon,
# value,forecast,lower,upper[,...].  For a target row t and a gap g (1..G)
# the interpolation is a least-squares fit of x[t] - x[t-g] on the band's
# own forecast of x[t] at horizon g, x[t-g-j+1] (j = 2..K: the K rows up to
# the forecast's origin) and x[t+j] (j = 1..K: the K rows after the
# target), each minus x[t-g], with a constant, refitted at every t on the
# W targets before t whose inputs do not include x[t] (targets s <= t - K
# - 1).  The rows between the origin and the target are left out, as a
# forecast of horizon g does not know them.
#
# The band's rows of horizon g <= G get that value as forecast, their
# half-widths times the ratio of the interpolation's mean absolute error
# to the band's own on the rows before tcut (at least 0.5 each, as
# decisions-explore.sh's orNN), if that ratio is below 1; else the band's
# rows of horizon g stay (the result is never a worse forecast than the
# band on the training span).  Rows where no fit exists (those before the
# fit has 6K targets, about 7K + G rows after the band's first forecast;
# the last K) stay as they were.
#
# With -v mae=1 it prints instead, per gap g, "g n band interp": the rows
# from tcut (the test span) where both exist, and the mean absolute errors
# of the band's forecast and of the interpolation there ("-" for both when
# n is 0); then the same over the rows before tcut, "train" first.  With
# -v maeout=FILE it writes those lines to FILE and the band as above.
BEGIN { FS = OFS = ","; if (!K) K = 8; if (!G) G = 4; if (!W) W = 500 }
FNR == NR { if (FNR > 1) { ts[++n] = $1; x[n] = $2; row[$1] = n } next }
FNR == 1 { hdr = $0; next }
{ line[++nl] = $0; if ($3 <= G && ($2 in row)) bf[$3, row[$2]] = $5 }
END {
	for (g = 1; g <= G; g++) interp(g)
	for (k in bf) {
		split(k, hk, SUBSEP); h = hk[1]; t = hk[2]
		if (!((h, t) in ip)) continue
		e = bf[k] - x[t]; eb = ip[h, t] - x[t]; s = (ts[t] < tcut) ? "train" : "test"
		be[s, h] += e < 0 ? -e : e; ie[s, h] += eb < 0 ? -eb : eb; ne[s, h]++
	}
	if (mae || maeout != "") {
		out = mae ? "/dev/stdout" : maeout
		for (h = 1; h <= G; h++) printf "%d %s\n", h, mline("test", h) > out
		for (h = 1; h <= G; h++) printf "train %d %s\n", h, mline("train", h) > out
		if (mae) exit
		close(out)
	}
	for (h = 1; h <= G; h++) r[h] = be["train", h] > 0 ? ie["train", h] / be["train", h] : 1
	print hdr
	for (i = 1; i <= nl; i++) {
		$0 = line[i]
		if ($3 <= G && r[$3] < 1 && ($2 in row) && (($3, row[$2]) in ip)) {
			h = $3; fv = ip[h, row[$2]]; hl = ($5 - $6) * r[h]; hu = ($7 - $5) * r[h]
			if (hl < 0.5) hl = 0.5; if (hu < 0.5) hu = 0.5
			$5 = sprintf("%.10g", fv); $6 = sprintf("%.10g", fv - hl); $7 = sprintf("%.10g", fv + hu)
		}
		print
	}
}
function mline(s, h) {   # "n band interp" of span s, horizon h
	if (!ne[s, h]) return "0 - -"
	return sprintf("%d %.3f %.3f", ne[s, h], be[s, h] / ne[s, h], ie[s, h] / ne[s, h])
}
function feats(t, g,   j, o, m) {   # the inputs of target t into f[1..m] (0: it has none)
	if (!((g, t) in bf)) return 0
	o = x[t - g]; m = 0; f[++m] = 1; f[++m] = bf[g, t] - o
	for (j = 2; j <= K; j++) f[++m] = x[t - g - j + 1] - o
	for (j = 1; j <= K; j++) f[++m] = x[t + j] - o
	return m
}
function acc(t, g, sg,   i, j, m, y) {   # add (sg 1) or remove (sg -1) target t's row of the normal equations
	if (!(m = feats(t, g))) return 0
	y = x[t] - x[t - g]
	for (i = 1; i <= m; i++) { B[i] += sg * f[i] * y; for (j = i; j <= m; j++) A[i, j] += sg * f[i] * f[j] }
	return m
}
function interp(g,   t, s0, m, i, j, c, p, q, r2, tmp, y, lo, ns) {
	split("", A); split("", B); ns = 0
	lo = g + K   # the first target with all its inputs (x[t - g - K + 1] is row 1)
	for (t = lo + K + 1; t + K <= n; t++) {
		s0 = t - K - 1   # the newest target whose inputs leave x[t] out joins the fit
		if (s0 >= lo && acc(s0, g, 1)) ns++
		if (s0 - W >= lo && acc(s0 - W, g, -1)) ns--
		if (ns < 3 * (2 * K) || !(m = feats(t, g))) continue
		for (i = 1; i <= m; i++) { for (j = i; j <= m; j++) M[i, j] = M[j, i] = A[i, j]; M[i, i] += 1e-6 * (A[i, i] + 1); v[i] = B[i] }
		for (c = 1; c <= m; c++) {   # Gaussian elimination, partial pivoting
			p = c
			for (r2 = c + 1; r2 <= m; r2++) if ((M[r2, c] < 0 ? -M[r2, c] : M[r2, c]) > (M[p, c] < 0 ? -M[p, c] : M[p, c])) p = r2
			if (p != c) { for (j = c; j <= m; j++) { tmp = M[c, j]; M[c, j] = M[p, j]; M[p, j] = tmp } tmp = v[c]; v[c] = v[p]; v[p] = tmp }
			for (r2 = c + 1; r2 <= m; r2++) { q = M[r2, c] / M[c, c]; if (q == 0) continue; for (j = c; j <= m; j++) M[r2, j] -= q * M[c, j]; v[r2] -= q * v[c] }
		}
		for (i = m; i >= 1; i--) { y = v[i]; for (j = i + 1; j <= m; j++) y -= M[i, j] * wt[j]; wt[i] = y / M[i, i] }
		y = 0   # f[]: target t's inputs, from the test above
		for (i = 1; i <= m; i++) y += wt[i] * f[i]
		ip[g, t] = y + x[t - g]
	}
}
