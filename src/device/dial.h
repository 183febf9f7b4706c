/*
 * Dial one server: resolve its name again (in a child process, so that a
 * signal or the attempt's timeout ends a lookup that hangs), try every
 * address it has, each with a non-blocking connect bounded by a share of
 * what is left of the attempt's timeout.  Through a proxy, the proxy's
 * name is the one resolved and dialled; the server's name goes to the
 * proxy, which resolves it.
 */
#ifndef DIAL_H
#define DIAL_H

#include <sys/types.h>
#include <sys/socket.h>

#include <signal.h>
#include <stddef.h>

#include "misc.h"
#include "proxy.h"
#include "server.h"

struct dial_opts {
	int		 timeout_ms;	/* the whole attempt */
	int		 ka_idle;	/* TCP keepalive; 0: system defaults */
	int		 ka_count;
	unsigned int	 user_timeout_ms; /* TCP_USER_TIMEOUT; 0: none */
	const sigset_t	*waitmask;	/* signals to let in while waiting */
	/* Where calls come from; bind_len 0: no --bind. */
	const struct sockaddr *bind_addr;
	socklen_t	 bind_len;
	const char	*bind_text;	/* as given, for the log */
	const char	*interface;	/* NULL: no --interface */
	/* --proxy: NULL for none; the password file is read per attempt. */
	const struct proxy *proxy;
	const char	*proxy_password_file;
};

enum dial_status { DIAL_OK, DIAL_FAILED, DIAL_INTERRUPTED };

int	dial_interface_supported(void);
enum dial_status
	dial(const struct server *sv, const struct dial_opts *o, int *fdp,
	    char *peer, size_t peerlen);

#endif
