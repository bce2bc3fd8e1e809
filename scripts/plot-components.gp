# The components of a seasonfit model, as Prophet's plot_components draws
# them: the trend (and the holidays) over time, each built-in seasonality
# over one period (daily over the hours of a day, weekly over the days of a
# week from Sunday, yearly over the days of a year), custom ones over time.
#   seasonfit --components -H 96 series.csv > fit.csv
#   gnuplot -e "in='fit.csv'; out='components.png'; ttl='NASA HTTP'" scripts/plot-components.gp
# in:  seasonfit --components output (one-horizon rows): the columns from
#      `trend` on are the components, read by name from the header
# out: the PNG to write
# ttl: the title [the file name]
# Every row gives a point of its component at its phase; a component is a
# function of the time alone, so the points of one phase coincide and
# `smooth unique` draws the curve over the period (with daily rows, the
# weekly one has its 7 points).  Times are UTC.
# Needs gnuplot 5.4 or later and pngcairo.
if (!exists("ttl")) ttl = in
set datafile separator ","
set datafile columnheaders
header = system("head -n 1 '" . in . "' | tr -d '\\r' | tr ',' ' '")
ncol = words(header)
first = 0
do for [i = 1 : ncol] { if (word(header, i) eq "trend" && first == 0) { first = i } }
if (first == 0) { print "plot-components.gp: no trend column in " . in . " (seasonfit --components)"; exit error "no components" }
npanel = ncol - first + 1
set terminal pngcairo size 1000, 260 * npanel + 40 font ",10" noenhanced
set output out
set multiplot layout npanel, 1 title ttl
set grid lc rgb "#dddddd"
set key off
set lmargin 12
set style line 1 lc rgb "#0072b2" lw 1.5
do for [i = first : ncol] {
	name = word(header, i)
	unset xdata; set format x "%g"; set xtics autofreq; set autoscale x
	set ylabel name
	if (name eq "daily") {
		set xrange [0 : 24]; set xtics 3; set xlabel "hour of the day (UTC)"
		plot in using (floor(column("timestamp")) % 86400 / 3600.):(column(name)) smooth unique ls 1
	} else { if (name eq "weekly") {
		set xrange [0 : 7]
		set xtics ("Sun" 0, "Mon" 1, "Tue" 2, "Wed" 3, "Thu" 4, "Fri" 5, "Sat" 6, "" 7)
		set xlabel "day of the week (UTC)"
		# 1970-01-01 was a Thursday (4)
		plot in using ((floor(column("timestamp")) % 604800 / 86400. + 4) - 7 * floor((floor(column("timestamp")) % 604800 / 86400. + 4) / 7)):(column(name)) smooth unique ls 1
	} else { if (name eq "yearly") {
		set xrange [0 : 366]
		set xtics ("Jan" 0, "Feb" 31, "Mar" 59, "Apr" 90, "May" 120, "Jun" 151, "Jul" 181, "Aug" 212, \
		    "Sep" 243, "Oct" 273, "Nov" 304, "Dec" 334)
		set xlabel "day of the year"
		plot in using (tm_yday(column("timestamp")) + (floor(column("timestamp")) % 86400) / 86400.):(column(name)) smooth unique ls 1
	} else {
		set xdata time; set timefmt "%s"; set format x "%d %b\n%Y"; set xlabel "time (UTC)"; set autoscale xfix
		plot in using (column("timestamp")):(column(name)) with lines ls 1
	} } }
}
unset multiplot
