/*
 * The sshd spawn: sshd's command line, sshd -i forked and executed on the
 * dialled socket in a session of its own, and how it ended.
 */
#ifndef SPAWN_H
#define SPAWN_H

#include <sys/types.h>

#include <signal.h>
#include <stddef.h>

#include "options.h"
#include "sshdcfg.h"

enum sshd_mode { SSHD_INETD, SSHD_QUERY };

struct sshd_cmd {
	char	**argv;
	size_t	  argc;
	int	  failed;	/* out of memory while building */
};

int	sshd_cmd_build(struct sshd_cmd *cmd, const struct config *cfg,
	    const struct sshdcfg *sc, enum sshd_mode mode, int log_stderr);
void	sshd_cmd_free(struct sshd_cmd *cmd);
int	spawn_sshd(int sock, char *const argv[], pid_t *pidp, char *err,
	    size_t errlen);
/* Where a server's data starts, after a proxy's reply (spawn_rx_mark()). */
struct rx_mark {
	long long	bytes;		/* received up to the mark */
	long long	segs;		/* segments with data, up to the mark */
	int		pending;	/* unread data was in at the mark */
};

void	spawn_rx_mark(int sock, struct rx_mark *m);
long long
	spawn_bytes_received(int sock, const struct rx_mark *m);
int	spawn_connection_lost(int sock, int grace_ms,
	    const sigset_t *waitmask);
void	spawn_describe(int status, char *buf, size_t len);

#endif
