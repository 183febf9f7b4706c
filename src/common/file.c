#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"

/*
 * May a file with this owner and mode hold a secret that euid reads?  As
 * for ssh's private keys, neither group nor others may have any access;
 * and, as sshd's StrictModes asks, root or euid must own it, for its owner
 * can read it or chmod it at will.  Pure.
 */
int
file_private_ok(uid_t owner, mode_t mode, uid_t euid, char *why,
    size_t whylen)
{
	if (owner != 0 && owner != euid) {
		snprintf(why, whylen, "owned by uid %lu, not by root or by "
		    "uid %lu", (unsigned long)owner, (unsigned long)euid);
		return -1;
	}
	if (mode & (S_IRWXG | S_IRWXO)) {
		snprintf(why, whylen, "permissions 0%03o are too open: it must "
		    "not be accessible by group or others (chmod 600)",
		    (unsigned)(mode & 0777));
		return -1;
	}
	return 0;
}

/*
 * Open a regular file for reading: -1 with err set otherwise, and errno
 * kept from open(2) so that a caller can treat ENOENT apart.  A private
 * file (FILE_PRIVATE) must also pass file_private_ok() and must not be a
 * symbolic link: a link could be turned to another file by whoever owns
 * the link or its directory.
 */
int
file_open(const char *path, int flags, struct stat *st, char *err,
    size_t errlen)
{
	struct stat lst;
	char why[128];
	int fd, e;

	/* O_NONBLOCK: a FIFO must not hang us before fstat() refuses it. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
	    ((flags & FILE_PRIVATE) ? O_NOFOLLOW : 0))) == -1) {
		e = errno;
		/* ELOOP may also be a loop of links in the directories. */
		if (e == ELOOP && (flags & FILE_PRIVATE) &&
		    lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
			snprintf(err, errlen, "%s: a symbolic link; name the "
			    "file itself", path);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	if (fstat(fd, st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto bad;
	}
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto bad;
	}
	if ((flags & FILE_PRIVATE) && file_private_ok(st->st_uid,
	    st->st_mode, geteuid(), why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: %s", path, why);
		goto bad;
	}
	return fd;
bad:
	close(fd);
	errno = EINVAL;
	return -1;
}

/*
 * Read fd to its end into buf, which has room for cap bytes: 0, or 1 if
 * there was more than that, or -1 with errno from read(2).
 */
int
file_read_fd(int fd, void *buf, size_t cap, size_t *len)
{
	char *p = buf, c;
	ssize_t n;

	*len = 0;
	for (;;) {
		/* Full: one byte more says whether it was all there was. */
		n = *len < cap ? read(fd, p + *len, cap - *len) :
		    read(fd, &c, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			return 0;
		if (*len == cap)
			return 1;
		*len += n;
	}
}

/*
 * Read a whole regular file of at most bufsz - 1 bytes into buf and
 * NUL-terminate it.  A larger file is an error, not a truncation.
 */
int
file_read(const char *path, int flags, void *buf, size_t bufsz, size_t *len,
    char *err, size_t errlen)
{
	struct stat st;
	int fd, ret = -1;

	*len = 0;
	if ((fd = file_open(path, flags, &st, err, errlen)) == -1)
		return -1;
	switch (file_read_fd(fd, buf, bufsz - 1, len)) {
	case -1:
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		break;
	case 1:
		snprintf(err, errlen, "%s: larger than %zu bytes", path,
		    bufsz - 1);
		break;
	default:
		((char *)buf)[*len] = '\0';
		ret = 0;
		break;
	}
	if (ret == -1) {
		explicit_bzero(buf, bufsz);
		*len = 0;
	}
	close(fd);
	return ret;
}

/*
 * Replace path with data: a temporary file beside it, fsync, rename.  A
 * crash at any point leaves either the old file or the new one.
 */
int
file_replace(const char *path, const void *data, size_t len, mode_t mode,
    char *err, size_t errlen)
{
	char tmp[4096], dir[4096];
	const char *p = data;
	size_t off = 0;
	ssize_t n;
	int fd, dfd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
	    sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		goto err0;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto err0;
	}
	while (off < len) {
		if ((n = write(fd, p + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
			goto err1;
		}
		off += n;
	}
	if (fchmod(fd, mode) == -1 || fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto err1;
	}
	if (close(fd) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		fd = -1;
		goto err1;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto err1;
	}
	/* Make the rename itself durable. */
	strlcpy(dir, path, sizeof(dir));
	if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) !=
	    -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
err1:
	if (fd != -1)
		close(fd);
	unlink(tmp);
err0:
	return -1;
}
