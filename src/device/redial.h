/*
 * The re-dial policy: which server to dial next and how long to wait
 * first.  Pure: the random source is injected, time comes in as
 * arguments, so every decision can be unit-tested without a socket or a
 * clock.
 */
#ifndef REDIAL_H
#define REDIAL_H

#include <stddef.h>
#include <stdint.h>

#include "options.h"

#define REDIAL_BASE_MS		1000	/* first backoff window */

struct redial {
	size_t		  nservers;
	enum strategy	  strategy;
	unsigned int	  cap_ms;	/* --backoff-max */
	unsigned int	  healthy_ms;	/* a session this long resets backoff */
	unsigned int	  redial_ms;	/* jitter window after a good session */
	unsigned int	  failures;	/* passes or sessions gone wrong in a row */
	long		  last_good;	/* server index, -1 if none */
	uint32_t	(*random)(uint32_t upper);	/* [0, upper) */
};

/*
 * How a call ended.  It was answered if the NMS sent at least one byte: an
 * NMS's SSH client sends its identification string first, whereas a
 * server that refuses the call, a balancer without a backend, or a
 * listener that accepts and closes sends nothing.  A call that was not
 * answered but was held open for all of healthy_ms (the time sshd waits
 * for a client) was parked: a broker holds calls until someone wants the
 * device, and sshd gave up first.  That server works.
 */
enum call_end {
	CALL_UNANSWERED,	/* a failed attempt at that server */
	CALL_PARKED,		/* unanswered, held for all of healthy_ms */
	CALL_SHORT,		/* answered, shorter than healthy_ms */
	CALL_HEALTHY
};

void	redial_init(struct redial *p, size_t nservers, enum strategy s,
	    unsigned int cap_ms, unsigned int healthy_ms,
	    unsigned int redial_ms, uint32_t (*random)(uint32_t));
size_t	redial_first(struct redial *p);
unsigned int
	redial_pass_failed(struct redial *p);
unsigned int
	redial_session_ended(struct redial *p, size_t server,
	    unsigned long long duration_ms);
int	redial_answered(long long nms_bytes);
enum call_end
	redial_call_ended(struct redial *p, size_t server,
	    long long nms_bytes, unsigned long long duration_ms,
	    unsigned int *delay_ms);
unsigned int
	redial_window_ms(const struct redial *p);
unsigned int
	redial_startup_ms(const struct redial *p, unsigned int delay_s);

#endif
