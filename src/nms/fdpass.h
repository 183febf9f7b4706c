/*
 * Giving an accepted call to ssh itself: the socket is passed over ssh's
 * ProxyUseFdpass socketpair (SCM_RIGHTS), and ssh talks to the device
 * directly.
 */
#ifndef FDPASS_H
#define FDPASS_H

#include <sys/types.h>

#include <stddef.h>

int	fdpass_check(int out, char *err, size_t errlen);
int	fdpass_send(int out, int fd, char *err, size_t errlen);
ssize_t	fdpass_sendmsg(int sock, const void *buf, size_t len, int fd);

#endif
