/*
 * Signal dispositions shared by both programs: what must not be inherited,
 * the catch-and-block pattern their waits rely on, and a child's reset.
 */
#ifndef SIGNALS_H
#define SIGNALS_H

#include <signal.h>
#include <stddef.h>

void	signals_reset_inherited(void);
void	signals_catch(const int *sigs, size_t n, void (*handler)(int),
	    sigset_t *waitmask);
void	signals_child_reset(void);

#endif
