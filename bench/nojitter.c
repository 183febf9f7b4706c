/*
 * LD_PRELOAD shim for the benchmarks only: replaces the random source of
 * sshd-callhome's backoff (arc4random_uniform, from libbsd) with a
 * constant, so that the same, unmodified binary can be run without jitter.
 * sshd-callhome draws every wait as arc4random_uniform(window + 1):
 *
 *   BENCH_JITTER=max (default)  returns upper - 1: every wait is the whole
 *       window (1 s after a good session; 1, 2, 4 ... s, up to
 *       --backoff-max, after failed passes): classic exponential backoff
 *       with no jitter, every device of a fleet in lock-step
 *   BENCH_JITTER=min            returns 0: no wait at all, every re-dial
 *       is immediate (what is left is the mechanics of a re-dial)
 *
 * Nothing else in sshd-callhome draws random numbers, except
 * --reconnect-strategy=random and --startup-delay, which the benchmarks
 * do not use.
 */
#include <stdint.h>
#include <stdlib.h>

uint32_t arc4random_uniform(uint32_t upper);

uint32_t
arc4random_uniform(uint32_t upper)
{
	const char *m = getenv("BENCH_JITTER");

	if (upper == 0)
		return 0;
	if (m != NULL && m[0] == 'm' && m[1] == 'i' && m[2] == 'n')
		return 0;
	return upper - 1;
}
