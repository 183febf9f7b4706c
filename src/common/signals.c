#include "config.h"

#include <signal.h>
#include <string.h>

#include "signals.h"

/*
 * First thing at start.  An ignored SIGCHLD survives exec, and with it
 * the kernel reaps our children itself: waitpid() then fails and there
 * is no exit status to judge sshd by.
 */
void
signals_reset_inherited(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
}

/*
 * Catch sigs with handler and keep them blocked except inside a ppoll()
 * given waitmask, so that a flag can never be set between its test and
 * the wait.  SIGPIPE is ignored: a peer gone away is noticed by EPIPE.
 */
void
signals_catch(const int *sigs, size_t n, void (*handler)(int),
    sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t block;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (i = 0; i < n; i++) {
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&block, sigs[i]);
	}
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	for (i = 0; i < n; i++)
		sigdelset(waitmask, sigs[i]);
}

/* In a child: every disposition the default, nothing blocked. */
void
signals_child_reset(void)
{
	struct sigaction sa;
	sigset_t none;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
}
