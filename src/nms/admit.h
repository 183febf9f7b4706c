/*
 * Whether a NEW caller may join the pending table (the calls still sending
 * their preamble): the policy of sshd's MaxStartups and PerSourceMaxStartups.
 * Pure: the caller counts, and the random source is injected.
 *
 * START:RATE:FULL.  While fewer than START calls are pending, every new
 * caller is admitted.  From START on, a new caller is dropped with a
 * probability of RATE percent, rising linearly to 100 percent at FULL;
 * from FULL on, every new caller is dropped.  A single number N means
 * N:100:N, a hard bound.  Independently, a caller is dropped when PER-SOURCE
 * calls from its address are already pending.
 *
 * A caller that is already waiting is never evicted to make room.  Its
 * whole preamble may be waiting in its socket, unread only because the
 * daemon is busy; evicting the oldest to admit the newest would hand the
 * table to whoever connects fastest, and a flood would drain a backlog
 * of real devices in one go.  Dropping new callers early instead makes a
 * flood spend its own connections, while the real devices already in the
 * table finish, and those dropped re-dial.
 */
#ifndef ADMIT_H
#define ADMIT_H

#include <stddef.h>
#include <stdint.h>

#define ADMIT_MAX	65535	/* FULL, and PER-SOURCE, at most */
#define ADMIT_KEY_MAX	16	/* bytes of a source: an IPv6 address */

struct admit {
	unsigned int	  start, rate, full;
	unsigned int	  per_source;	/* 0: no bound per source */
	uint32_t	(*random)(uint32_t upper);	/* [0, upper) */
};

enum admit_verdict {
	ADMIT_OK,
	ADMIT_FULL,		/* FULL calls are pending */
	ADMIT_SOURCE,		/* PER-SOURCE calls from its address are */
	ADMIT_EARLY		/* random early drop between START and FULL */
};

int	admit_parse(const char *arg, struct admit *a, const char **why);
enum admit_verdict
	admit_decide(const struct admit *a, size_t pending,
	    size_t from_source);
const char *
	admit_verdict_text(enum admit_verdict v);

/*
 * How many pending calls each source has: a hash table of bounded size,
 * keyed by address bytes (the caller may pass a prefix of them, to count
 * a network as one source).  The seed keeps the buckets unpredictable.
 */
struct admit_source {
	uint8_t		key[ADMIT_KEY_MAX];
	uint8_t		len;
	uint32_t	hash;
	uint32_t	count;		/* 0: a free slot */
};

struct admit_sources {
	struct admit_source	*slot;
	size_t			 mask;	/* slots - 1, a power of two less one */
	size_t			 used;	/* sources with a count */
	size_t			 max;	/* sources at most */
	uint64_t		 seed;
};

int	admit_sources_init(struct admit_sources *s, size_t max, uint64_t seed);
size_t	admit_sources_count(const struct admit_sources *s, const void *key,
	    size_t len);
int	admit_sources_add(struct admit_sources *s, const void *key,
	    size_t len);
void	admit_sources_remove(struct admit_sources *s, const void *key,
	    size_t len);
void	admit_sources_free(struct admit_sources *s);

#endif
