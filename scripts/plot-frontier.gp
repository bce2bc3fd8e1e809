# Cost-violation frontiers of policies on one trace (scalepipe-frontier).
#   gnuplot -e "points='points.csv'; frontier='frontier.csv'; out='f.png'; title='...'; pols='hpa burst'" scripts/plot-frontier.gp
# points:   every (policy, knob) point: policy,knob,cost,violations,...,default
# frontier: the Pareto points of each policy, same columns
# out:      the PNG to write
# title:    the title
# pols:     the policies, space-separated [hpa burst forecast]
# x: cost in replica-hours; y: SLO violation steps.  One line per policy
# through its frontier, its other points as small dots, its default setting
# as a large open circle.  Down and to the left is better.
# Needs gnuplot 5.4 or later and pngcairo.
if (!exists("pols")) pols = "hpa burst forecast"
if (!exists("title")) title = "cost-violation frontiers"
colours = "#a6611a #1b7837 #4393c3 #762a83 #e08214 #c51b7d #5aae61 #737373 #000000 #d6604d"
colour(k) = word(colours, (k - 1) % words(colours) + 1)
sel(f, p) = sprintf("< awk -F, 'NR == 1 || $1 == \"%s\"' '%s'", p, f)
set terminal pngcairo size 900, 620 font ",10" noenhanced
set output out
set datafile separator ","
set datafile columnheaders
set title title
set xlabel "cost (replica-hours)"
set ylabel "SLO violation steps"
set key outside right top
set grid
plot for [k = 1 : words(pols)] sel(frontier, word(pols, k)) using "cost":"violations" \
	with linespoints lw 2 pt 7 ps 0.8 lc rgb colour(k) title word(pols, k), \
     for [k = 1 : words(pols)] sel(points, word(pols, k)) using "cost":"violations" \
	with points pt 7 ps 0.4 lc rgb colour(k) notitle, \
     for [k = 1 : words(pols)] sel(points, word(pols, k)) using "cost":(column("default") > 0 ? column("violations") : NaN) \
	with points pt 6 ps 2.5 lw 2 lc rgb colour(k) notitle
