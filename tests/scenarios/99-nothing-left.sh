#!/bin/bash
# 99: the suite's last check.  The Makefile runs it once every other test
# of this build tree has finished (make -j too): then no process may carry
# the tag of one of them (CALLHOME_TEST_TAG, under this build directory)
# nor run one of this tree's programs (sshd-callhome rewrites its own
# environment with its process title).  What is left is named and killed.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

tag_prefix="CALLHOME_TEST_TAG=$top_builddir/"
left=
for d in /proc/[0-9]*; do
	p=${d#/proc/}
	[ "$p" = "$$" ] && continue
	mine=
	for prog in "$CALLHOME" "$NMS" "$NETCONF_STUB"; do
		[ "$d/exe" -ef "$prog" ] && mine=1
	done
	if [ -z "$mine" ]; then
		while IFS= read -r -d '' e; do
			case $e in
			"CALLHOME_TEST_TAG=$CALLHOME_TEST_TAG") break ;;
			"$tag_prefix"*) mine=1; break ;;
			esac
		done 2>/dev/null <"$d/environ"
	fi
	[ -n "$mine" ] && left="$left $p"
done

if [ -z "$left" ]; then
	ok "no test of this tree left a process running"
else
	not_ok "no test of this tree left a process running"
	for p in $left; do
		diag "left running: $p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
		kill -KILL "$p" 2>/dev/null
	done
fi
done_testing
