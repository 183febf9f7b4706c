/* Small system helpers every program shares. */
#ifndef MISC_H
#define MISC_H

#include <sys/socket.h>

#include <signal.h>
#include <stddef.h>
#include <time.h>

/* A peer as logged: a numeric address, "[v6]:port" at most, and NUL. */
#define PEER_MAX	64

long long
	now_ms(void);
long long
	wall_ms(void);
void	addr_name(const struct sockaddr *sa, socklen_t salen, char *out,
	    size_t outlen);
struct timespec
	ms_timespec(long long ms);
int	wait_fd(int fd, short events, int timeout_ms, const sigset_t *waitmask);
void	sanitise_stdfd(void);
void	nodump_init(void);
void	core_limit_restore(void);
char  **args_copy(int argc, char *argv[]);
void	args_free(char **v);

#endif
