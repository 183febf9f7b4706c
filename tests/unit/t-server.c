/* SERVER strings: host, host:port, IPv4:port, [IPv6], [IPv6]:port. */
#include "config.h"

#include "server.h"
#include "tap.h"

static void
good(const char *arg, const char *host, const char *port, const char *name)
{
	struct server sv;
	const char *why = NULL;

	ok(server_parse(arg, 4334, &sv, &why) == 0, "\"%s\" parses", arg);
	is_str(sv.host, host, "\"%s\" host", arg);
	is_str(sv.port, port, "\"%s\" port", arg);
	is_str(sv.name, name, "\"%s\" name", arg);
}

static void
bad(const char *arg, const char *because)
{
	struct server sv;
	const char *why = NULL;

	ok(server_parse(arg, 4334, &sv, &why) == -1 && why != NULL &&
	    strstr(why, because) != NULL, "\"%s\" refused: %s", arg, because);
}

int
main(void)
{
	char longname[300];

	good("nms.example.net", "nms.example.net", "4334",
	    "nms.example.net:4334");
	good("nms:830", "nms", "830", "nms:830");
	good("192.0.2.7:22", "192.0.2.7", "22", "192.0.2.7:22");
	good("[2001:db8::1]:4335", "2001:db8::1", "4335", "[2001:db8::1]:4335");
	good("[::1]", "::1", "4334", "[::1]:4334");
	good("2001:db8::7", "2001:db8::7", "4334", "[2001:db8::7]:4334");
	good("[fe80::1%eth0]:1", "fe80::1%eth0", "1", "[fe80::1%eth0]:1");

	bad("", "empty host");
	bad(":4334", "empty host");
	bad("nms:0", "port must be");
	bad("nms:65536", "port must be");
	bad("nms:http", "port must be");
	bad("nms:", "port must be");
	bad("[::1", "missing ']'");
	bad("[::1]x", "junk after");
	bad("[]:22", "empty host");
	bad("nms;reboot", "invalid character");
	bad("nms\r\nX: y", "invalid character");
	bad("a b", "invalid character");
	bad("nms:22:", "invalid character in IPv6");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	bad(longname, "too long");
	return done_testing();
}
