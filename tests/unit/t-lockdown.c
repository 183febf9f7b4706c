/*
 * lockdown.c: which lines of sshd_config text undo the --services=netconf
 * lock-down, read as sshd reads them; lockcheck.c: the files, with Include.
 */
#include "config.h"

#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lockcheck.h"
#include "lockdown.h"
#include "tap.h"

/*
 * Everything the scanner reports for text, one word per item:
 * "O<line>:<keyword>", "I<line>:<0|1>:<arg>|<arg>...", "B<line>:<why>".
 */
static const char *
scan(const char *text, size_t len, int in_match)
{
	static char out[1024];
	struct lockdown_scan s;
	struct lockdown_item it;
	enum lockdown_what w;
	size_t i, n = 0;

	out[0] = '\0';
	lockdown_init(&s, text, len, in_match);
	while ((w = lockdown_next(&s, &it)) != LOCKDOWN_END) {
		if (n > 0)
			n = strlcat(out, " ", sizeof(out));
		if (w == LOCKDOWN_OVERRIDE)
			snprintf(out + n, sizeof(out) - n, "O%u:%s", it.line,
			    it.keyword);
		else if (w == LOCKDOWN_BAD)
			snprintf(out + n, sizeof(out) - n, "B%u:%s", it.line,
			    it.why);
		else {
			snprintf(out + n, sizeof(out) - n, "I%u:%d:", it.line,
			    it.in_match);
			for (i = 0; i < it.argc; i++) {
				if (i > 0)
					strlcat(out, "|", sizeof(out));
				strlcat(out, it.argv[i], sizeof(out));
			}
		}
		n = strlen(out);
		if (w == LOCKDOWN_BAD)
			break;
	}
	lockdown_free(&s);
	return out;
}

#define SCAN(text)	scan((text), strlen(text), 0)

/* text in a Match block: one override of keyword on line 2, or none. */
static void
in_match(const char *line, const char *keyword)
{
	char text[256], want[64];

	snprintf(text, sizeof(text), "Match All\n%s\n", line);
	if (keyword == NULL)
		is_str(SCAN(text), "", "in Match, harmless: %s", line);
	else {
		snprintf(want, sizeof(want), "O2:%s", keyword);
		is_str(SCAN(text), want, "in Match, undoes it: %s", line);
	}
}

static void
test_scan(void)
{
	static const char nul[] = "Match all\nBanner x\0y\nPermitTTY yes\n";

	is_str(SCAN(""), "", "empty text");
	is_str(SCAN("ForceCommand none\nPermitTTY yes\nDisableForwarding no\n"),
	    "", "the global section cannot undo -o: sshd keeps the first value");
	is_str(SCAN("Banner none\nMatch User admin\n\tForceCommand none\n"
	    "Match Address 10.0.0.0/8\nAllowTcpForwarding yes\n"),
	    "O3:ForceCommand O5:AllowTcpForwarding",
	    "a Match block lasts until the next one and beyond");
	is_str(scan("PermitTTY yes\n", 14, 1), "O1:PermitTTY",
	    "text included from a Match block starts in it");
	is_str(SCAN("Match all\r\n\r\n  # x\r\n\tPermitTunnel yes \f\r\n"),
	    "O4:PermitTunnel", "CR LF, blank and comment lines, trailing blanks");
	is_str(SCAN("Match all\nX11Forwarding yes"), "O2:X11Forwarding",
	    "a last line without LF");
	is_str(SCAN("match=user admin\npermituserrc yes\n"), "O2:PermitUserRC",
	    "Match=, any case");

	/* The keyword, however sshd lets it be written. */
	in_match("forcecommand=none", "ForceCommand");
	in_match("FORCECOMMAND = /bin/sh", "ForceCommand");
	in_match("ForceCommand =/bin/sh", "ForceCommand");
	in_match("ForceCommand\t\"/bin/sh -i\"", "ForceCommand");
	in_match("\"ForceCommand\" none", "ForceCommand");
	in_match("Force\"Command\" none", "ForceCommand");
	in_match("=ForceCommand none", "ForceCommand");
	in_match("# ForceCommand none", NULL);
	in_match("#ForceCommand none", NULL);
	in_match("ForceCommand", NULL);		/* sshd refuses it */
	in_match("\"ForceCommand none", NULL);	/* sshd skips the line */
	in_match("ForceCommands none", NULL);	/* another keyword */

	/* Every keyword the lock-down relies on; the lock-down's own value. */
	in_match("ForceCommand /usr/lib/netconf", "ForceCommand");
	in_match("DisableForwarding no", "DisableForwarding");
	in_match("DisableForwarding yes", NULL);
	in_match("PermitTTY yes", "PermitTTY");
	in_match("PermitTTY no", NULL);
	in_match("PermitTTY NO", NULL);
	in_match("PermitTTY \"no\"", NULL);
	in_match("PermitTTY no # never", NULL);
	in_match("PermitTTY no yes", "PermitTTY");
	in_match("PermitTunnel point-to-point", "PermitTunnel");
	in_match("PermitTunnel no", NULL);
	in_match("PermitUserRC yes", "PermitUserRC");
	in_match("AllowAgentForwarding yes", "AllowAgentForwarding");
	in_match("AllowAgentForwarding no", NULL);
	in_match("AllowStreamLocalForwarding local",
	    "AllowStreamLocalForwarding");
	in_match("AllowTcpForwarding remote", "AllowTcpForwarding");
	in_match("AllowTcpForwarding no", NULL);
	in_match("X11Forwarding yes", "X11Forwarding");
	in_match("PermitListen any", "PermitListen");
	in_match("PermitListen none", NULL);
	in_match("PermitOpen 127.0.0.1:830", "PermitOpen");
	in_match("PermitOpen none 127.0.0.1:830", "PermitOpen");
	in_match("PermitOpen none", NULL);

	/* Keywords that cannot widen a session past the lock-down. */
	in_match("Banner none", NULL);
	in_match("PasswordAuthentication yes", NULL);
	in_match("ChrootDirectory /srv/jail", NULL);
	in_match("AuthorizedKeysFile .ssh/other_keys", NULL);
	in_match("GatewayPorts yes", NULL);
	in_match("Subsystem netconf /bin/sh", NULL);

	/* Include: its patterns, and whether its lines are in a block. */
	is_str(SCAN("Include a.conf /etc/ssh/b/*.conf\n"),
	    "I1:0:a.conf|/etc/ssh/b/*.conf", "Include at the top");
	is_str(SCAN("Include a\nMatch User x\n  include=b\nMatch all\n"
	    "Include c\n"), "I1:0:a I3:1:b I5:1:c",
	    "Include in a Match block");
	is_str(SCAN("Include \"/x y/*.conf\" 'z' a\\ b c\\\"d # e\n"),
	    "I1:0:/x y/*.conf|z|a b|c\"d", "Include's quotes and escapes");
	is_str(SCAN("Match all\nInclude /x\nForceCommand none\n"),
	    "I2:1:/x O3:ForceCommand", "the block goes on after an Include");

	/* What sshd would not read either. */
	is_str(SCAN("Match all\nPermitTTY \"yes\nPermitTTY yes\n"),
	    "B2:a quote is not closed", "an open quote in an argument");
	is_str(SCAN("Include 'a\n"), "B1:a quote is not closed",
	    "an open quote in Include");
	is_str(scan(nul, sizeof(nul) - 1, 0), "B2:NUL byte in the line",
	    "a NUL byte");
}

static char dir[] = "/tmp/t-lockdown.XXXXXX";

static void
put(const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || fputs(text, f) == EOF ||
	    fclose(f) == EOF) {
		perror(path);
		exit(1);
	}
}

/* lockcheck on dir/name: "" when accepted, else its message. */
static const char *
check(const char *name, int *nfiles)
{
	static char err[PATH_MAX + 256];
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*nfiles = -1;
	err[0] = '\0';
	if (lockcheck(path, dir, nfiles, err, sizeof(err)) == 0 &&
	    err[0] != '\0')
		return "accepted, but with a message";
	return err;
}

static void
test_files(void)
{
	char want[PATH_MAX + 256];
	int n;

	if (mkdtemp(dir) == NULL) {
		perror(dir);
		exit(1);
	}
	snprintf(want, sizeof(want), "%s/sub.d", dir);
	if (mkdir(want, 0755) == -1) {
		perror(want);
		exit(1);
	}
	put("main", "Banner none\nInclude sub.d/*.conf missing.conf\n"
	    "Match User x\nBanner none\n");
	put("sub.d/b.conf", "Match all\nPermitTTY yes\n");
	put("sub.d/a.conf", "PermitTTY yes\nMatch all\n\nForceCommand none\n");
	snprintf(want, sizeof(want), "%s/sub.d/a.conf:4: Match block sets "
	    "ForceCommand, which --services=netconf relies on; remove it or "
	    "use --services=any", dir);
	is_str(check("main", &n), want, "a relative Include, the first file "
	    "in glob order, its own Match block");
	is_int(n, 2, "two files read");

	put("sub.d/a.conf", "Match all\n");
	snprintf(want, sizeof(want), "%s/sub.d/b.conf:2: Match block sets "
	    "PermitTTY, which --services=netconf relies on; remove it or use "
	    "--services=any", dir);
	is_str(check("main", &n), want, "the next file in glob order");
	is_int(n, 3, "three files read");

	/* A Match in an included file ends with that file. */
	put("sub.d/b.conf", "Match all\nBanner none\n");
	put("top", "Include sub.d/*.conf\nForceCommand none\n");
	is_str(check("top", &n), "", "the Match state of the includer is kept");
	is_int(n, 3, "three files read");

	put("inmatch", "Match Group admins\nInclude sub.d/c\n");
	put("sub.d/c", "# no Match line\nAllowAgentForwarding yes\n");
	snprintf(want, sizeof(want), "%s/sub.d/c:2: Match block sets "
	    "AllowAgentForwarding, which --services=netconf relies on; remove "
	    "it or use --services=any", dir);
	is_str(check("inmatch", &n), want, "included from a Match block");

	put("loop", "Include loop\n");
	snprintf(want, sizeof(want), "%s/loop:1: Include nested more than 16 "
	    "deep", dir);
	is_str(check("loop", &n), want, "an Include loop ends");
	is_int(n, 17, "as deep as sshd reads");

	put("bad", "Match all\nInclude sub.d\n");
	snprintf(want, sizeof(want), "%s/sub.d: not a regular file", dir);
	is_str(check("bad", &n), want, "an included directory");

	put("quote", "Match all\nAllowTcpForwarding 'no\n");
	snprintf(want, sizeof(want), "%s/quote:2: a quote is not closed", dir);
	is_str(check("quote", &n), want, "bad text names the file and line");

	snprintf(want, sizeof(want), "%s/nosuch: No such file or directory",
	    dir);
	is_str(check("nosuch", &n), want, "a missing sshd_config");

	snprintf(want, sizeof(want), "rm -rf '%s'", dir);
	if (system(want) != 0)
		printf("# could not remove %s\n", dir);
}

int
main(void)
{
	test_scan();
	test_files();
	return done_testing();
}
