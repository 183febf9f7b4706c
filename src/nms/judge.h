/*
 * Judging a call by its preamble: may it go on, and how was its HMAC
 * verified?  Pure: a parsed preamble and the rules in, a verdict and a
 * reason out, no socket and no clock; one-shot and daemon alike.
 */
#ifndef JUDGE_H
#define JUDGE_H

#include <stddef.h>

#include "misc.h"
#include "preamble.h"

#define JUDGE_WHY_MAX	(2 * PREAMBLE_ID_MAX + 4096 + 128) /* a path too */

/* Which calls may go on: from the command line. */
struct judge_rules {
	const char	*device_id;	/* NULL: any */
	int		 require_preamble;
	const void	*secret;	/* NULL: none */
	size_t		 secretlen;
	int		 allow_swapped;
	int		 knownhosts_name; /* the id must suit known_hosts */
	const char	*host_key;	/* pinned "TYPE BASE64"; NULL: none */
};

enum call_hmac {
	CALL_HMAC_ABSENT,	/* no HOST-KEY/HMAC lines */
	CALL_HMAC_UNCHECKED,	/* sent, but there is no secret to check */
	CALL_HMAC_VERIFIED,
	CALL_HMAC_SWAPPED,	/* verified with swapped operands (compat) */
	CALL_HMAC_PINNED	/* its HOST-KEY is the pinned one */
};

/* Why a call failed, for the daemon's record of failed callers. */
enum judge_fail {
	JUDGE_F_NONE,
	JUDGE_F_NO_PREAMBLE,	/* none, but one (or a secret) is required */
	JUDGE_F_OTHER_ID,	/* not the --device-id expected */
	JUDGE_F_NO_HMAC,	/* no HOST-KEY and HMAC, but a secret is set */
	JUDGE_F_WRONG_HMAC,
	JUDGE_F_WRONG_KEY,	/* not the pinned host key */
	JUDGE_F_BAD_NAME	/* cannot be a known_hosts name */
};

/* A call that has passed: its socket, its peer, and what it said. */
struct call {
	int		 fd;
	char		 peer[PEER_MAX];
	struct preamble	 p;
	enum call_hmac	 hmac;
};

int	judge_verdict(const struct judge_rules *r, const struct preamble *p,
	    enum call_hmac *hmac, enum judge_fail *fail, char *why,
	    size_t whylen);
int	judge_call(const struct judge_rules *r, const struct preamble *p,
	    enum call_hmac *hmac, char *why, size_t whylen);
const char *
	call_hmac_name(enum call_hmac h);

#endif
