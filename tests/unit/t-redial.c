/* Server order and backoff, with the random source under the test's control. */
#include "config.h"

#include "redial.h"
#include "tap.h"

static int mode;	/* 0: always the top of the range, 1: always 0 */
static uint32_t last_upper;

static uint32_t
fake_random(uint32_t upper)
{
	last_upper = upper;
	return mode == 0 ? upper - 1 : 0;
}

int
main(void)
{
	struct redial p;
	unsigned int d, prev = 0, i;
	int grew = 1;

	redial_init(&p, 3, STRATEGY_IN_ORDER, 120000, 60000, 1000, fake_random);
	is_int(redial_first(&p), 0, "in-order starts at the first server");
	redial_session_ended(&p, 2, 3600000);
	is_int(redial_first(&p), 0, "in-order returns to the first server");

	redial_init(&p, 3, STRATEGY_STICKY, 120000, 60000, 1000, fake_random);
	is_int(redial_first(&p), 0, "sticky with no history starts at 0");
	redial_session_ended(&p, 2, 3600000);
	is_int(redial_first(&p), 2, "sticky starts at the last good server");

	redial_init(&p, 3, STRATEGY_RANDOM, 120000, 60000, 1000, fake_random);
	mode = 0;
	is_int(redial_first(&p), 2, "random uses the random source");
	is_int(last_upper, 3, "... over all servers");

	redial_init(&p, 1, STRATEGY_IN_ORDER, 120000, 60000, 1000, fake_random);
	mode = 0;
	for (i = 0; i < 12; i++) {
		d = redial_pass_failed(&p);
		if (i > 0 && d < prev && d != 120000)
			grew = 0;
		prev = d;
	}
	ok(grew, "backoff windows grow");
	is_int(d, 120000, "backoff is capped at --backoff-max");
	redial_init(&p, 1, STRATEGY_IN_ORDER, 120000, 60000, 1000, fake_random);
	is_int(redial_pass_failed(&p), 1000, "first window is about 1 s");
	is_int(redial_pass_failed(&p), 2000, "then 2 s");
	is_int(redial_pass_failed(&p), 4000, "then 4 s");
	mode = 1;
	is_int(redial_pass_failed(&p), 0, "full jitter reaches down to 0");
	is_int(last_upper, 8001, "... over [0, 8 s]");

	mode = 0;
	d = redial_session_ended(&p, 0, 500);
	is_int(d, 16000, "a session that died at once keeps backing off");
	d = redial_session_ended(&p, 0, 60000);
	ok(d <= 1000 && last_upper == 1001,
	    "a healthy session resets backoff, re-dial jittered within 1 s");
	is_int(p.failures, 0, "failures reset");

	for (i = 0; i < 100; i++)
		redial_pass_failed(&p);
	is_int(redial_window_ms(&p), 120000, "no overflow after many failures");

	redial_init(&p, 1, STRATEGY_IN_ORDER, 120000, 60000, 0, fake_random);
	mode = 0;
	is_int(redial_session_ended(&p, 0, 60000), 0,
	    "--redial-jitter=0: a healthy session is followed at once");
	redial_init(&p, 1, STRATEGY_IN_ORDER, 120000, 60000, 30000, fake_random);
	is_int(redial_session_ended(&p, 0, 60000), 30000,
	    "--redial-jitter=30: up to 30 s");

	/* What the NMS sent decides whether a call was answered at all. */
	ok(!redial_answered(0), "0 bytes from the NMS: not answered");
	ok(redial_answered(21), "its SSH identification string: answered");
	ok(redial_answered(-1), "no byte count on this system: answered");

	redial_init(&p, 3, STRATEGY_STICKY, 120000, 60000, 1000, fake_random);
	mode = 0;
	d = 4242;
	is_int(redial_call_ended(&p, 1, 0, 30, &d), CALL_UNANSWERED,
	    "a call dropped without a word is unanswered");
	ok(d == 4242 && p.failures == 0,
	    "... a failed attempt: no backoff yet, the pass goes on");
	is_int(p.last_good, -1, "... and sticky does not stick to it");
	is_int(redial_call_ended(&p, 2, 0, 59999, &d), CALL_UNANSWERED,
	    "however long it lasted, short of the wait for a client");
	is_int(redial_first(&p), 0, "... the next pass starts where it did");
	is_int(redial_call_ended(&p, 2, 1500, 2000, &d), CALL_SHORT,
	    "an answered 2 s session is short");
	ok(p.last_good == 2 && redial_first(&p) == 2,
	    "... but the device stays with that server");
	ok(p.failures == 1 && d == 1000, "... and backs off (up to 1 s)");
	is_int(redial_call_ended(&p, 2, 1500, 2000, &d), CALL_SHORT,
	    "another short session");
	ok(p.last_good == 2 && d == 2000, "... same server, longer backoff");
	is_int(redial_call_ended(&p, 0, 0, 10, &d), CALL_UNANSWERED,
	    "an unanswered call at another server");
	ok(p.last_good == 2 && p.failures == 2,
	    "... changes neither the last good server nor the backoff");
	is_int(redial_call_ended(&p, 1, -1, 10, &d), CALL_SHORT,
	    "no byte count: a short call counts as answered, as it always did");
	is_int(p.last_good, 1, "... and moves sticky to its server");
	is_int(redial_call_ended(&p, 1, 900, 60000, &d), CALL_HEALTHY,
	    "an answered session past LoginGraceTime is healthy");
	ok(p.failures == 0 && d == 1000, "... backoff reset, jittered re-dial");

	/*
	 * Parked: held unanswered for all of healthy_ms (sshd's wait for a
	 * client, --wait-for-client), as a broker holds a call.
	 */
	redial_init(&p, 2, STRATEGY_IN_ORDER, 120000, 3000, 1000, fake_random);
	mode = 0;
	d = 4242;
	redial_pass_failed(&p);
	redial_pass_failed(&p);
	is_int(redial_call_ended(&p, 1, 0, 2999, &d), CALL_UNANSWERED,
	    "unanswered, dropped before the wait for a client ended");
	ok(d == 4242 && p.failures == 2 && p.last_good == -1,
	    "... a failed attempt, as before");
	is_int(redial_call_ended(&p, 1, 0, 3000, &d), CALL_PARKED,
	    "unanswered, held for all of the 3 s wait: parked");
	ok(p.failures == 0 && d == 1000,
	    "... backoff reset, re-dialled after the jitter (up to 1 s)");
	is_int(p.last_good, 1, "... that server counts as good");
	is_int(redial_call_ended(&p, 1, 0, 3000, &d), CALL_PARKED,
	    "parked again");
	ok(p.failures == 0 && d == 1000, "... still no backoff");
	is_int(redial_call_ended(&p, 1, 21, 2000, &d), CALL_SHORT,
	    "answered, 2 s: short under a 3 s wait");
	is_int(redial_call_ended(&p, 1, 21, 3000, &d), CALL_HEALTHY,
	    "answered, 3 s: healthy under a 3 s wait");

	is_int(redial_startup_ms(&p, 0), 0, "no startup delay by default");
	mode = 0;
	is_int(redial_startup_ms(&p, 30), 30000, "startup delay up to 30 s");
	return done_testing();
}
