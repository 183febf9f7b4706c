/*
 * subreaper command [argument ...]: run the command as a child sub-reaper
 * (Linux).  The attribute survives execve(2), so a scenario script that
 * re-runs itself through this keeps below its own shell every process it
 * starts, even one that forks twice to detach: lib.sh then finds and
 * stops whatever a scenario left running.  Where the kernel refuses, the
 * command runs anyway; lib.sh's search by environment tag still works.
 */
#include <err.h>
#include <sysexits.h>
#include <unistd.h>

#include <sys/prctl.h>

int
main(int argc, char *argv[])
{
	if (argc < 2)
		errx(EX_USAGE, "usage: subreaper command [argument ...]");
	if (prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L) == -1)
		warn("prctl(PR_SET_CHILD_SUBREAPER)");
	execvp(argv[1], argv + 1);
	err(127, "%s", argv[1]);
}
