/*
 * A fleet of callers for the broker benchmarks: opens one loopback
 * connection per device id read from a file, writes a Junos preamble with
 * HOST-KEY and HMAC (built by the project's own preamble.c), and then holds
 * every connection open or closes it.  No SSH is spoken: it measures the
 * daemon's accept, parse, verify and park path, not sshd.
 *
 *   caller [-c] [-n count] -p port -s secret-file -k host-key.pub -i ids
 *
 *   -c       close each call right after its preamble (default: hold all
 *            until SIGTERM or SIGINT, then close them and exit 0)
 *   -n N     make N calls, cycling over the ids (default: one per id)
 *
 * It prints "calls N seconds S" on stdout once every preamble is written;
 * how many of them the daemon verified is for the caller's caller to
 * count (ssh-callhome --broker --list).  Exit 0, 64 on usage, 69 when a
 * connection fails, 78 on a bad secret, key or id file.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "preamble.h"
#include "secret.h"

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
usage(void)
{
	fprintf(stderr, "usage: caller [-c] [-n count] -p port -s secret-file "
	    "-k host-key.pub -i ids\n");
	exit(EX_USAGE);
}

/* The first line of a .pub file, without its comment: "type base64". */
static void
read_key(const char *path, char *key, size_t keysz)
{
	FILE *f;
	char *sp;

	if ((f = fopen(path, "r")) == NULL)
		err(EX_CONFIG, "%s", path);
	if (fgets(key, keysz, f) == NULL)
		errx(EX_CONFIG, "%s: empty", path);
	fclose(f);
	key[strcspn(key, "\r\n")] = '\0';
	if ((sp = strchr(key, ' ')) != NULL && (sp = strchr(sp + 1, ' ')))
		*sp = '\0';
}

static char **
read_ids(const char *path, size_t *n)
{
	FILE *f;
	char line[PREAMBLE_ID_MAX + 2], **ids = NULL;
	size_t cap = 0;

	if ((f = fopen(path, "r")) == NULL)
		err(EX_CONFIG, "%s", path);
	*n = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((ids = reallocarray(ids, cap, sizeof(*ids))) == NULL)
				err(EX_OSERR, "ids");
		}
		if ((ids[(*n)++] = strdup(line)) == NULL)
			err(EX_OSERR, "ids");
	}
	fclose(f);
	if (*n == 0)
		errx(EX_CONFIG, "%s: no device ids", path);
	return ids;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct secret sec;
	static char key[PREAMBLE_KEY_MAX + 2], buf[PREAMBLE_MAX];
	char hmac[PREAMBLE_HMAC_HEX + 1], errbuf[256];
	const char *port = NULL, *secfile = NULL, *keyfile = NULL;
	const char *idfile = NULL, *errstr;
	char **ids;
	int *fds = NULL, ch, hold = 1, one = 1;
	size_t nids, len, i;
	long long count = 0;
	double t0;

	while ((ch = getopt(argc, argv, "cn:p:s:k:i:")) != -1) {
		switch (ch) {
		case 'c':
			hold = 0;
			break;
		case 'n':
			count = strtonum(optarg, 1, 10000000, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-n %s: %s", optarg, errstr);
			break;
		case 'p':
			port = optarg;
			break;
		case 's':
			secfile = optarg;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'i':
			idfile = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !port || !secfile || !keyfile || !idfile)
		usage();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(strtonum(port, 1, 65535, &errstr));
	if (errstr != NULL)
		errx(EX_USAGE, "-p %s: %s", port, errstr);

	if (secret_load(secfile, &sec, errbuf, sizeof(errbuf)) == -1)
		errx(EX_CONFIG, "%s", errbuf);
	read_key(keyfile, key, sizeof(key));
	if (preamble_key_ok(key, strlen(key), &errstr) == -1)
		errx(EX_CONFIG, "%s: %s", keyfile, errstr);
	/* One key for the whole fleet: the HMAC covers the key only. */
	if (preamble_hmac(sec.buf, sec.len, key, strlen(key), hmac) == -1)
		errx(EX_SOFTWARE, "HMAC failed");
	secret_wipe(&sec);
	ids = read_ids(idfile, &nids);
	if (count == 0)
		count = nids;
	if (hold && (fds = reallocarray(NULL, count, sizeof(*fds))) == NULL)
		err(EX_OSERR, "fds");

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	t0 = now();
	for (i = 0; i < (size_t)count && !stop; i++) {
		int fd;

		if (preamble_build(buf, sizeof(buf), &len, PREAMBLE_JUNOS,
		    ids[i % nids], key, hmac) == -1)
			errx(EX_CONFIG, "%s: cannot build a preamble",
			    ids[i % nids]);
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			err(EX_OSERR, "socket (call %zu)", i);
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
			err(EX_UNAVAILABLE, "connect (call %zu)", i);
		if (write(fd, buf, len) != (ssize_t)len)
			err(EX_UNAVAILABLE, "write (call %zu)", i);
		if (hold)
			fds[i] = fd;
		else
			close(fd);
	}
	printf("calls %zu seconds %.3f\n", i, now() - t0);
	fflush(stdout);
	if (hold) {
		while (!stop)
			pause();
		while (i > 0)
			close(fds[--i]);
	}
	return 0;
}
