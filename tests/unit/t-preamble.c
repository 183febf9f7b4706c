/*
 * The preamble and its HMAC.  HMAC values come from outside the code under
 * test: RFC 2202's HMAC-SHA1 vectors and the openssl(1) command.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "preamble.h"
#include "tap.h"

static const char key_ed[] =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBk2m1cOHmMCxGxh8OYtPZ0hCqpCdUhrEG1kq9hbPSkH";

/* HMAC-SHA1 as the openssl command computes it. */
static int
openssl_hmac(const char *key, const char *msg, char out[41])
{
	char cmd[8192], line[512], *p;
	FILE *fp;

	snprintf(cmd, sizeof(cmd), "printf '%%s' '%s' | openssl dgst -sha1 "
	    "-hmac '%s'", msg, key);
	if ((fp = popen(cmd, "r")) == NULL)
		return -1;
	p = fgets(line, sizeof(line), fp);
	pclose(fp);
	if (p == NULL || (p = strstr(line, "= ")) == NULL || strlen(p) < 42)
		return -1;
	memcpy(out, p + 2, 40);
	out[40] = '\0';
	return 0;
}

static void
test_hmac(void)
{
	char hex[41], want[41];
	unsigned char k3[20];

	ok(preamble_hmac("Jefe", 4, "what do ya want for nothing?", 28,
	    hex) == 0, "HMAC computes");
	is_str(hex, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
	    "RFC 2202 test case 2");
	memset(k3, 0xaa, sizeof(k3));
	{
		char msg[51];

		memset(msg, 0xdd, 50);
		msg[50] = '\0';
		preamble_hmac(k3, 20, msg, 50, hex);
		is_str(hex, "125d7342b9ac11cd91a39af48aa17b4f63f175d3",
		    "RFC 2202 test case 3");
	}
	if (openssl_hmac("s3cret-of-the-fleet", key_ed, want) == 0) {
		preamble_hmac("s3cret-of-the-fleet", 19, key_ed,
		    strlen(key_ed), hex);
		is_str(hex, want, "HMAC of a host key matches openssl dgst");
	} else
		ok(0, "openssl dgst -sha1 -hmac runs");
}

static void
test_build(void)
{
	char buf[PREAMBLE_MAX], hmac[41];
	size_t len;
	const char three[] = "MSG-ID: DEVICE-CONN-INFO\r\nMSG-VER: V1\r\n"
	    "DEVICE-ID: rtr-1\r\n";
	char five[PREAMBLE_MAX];
	int n;

	ok(preamble_build(buf, sizeof(buf), &len, PREAMBLE_JUNOS, "rtr-1",
	    NULL, NULL) == 0, "3-line preamble builds");
	ok(len == strlen(three) && memcmp(buf, three, len) == 0,
	    "3-line preamble bytes are exact");

	preamble_hmac("k", 1, key_ed, strlen(key_ed), hmac);
	n = snprintf(five, sizeof(five), "%sHOST-KEY: %s\r\nHMAC: %s\r\n",
	    three, key_ed, hmac);
	ok(preamble_build(buf, sizeof(buf), &len, PREAMBLE_JUNOS, "rtr-1",
	    key_ed, hmac) == 0 && len == (size_t)n &&
	    memcmp(buf, five, len) == 0, "5-line preamble bytes are exact");

	ok(preamble_build(buf, sizeof(buf), &len, PREAMBLE_JUNOS_NUL, "rtr-1",
	    key_ed, hmac) == 0 && len == (size_t)n + 1,
	    "junos-nul adds one byte");
	ok(memcmp(buf + strlen(three) + 10 + strlen(key_ed), "\0\r\n", 3) == 0,
	    "the NUL follows the HOST-KEY value");

	ok(preamble_build(buf, sizeof(buf), &len, PREAMBLE_NONE, "rtr-1",
	    key_ed, hmac) == 0 && len == 0, "style none sends nothing");
	ok(preamble_build(buf, sizeof(buf), &len, PREAMBLE_JUNOS, "a\r\nb",
	    NULL, NULL) == -1, "CR LF in the device id is refused");
	ok(preamble_build(buf, sizeof(buf), &len, PREAMBLE_JUNOS, "",
	    NULL, NULL) == -1, "empty device id is refused");
	ok(preamble_build(buf, 20, &len, PREAMBLE_JUNOS, "rtr-1",
	    NULL, NULL) == -1, "a short buffer is an error, not a truncation");
	ok(preamble_build(buf, sizeof(buf), &len, PREAMBLE_JUNOS, "rtr-1",
	    "ssh-ed25519 AAAA comment", hmac) == -1,
	    "a host key with a comment is refused");
}

static enum preamble_verdict
parse(const char *s, size_t len, struct preamble *p, size_t *used,
    const char **why)
{
	return preamble_parse((const uint8_t *)s, len, p, used, why);
}

static void
test_parse(void)
{
	struct preamble p;
	const char *why;
	char buf[PREAMBLE_MAX + 64], hmac[41], big[PREAMBLE_LINE_MAX + 64];
	size_t len, used, i;
	int allmore;

	preamble_hmac("k", 1, key_ed, strlen(key_ed), hmac);
	preamble_build(buf, sizeof(buf), &len, PREAMBLE_JUNOS_NUL, "rtr-1",
	    key_ed, hmac);
	memcpy(buf + len, "SSH-2.0-OpenSSH_9.2\r\n", 21);
	is_int(parse(buf, len + 21, &p, &used, &why), PREAMBLE_DONE,
	    "our junos-nul preamble parses");
	is_int(used, len, "the SSH banner is left unread");
	is_str(p.device_id, "rtr-1", "device id");
	is_str(p.host_key, key_ed, "host key without the NUL");
	ok(p.nul && p.lines == 5 && p.present, "NUL, 5 lines noted");
	is_int(preamble_verify(&p, "k", 1, 0), 0, "HMAC verifies");
	is_int(preamble_verify(&p, "K", 1, 0), -1, "wrong secret fails");

	allmore = 1;
	for (i = 0; i < len; i++)
		if (parse(buf, i, &p, &used, &why) != PREAMBLE_MORE) {
			if (allmore)
				printf("# prefix of %zu bytes: %s\n", i,
				    why ? why : "done");
			allmore = 0;
		}
	ok(allmore, "every proper prefix asks for more");
	is_int(parse(buf, len, &p, &used, &why), PREAMBLE_DONE,
	    "after HMAC the preamble is complete without waiting");

	{
		const char lf[] = "MSG-ID: DEVICE-CONN-INFO\nMSG-VER: V1\n"
		    "DEVICE-ID:  spaced  \nSSH-2.0-x\r\n";

		is_int(parse(lf, sizeof(lf) - 1, &p, &used, &why),
		    PREAMBLE_DONE, "bare LF, 3 lines");
		is_str(p.device_id, "spaced", "value trimmed");
		is_int(used, sizeof(lf) - 1 - 11, "3-line preamble length");
	}
	snprintf(buf, sizeof(buf), "MSG-ID:DEVICE-CONN-INFO\r\nMSG-VER:V1\r\n"
	    "DEVICE-ID:x\r\nHOST-KEY:%s\r\nHMAC:%s\r\nSSH-", key_ed, hmac);
	is_int(parse(buf, strlen(buf), &p, &used, &why), PREAMBLE_DONE,
	    "no space after the colons");
	ok(!p.nul && preamble_verify(&p, "k", 1, 0) == 0, "still verifies");

	is_int(parse("SSH-2.0-OpenSSH\r\n", 17, &p, &used, &why),
	    PREAMBLE_DONE, "no preamble: RFC 8071");
	ok(used == 0 && !p.present, "nothing consumed");
	is_int(parse("SS", 2, &p, &used, &why), PREAMBLE_MORE,
	    "a banner prefix asks for more");

	is_int(parse("GET / HTTP/1.0\r\n", 16, &p, &used, &why), PREAMBLE_BAD,
	    "garbage is refused");
	is_int(parse("\x00\x01\x02", 3, &p, &used, &why), PREAMBLE_BAD,
	    "binary is refused at once");
	{
		/* The exact length, no NUL: the rest would be a good preamble. */
		const char v2[] = "MSG-ID: DEVICE-CONN-INFO\r\nMSG-VER: V2\r\n"
		    "DEVICE-ID: x\r\nSSH-2.0-x\r\n";

		why = NULL;
		is_int(parse(v2, sizeof(v2) - 1, &p, &used, &why),
		    PREAMBLE_BAD, "MSG-VER V2 is refused");
		is_str(why, "MSG-VER is not V1", "... for its MSG-VER");
	}

	memcpy(big, "MSG-ID: ", 8);
	memset(big + 8, 'A', sizeof(big) - 8);
	is_int(parse(big, sizeof(big), &p, &used, &why), PREAMBLE_BAD,
	    "an endless line is refused");
	ok(why != NULL && strstr(why, "too long") != NULL, "... as too long");

	snprintf(buf, sizeof(buf), "MSG-ID: DEVICE-CONN-INFO\r\nMSG-VER: V1\r\n"
	    "DEVICE-ID: x\r\nHOST-KEY: %s\r\nSSH-2.0-x\r\n", key_ed);
	is_int(parse(buf, strlen(buf), &p, &used, &why), PREAMBLE_BAD,
	    "HOST-KEY without HMAC is refused");

	snprintf(buf, sizeof(buf), "MSG-ID: DEVICE-CONN-INFO\r\nMSG-VER: V1\r\n"
	    "DEVICE-ID: a\x01" "b\r\nSSH-");
	is_int(parse(buf, strlen(buf), &p, &used, &why), PREAMBLE_BAD,
	    "a control character in DEVICE-ID is refused");

	/* The swapped operands: key = host key, message = secret. */
	preamble_hmac(key_ed, strlen(key_ed), "k", 1, hmac);
	snprintf(buf, sizeof(buf), "MSG-ID: DEVICE-CONN-INFO\r\nMSG-VER: V1\r\n"
	    "DEVICE-ID: x\r\nHOST-KEY: %s\r\nHMAC: %s\r\n", key_ed, hmac);
	parse(buf, strlen(buf), &p, &used, &why);
	is_int(preamble_verify(&p, "k", 1, 0), -1,
	    "swapped HMAC refused by default");
	is_int(preamble_verify(&p, "k", 1, 1), 1,
	    "swapped HMAC accepted when allowed");
}

int
main(void)
{
	test_hmac();
	test_build();
	test_parse();
	return done_testing();
}
