# lstm-replay.sh: deploy/lstm's forecaster replayed causally over a load
# history, as a band for burstdetect, and the seasonal band with its period
# found from the data.  Sourced (POSIX sh) by scalepipe-frontier
# (--forecaster lstm, seasonal) and bench/decisions-explore.sh (lstmd,
# lstmw, seas); installed next to plot-frontier.gp.
#
#   lstm_replay LOAD BAND FROM EVERY MODE DIR ARGS... > OUT
#
# LOAD: the load CSV (timestamp,load), BAND: arfit --rolling --horizon 24
# on it, the band the tick uses until a model exists.  The first model is
# trained (lstmtrain --horizon 24 ARGS) on the rows before row FROM (0 the
# first), then a new one every EVERY rows on the rows so far:
#   warm     as deploy/lstm runs it: lstmtrain --init MODEL --epochs 10
#            (warm-started from the last model), forecast --adapt 0.1
#   scratch  a model from scratch every time (ARGS), forecast without --adapt
# Each model's forecasts (forecast --long --horizon 24) stand for the
# origins from its training's row up to the next one's; BAND's rows for
# the origins before FROM.  Causal: no origin's forecast reads a model
# trained on rows after it.  DIR holds the model files.  Prints the band
# on stdout; returns 1 with "$prog: STAGE failed (row R)" on stderr ($prog
# the caller's name, else lstm_replay).
lstm_replay() {
	_lr_load=$1 _lr_band=$2 _lr_r=$3 _lr_every=$4 _lr_mode=$5 _lr_dir=$6
	shift 6
	_lr_n=$(($(wc -l < "$_lr_load") - 1))
	[ "$_lr_every" -gt 0 ] || _lr_every=1
	_lr_adapt=; [ "$_lr_mode" != warm ] || _lr_adapt="--adapt 0.1"
	rm -f "$_lr_dir/lstm.model"
	{ head -n 1 "$_lr_band"; _lr_keep 0 "$(_lr_at "$_lr_r")" < "$_lr_band"; } || return 1
	while [ "$_lr_r" -lt "$_lr_n" ]; do
		if [ "$_lr_mode" = warm ] && [ -s "$_lr_dir/lstm.model" ]; then
			head -n "$((_lr_r + 1))" "$_lr_load" |
				lstmtrain -q -o "$_lr_dir/lstm.model.new" --init "$_lr_dir/lstm.model" --epochs 10 ||
				{ echo "${prog:-lstm_replay}: lstmtrain --init failed (row $_lr_r)" >&2; return 1; }
			mv "$_lr_dir/lstm.model.new" "$_lr_dir/lstm.model"
		else
			head -n "$((_lr_r + 1))" "$_lr_load" | lstmtrain -q -o "$_lr_dir/lstm.model" --horizon 24 "$@" ||
				{ echo "${prog:-lstm_replay}: lstmtrain failed (row $_lr_r)" >&2; return 1; }
		fi
		# shellcheck disable=SC2086
		forecast -m "$_lr_dir/lstm.model" --long --horizon 24 $_lr_adapt < "$_lr_load" > "$_lr_dir/lstm.fc" ||
			{ echo "${prog:-lstm_replay}: forecast failed (row $_lr_r)" >&2; return 1; }
		_lr_keep "$(_lr_at "$_lr_r")" "$(_lr_at $((_lr_r + _lr_every)))" < "$_lr_dir/lstm.fc"
		_lr_r=$((_lr_r + _lr_every))
	done
	rm -f "$_lr_dir/lstm.fc"
}
# the timestamp of row R of the load (0 the first), "inf" past the end
_lr_at() { awk -F, -v r="$1" 'NR == r + 2 { print $1; f = 1 } END { if (!f) print "inf" }' "$_lr_load"; }
# the band rows of the origins in [A, B) (B "inf": no end)
_lr_keep() { awk -F, -v a="$1" -v b="$2" 'NR > 1 && $1 + 0 >= a + 0 && (b == "inf" || $1 + 0 < b + 0)'; }

# season_band LOAD ARFIT... > OUT: arfit --rolling -H 24 --level 0.98
# --season auto ARFIT... on LOAD: the period found on the rows of its first
# --season-after (7d unless ARFIT... says otherwise; up to a day of lags, a
# third of the rows at most) and used from the first row after them; the
# rows before are arfit's without a season (scalepipe-tick SEASON=true).
# Prints the period on stderr as "period P" (0: none, or none yet).
season_band() {
	_sb_load=$1
	shift
	arfit --rolling -H 24 --level 0.98 --season auto -v "$@" < "$_sb_load" 2> "$_sb_load.season" ||
		{ cat "$_sb_load.season" >&2; rm -f "$_sb_load.season"; return 1; }
	awk '/season auto: period / { p = $5 } END { print "period", p + 0 }' "$_sb_load.season" >&2
	rm -f "$_sb_load.season"
}
