/*
 * The --services=netconf lock-down reaches sshd as -o options, and a value
 * set in a Match block beats -o for the connections the block matches.
 * This reads sshd_config text as sshd cuts it into keywords and arguments,
 * and reports each line of a Match block that would undo the lock-down,
 * and each Include for the caller to follow.  Pure: no I/O.
 */
#ifndef LOCKDOWN_H
#define LOCKDOWN_H

#include <stddef.h>

#define LOCKDOWN_DEPTH	16	/* sshd's limit on nested Include */

enum lockdown_what {
	LOCKDOWN_END,		/* no more lines */
	LOCKDOWN_OVERRIDE,	/* a Match block sets keyword */
	LOCKDOWN_INCLUDE,	/* argv: the patterns of an Include */
	LOCKDOWN_BAD		/* why: text that sshd does not accept either */
};

struct lockdown_item {
	unsigned int	 line;		/* 1 for the first line of the text */
	const char	*keyword;	/* OVERRIDE: spelt as in sshd_config(5) */
	int		 in_match;	/* INCLUDE: its lines are in a Match block */
	char		**argv;		/* INCLUDE: valid until the next call */
	size_t		 argc;
	const char	*why;		/* BAD */
};

struct lockdown_scan {
	const char	*p, *end;	/* the lines not read yet */
	unsigned int	 line;
	int		 in_match;
	char		*words;		/* the last line read, cut into words */
	char		**argv;
};

void	lockdown_init(struct lockdown_scan *s, const char *text, size_t len,
	    int in_match);
enum lockdown_what
	lockdown_next(struct lockdown_scan *s, struct lockdown_item *it);
void	lockdown_free(struct lockdown_scan *s);

#endif
