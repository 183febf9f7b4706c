/*
 * Which calls may go on: the judge's rules over parsed preambles, fed
 * with Junos-style input (NUL, bare LF, "HMAC:" without a space).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "judge.h"
#include "preamble.h"
#include "tap.h"

static const char key_ed[] =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBk2m1cOHmMCxGxh8OYtPZ0hCqpCdUhrEG1kq9hbPSkH";
static const char secret[] = "fleet-secret-42";

static struct preamble pre;
static char why[JUDGE_WHY_MAX];

/* Parse buf as a call's first bytes; the preamble must be complete. */
static int
parse(const char *buf, size_t len, size_t *used)
{
	const char *w;

	return preamble_parse((const uint8_t *)buf, len, &pre, used, &w) ==
	    PREAMBLE_DONE ? 0 : -1;
}

static size_t
five(char *buf, size_t sz, const char *id, const char *hmac, const char *eol,
    const char *sep, int nul)
{
	return (size_t)snprintf(buf, sz, "MSG-ID: DEVICE-CONN-INFO%s"
	    "MSG-VER: V1%sDEVICE-ID: %s%sHOST-KEY: %s%s%sHMAC:%s%s%s"
	    "SSH-2.0-OpenSSH_9.2\r\n", eol, eol, id, eol, key_ed,
	    nul ? "@" : "", eol, sep, hmac, eol);
}

static int
judge(const struct judge_rules *r, enum call_hmac *h)
{
	return judge_call(r, &pre, h, why, sizeof(why));
}

int
main(void)
{
	struct judge_rules none, sec, strict, kh;
	enum call_hmac h;
	char buf[2048], hmac[41], swapped[41], bad[41];
	size_t len, used;
	char *at;

	memset(&none, 0, sizeof(none));
	sec = none;
	sec.secret = secret;
	sec.secretlen = strlen(secret);
	strict = none;
	strict.device_id = "rtr-1";
	strict.require_preamble = 1;
	kh = sec;
	kh.knownhosts_name = 1;
	preamble_hmac(secret, strlen(secret), key_ed, strlen(key_ed), hmac);
	preamble_hmac(key_ed, strlen(key_ed), secret, strlen(secret), swapped);
	strlcpy(bad, hmac, sizeof(bad));
	bad[0] = bad[0] == '0' ? '1' : '0';

	/* RFC 8071: the SSH banner straight away. */
	ok(parse("SSH-2.0-OpenSSH_9.2\r\n", 21, &used) == 0 && used == 0,
	    "no preamble parses, nothing consumed");
	ok(judge(&none, &h) == 0 && h == CALL_HMAC_ABSENT,
	    "no preamble accepted by default");
	ok(judge(&strict, &h) == -1 && strstr(why, "--require-preamble"),
	    "no preamble refused with --require-preamble");
	ok(judge(&sec, &h) == -1 && strstr(why, "secret"),
	    "no preamble refused with a secret");

	len = snprintf(buf, sizeof(buf), "MSG-ID: DEVICE-CONN-INFO\r\n"
	    "MSG-VER: V1\r\nDEVICE-ID: rtr-1\r\nSSH-2.0-x\r\n");
	ok(parse(buf, len, &used) == 0 && used == len - 11,
	    "3-line preamble parses, the banner is left");
	ok(judge(&none, &h) == 0 && h == CALL_HMAC_ABSENT,
	    "3 lines accepted without a secret");
	ok(judge(&strict, &h) == 0, "3 lines from rtr-1 accepted for rtr-1");
	ok(judge(&sec, &h) == -1 && strstr(why, "no HOST-KEY and HMAC"),
	    "3 lines refused with a secret: %s", why);
	strict.device_id = "rtr-2";
	ok(judge(&strict, &h) == -1 && strstr(why, "\"rtr-1\" is not the "
	    "expected \"rtr-2\""), "another device refused: %s", why);
	strict.device_id = "RTR-1";
	ok(judge(&strict, &h) == -1, "device ids compare exactly");
	strict.device_id = "rtr-1";

	/* 5 lines as our device sends them. */
	len = five(buf, sizeof(buf), "rtr-1", hmac, "\r\n", " ", 0);
	ok(parse(buf, len, &used) == 0 && used == len - 21,
	    "5-line preamble parses");
	ok(judge(&sec, &h) == 0 && h == CALL_HMAC_VERIFIED, "HMAC verified");
	ok(judge(&none, &h) == 0 && h == CALL_HMAC_UNCHECKED,
	    "without a secret the HMAC is unchecked, not trusted");
	ok(judge(&kh, &h) == 0 && h == CALL_HMAC_VERIFIED,
	    "a plain id may go to known_hosts");

	/* Junos: NUL after the key, bare LF, "HMAC:" without the space. */
	len = five(buf, sizeof(buf), "rtr-1", hmac, "\n", "", 1);
	at = memchr(buf, '@', len);
	*at = '\0';
	ok(parse(buf, len, &used) == 0 && used == len - 21 && pre.nul,
	    "NUL, LF, no space: parses, NUL noted");
	ok(judge(&sec, &h) == 0 && h == CALL_HMAC_VERIFIED,
	    "NUL, LF, no space: HMAC verified over the key without NUL");

	/* Uppercase hex from another implementation. */
	{
		char up[41];
		int i;

		for (i = 0; i < 40; i++)
			up[i] = hmac[i] >= 'a' ? hmac[i] - 32 : hmac[i];
		up[40] = '\0';
		len = five(buf, sizeof(buf), "rtr-1", up, "\r\n", " ", 0);
		ok(parse(buf, len, &used) == 0 && judge(&sec, &h) == 0,
		    "uppercase HMAC hex verified");
	}

	len = five(buf, sizeof(buf), "rtr-1", bad, "\r\n", " ", 0);
	ok(parse(buf, len, &used) == 0 && judge(&sec, &h) == -1 &&
	    strstr(why, "HMAC does not match"), "a wrong HMAC refused: %s",
	    why);
	sec.secret = "another-secret";
	sec.secretlen = strlen("another-secret");
	len = five(buf, sizeof(buf), "rtr-1", hmac, "\r\n", " ", 0);
	ok(parse(buf, len, &used) == 0 && judge(&sec, &h) == -1,
	    "a wrong secret refused");
	sec.secret = secret;
	sec.secretlen = strlen(secret);

	len = five(buf, sizeof(buf), "rtr-1", swapped, "\r\n", " ", 0);
	ok(parse(buf, len, &used) == 0 && judge(&sec, &h) == -1,
	    "swapped operands refused by default");
	sec.allow_swapped = 1;
	ok(judge(&sec, &h) == 0 && h == CALL_HMAC_SWAPPED,
	    "swapped operands accepted with --allow-swapped-hmac");
	sec.allow_swapped = 0;

	len = five(buf, sizeof(buf), "rtr 1,x", hmac, "\r\n", " ", 0);
	ok(parse(buf, len, &used) == 0 && judge(&sec, &h) == 0,
	    "an id with a space and a comma is fine without known_hosts");
	ok(judge(&kh, &h) == -1 && strstr(why, "known_hosts"),
	    "... but refused with --known-hosts: %s", why);
	len = five(buf, sizeof(buf), "*", bad, "\r\n", " ", 0);
	ok(parse(buf, len, &used) == 0 && judge(&kh, &h) == -1 &&
	    strstr(why, "HMAC"), "the HMAC is checked before the name");

	/* A pinned host key: the device's proof without the HMAC. */
	{
		struct judge_rules pin = none;
		enum judge_fail f;

		pin.host_key = key_ed;
		len = five(buf, sizeof(buf), "rtr-1", bad, "\r\n", " ", 0);
		ok(parse(buf, len, &used) == 0 && judge_verdict(&pin, &pre,
		    &h, &f, why, sizeof(why)) == 0 && h == CALL_HMAC_PINNED &&
		    f == JUDGE_F_NONE, "the pinned key verifies, whatever the "
		    "HMAC");
		pin.secret = secret;
		pin.secretlen = strlen(secret);
		ok(judge_verdict(&pin, &pre, &h, &f, why, sizeof(why)) == 0 &&
		    h == CALL_HMAC_PINNED, "... with a secret too");
		pin.host_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOther";
		len = five(buf, sizeof(buf), "rtr-1", hmac, "\r\n", " ", 0);
		ok(parse(buf, len, &used) == 0 && judge_verdict(&pin, &pre,
		    &h, &f, why, sizeof(why)) == -1 && f == JUDGE_F_WRONG_KEY,
		    "another key is refused even with a good HMAC: %s", why);
		ok(judge_verdict(&sec, &pre, &h, &f, why, sizeof(why)) == 0 &&
		    h == CALL_HMAC_VERIFIED, "without a pin the HMAC decides");
		len = five(buf, sizeof(buf), "rtr-1", bad, "\r\n", " ", 0);
		ok(parse(buf, len, &used) == 0 && judge_verdict(&sec, &pre,
		    &h, &f, why, sizeof(why)) == -1 && f == JUDGE_F_WRONG_HMAC,
		    "a wrong HMAC fails as wrong-hmac");
		ok(parse("SSH-2.0-x\r\n", 11, &used) == 0 &&
		    judge_verdict(&strict, &pre, &h, &f, why, sizeof(why)) ==
		    -1 && f == JUDGE_F_NO_PREAMBLE, "no preamble fails as "
		    "no-preamble");
	}

	ok(strcmp(call_hmac_name(CALL_HMAC_VERIFIED), "verified") == 0 &&
	    strcmp(call_hmac_name(CALL_HMAC_ABSENT), "absent") == 0 &&
	    strcmp(call_hmac_name(CALL_HMAC_UNCHECKED), "unchecked") == 0 &&
	    strcmp(call_hmac_name(CALL_HMAC_SWAPPED), "verified-swapped") ==
	    0 && strcmp(call_hmac_name(CALL_HMAC_PINNED), "pinned") == 0,
	    "HMAC states have names");
	return done_testing();
}
