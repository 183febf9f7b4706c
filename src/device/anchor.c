#include "config.h"

#include <string.h>
#include <time.h>

#include "anchor.h"

/* n digits at *p, advanced past them; -1 if they are not all digits. */
static int
digits(const char **p, int n)
{
	int v = 0;

	for (; n > 0; n--, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

/*
 * YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm), as YANG's date-and-time
 * (RFC 6991) and RFC 3339 write it; 't' and 'z' too.  Milliseconds since
 * the epoch; digits of the fraction past the millisecond are dropped.
 */
int
anchor_parse(const char *s, long long *ms, const char **why)
{
	const char *p = s;
	struct tm tm, back;
	int y, mo, d, h, mi, sec, frac = 0, scale = 100, oh, om, sign;
	time_t t;

	*why = "not an ISO 8601 date-time with a zone, such as "
	    "2026-01-01T00:00:00Z or 2026-01-01T01:00:00+01:00";
	if (strlen(s) > ANCHOR_TEXT_MAX)
		return -1;
	if ((y = digits(&p, 4)) == -1 || *p++ != '-' ||
	    (mo = digits(&p, 2)) == -1 || *p++ != '-' ||
	    (d = digits(&p, 2)) == -1 || (*p != 'T' && *p != 't') ||
	    (++p, h = digits(&p, 2)) == -1 || *p++ != ':' ||
	    (mi = digits(&p, 2)) == -1 || *p++ != ':' ||
	    (sec = digits(&p, 2)) == -1)
		return -1;
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -1;
		for (p++; *p >= '0' && *p <= '9'; p++) {
			frac += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		oh = om = 0;
		sign = 1;
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if ((oh = digits(&p, 2)) == -1 || *p++ != ':' ||
		    (om = digits(&p, 2)) == -1)
			return -1;
		if (oh > 23 || om > 59) {
			*why = "the zone offset is out of range";
			return -1;
		}
	} else {
		if (*p == '\0')
			*why = "no zone: end it with Z or an offset such as "
			    "+01:00";
		return -1;
	}
	if (*p != '\0')
		return -1;
	if (y < 1) {
		*why = "the year must be from 0001 to 9999";
		return -1;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	/* timegm() normalises 31 April or 24:00; going back says it did. */
	t = timegm(&tm);
	if (gmtime_r(&t, &back) == NULL || back.tm_year != y - 1900 ||
	    back.tm_mon != mo - 1 || back.tm_mday != d ||
	    back.tm_hour != h || back.tm_min != mi || back.tm_sec != sec) {
		*why = "no such date or time (a leap second is not accepted)";
		return -1;
	}
	*ms = ((long long)t - sign * (oh * 3600LL + om * 60LL)) * 1000 + frac;
	*why = NULL;
	return 0;
}

/*
 * The first grid point strictly after now: the time TO the next one,
 * not since the last (netopeer2 #1144 waited the latter).  Any anchor,
 * before or after now; no overflow while |anchor|, |now| and period stay
 * below 2^61 ms (73 million years).  period_ms > 0.
 */
long long
anchor_next(long long anchor_ms, long long period_ms, long long now_ms)
{
	long long d = now_ms - anchor_ms, k = d / period_ms;

	/* C division truncates; the grid point at or before now is floor. */
	if (d % period_ms < 0)
		k--;
	return anchor_ms + (k + 1) * period_ms;
}
