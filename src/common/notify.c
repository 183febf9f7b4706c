#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

static int notify_fd = -1;
static struct sockaddr_un notify_addr;
static socklen_t notify_len;

void
notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t n;

	if (path == NULL || (path[0] != '/' && path[0] != '@'))
		return;
	if ((n = strlen(path)) >= sizeof(notify_addr.sun_path))
		return;
	memset(&notify_addr, 0, sizeof(notify_addr));
	notify_addr.sun_family = AF_UNIX;
	memcpy(notify_addr.sun_path, path, n);
	if (path[0] == '@')
		notify_addr.sun_path[0] = '\0';	/* abstract namespace */
	notify_len = offsetof(struct sockaddr_un, sun_path) + n +
	    (path[0] == '/');
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

static void
notify_send(const char *msg)
{
	if (notify_fd == -1)
		return;
	/* Best effort: a lost datagram must not stop the program. */
	(void)sendto(notify_fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&notify_addr, notify_len);
}

void
notify_ready(void)
{
	notify_send("READY=1");
}

void
notify_stopping(void)
{
	notify_send("STOPPING=1");
}

void
notify_status(const char *fmt, ...)
{
	char msg[256], line[sizeof(msg) + 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	setproctitle("%s", msg);
	snprintf(line, sizeof(line), "STATUS=%s", msg);
	line[strcspn(line, "\n")] = '\0';
	notify_send(line);
	log_debug("%s", msg);
}
