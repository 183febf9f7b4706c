/*
 * --anchor-time: an ISO 8601 date-time with a zone, and the grid of
 * periodic calls it defines, anchor + k x period for every integer k.
 * Pure: time comes in as arguments, in milliseconds since the epoch.
 */
#ifndef ANCHOR_H
#define ANCHOR_H

#define ANCHOR_TEXT_MAX	40	/* longest accepted text, NUL excluded */

int	anchor_parse(const char *s, long long *ms, const char **why);
long long
	anchor_next(long long anchor_ms, long long period_ms, long long now_ms);

#endif
