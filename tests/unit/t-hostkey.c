/* Public host key files: the first key line, without its comment. */
#include "config.h"

#include "hostkey.h"
#include "tap.h"

#define ED "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBk2m1cOHmMCxGxh8OYtPZ0hCqpCdUhrEG1kq9hbPSkH"

int
main(void)
{
	char out[PREAMBLE_KEY_MAX + 1];
	const char *why;

	ok(hostkey_parse(ED " root@host\n", out, sizeof(out), &why) == 0,
	    "key with a comment parses");
	is_str(out, ED, "comment dropped");
	ok(hostkey_parse("# a comment\n\n" ED "\r\n", out, sizeof(out),
	    &why) == 0, "comments, blank lines and CR LF are skipped");
	is_str(out, ED, "key found after comments");
	ok(hostkey_parse(ED, out, sizeof(out), &why) == 0,
	    "no trailing newline");
	ok(hostkey_parse("", out, sizeof(out), &why) == -1, "empty file");
	ok(hostkey_parse("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n", out,
	    sizeof(out), &why) == -1, "a private key is not a public key");
	ok(hostkey_parse("ssh-ed25519 AAAA$$$$\n", out, sizeof(out), &why) ==
	    -1, "bad base64");
	ok(hostkey_parse("ssh-ed25519\n", out, sizeof(out), &why) == -1,
	    "type alone");
	ok(hostkey_parse(ED "\n", out, 20, &why) == -1,
	    "a small buffer is an error");
	return done_testing();
}
