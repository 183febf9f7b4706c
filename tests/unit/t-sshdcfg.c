/*
 * sshdcfg_query(): what "sshd -T" printed, and how it ended.  A stand-in
 * shell command plays sshd, so that every ending can be made.
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "sshdcfg.h"
#include "tap.h"

static struct sshdcfg sc;
static char err[512];

static int
query(const char *script)
{
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };

	err[0] = '\0';
	return sshdcfg_query(argv, &sc, err, sizeof(err));
}

int
main(void)
{
	is_int(query("printf 'hostkey /k/a\\nsubsystem netconf /n -x\\n"
	    "logingracetime 30\\n'"), 0, "a clean exit: parsed");
	ok(sc.nhostkeys == 1 && strcmp(sc.hostkey[0], "/k/a") == 0 &&
	    strcmp(sc.netconf, "/n -x") == 0 && sc.login_grace == 30,
	    "host key, netconf subsystem and LoginGraceTime read");

	is_int(query("echo 'line 1: Bad configuration option: x' >&2; "
	    "exit 255"), SSHDCFG_REFUSED, "a failed sshd -T is a refusal");
	is_str(err, "line 1: Bad configuration option: x",
	    "... with the first line sshd wrote to stderr");
	is_int(query("exit 1"), SSHDCFG_REFUSED,
	    "a silent failure is a refusal too");
	is_str(err, "/bin/sh -T failed", "... named as such");
	is_int(query("kill -9 $$"), SSHDCFG_REFUSED,
	    "killed by a signal: a refusal");

	/*
	 * SIGCHLD ignored: the kernel reaps the child, waitpid() fails, and
	 * there is no status to judge; that must be an error, not a guess.
	 */
	signal(SIGCHLD, SIG_IGN);
	is_int(query("echo 'hostkey /k/a'; exit 0"), SSHDCFG_SYSERR,
	    "SIGCHLD ignored, clean exit: no status, a local error");
	ok(strstr(err, "/bin/sh -T: waitpid: ") != NULL,
	    "... naming waitpid (%s)", err);
	is_int(query("exit 255"), SSHDCFG_SYSERR,
	    "SIGCHLD ignored, failure: not taken for success");
	signal(SIGCHLD, SIG_DFL);
	return done_testing();
}
