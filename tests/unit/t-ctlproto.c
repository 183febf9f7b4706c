/* The control protocol: each line written as documented, and read back. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ctlproto.h"
#include "tap.h"

#define KEY	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBk2m1cOHmMCxGxh8OYtPZ0hCqpCdUhrEG1kq9hbPSkH"

static char buf[CTL_LINE_MAX], err[256];

static const char *
fmt_reply(const struct ctl_reply *r)
{
	return ctl_reply_format(r, buf, sizeof(buf)) == -1 ? NULL : buf;
}

static const char *
fmt_request(const struct ctl_request *rq)
{
	return ctl_request_format(rq, buf, sizeof(buf)) == -1 ? NULL : buf;
}

/* The parser's verdict on a reply line: "ok" or its error. */
static const char *
reply_err(const char *line, struct ctl_reply *r)
{
	struct ctl_reply scratch;

	if (r == NULL)
		r = &scratch;
	return ctl_reply_parse(line, strlen(line), r, err, sizeof(err)) == 0 ?
	    "ok" : err;
}

static const char *
request_err(const char *line, struct ctl_request *rq)
{
	struct ctl_request scratch;

	if (rq == NULL)
		rq = &scratch;
	return ctl_request_parse(line, strlen(line), rq, err, sizeof(err)) ==
	    0 ? "ok" : err;
}

static void
greeting(void)
{
	int v;

	is_int(ctl_greeting_format(buf, sizeof(buf)), 16, "greeting length");
	is_str(buf, "ssh-callhomed 1\n", "the greeting names the version");
	ok(ctl_greeting_parse(buf, 15, &v, err, sizeof(err)) == 0 && v == 1,
	    "and reads back");
	ok(ctl_greeting_parse("ssh-callhomed 7", 15, &v, err,
	    sizeof(err)) == 0 && v == 7, "a later version reads as a number");
	ok(ctl_greeting_parse("SSH-2.0-OpenSSH_9.2", 19, &v, err,
	    sizeof(err)) == -1, "an SSH server is not the daemon");
	is_str(err, "not the greeting of ssh-callhomed", "... and says so");
	ok(ctl_greeting_parse("ssh-callhomed 0", 15, &v, err,
	    sizeof(err)) == -1, "version 0 does not exist");
	is_str(err, "the protocol version is not a number from 1 to 1000000",
	    "... says which number");
	ok(ctl_greeting_parse("ssh-callhomed 1 x", 17, &v, err,
	    sizeof(err)) == -1, "nothing follows the version");
}

static void
requests(void)
{
	struct ctl_request rq = { CTL_TAKE, "rtr-17", 5000 }, got;
	char *big;

	is_str(fmt_request(&rq), "take rtr-17 5000\n", "take, written");
	is_str(request_err("take rtr-17 5000", &got), "ok", "take, read");
	ok(got.op == CTL_TAKE && strcmp(got.device_id, "rtr-17") == 0 &&
	    got.timeout_ms == 5000, "... its fields");
	strlcpy(rq.device_id, "rtr 17\\", sizeof(rq.device_id));
	rq.timeout_ms = 0;
	is_str(fmt_request(&rq), "take rtr\\04017\\134 0\n",
	    "an id with a space and a backslash is escaped");
	is_str(request_err("take rtr\\04017\\134 0", &got), "ok", "and read");
	is_str(got.device_id, "rtr 17\\", "... back to the same id");
	strlcpy(rq.device_id, "-", sizeof(rq.device_id));
	is_str(fmt_request(&rq), "take \\055 0\n", "the id \"-\" is escaped");
	rq.op = CTL_LIST;
	is_str(fmt_request(&rq), "list\n", "list, written");
	is_str(request_err("list", &got), "ok", "list, read");
	is_int(got.op, CTL_LIST, "... as list");

	is_str(request_err("take rtr-17", NULL), "take DEVICE-ID TIMEOUT-MS",
	    "take without a timeout");
	is_str(request_err("take rtr-17 5 6", NULL),
	    "take DEVICE-ID TIMEOUT-MS", "take with one field too many");
	is_str(request_err("take - 5", NULL), "DEVICE-ID is absent",
	    "take with an absent id");
	is_str(request_err("take rtr-17 -5", NULL),
	    "TIMEOUT-MS is not a number from 0 to 86400000", "a negative timeout");
	is_str(request_err("take rtr-17 +5", NULL),
	    "TIMEOUT-MS is not a number from 0 to 86400000", "a signed timeout");
	is_str(request_err("take rtr-17 86400001", NULL),
	    "TIMEOUT-MS is not a number from 0 to 86400000", "over 24 hours");
	is_str(request_err("take rtr-17 99999999999999999999999", NULL),
	    "TIMEOUT-MS is not a number from 0 to 86400000", "overflow");
	is_str(request_err("take rtr-17 86400000", NULL), "ok", "24 hours");
	is_str(request_err("take  rtr-17 5", NULL),
	    "empty field (two spaces, or one at an end)", "two spaces");
	is_str(request_err("list ", NULL),
	    "empty field (two spaces, or one at an end)", "a trailing space");
	is_str(request_err("list\r", NULL), "control byte 0x0d in the line",
	    "a CR");
	is_str(request_err("", NULL), "empty line", "an empty line");
	is_str(request_err("list x", NULL), "list takes no argument",
	    "list with an argument");
	is_str(request_err("TAKE rtr-17 5", NULL),
	    "unknown request \"TAKE\" (take or list)", "words are lower case");
	is_str(request_err("take rtr\\9 5", NULL), "DEVICE-ID: '\\' is not "
	    "followed by three octal digits from 001 to 377", "a bad escape");
	is_str(request_err("take rtr\\001 5", NULL),
	    "DEVICE-ID: device id contains a control character",
	    "an id the preamble could not carry");
	ok(ctl_request_parse("list\0x", 6, &got, err, sizeof(err)) == -1,
	    "a NUL in the line");

	big = malloc(CTL_LINE_MAX + 1);
	memset(big, 'a', CTL_LINE_MAX);
	memcpy(big, "take ", 5);
	memcpy(big + CTL_LINE_MAX - 2, " 5", 2);
	big[CTL_LINE_MAX] = '\0';
	is_str(request_err(big, NULL), "line longer than 8191 bytes",
	    "a line over the bound");
	free(big);

	rq.op = CTL_TAKE;
	rq.device_id[0] = '\0';
	ok(fmt_request(&rq) == NULL, "no take without an id");
	strlcpy(rq.device_id, "rtr\n17", sizeof(rq.device_id));
	ok(fmt_request(&rq) == NULL, "nor with an id the preamble refuses");
	strlcpy(rq.device_id, "rtr-17", sizeof(rq.device_id));
	rq.timeout_ms = CTL_TIMEOUT_MAX_MS + 1;
	ok(fmt_request(&rq) == NULL, "nor with too long a timeout");
	rq.timeout_ms = 5;
	ok(ctl_request_format(&rq, buf, 14) == -1, "too small a buffer");
	is_int(ctl_request_format(&rq, buf, 15), 14, "just enough room");
}

static struct ctl_reply
reply(enum ctl_kind kind)
{
	struct ctl_reply r;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.since = r.first = r.last = r.calls = -1;
	r.taker_uid = r.taker_pid = -1;
	return r;
}

static void
replies(void)
{
	struct ctl_reply r = reply(CTL_OK), got;
	char text[400];

	strlcpy(r.device_id, "rtr-17", sizeof(r.device_id));
	strlcpy(r.addr, "2001:db8::17", sizeof(r.addr));
	r.port = 4334;
	r.verify = CTL_V_VERIFIED;
	strlcpy(r.host_key, KEY, sizeof(r.host_key));
	is_str(fmt_reply(&r), "ok rtr-17 2001:db8::17 4334 verified " KEY "\n",
	    "ok, written");
	is_str(reply_err("ok rtr-17 2001:db8::17 4334 verified " KEY, &got),
	    "ok", "ok, read");
	ok(memcmp(&got, &r, sizeof(r)) == 0, "... to the same fields");
	r.host_key[0] = '\0';
	r.verify = CTL_V_ABSENT;
	strlcpy(r.addr, "fe80::1%eth0", sizeof(r.addr));
	is_str(fmt_reply(&r), "ok rtr-17 fe80::1%eth0 4334 absent - -\n",
	    "ok without a host key, with a zone");
	r.verify = CTL_V_WRONG_HMAC;
	ok(fmt_reply(&r) == NULL, "no ok for a call that failed");
	is_str(reply_err("ok rtr-17 192.0.2.1 4334 - - -", NULL),
	    "VERIFY: - in an ok reply", "... nor for one never verified");
	is_str(reply_err("ok rtr-17 192.0.2.1 0 verified - -", NULL),
	    "PORT is not a number from 1 to 65535", "port 0");
	is_str(reply_err("ok rtr-17 192.0.2.1 4334 verified - -  ", NULL),
	    "empty field (two spaces, or one at an end)", "trailing spaces");
	is_str(reply_err("ok rtr-17 192.0.2.1 4334 verified ssh-ed25519 -",
	    NULL), "KEYTYPE and KEY: one of them is absent", "half a key");
	is_str(reply_err("ok rtr-17 192.0.2.1 4334 verified - AAAAAAAAAAAAAAAA",
	    NULL), "KEYTYPE and KEY: one of them is absent", "the other half");
	is_str(reply_err("ok rtr-17 192.0.2.1 4334 verified ssh-ed25519 A$",
	    NULL), "KEYTYPE KEY: host key data is not base64", "a bad key");
	is_str(reply_err("ok rtr-17 192.0.2.1 4334 fine - -", NULL),
	    "VERIFY: unknown word \"fine\"", "an unknown word");
	is_str(reply_err("ok rtr-17 192.0.2.1 4334 verified -", &got),
	    "ok: 6 fields instead of 7", "a field missing");
	ok(got.kind == CTL_OK && got.device_id[0] == '\0',
	    "a refused line leaves nothing behind");

	r = reply(CTL_ERROR);
	r.code = CTL_E_TIMEOUT;
	strlcpy(r.text, "rtr 17 did not call\twithin 5 s", sizeof(r.text));
	is_str(fmt_reply(&r), "error timeout rtr 17 did not call\\011within "
	    "5 s\n", "error: its text keeps spaces, escapes a tab");
	is_str(reply_err("error timeout rtr 17 did not call\\011within 5 s",
	    &got), "ok", "and reads back");
	ok(memcmp(&got, &r, sizeof(r)) == 0, "... to the same fields");
	r.code = CTL_E_BUSY;
	r.text[0] = '\0';
	is_str(fmt_reply(&r), "error busy\n", "error without a text");
	is_str(reply_err("error busy", &got), "ok", "... reads");
	is_str(reply_err("error unknown  two spaces", &got), "ok",
	    "a text may start with a space");
	is_str(got.text, " two spaces", "... kept");
	is_str(reply_err("error lost it", NULL), "CODE: unknown word \"lost\"",
	    "an unknown code");
	is_str(reply_err("error", NULL), "error: 1 fields instead of 2",
	    "error alone");
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	memcpy(r.text, text, sizeof(r.text) - 1);
	r.text[sizeof(r.text) - 1] = '\0';
	ok(fmt_reply(&r) != NULL && strlen(buf) == 11 + CTL_TEXT_MAX + 1,
	    "a text of 255 bytes is written whole");
	snprintf(buf, sizeof(buf), "error busy %s", text);
	is_str(reply_err(buf, NULL), "TEXT: too long", "a longer one is refused");
	is_str(ctl_code_name(CTL_E_BAD_REQUEST), "bad-request", "code names");

	r = reply(CTL_DEVICE);
	strlcpy(r.device_id, "rtr-17", sizeof(r.device_id));
	r.state = CTL_S_TAKEN;
	r.since = 1700000000;
	strlcpy(r.addr, "192.0.2.17", sizeof(r.addr));
	r.port = 4334;
	r.verify = CTL_V_PINNED;
	r.calls = 12;
	r.taker_uid = 1000;
	r.taker_pid = 4242;
	is_str(fmt_reply(&r), "device rtr-17 taken 1700000000 192.0.2.17 4334 "
	    "pinned 12 1000:4242\n", "device taken, written");
	is_str(reply_err("device rtr-17 taken 1700000000 192.0.2.17 4334 "
	    "pinned 12 1000:4242", &got), "ok", "and read");
	ok(memcmp(&got, &r, sizeof(r)) == 0, "... to the same fields");
	r.state = CTL_S_ABSENT;
	r.since = -1;
	memset(r.addr, 0, sizeof(r.addr));	/* compared whole below */
	r.port = 0;
	r.verify = CTL_V_NONE;
	r.calls = 0;
	r.taker_uid = r.taker_pid = -1;
	is_str(fmt_reply(&r), "device rtr-17 absent - - - - 0 -\n",
	    "a device that never called");
	is_str(reply_err("device rtr-17 absent - - - - 0 -", &got), "ok",
	    "... reads back");
	ok(memcmp(&got, &r, sizeof(r)) == 0, "... to the same fields");
	is_str(reply_err("device rtr-17 parked - - - - 0 -", NULL),
	    "SINCE is absent, but the device is parked", "parked since when?");
	is_str(reply_err("device rtr-17 taken 1 192.0.2.1 4334 verified 1 -",
	    NULL), "TAKER is given if, and only if, the device is taken",
	    "taken by nobody");
	is_str(reply_err("device rtr-17 parked 1 192.0.2.1 4334 verified 1 "
	    "0:1", NULL), "TAKER is given if, and only if, the device is taken",
	    "parked, yet taken");
	is_str(reply_err("device rtr-17 parked 1 192.0.2.1 - verified 1 -",
	    NULL), "ADDR and PORT: one of them is absent", "an address alone");
	is_str(reply_err("device rtr-17 taken 1 192.0.2.1 4334 verified 1 "
	    "1000:0", NULL), "TAKER's PID is not a number from 1 to 2147483647",
	    "pid 0");
	is_str(reply_err("device rtr-17 taken 1 192.0.2.1 4334 verified 1 "
	    "1000", NULL), "TAKER is not UID:PID", "a taker without a pid");
	is_str(reply_err("device rtr-17 gone 1 192.0.2.1 4334 verified 1 -",
	    NULL), "STATE: unknown word \"gone\"", "an unknown state");

	r = reply(CTL_UNKNOWN);
	strlcpy(r.device_id, "rogue 1", sizeof(r.device_id));
	strlcpy(r.addr, "198.51.100.7", sizeof(r.addr));
	r.reason = CTL_R_WRONG_HMAC;
	r.first = 1700000000;
	r.last = 1700003600;
	r.calls = 61;
	strlcpy(r.host_key, KEY, sizeof(r.host_key));
	is_str(fmt_reply(&r), "unknown rogue\\0401 198.51.100.7 wrong-hmac "
	    "1700000000 1700003600 61 " KEY "\n", "unknown, written");
	is_str(reply_err("unknown rogue\\0401 198.51.100.7 wrong-hmac "
	    "1700000000 1700003600 61 " KEY, &got), "ok", "and read");
	ok(memcmp(&got, &r, sizeof(r)) == 0, "... to the same fields");
	r.device_id[0] = '\0';
	r.host_key[0] = '\0';
	r.reason = CTL_R_TIMEOUT;
	is_str(fmt_reply(&r), "unknown - 198.51.100.7 timeout 1700000000 "
	    "1700003600 61 - -\n", "a caller that sent no id");
	r.reason = CTL_R_UNVERIFIED;
	strlcpy(r.device_id, "rtr-17", sizeof(r.device_id));
	is_str(fmt_reply(&r), "unknown rtr-17 198.51.100.7 unverified "
	    "1700000000 1700003600 61 - -\n", "an unverified caller, written");
	is_str(reply_err("unknown rtr-17 198.51.100.7 unverified 1700000000 "
	    "1700003600 61 - -", &got), "ok", "and read");
	ok(got.reason == CTL_R_UNVERIFIED, "... as unverified");
	is_str(reply_err("unknown - 198.51.100.7 timeout 2 1 1 - -", NULL),
	    "FIRST is after LAST", "first seen after last seen");
	is_str(reply_err("unknown - 198.51.100.7 timeout 1 2 0 - -", NULL),
	    "COUNT is not a number from 1 to 9223372036854775807",
	    "seen 0 times");
	is_str(reply_err("unknown - - timeout 1 2 1 - -", NULL),
	    "ADDR is absent", "an unknown caller has an address");

	r = reply(CTL_END);
	is_str(fmt_reply(&r), "end\n", "end, written");
	is_str(reply_err("end", &got), "ok", "end, read");
	is_int(got.kind, CTL_END, "... as end");
	is_str(reply_err("end now", NULL), "end: 2 fields instead of 1",
	    "end alone");
	is_str(reply_err("take rtr-17 5", NULL), "reply: unknown word \"take\"",
	    "a request is not a reply");
	r.kind = (enum ctl_kind)99;
	ok(fmt_reply(&r) == NULL, "an unknown kind is not written");
}

int
main(void)
{
	greeting();
	requests();
	replies();
	return done_testing();
}
