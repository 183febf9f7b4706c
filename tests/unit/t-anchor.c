/*
 * --anchor-time: the text accepted and refused, and the next grid point
 * checked against a brute-force walk along the grid and, for values too
 * far apart to walk, against the grid's defining properties in 128 bits.
 * The expected epoch values come from date(1) -u -d.
 */
#include "config.h"

#include <stdint.h>

#include "anchor.h"
#include "tap.h"

static void
parses(const char *s, long long want_ms)
{
	const char *why = "";
	long long ms = 0;

	if (!ok(anchor_parse(s, &ms, &why) == 0 && ms == want_ms,
	    "\"%s\" is %lld ms", s, want_ms))
		printf("#   got %lld ms (%s)\n", ms, why ? why : "no error");
}

static void
refused(const char *s, const char *because)
{
	const char *why = NULL;
	long long ms;

	if (!ok(anchor_parse(s, &ms, &why) == -1 && why != NULL &&
	    strstr(why, because) != NULL, "\"%s\" refused: %s", s, because))
		printf("#   why: %s\n", why ? why : "(none)");
}

/* Walk the grid from the anchor, one period at a time. */
static long long
walk(long long anchor, long long period, long long now)
{
	long long g = anchor;

	while (g <= now)
		g += period;
	while (g - period > now)
		g -= period;
	return g;
}

static uint64_t rnd = 0x9e3779b97f4a7c15ULL;

static long long
xrand(long long lo, long long hi)	/* [lo, hi] */
{
	rnd ^= rnd << 13;
	rnd ^= rnd >> 7;
	rnd ^= rnd << 17;
	return lo + (long long)(rnd % (uint64_t)(hi - lo + 1));
}

int
main(void)
{
	static const long long periods[] = { 1, 7, 1000, 60000, 3600000,
	    86400000, 604800000 };
	long long a, p, n, g, k, bad = 0, tried = 0, exact = 0;
	__int128 d;
	size_t i;

	parses("2026-01-01T00:00:00Z", 1767225600LL * 1000);
	parses("2026-01-01t00:00:00z", 1767225600LL * 1000);
	parses("2024-02-29T12:34:56+05:30", 1709190296LL * 1000);
	parses("2024-02-29T07:04:56+00:00", 1709190296LL * 1000);
	parses("2024-02-29T12:34:56.250+05:30", 1709190296LL * 1000 + 250);
	parses("2024-02-29T12:34:56.9999+05:30", 1709190296LL * 1000 + 999);
	parses("1969-12-31T23:59:59Z", -1000);
	parses("0001-01-01T00:00:00Z", -62135596800LL * 1000);
	parses("9999-12-31T23:59:59-14:00", 253402351199LL * 1000);
	refused("2026-01-01T00:00:00", "no zone");
	refused("2026-01-01 00:00:00Z", "ISO 8601");
	refused("2026-01-01", "ISO 8601");
	refused("", "ISO 8601");
	refused("2026-1-01T00:00:00Z", "ISO 8601");
	refused("2026-01-01T00:00:00Zjunk", "ISO 8601");
	refused("2026-01-01T00:00:00+0100", "ISO 8601");
	refused("2026-01-01T00:00:00.Z", "ISO 8601");
	refused("2026-01-01T00:00:00+24:00", "offset");
	refused("2026-01-01T00:00:00+01:60", "offset");
	refused("2025-02-29T00:00:00Z", "no such date");
	refused("2026-04-31T00:00:00Z", "no such date");
	refused("2026-13-01T00:00:00Z", "no such date");
	refused("2026-01-01T24:00:00Z", "no such date");
	refused("2016-12-31T23:59:60Z", "leap second");
	refused("0000-01-01T00:00:00Z", "0001 to 9999");
	refused("2026-01-01T00:00:00.0000000000000000000000000000000001Z",
	    "ISO 8601");

	/*
	 * Many anchors, periods and times, on both sides of the anchor, on
	 * grid points and a millisecond either side of them.
	 */
	for (i = 0; i < sizeof(periods) / sizeof(periods[0]); i++) {
		p = periods[i];
		for (k = 0; k < 3000; k++) {
			a = xrand(-4000000000000LL, 4000000000000LL);
			switch (k % 4) {
			case 0:	/* anywhere within 10^4 periods */
				n = a + xrand(-10000, 10000) * p +
				    xrand(0, p - 1);
				break;
			default: /* a grid point, or 1 ms before or after */
				n = a + xrand(-10000, 10000) * p +
				    (k % 4) - 2;
				break;
			}
			if ((n - a) % p == 0)
				exact++;
			g = anchor_next(a, p, n);
			tried++;
			if (g != walk(a, p, n) && bad++ < 5)
				printf("# anchor %lld period %lld now %lld: "
				    "got %lld, the walk %lld\n", a, p, n, g,
				    walk(a, p, n));
		}
	}
	is_int(bad, 0, "the next grid point is the walk's, %lld cases "
	    "(%lld of them exactly on a grid point)", tried, exact);
	ok(exact > 1000, "grid points themselves were tried (%lld)", exact);

	/* An exact grid point is not "next": the call there has been made. */
	is_int(anchor_next(0, 60000, 120000), 180000,
	    "on a grid point, the next one is a period away");
	is_int(anchor_next(0, 60000, 119999), 120000,
	    "1 ms before a grid point, that one");
	is_int(anchor_next(1000, 60000, 0), 1000,
	    "an anchor in the future, nearer than a period: the anchor");
	is_int(anchor_next(10 * 60000, 60000, 59000), 60000,
	    "an anchor ten periods ahead: the grid before it counts too");
	/* netopeer2 #1144 waited the time since the last point, not to the next. */
	is_int(anchor_next(0, 60000, 50000) - 50000, 10000,
	    "50 s past a grid point, 10 s to wait, not 50");

	/* Far apart: too far to walk; the grid's properties, in 128 bits. */
	bad = 0;
	for (k = 0; k < 20000; k++) {
		const long long lim = 1LL << 61;

		a = xrand(-lim + 1, lim - 1);
		n = xrand(-lim + 1, lim - 1);
		p = k % 2 ? xrand(1, 604800000) : xrand(1, lim - 1);
		g = anchor_next(a, p, n);
		d = (__int128)g - a;
		if (!(g > n && (__int128)g - p <= n && d % p == 0) &&
		    bad++ < 5)
			printf("# anchor %lld period %lld now %lld: got %lld\n",
			    a, p, n, g);
	}
	is_int(bad, 0, "20000 far-apart cases: after now, within a period, "
	    "on the grid, no overflow");
	return done_testing();
}
