/*
 * A stand-in for sshd in the benchmarks: given to sshd-callhome as --sshd,
 * it holds the connection without speaking SSH, so that a fleet of
 * hundreds of devices measures the connector and not sshd.
 *
 *   holder -T ...   answers sshd-callhome's configuration query with one
 *                   line, "logingracetime N" (N from BENCH_HOLDER_GRACE,
 *                   default 120: sshd's own default), and exits 0
 *   holder -i ...   reads fd 0 (the call's socket) until end of file or an
 *                   error, throwing the bytes away, then exits 0
 *
 * Every other argument (-e, -f FILE, -o OPT) is ignored.  No allocation,
 * no stdio while holding: a held call costs one small process.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
put(const char *s)
{
	size_t n = strlen(s);
	ssize_t w;

	while (n > 0) {
		w = write(STDOUT_FILENO, s, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

int
main(int argc, char *argv[])
{
	char buf[4096], line[64];
	const char *g;
	long grace;
	ssize_t n;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-T") != 0)
			continue;
		g = getenv("BENCH_HOLDER_GRACE");
		grace = g != NULL ? strtol(g, NULL, 10) : 120;
		if (grace < 0 || grace > 86400)
			grace = 120;
		/* The one key sshd-callhome reads besides hostkey/subsystem. */
		strcpy(line, "logingracetime ");
		n = (ssize_t)strlen(line);
		if (grace == 0)
			line[n++] = '0';
		else {
			char digits[16];
			int k = 0;

			while (grace > 0 && k < (int)sizeof(digits)) {
				digits[k++] = (char)('0' + grace % 10);
				grace /= 10;
			}
			while (k > 0)
				line[n++] = digits[--k];
		}
		line[n++] = '\n';
		line[n] = '\0';
		put(line);
		return 0;
	}
	/* -i (or anything else): hold the socket on fd 0 until it closes. */
	for (;;) {
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n > 0)
			continue;
		if (n == -1 && errno == EINTR)
			continue;
		return 0;
	}
}
