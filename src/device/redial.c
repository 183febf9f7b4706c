#include "config.h"

#include "redial.h"

void
redial_init(struct redial *p, size_t nservers, enum strategy s,
    unsigned int cap_ms, unsigned int healthy_ms, unsigned int redial_ms,
    uint32_t (*random)(uint32_t))
{
	p->nservers = nservers;
	p->strategy = s;
	p->cap_ms = cap_ms;
	p->healthy_ms = healthy_ms;
	p->redial_ms = redial_ms;
	p->failures = 0;
	p->last_good = -1;
	p->random = random;
}

/* Where a pass over the server list starts. */
size_t
redial_first(struct redial *p)
{
	switch (p->strategy) {
	case STRATEGY_STICKY:
		if (p->last_good >= 0 && (size_t)p->last_good < p->nservers)
			return (size_t)p->last_good;
		return 0;
	case STRATEGY_RANDOM:
		return p->random((uint32_t)p->nservers);
	case STRATEGY_IN_ORDER:
	default:
		return 0;
	}
}

/* min(cap, base * 2^(failures - 1)), without overflow. */
unsigned int
redial_window_ms(const struct redial *p)
{
	unsigned long long w = REDIAL_BASE_MS;
	unsigned int i;

	for (i = 1; i < p->failures && w < p->cap_ms; i++)
		w *= 2;
	return w < p->cap_ms ? (unsigned int)w : p->cap_ms;
}

/* Full jitter: uniform over [0, window]; a fleet spreads out. */
static unsigned int
jitter(const struct redial *p, unsigned int window_ms)
{
	return p->random(window_ms + 1);
}

/* Every server failed every attempt: back off. */
unsigned int
redial_pass_failed(struct redial *p)
{
	if (p->failures < 64)
		p->failures++;
	return jitter(p, redial_window_ms(p));
}

/*
 * An answered session ended.  Only a session that lasted long enough to be
 * healthy resets the backoff: a server that fails authentication every
 * time, or an NMS that keeps closing at once, is treated like one that is
 * down; but the device stays with that server, which did answer.
 */
unsigned int
redial_session_ended(struct redial *p, size_t server,
    unsigned long long duration_ms)
{
	p->last_good = (long)server;
	if (duration_ms >= p->healthy_ms) {
		p->failures = 0;
		return jitter(p, p->redial_ms);
	}
	return redial_pass_failed(p);
}

/* nms_bytes < 0: the count is not known here (no TCP_INFO): answered. */
int
redial_answered(long long nms_bytes)
{
	return nms_bytes != 0;
}

/*
 * A call ended after duration_ms, the NMS having sent nms_bytes.  An
 * unanswered call changes nothing here: it is a failed attempt, the pass
 * goes on, and only a pass that fails as a whole backs off.  A parked or
 * answered one sets *delay_ms, the wait before the next pass.
 */
enum call_end
redial_call_ended(struct redial *p, size_t server, long long nms_bytes,
    unsigned long long duration_ms, unsigned int *delay_ms)
{
	if (!redial_answered(nms_bytes)) {
		if (duration_ms < p->healthy_ms)
			return CALL_UNANSWERED;
		/* Parked: call the same server again, without a backoff. */
		p->last_good = (long)server;
		p->failures = 0;
		*delay_ms = jitter(p, p->redial_ms);
		return CALL_PARKED;
	}
	*delay_ms = redial_session_ended(p, server, duration_ms);
	return duration_ms >= p->healthy_ms ? CALL_HEALTHY : CALL_SHORT;
}

unsigned int
redial_startup_ms(const struct redial *p, unsigned int delay_s)
{
	if (delay_s == 0)
		return 0;
	return p->random(delay_s * 1000U + 1);
}
