#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "fdpass.h"

/* ssh's ProxyUseFdpass gives the command one end of a socketpair. */
int
fdpass_check(int out, char *err, size_t errlen)
{
	struct stat st;
	int type;
	socklen_t len = sizeof(type);

	if (fstat(out, &st) == -1 || !S_ISSOCK(st.st_mode) ||
	    getsockopt(out, SOL_SOCKET, SO_TYPE, &type, &len) == -1) {
		snprintf(err, errlen, "--fdpass: standard output is not a "
		    "socket; use it as ssh's ProxyCommand with "
		    "\"ProxyUseFdpass yes\", or leave out --fdpass to relay");
		return -1;
	}
	return 0;
}

/*
 * One sendmsg() of buf, with fd riding on it as SCM_RIGHTS unless it is
 * -1; EINTR is retried.  What sendmsg() returns.
 */
ssize_t
fdpass_sendmsg(int sock, const void *buf, size_t len, int fd)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct msghdr msg;
	struct cmsghdr *cmsg;
	struct iovec iov;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd != -1) {
		memset(&cm, 0, sizeof(cm));
		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof(cm.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	while ((n = sendmsg(sock, &msg, MSG_NOSIGNAL)) == -1 && errno == EINTR)
		;
	return n;
}

/*
 * Send fd over the socket out, with the one byte of data that ssh's
 * receiving side (mm_receive_fd) insists on.
 */
int
fdpass_send(int out, int fd, char *err, size_t errlen)
{
	struct pollfd pfd;
	ssize_t n;

	for (;;) {
		n = fdpass_sendmsg(out, "", 1, fd);
		if (n == 1)
			return 0;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* A non-blocking stdout: wait, but not for ever. */
			pfd.fd = out;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, 10000) == 1)
				continue;
			snprintf(err, errlen, "passing the connection to ssh: "
			    "standard output is not writable");
			return -1;
		}
		snprintf(err, errlen, "passing the connection to ssh: %s",
		    n == -1 ? strerror(errno) : "short write");
		return -1;
	}
}
