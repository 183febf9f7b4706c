# Broker restart plot for bench/restart.py.  Called as
#   gnuplot -e "dat='restart.dat'; png='restart.png'; fleet=50; secs=30; restarts='10.00 20.00'" restart.gp
# restart.dat: t (s since the fleet started), devices parked and verified,
# calls per second into the daemon since the sample before, the daemon's
# generation; '?' where no daemon answered --list.
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
	set terminal pngcairo size 1100,800 font ",10"
} else {
	set terminal png size 1100,800
}
set output png
set termoption noenhanced
set datafile missing "?"
set multiplot layout 2,1 title sprintf("ssh-callhomed restarted under socket activation (dashed: SIGTERM, new daemon on the same socket) while %d sshd-callhome devices call", fleet)
set grid
set xlabel "seconds since the fleet started"
set xrange [0:secs]
do for [i = 1:words(restarts)] {
	set arrow i from word(restarts, i) + 0, graph 0 to word(restarts, i) + 0, graph 1 nohead dt 2 lw 2 lc rgb "gray30"
	set label i sprintf("restart %d", i) at word(restarts, i) + 0, graph 0.95 offset 0.5, 0 left tc rgb "gray30"
}
set ylabel "devices parked (--list)"
set yrange [0:fleet * 1.1]
set key below
plot dat using 1:2 with steps lw 2 lc rgb "#1f77b4" title "parked and verified, sampled about every 100 ms"
set ylabel "calls per second into the daemon"
set yrange [0:*]
set offsets 0, 0, graph 0.15, 0
set key below
plot dat using 1:3 with steps lw 2 lc rgb "#d62728" title "calls/s (growth of the daemon's per-device call counts between samples)"
unset multiplot
