/* sshd-callhome's command line: defaults, ranges and refusals. */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdarg.h>
#include <string.h>

#include "options.h"
#include "tap.h"

static struct config cfg;
static char err[512];

static enum options_result
run(const char *first, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;
	const char *a;

	argv[argc++] = "sshd-callhome";
	va_start(ap, first);
	for (a = first; a != NULL && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	options_free(&cfg);
	return options_parse(argc, argv, &cfg, err, sizeof(err));
}

/* because: part of the message; never empty, which would match any. */
static void
refused(const char *opt, const char *arg, const char *because)
{
	char shown[128];
	size_t i;

	/* A TAP line must stay one line. */
	strlcpy(shown, opt, sizeof(shown));
	for (i = 0; shown[i] != '\0'; i++)
		if (shown[i] == '\n' || shown[i] == '\r')
			shown[i] = '?';
	ok(run("--device-id=d", opt, "nms", arg, (char *)NULL) ==
	    OPTIONS_USAGE && because[0] != '\0' &&
	    strstr(err, because) != NULL,
	    "%s %s refused (%s)", shown, arg ? arg : "", because);
	if (strstr(err, because) == NULL)
		printf("#   message: %s\n", err);
}

/* --wait-for-client: unset, its bounds, and what it is kept apart from. */
static void
wait_for_client(void)
{
	run("--device-id=d", "nms", (char *)NULL);
	is_int(cfg.wait_for_client, -1, "--wait-for-client unset by default");
	is_int(run("--device-id=d", "--wait-for-client=0", "nms",
	    (char *)NULL), OPTIONS_OK, "--wait-for-client=0 accepted");
	is_int(cfg.wait_for_client, 0, "... 0: as long as the call lives");
	is_int(run("--device-id=d", "--wait-for-client=86400", "nms",
	    (char *)NULL), OPTIONS_OK, "--wait-for-client=86400 accepted");
	is_int(cfg.wait_for_client, 86400, "... the upper bound");
	is_int(run("--device-id=d", "--wait-for-client=3",
	    "--keepalive-interval=0", "--sshd-option=LoginGraceTimeX=1", "nms",
	    (char *)NULL), OPTIONS_OK,
	    "a value with keepalive off, beside another sshd option");
	is_int(cfg.wait_for_client, 3, "... 3 s");
}

/* --bind, --interface, --anchor-time. */
static void
reach(void)
{
	const struct sockaddr_in *sin =
	    (const struct sockaddr_in *)(const void *)&cfg.bind_addr;
	const struct sockaddr_in6 *sin6 =
	    (const struct sockaddr_in6 *)(const void *)&cfg.bind_addr;
	char a[INET6_ADDRSTRLEN];

	run("--device-id=d", "nms", (char *)NULL);
	ok(cfg.bind_len == 0 && cfg.interface == NULL &&
	    cfg.anchor_text == NULL, "no --bind, --interface, --anchor-time "
	    "by default");
	is_int(run("--device-id=d", "--bind=192.0.2.7", "nms", (char *)NULL),
	    OPTIONS_OK, "--bind=192.0.2.7");
	ok(cfg.bind_len == sizeof(*sin) && sin->sin_family == AF_INET &&
	    ntohs(sin->sin_port) == 0 && inet_ntop(AF_INET, &sin->sin_addr, a,
	    sizeof(a)) != NULL && strcmp(a, "192.0.2.7") == 0,
	    "... IPv4, any port");
	is_int(run("--device-id=d", "--bind=192.0.2.7:4000", "nms",
	    (char *)NULL), OPTIONS_OK, "--bind=192.0.2.7:4000");
	is_int(ntohs(sin->sin_port), 4000, "... port 4000");
	is_int(run("--device-id=d", "--bind=[2001:db8::7]:65535", "nms",
	    (char *)NULL), OPTIONS_OK, "--bind=[2001:db8::7]:65535");
	ok(cfg.bind_len == sizeof(*sin6) && sin6->sin6_family == AF_INET6 &&
	    ntohs(sin6->sin6_port) == 65535 && inet_ntop(AF_INET6,
	    &sin6->sin6_addr, a, sizeof(a)) != NULL &&
	    strcmp(a, "2001:db8::7") == 0, "... IPv6 and its port");
	is_int(run("--device-id=d", "--bind=2001:db8::8", "nms",
	    (char *)NULL), OPTIONS_OK, "a bare IPv6 --bind, no port");
	is_int(ntohs(sin6->sin6_port), 0, "... any port");
	is_int(run("--device-id=d", "--interface=vrf-mgmt", "nms",
	    (char *)NULL), OPTIONS_OK, "--interface=vrf-mgmt");
	is_str(cfg.interface, "vrf-mgmt", "... kept");
	is_int(run("--device-id=d", "--interface=abcdefghijklmno", "nms",
	    (char *)NULL), OPTIONS_OK, "a 15-byte interface name");
	is_int(run("--device-id=d", "--periodic=60",
	    "--anchor-time=1970-01-01T01:00:00+01:00", "nms", (char *)NULL),
	    OPTIONS_OK, "--anchor-time with an offset");
	is_int(cfg.anchor_ms, 0, "... the epoch");
	refused("--bind=nms.example.net", NULL, "not an IPv4 address");
	refused("--bind=[fe80::1%eth0]", NULL, "no %zone");
	refused("--bind=192.0.2.7:0", NULL, "from 1 to 65535");
	refused("--bind=[2001:db8::7", NULL, "missing ']'");
	refused("--bind=", NULL, "--bind");
	refused("--interface=abcdefghijklmnop", NULL, "not an interface name");
	refused("--interface=", NULL, "not an interface name");
	refused("--interface=..", NULL, "not an interface name");
	refused("--interface=a b", NULL, "not an interface name");
	refused("--interface=a:1", NULL, "not an interface name");
	refused("--anchor-time=2026-01-01T00:00:00Z", NULL, "needs --periodic");
	refused("--periodic=1", "--anchor-time=2026-01-01T00:00:00",
	    "no zone");
	refused("--periodic=1", "--anchor-time=2026-02-29T00:00:00Z",
	    "no such date");
}

/* --proxy and --proxy-password-file: together, or not at all. */
static void
proxy(void)
{
	is_int(run("--device-id=d", "nms", (char *)NULL), OPTIONS_OK,
	    "no --proxy");
	is_int(cfg.proxy.kind, PROXY_NONE, "... calls go direct");
	is_int(run("--device-id=d", "--proxy=socks5://127.0.0.1:1081", "nms",
	    (char *)NULL), OPTIONS_OK, "--proxy=socks5://127.0.0.1:1081");
	ok(cfg.proxy.kind == PROXY_SOCKS5 &&
	    strcmp(cfg.proxy.sv.host, "127.0.0.1") == 0 &&
	    strcmp(cfg.proxy.sv.port, "1081") == 0, "... SOCKS5 at that port");
	is_int(run("--device-id=d", "--proxy=http://u@proxy",
	    "--proxy-password-file=pw", "nms", (char *)NULL), OPTIONS_OK,
	    "--proxy=http://u@proxy with a password file");
	ok(cfg.proxy.kind == PROXY_HTTP && strcmp(cfg.proxy.user, "u") == 0 &&
	    strcmp(cfg.proxy.sv.port, "3128") == 0 &&
	    strcmp(cfg.proxy_password_file, "pw") == 0,
	    "... HTTP, user u, port 3128, the file");
	is_int(options_absolute(&cfg, "/etc/ch", err, sizeof(err)), 0,
	    "... made absolute");
	is_str(cfg.proxy_password_file, "/etc/ch/pw", "--proxy-password-file");
	refused("--proxy=ftp://p", NULL, "--proxy=ftp://p: the URL must start");
	refused("--proxy=socks5://u:pw@p", NULL, "never on the command line");
	refused("--proxy=socks5://u@p", NULL, "--proxy-password-file");
	refused("--proxy-password-file=/pw", NULL, "needs --proxy");
	refused("--proxy=socks5://p", "--proxy-password-file=/pw",
	    "needs a user in the proxy URL");
	refused("--proxy-password-file=", NULL, "empty value");
	refused("--proxy=socks5://p", "fe80::1%eth0", "IPv6 zone");
}

/* options_absolute(): relative file options against a given directory. */
static void
absolute(void)
{
	run("--device-id=d", "--secret-file=s", "--host-key=./k.pub",
	    "--sshd-config=../etc/sshd_config", "--state-file=var/state",
	    "--pidfile=p.pid", "--sshd=/usr/sbin/sshd", "nms", (char *)NULL);
	is_int(options_absolute(&cfg, "/srv/dev", err, sizeof(err)), 0,
	    "relative paths made absolute");
	is_str(cfg.secret_file, "/srv/dev/s", "--secret-file");
	is_str(cfg.host_key_file, "/srv/dev/./k.pub", "--host-key");
	is_str(cfg.sshd_config, "/srv/dev/../etc/sshd_config", "--sshd-config");
	is_str(cfg.state_file, "/srv/dev/var/state", "--state-file");
	is_str(cfg.pidfile, "/srv/dev/p.pid", "--pidfile");
	is_str(cfg.sshd, "/usr/sbin/sshd", "--sshd (always absolute) kept");

	run("--device-id=d", "--pidfile=p", "--state-file=/var/lib/s", "nms",
	    (char *)NULL);
	is_int(options_absolute(&cfg, "/", err, sizeof(err)), 0,
	    "from /");
	is_str(cfg.pidfile, "/p", "... no double slash");
	is_str(cfg.state_file, "/var/lib/s", "an absolute path is kept");
	is_int(options_absolute(&cfg, "/other", err, sizeof(err)), 0,
	    "a second call");
	is_str(cfg.pidfile, "/p", "... leaves absolute paths alone");

	run("--device-id=d", "--pidfile=/run/p", "--secret-file=/etc/s", "nms",
	    (char *)NULL);
	is_int(options_absolute(&cfg, NULL, err, sizeof(err)), 0,
	    "cwd unknown, only absolute paths: fine");
	run("--device-id=d", "--pidfile=/run/p", "--state-file=st", "nms",
	    (char *)NULL);
	ok(options_absolute(&cfg, NULL, err, sizeof(err)) == -1 &&
	    strstr(err, "--state-file=st: a relative path") != NULL,
	    "cwd unknown and a relative path: refused, naming it (%s)", err);
	run("--device-id=d", "--pidfile=p", "nms", (char *)NULL);
	ok(options_absolute(&cfg, "rel", err, sizeof(err)) == -1,
	    "a relative cwd is no cwd");
}

int
main(void)
{
	is_int(run("--device-id=rtr-1", "nms", (char *)NULL), OPTIONS_OK,
	    "minimal command line");
	ok(cfg.port == 4334 && cfg.retry == 3 && cfg.timeout == 15 &&
	    cfg.ka_interval == 15 && cfg.ka_count == 3 &&
	    cfg.services == SERVICES_NETCONF && cfg.preamble == PREAMBLE_JUNOS &&
	    cfg.strategy == STRATEGY_IN_ORDER && cfg.backoff_max == 120 &&
	    cfg.redial_jitter == 1 &&
	    cfg.idle_timeout == 0 && !cfg.once,
	    "defaults are RFC 8071's and Junos'");
	is_str(cfg.servers[0].name, "nms:4334", "default port applied");

	is_int(run("a:1", "--port=830", "--device-id=x", "[::1]", "b",
	    (char *)NULL), OPTIONS_OK, "options after servers");
	is_int(cfg.nservers, 3, "three servers");
	is_str(cfg.servers[0].name, "a:1", "explicit port kept");
	is_str(cfg.servers[1].name, "[::1]:830", "--port applies to [::1]");

	is_int(run("--device-id=x", "--sshd-option=LogLevel=DEBUG3",
	    "--sshd-option", "MaxAuthTries=2", "--preamble=junos-nul",
	    "--services=any", "--retry=5", "--timeout=2", "--once",
	    "--keepalive-interval=0", "--keepalive-count=9", "--sshd=/bin/true",
	    "--sshd-config=/tmp/c", "--secret-file=/s", "--host-key=/k",
	    "--reconnect-strategy=random", "--state-file=/st",
	    "--backoff-max=30", "--startup-delay=7", "--redial-jitter=0",
	    "-v", "-v", "--syslog",
	    "n", (char *)NULL), OPTIONS_OK, "every option at once");
	ok(cfg.nsshd_options == 2 &&
	    strcmp(cfg.sshd_options[1], "MaxAuthTries=2") == 0,
	    "--sshd-option repeats, in order");
	ok(cfg.preamble == PREAMBLE_JUNOS_NUL && cfg.services == SERVICES_ANY &&
	    cfg.retry == 5 && cfg.timeout == 2 && cfg.once &&
	    cfg.ka_interval == 0 && cfg.ka_count == 9 &&
	    strcmp(cfg.sshd, "/bin/true") == 0 &&
	    strcmp(cfg.sshd_config, "/tmp/c") == 0 &&
	    strcmp(cfg.secret_file, "/s") == 0 &&
	    strcmp(cfg.host_key_file, "/k") == 0 &&
	    cfg.strategy == STRATEGY_RANDOM &&
	    strcmp(cfg.state_file, "/st") == 0 && cfg.backoff_max == 30 &&
	    cfg.startup_delay == 7 && cfg.redial_jitter == 0 &&
	    cfg.verbosity == 2 && cfg.use_syslog,
	    "every value lands where it belongs");

	is_int(run("--device-id=x", "--periodic=5", "n", (char *)NULL),
	    OPTIONS_OK, "--periodic");
	is_int(cfg.idle_timeout, 180, "--periodic implies a 180 s idle timeout");
	is_int(run("--device-id=x", "--periodic=5", "--idle-timeout=0", "n",
	    (char *)NULL), OPTIONS_OK, "--idle-timeout=0");
	is_int(cfg.idle_timeout, 0, "idle timeout can be turned off");
	is_int(run("--device-id=x", "--daemon", "--pidfile=/p", "n",
	    (char *)NULL), OPTIONS_OK, "--daemon --pidfile");
	ok(cfg.daemon && strcmp(cfg.pidfile, "/p") == 0, "daemon, pidfile");
	is_int(run("-q", "--device-id=x", "n", (char *)NULL), OPTIONS_OK, "-q");
	is_int(cfg.verbosity, -1, "quiet");

	is_int(run("--help", (char *)NULL), OPTIONS_HELP, "--help");
	is_int(run("-h", (char *)NULL), OPTIONS_HELP, "-h");
	is_int(run("--version", (char *)NULL), OPTIONS_VERSION, "--version");
	is_int(run("-V", (char *)NULL), OPTIONS_VERSION, "-V");
	ok(strstr(options_usage(), "--device-id") != NULL, "usage text");

	ok(run("nms", (char *)NULL) == OPTIONS_USAGE &&
	    strstr(err, "--device-id is required") != NULL,
	    "--device-id is required");
	ok(run("--device-id=x", (char *)NULL) == OPTIONS_USAGE &&
	    strstr(err, "no SERVER") != NULL, "a SERVER is required");
	ok(run("--device-id=", "n", (char *)NULL) == OPTIONS_USAGE &&
	    strstr(err, "empty") != NULL, "empty device id");
	ok(run("--device-id=a\nb", "n", (char *)NULL) == OPTIONS_USAGE &&
	    strstr(err, "control character") != NULL, "LF in the device id");
	ok(run("--device-id=a\rb", "n", (char *)NULL) == OPTIONS_USAGE,
	    "CR in the device id");
	ok(run("--device-id=a\tb", "n", (char *)NULL) == OPTIONS_USAGE,
	    "TAB in the device id");
	ok(run("--device-id=x", "n:99999", (char *)NULL) == OPTIONS_USAGE &&
	    strstr(err, "n:99999") != NULL, "bad SERVER named in the error");
	ok(run("--device-id=x", "--bogus", "n", (char *)NULL) ==
	    OPTIONS_USAGE && strstr(err, "--bogus") != NULL,
	    "unknown long option named");
	ok(run("--device-id=x", "-Z", "n", (char *)NULL) == OPTIONS_USAGE &&
	    strstr(err, "-Z") != NULL, "unknown short option named");
	ok(run("n", "--device-id", (char *)NULL) == OPTIONS_USAGE &&
	    strstr(err, "needs a value") != NULL, "missing value");

	refused("--once=yes", NULL, "--once: takes no value");
	refused("--port=0", NULL, "from 1 to 65535");
	refused("--port=65536", NULL, "from 1 to 65535");
	refused("--retry=0", NULL, "from 1 to 100");
	refused("--retry=x", NULL, "--retry=x");
	refused("--timeout=0", NULL, "from 1 to 3600");
	refused("--timeout=-1", NULL, "from 1 to 3600");
	refused("--keepalive-interval=3601", NULL, "from 0 to 3600");
	refused("--keepalive-count=0", NULL, "from 1 to 100");
	refused("--backoff-max=0", NULL, "from 1 to 86400");
	refused("--startup-delay=86401", NULL, "from 0 to 86400");
	refused("--periodic=0", NULL, "from 1 to 10080");
	refused("--redial-jitter=3601", NULL, "from 0 to 3600");
	refused("--idle-timeout=x", NULL, "from 0 to 86400");
	refused("--preamble=cisco", NULL, "unknown value");
	refused("--services=shell", NULL, "unknown value");
	refused("--reconnect-strategy=roundrobin", NULL, "unknown value");
	refused("--sshd=sshd", NULL, "absolute path");
	refused("--sshd-option=-d", NULL, "not an sshd_config option");
	refused("--sshd-option=A=b\nC", NULL, "not an sshd_config option");
	refused("--secret-file=", NULL, "empty value");
	refused("--once", "--periodic=1", "exclude each other");
	refused("--wait-for-client=86401", NULL, "from 0 to 86400");
	refused("--wait-for-client=-1", NULL, "from 0 to 86400");
	refused("--wait-for-client=2m", NULL, "--wait-for-client=2m");
	refused("--wait-for-client=", NULL, "--wait-for-client");
	refused("--wait-for-client=0", "--keepalive-interval=0",
	    "needs TCP keepalive");
	refused("--wait-for-client=5", "--sshd-option=logingracetime=9",
	    "both set LoginGraceTime");
	refused("--sshd-option=LoginGraceTime 9", "--wait-for-client=5",
	    "both set LoginGraceTime");
	wait_for_client();
	reach();
	proxy();
	refused("--secret-file=/s", "--preamble=none", "--preamble=none");
	absolute();
	options_free(&cfg);
	return done_testing();
}
