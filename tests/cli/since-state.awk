# tests/cli/since-state.awk: what promfetch --since-state STATE returns,
# for stand-ins of promfetch (tests/cli/fleettick.sh, bench/fleet-replay.sh)
# over a keyed CSV (timestamp,series,...): the header, then the rows after
# the window state's newest point, and every row of a key the state lacks
# (every row when there is no readable state).
#   awk -F, -v st=STATE [-v now=T] [-v h=SECONDS] -f since-state.awk FILE
# now: the rows up to T only (FILE in time order); h: a key the state
# lacks, its rows after now - h only (its HISTORY).
BEGIN {
	newest = "none"
	if ((getline l < st) > 0 && l == "scalepipe-state window 1")
		while ((getline l < st) > 0) {
			split(l, a, " ")
			if (a[1] == "key") warm[a[2]] = 1
			if (a[1] == "last" && a[2] != "-inf" && (newest == "none" || a[2] + 0 > newest)) newest = a[2] + 0
		}
}
NR == 1 { print; next }
now != "" && $1 + 0 > now + 0 { exit }
newest == "none" || !($2 in warm) { if (h == "" || $1 + 0 > now - h) print; next }
$1 + 0 > newest
