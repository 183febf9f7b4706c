/*
 * ssh-callhome's one-shot wait: on its own listening sockets, read many
 * callers' preambles at once (the pending table), judge each, and keep
 * the first call that passes.
 */
#ifndef ONESHOT_H
#define ONESHOT_H

#include <signal.h>
#include <stddef.h>

#include "judge.h"
#include "listen.h"

#define ONESHOT_REFUSE	1	/* from last_word: refuse, and wait on */

struct oneshot {
	struct judge_rules rules;
	int		 timeout_ms;	/* the whole wait */
	int		 preamble_timeout_ms; /* each call */
	const sigset_t	*waitmask;	/* signals to let in while waiting */
	/*
	 * Last word on a call that passed the judge (NULL: take it): 0 take
	 * it, ONESHOT_REFUSE refuse it for why and wait on, -1 give up.
	 */
	int		(*last_word)(const struct call *c, void *arg, char *why,
			    size_t whylen);
	void		*last_word_arg;
};

enum oneshot_status {
	ONESHOT_OK,
	ONESHOT_TIMEOUT,	/* no acceptable call in time */
	ONESHOT_INTERRUPTED,	/* a signal came in */
	ONESHOT_ERROR
};

enum oneshot_status
	oneshot_wait(struct listeners *l, const struct oneshot *o,
	    struct call *c);

#endif
