# Replicas per policy over the same slice.
#   gnuplot -e "d='dir'; out='replicas.png'; ttl='...'" scripts/plot-replicas.gp
# d holds simulate's per-step output: hpa, threshold, forecast, burst .slice.csv
set terminal pngcairo size 1200,450 font ",10" noenhanced
set output out
set datafile separator ","
set key top left
set title ttl
set xdata time
set timefmt "%s"
set format x "%m-%d\n%H:%M"
set ylabel "replicas"
set yrange [0:*]
plot d."/hpa.slice.csv" every ::1 using 1:3 with steps lc rgb "#d6604d" title "HPA exact (80 %)", \
     d."/threshold.slice.csv" every ::1 using 1:3 with steps lc rgb "#999999" title "threshold", \
     d."/forecast.slice.csv" every ::1 using 1:3 with steps lc rgb "#4393c3" title "AR forecast", \
     d."/burst.slice.csv" every ::1 using 1:3 with steps lc rgb "#1b7837" lw 1.5 title "burst-aware", \
     d."/burst.slice.csv" every ::1 using 1:9 with lines lc rgb "black" dt 3 title "ideal ceil(load / w*)"
