#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dial.h"
#include "log.h"
#include "misc.h"
#include "proxyio.h"
#include "resolve.h"
#include "secret.h"

#define DIAL_MIN_SHARE_MS	2000

/*
 * Each of the addresses left gets an equal share of what remains, so that
 * a black-holed first address cannot eat the whole attempt, but no share
 * is too short for a slow link.
 */
static int
dial_budget_ms(int remaining_ms, int addrs_left)
{
	int share;

	if (remaining_ms <= 0)
		return 0;
	share = addrs_left > 1 ? remaining_ms / addrs_left : remaining_ms;
	if (share < DIAL_MIN_SHARE_MS)
		share = remaining_ms < DIAL_MIN_SHARE_MS ? remaining_ms :
		    DIAL_MIN_SHARE_MS;
	return share;
}

static void
tcp_options(int fd, const struct dial_opts *o)
{
	int on = 1;

	/* Best effort: a kernel without one of these still gets a session. */
	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	if (o->ka_idle > 0) {
		(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &o->ka_idle,
		    sizeof(o->ka_idle));
		(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &o->ka_idle,
		    sizeof(o->ka_idle));
		(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &o->ka_count,
		    sizeof(o->ka_count));
	}
#ifdef TCP_USER_TIMEOUT
	if (o->user_timeout_ms > 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT,
		    &o->user_timeout_ms, sizeof(o->user_timeout_ms));
#endif
}

int
dial_interface_supported(void)
{
#ifdef SO_BINDTODEVICE
	return 1;
#else
	return 0;
#endif
}

/* The source port --bind fixes, or 0. */
static int
bind_port(const struct dial_opts *o)
{
	if (o->bind_len == 0)
		return 0;
	if (o->bind_addr->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)
		    (const void *)o->bind_addr)->sin6_port);
	return ntohs(((const struct sockaddr_in *)
	    (const void *)o->bind_addr)->sin_port);
}

/*
 * --interface and --bind on a new socket: 0, or an errno value, with
 * *what naming the call that failed.  SO_REUSEADDR lets a fixed source
 * port be bound again while an earlier call's connection from it lingers
 * in TIME_WAIT (towards another server, or the same one from the NMS's
 * side); the kernel still refuses to connect from the very same address
 * and port to the very same server while this side's TIME_WAIT for it
 * lasts.
 */
static int
source_setup(int fd, const struct dial_opts *o, const char **what)
{
	int on = 1;

	*what = "";
#ifdef SO_BINDTODEVICE
	if (o->interface != NULL) {
		*what = "SO_BINDTODEVICE";
		if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o->interface,
		    (socklen_t)strlen(o->interface) + 1) == -1)
			return errno;
	}
#endif
	if (o->bind_len > 0) {
		*what = "SO_REUSEADDR";
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
		    sizeof(on)) == -1)
			return errno;
#ifdef IP_BIND_ADDRESS_NO_PORT
		/* No port given: let connect() choose it, per destination. */
		if (bind_port(o) == 0)
			(void)setsockopt(fd, IPPROTO_IP,
			    IP_BIND_ADDRESS_NO_PORT, &on, sizeof(on));
#endif
		*what = "bind";
		if (bind(fd, o->bind_addr, o->bind_len) == -1)
			return errno;
	}
	return 0;
}

static const char *
family_name(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

/* Connect fd to ra within budget_ms: 0, or an errno value. */
static int
connect_one(int fd, const struct resolved_addr *ra, int budget_ms,
    const sigset_t *waitmask)
{
	long long deadline = now_ms() + budget_ms;
	socklen_t len = sizeof(int);
	int r, soerr = 0;

	if (connect(fd, (const struct sockaddr *)&ra->addr, ra->addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return errno;
	for (;;) {
		long long left = deadline - now_ms();

		if (left <= 0)
			return ETIMEDOUT;
		r = wait_fd(fd, POLLOUT, (int)left, waitmask);
		if (r == -1)
			return errno;
		if (r == 1)
			break;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		return errno;
	return soerr;
}

/*
 * The lookup of sv, bounded by the attempt's deadline; DIAL_OK when res
 * holds addresses.  label names the call in the log; what, the name
 * looked up ("" for the server's own, " the proxy").
 */
static enum dial_status
lookup(const struct server *sv, const char *label, const char *what,
    int timeout_ms, const sigset_t *waitmask, struct resolved *res)
{
	struct addrinfo hints;
	char err[256];

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	switch (resolve(sv->host, sv->port, &hints, timeout_ms, waitmask, res,
	    err, sizeof(err))) {
	case RESOLVE_OK:
		return DIAL_OK;
	case RESOLVE_INTERRUPTED:
		return DIAL_INTERRUPTED;
	case RESOLVE_FAILED:
		log_warn("%s: cannot resolve%s: %s", label, what,
		    resolve_strerror(res));
		break;
	case RESOLVE_TIMEOUT:
		log_warn("%s: cannot resolve%s: no answer within the attempt's "
		    "%d s", label, what, timeout_ms / 1000);
		break;
	case RESOLVE_ERROR:
		log_warn("%s: cannot resolve%s: %s", label, what, err);
		break;
	}
	return DIAL_FAILED;
}

/*
 * Through the proxy on the connected fd, to sv.  The attempt is over
 * whatever the proxy answers: another of its addresses would be asked the
 * same, by then with little time left.
 */
static enum dial_status
tunnel(int fd, const struct server *sv, const struct dial_opts *o,
    const struct secret *pass, long long deadline, const sigset_t *waitmask,
    const char *label, const char *host)
{
	char why[512];

	switch (proxy_handshake(fd, o->proxy, sv, pass, deadline,
	    o->timeout_ms, waitmask, why, sizeof(why))) {
	case PROXYIO_OK:
		return DIAL_OK;
	case PROXYIO_INTERRUPTED:
		return DIAL_INTERRUPTED;
	case PROXYIO_FAILED:
	default:
		log_warn("%s [%s]: %s", label, host, why);
		return DIAL_FAILED;
	}
}

enum dial_status
dial(const struct server *sv, const struct dial_opts *o, int *fdp, char *peer,
    size_t peerlen)
{
	struct resolved res;
	struct secret pass;
	const struct resolved_addr *ra;
	const struct server *to = o->proxy != NULL ? &o->proxy->sv : sv;
	long long deadline = now_ms() + o->timeout_ms;
	enum dial_status st;
	sigset_t mask;
	int fd, e, have_pass = 0;
	size_t k;
	const char *what;
	char host[NI_MAXHOST], label[2 * SERVER_NAME_MAX + 16], err[1024];

	*fdp = -1;
	peer[0] = '\0';
	if (o->proxy != NULL)
		snprintf(label, sizeof(label), "%s via proxy %s", sv->name,
		    to->name);
	else
		strlcpy(label, sv->name, sizeof(label));
	/* Read for every attempt, as the secret is: it may be rotated. */
	if (o->proxy != NULL && o->proxy_password_file != NULL) {
		if (secret_read("proxy password file", o->proxy_password_file,
		    &pass, err, sizeof(err)) == -1) {
			log_error("%s: %s", label, err);
			return DIAL_FAILED;
		}
		have_pass = 1;
	}
	/*
	 * The resolver child's SIGCHLD, still pending after the lookup, must
	 * not cut the connect short: only the caller's other signals do.
	 */
	mask = *o->waitmask;
	sigaddset(&mask, SIGCHLD);
	/*
	 * Resolved again on every attempt: addresses move.  Through a proxy,
	 * only the proxy's name: the server's is the proxy's to resolve.
	 */
	if ((st = lookup(to, label, o->proxy != NULL ? " the proxy" : "",
	    o->timeout_ms, &mask, &res)) != DIAL_OK)
		goto done;
	st = DIAL_FAILED;
	for (k = 0; k < res.n; k++) {
		int budget = dial_budget_ms((int)(deadline - now_ms()),
		    (int)(res.n - k));

		ra = &res.a[k];
		if (getnameinfo((const struct sockaddr *)&ra->addr, ra->addrlen,
		    host, sizeof(host), NULL, 0, NI_NUMERICHOST) != 0)
			strlcpy(host, "?", sizeof(host));
		if (budget <= 0) {
			log_warn("%s [%s]: not tried: attempt timed out",
			    label, host);
			continue;
		}
		if (o->bind_len > 0 && o->bind_addr->sa_family != ra->family) {
			log_warn("%s [%s]: not tried: --bind=%s is an %s "
			    "address, this is an %s one", label, host,
			    o->bind_text, family_name(o->bind_addr->sa_family),
			    family_name(ra->family));
			continue;
		}
		fd = socket(ra->family, ra->socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ra->protocol);
		if (fd == -1) {
			log_warn("%s [%s]: socket: %s", label, host,
			    strerror(errno));
			continue;
		}
		if ((e = source_setup(fd, o, &what)) != 0) {
			close(fd);
			if (o->interface != NULL &&
			    strcmp(what, "SO_BINDTODEVICE") == 0)
				log_warn("%s [%s]: --interface=%s: %s%s",
				    label, host, o->interface, strerror(e),
				    e == EPERM ? " (needs CAP_NET_RAW on "
				    "Linux before 5.7)" : "");
			else
				log_warn("%s [%s]: --bind=%s: %s: %s", label,
				    host, o->bind_text, what, strerror(e));
			continue;
		}
		e = connect_one(fd, ra, budget, &mask);
		if (e == 0 && o->proxy != NULL) {
			/* The tunnel gets all that is left of the attempt. */
			if ((st = tunnel(fd, sv, o, have_pass ? &pass : NULL,
			    deadline, &mask, label, host)) != DIAL_OK) {
				close(fd);
				goto done;
			}
		}
		if (e == 0) {
			tcp_options(fd, o);
			if (o->proxy != NULL)
				snprintf(peer, peerlen, "proxy %s", host);
			else
				strlcpy(peer, host, peerlen);
			*fdp = fd;
			log_info("%s [%s]: connected", label, host);
			st = DIAL_OK;
			goto done;
		}
		close(fd);
		if (e == EINTR) {
			st = DIAL_INTERRUPTED;
			goto done;
		}
		log_warn("%s [%s]: %s%s", label, host,
		    e == ETIMEDOUT ? "connection timed out" : strerror(e),
		    e == EADDRNOTAVAIL && bind_port(o) != 0 ? " (the source "
		    "port of --bind is still in TIME_WAIT towards this server; "
		    "see net.ipv4.tcp_tw_reuse)" : "");
	}
done:
	if (have_pass)
		secret_wipe(&pass);
	return st;
}
