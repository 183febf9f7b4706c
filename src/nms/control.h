/*
 * ssh-callhomed's control socket: a unix stream socket whose file mode
 * and group decide who may use it; each client is logged by its
 * credentials.  Speaks ctlproto.h to them, over the fleet in park.h.
 */
#ifndef CONTROL_H
#define CONTROL_H

#include <poll.h>
#include <stddef.h>

#include "ctlproto.h"
#include "park.h"

#define CONTROL_CLIENTS_MAX	64
#define CONTROL_MODE		0660	/* owner and group */
#define CONTROL_SEND_MS		2000	/* a client that does not read */
#define CONTROL_DIR_MODE	0750	/* a directory made for the socket */
#define CONTROL_DIR_CONFIG	(-2)	/* control_dir: the operator's fault */
#define CONTROL_LIST_CHUNK	65536	/* bytes of list lines per send */

struct ctl_client {
	int		 fd;
	long long	 uid, pid;
	size_t		 len;
	int		 waiting;	/* a take, until the device calls */
	long long	 deadline;	/* ms, monotonic, of that take */
	char		 id[PREAMBLE_ID_MAX + 1];
	char		 buf[CTL_LINE_MAX];
};

struct control {
	int		 lfd;
	char		 path[108];
	struct ctl_client *c;		/* CONTROL_CLIENTS_MAX */
	size_t		 n;
	struct park	*park;
	int		 listed_only;	/* a registry: others are unknown */
};

int	control_dir(const char *path, int make, char *err, size_t errlen);
int	control_open(struct control *ctl, const char *path, struct park *pk,
	    char *err, size_t errlen);
void	control_close(struct control *ctl);
size_t	control_pollfds(const struct control *ctl, struct pollfd *pfd);
void	control_events(struct control *ctl, const struct pollfd *pfd);
long long
	control_wake(const struct control *ctl, long long wake);
void	control_expire(struct control *ctl, long long now);
void	control_parked(struct control *ctl, struct park_dev *d);

#endif
