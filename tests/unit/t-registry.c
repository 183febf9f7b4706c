/* The --devices file: lines to devices, errors with their line, lookups. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry.h"
#include "tap.h"

#define ED_KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBk2m1cOHmMCxGxh8OYtPZ0hCqpCdUhrEG1kq9hbPSkH"

static char err[512];

/* The error text for a one-off file, or "ok". */
static const char *
parse_err(const char *text)
{
	struct registry reg;

	if (registry_parse(text, strlen(text), &reg, err, sizeof(err)) == 0) {
		registry_free(&reg);
		return "ok";
	}
	ok(reg.dev == NULL && reg.text == NULL && reg.n == 0,
	    "nothing is left allocated after an error");
	return err;
}

static void
example(void)
{
	static const char text[] =
	    "# the fleet\n"
	    "\n"
	    "rtr-19 host-key=\"" ED_KEY " root@rtr-19\"\n"
	    "  rtr-17\t\n"
	    "\trtr-18   secret-file=/etc/ssh-callhome/rtr-18.secret\r\n"
	    "rtr\\04020 secret-file=\"/etc/ssh-callhome/rtr 20\" "
	    "host-key=\"" ED_KEY "\"\n"
	    "   # indented comment\n"
	    "\\043hash";		/* no LF at the end */
	const struct registry_device *d;
	struct registry reg;
	size_t i;
	int sorted = 1;

	ok(registry_parse(text, sizeof(text) - 1, &reg, err,
	    sizeof(err)) == 0, "the documented example parses");
	is_int(reg.n, 5, "five devices");
	for (i = 1; i < reg.n; i++)
		if (strcmp(reg.dev[i - 1].id, reg.dev[i].id) >= 0)
			sorted = 0;
	ok(sorted, "sorted by id");

	d = registry_find(&reg, "rtr-17");
	ok(d != NULL && d->secret_file == NULL && d->host_key == NULL &&
	    d->line == 4, "rtr-17: no option, line 4");
	d = registry_find(&reg, "rtr-18");
	ok(d != NULL && d->line == 5, "rtr-18 after a tab, with CR LF");
	is_str(d ? d->secret_file : NULL, "/etc/ssh-callhome/rtr-18.secret",
	    "rtr-18: its secret file");
	d = registry_find(&reg, "rtr-19");
	is_str(d ? d->host_key : NULL, ED_KEY,
	    "rtr-19: the pinned key, its comment dropped");
	d = registry_find(&reg, "rtr 20");
	ok(d != NULL, "\\040 in an id is a space");
	is_str(d ? d->secret_file : NULL, "/etc/ssh-callhome/rtr 20",
	    "a quoted path keeps its space");
	is_str(d ? d->host_key : NULL, ED_KEY, "two options on one line");
	ok(registry_find(&reg, "#hash") != NULL, "\\043 lists an id that "
	    "starts with '#'");
	ok(registry_find(&reg, "rtr-1") == NULL, "a prefix is not found");
	ok(registry_find(&reg, "rtr-170") == NULL, "nor a longer id");
	ok(registry_find(&reg, "rtr\\04020") == NULL,
	    "the written form is not the id");
	registry_free(&reg);
	ok(reg.dev == NULL && reg.n == 0, "free empties the registry");
}

static void
errors(void)
{
	char *big;

	is_str(parse_err(""), "ok", "an empty file lists no device");
	is_str(parse_err("# nobody\n\n  \n"), "ok", "comments only");
	is_str(parse_err("a\nrtr-17\nb\nc\nd\ne\nrtr-17\n"),
	    "line 7: duplicate device id \"rtr-17\" (first on line 2)",
	    "a duplicate names both lines");
	is_str(parse_err("z\nz\ny\nb\nb\ny\n"),
	    "line 2: duplicate device id \"z\" (first on line 1)",
	    "of several duplicates, the first met is reported");
	is_str(parse_err("x\nx\nx\n"),
	    "line 2: duplicate device id \"x\" (first on line 1)",
	    "three times: the second line");
	is_str(parse_err("a\\040b\na\\040b\n"),
	    "line 2: duplicate device id \"a\\040b\" (first on line 1)",
	    "an id in a message is shown as the file writes it");
	is_str(parse_err("rtr-17 secret-file=etc/s\n"),
	    "line 1: secret-file \"etc/s\" is not an absolute path",
	    "a relative path");
	is_str(parse_err("rtr-17 secret-file=/a secret-file=/b\n"),
	    "line 1: secret-file is given twice", "an option twice");
	is_str(parse_err("\nrtr-17 hostkey=x\n"),
	    "line 2: unknown option \"hostkey\" (secret-file= or host-key=)",
	    "an unknown option");
	is_str(parse_err("rtr-17 /etc/secret\n"),
	    "line 1: \"/etc/secret\" is not an option (secret-file=PATH or "
	    "host-key=\"TYPE BASE64\")", "a word that is not an option");
	is_str(parse_err("rtr-17 secret-file=\n"),
	    "line 1: secret-file is empty", "an empty value");
	is_str(parse_err("rtr-17 secret-file=\"\"\n"),
	    "line 1: secret-file is empty", "an empty quoted value");
	is_str(parse_err("rtr-17 host-key=\"ssh-ed25519 AAAA\n"),
	    "line 1: host-key: no closing '\"'", "an unclosed quote");
	is_str(parse_err("rtr-17 secret-file=\"/a\"b\n"),
	    "line 1: secret-file: a blank must follow the closing '\"'",
	    "text glued to a closing quote");
	is_str(parse_err("rtr-17 host-key=\"ssh-ed25519 AAAA$$$$\"\n"),
	    "line 1: host-key: host key data is not base64", "a bad key");
	is_str(parse_err("rtr-17 host-key=ssh-ed25519\n"),
	    "line 1: host-key: host key is not \"<type> <base64>\"",
	    "a key without its data (unquoted)");
	is_str(parse_err("\"rtr 17\"\n"),
	    "line 1: a device id is not quoted: write a space in it as \\040",
	    "a quoted id says how to write it");
	is_str(parse_err("rtr\\9\n"), "line 1: device id: '\\' is not "
	    "followed by three octal digits from 001 to 377", "a bad escape");
	is_str(parse_err("rtr\\001\n"),
	    "line 1: device id contains a control character",
	    "an id is checked as the preamble checks it");
	is_str(parse_err("ok\nrtr\x01x\n"), "line 2: control byte 0x01",
	    "a raw control byte");
	is_str(parse_err("ok\nrtr\rx\n"), "line 2: control byte 0x0d",
	    "a CR that does not end the line");
	ok(registry_parse("a\nb\0c\n", 6, &(struct registry){ 0 }, err,
	    sizeof(err)) == -1, "a NUL byte is refused");
	is_str(err, "line 2: control byte 0x00", "... with its line");

	/* Bounds: an id of 256 bytes, a line of 16385. */
	big = malloc(REGISTRY_LINE_MAX + 2);
	memset(big, 'a', 256);
	big[256] = '\0';
	is_str(parse_err(big), "line 1: device id is longer than 255 bytes",
	    "an id of 256 bytes");
	big[255] = '\0';
	is_str(parse_err(big), "ok", "an id of 255 bytes");
	memset(big, ' ', REGISTRY_LINE_MAX + 1);
	big[0] = 'x';
	big[REGISTRY_LINE_MAX + 1] = '\0';
	is_str(parse_err(big), "line 1: longer than 16384 bytes",
	    "a line over the bound");
	big[REGISTRY_LINE_MAX] = '\0';
	is_str(parse_err(big), "ok", "a line at the bound");
	free(big);
}

/* n devices, written in reverse so that the sort has work to do. */
static char *
fleet_text(size_t n, size_t *len)
{
	char *text = malloc(n * 32);
	size_t i;

	*len = 0;
	for (i = n; i-- > 0; )
		*len += (size_t)snprintf(text + *len, 32, "dev-%zu\n", i);
	return text;
}

/* CPU seconds to parse n devices and look each one up (best of 3). */
static double
fleet_cpu(size_t n, size_t *found)
{
	struct registry reg;
	size_t len, i;
	char *text = fleet_text(n, &len), id[32];
	double best = 1e9, t;
	clock_t t0;
	int round;

	for (round = 0; round < 3; round++) {
		*found = 0;
		t0 = clock();
		if (registry_parse(text, len, &reg, err, sizeof(err)) == -1)
			break;
		for (i = 0; i < n; i++) {
			snprintf(id, sizeof(id), "dev-%zu", i);
			if (registry_find(&reg, id) != NULL)
				(*found)++;
		}
		registry_free(&reg);
		t = (double)(clock() - t0) / CLOCKS_PER_SEC;
		if (t < best)
			best = t;
	}
	free(text);
	return best;
}

/* Many devices: the bound, and no quadratic parse or lookup. */
static void
fleet(void)
{
	struct registry reg;
	size_t len, found;
	char *text;
	double small, large;

	text = fleet_text(REGISTRY_DEVICES_MAX + 1, &len);
	ok(registry_parse(text, len, &reg, err, sizeof(err)) == -1,
	    "one device over the bound");
	is_str(err, "line 100001: more than 100000 devices", "... says so");
	free(text);

	small = fleet_cpu(REGISTRY_DEVICES_MAX / 10, &found);
	is_int(found, REGISTRY_DEVICES_MAX / 10, "10000 devices, all found");
	large = fleet_cpu(REGISTRY_DEVICES_MAX, &found);
	is_int(found, REGISTRY_DEVICES_MAX, "100000 devices, all found");
	/*
	 * Ten times the devices: n log n costs about 12 times the CPU, n^2
	 * 100 times.  A ratio, so that valgrind or a sanitizer (which slow
	 * both runs alike) cannot fail it.
	 */
	ok(large < 40 * (small > 1e-4 ? small : 1e-4),
	    "10x the devices cost %.0fx the CPU (%.3f s, %.3f s)",
	    large / (small > 0 ? small : 1e-9), small, large);
}

int
main(void)
{
	example();
	errors();
	fleet();
	return done_testing();
}
