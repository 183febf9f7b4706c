/*
 * Bounded reads and atomic replacement of small files (secrets, host keys,
 * state, known_hosts).
 */
#ifndef FILE_H
#define FILE_H

#include <sys/stat.h>

#include <stddef.h>

/*
 * A secret's file: owned by root or the effective user, no access for
 * group or others, not a symbolic link.
 */
#define FILE_PRIVATE	0x01

int	file_private_ok(uid_t owner, mode_t mode, uid_t euid, char *why,
	    size_t whylen);
int	file_open(const char *path, int flags, struct stat *st, char *err,
	    size_t errlen);
int	file_read_fd(int fd, void *buf, size_t cap, size_t *len);
int	file_read(const char *path, int flags, void *buf, size_t bufsz,
	    size_t *len, char *err, size_t errlen);
int	file_replace(const char *path, const void *data, size_t len,
	    mode_t mode, char *err, size_t errlen);

#endif
