#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "knownhosts.h"
#include "misc.h"

/*
 * A name that ssh reads back as exactly one literal host: no pattern or
 * list syntax ('*', '?', '!', ','), no "[host]:port", no marker ('@') or
 * hashed entry ('|'), no comment, nothing that splits the line.
 */
int
knownhosts_name_ok(const char *name, const char **why)
{
	const unsigned char *p = (const unsigned char *)name;

	if (*p == '\0') {
		*why = "empty name";
		return -1;
	}
	if (*p == '@' || *p == '|') {
		*why = "a known_hosts name cannot start with '@' or '|'";
		return -1;
	}
	for (; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f) {
			*why = "a known_hosts name must be printable ASCII "
			    "without spaces";
			return -1;
		}
		if (strchr(",*?!#[]\\\"'", *p) != NULL) {
			*why = "a known_hosts name cannot contain , * ? ! # "
			    "[ ] \\ or quotes";
			return -1;
		}
	}
	return 0;
}

/* Is the line one of ours: a plain entry for exactly this name? */
static int
line_is_name(const char *line, size_t len, const char *name)
{
	size_t i = 0, f, nlen = strlen(name);

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	f = i;
	while (i < len && line[i] != ' ' && line[i] != '\t' &&
	    line[i] != '\r')
		i++;
	/* ssh compares host names without regard to case. */
	return i - f == nlen && strncasecmp(line + f, name, nlen) == 0;
}

/*
 * The file's new text: every plain line for name is removed and one line
 * "name key" takes the place of the first of them (or goes at the end).
 * Comments, markers, hashed names, lists and other hosts stay as they are.
 * Pure, so that it can be tested on buffers.
 */
int
knownhosts_edit(const char *old, size_t oldlen, const char *name,
    const char *key, char **out, size_t *outlen, int *changed)
{
	size_t nlen = strlen(name), klen = strlen(key), off = 0, len = 0;
	size_t end, linelen;
	const char *nl;
	char *buf;
	int placed = 0;

	*out = NULL;
	*outlen = 0;
	*changed = 0;
	if (oldlen > KNOWNHOSTS_MAX || nlen + klen + 3 > KNOWNHOSTS_MAX)
		return -1;
	/* old, a newline it may lack, one new line and snprintf's NUL. */
	if ((buf = malloc(oldlen + 1 + nlen + klen + 3)) == NULL)
		return -1;
	while (off < oldlen) {
		nl = memchr(old + off, '\n', oldlen - off);
		end = nl != NULL ? (size_t)(nl - old) + 1 : oldlen;
		linelen = end - off;
		if (line_is_name(old + off, linelen, name)) {
			if (!placed) {
				len += snprintf(buf + len, nlen + klen + 3,
				    "%s %s\n", name, key);
				placed = 1;
			}
		} else {
			memcpy(buf + len, old + off, linelen);
			len += linelen;
			if (nl == NULL)
				buf[len++] = '\n';
		}
		off = end;
	}
	if (!placed)
		len += snprintf(buf + len, nlen + klen + 3, "%s %s\n", name,
		    key);
	*changed = len != oldlen || memcmp(buf, old, len) != 0;
	*out = buf;
	*outlen = len;
	return 0;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = ms_timespec(ms);

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * Lock "path.lock" (made if missing, never removed: removing it would let
 * two writers hold different locks).  The file itself cannot carry the
 * lock, because every update replaces it by rename.  Returns the locked
 * descriptor; closing it unlocks.
 */
int
knownhosts_lock(const char *path, int timeout_ms, char *err, size_t errlen)
{
	char lock[4096];
	int fd, waited = 0;

	if ((size_t)snprintf(lock, sizeof(lock), "%s.lock", path) >=
	    sizeof(lock)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
	    O_NOCTTY, 0600)) == -1) {
		snprintf(err, errlen, "%s: %s", lock, strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(err, errlen, "%s: %s", lock, strerror(errno));
			goto err;
		}
		if (waited >= timeout_ms) {
			snprintf(err, errlen, "%s: still locked by another "
			    "process after %d s", lock, timeout_ms / 1000);
			goto err;
		}
		sleep_ms(50);
		waited += 50;
	}
	return fd;
err:
	close(fd);
	return -1;
}

/*
 * Can the file be updated later: the lock file can be made, the directory
 * takes the temporary file, and the file, if there is one, is a regular
 * one?  Checked before any call is accepted, to fail fast.
 */
int
knownhosts_usable(const char *path, char *err, size_t errlen)
{
	char dir[4096];
	struct stat st;
	int fd;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	strlcpy(dir, path, sizeof(dir));
	if (access(dirname(dir), W_OK) == -1) {
		snprintf(err, errlen, "%s: directory not writable: %s", path,
		    strerror(errno));
		return -1;
	}
	if ((fd = knownhosts_lock(path, KNOWNHOSTS_LOCK_MS, err, errlen)) ==
	    -1)
		return -1;
	close(fd);
	return 0;
}

/* The whole file, or an empty one if there is none yet. */
static int
read_all(const char *path, char **bufp, size_t *lenp, mode_t *mode, char *err,
    size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len;
	int fd;

	*bufp = NULL;
	*lenp = 0;
	*mode = 0644;
	if ((fd = file_open(path, 0, &st, err, errlen)) == -1) {
		if (errno == ENOENT)
			return 0;
		goto err0;
	}
	if (st.st_size > KNOWNHOSTS_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path,
		    KNOWNHOSTS_MAX);
		goto err1;
	}
	*mode = st.st_mode & 07777;
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto err1;
	}
	/* More than fstat said: someone is writing it without the lock. */
	switch (file_read_fd(fd, buf, (size_t)st.st_size, &len)) {
	case -1:
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto err2;
	case 1:
		snprintf(err, errlen, "%s: changed while being read", path);
		goto err2;
	}
	close(fd);
	*bufp = buf;
	*lenp = len;
	return 0;
err2:
	free(buf);
err1:
	close(fd);
err0:
	return -1;
}

/*
 * Record "name key" in the known_hosts file at path: under the lock, read,
 * edit, and replace the file atomically (temporary file, fsync, rename).
 * *changed is 0 if the file already said exactly that.
 */
int
knownhosts_update(const char *path, const char *name, const char *key,
    int *changed, char *err, size_t errlen)
{
	char *old = NULL, *new = NULL;
	size_t oldlen, newlen;
	mode_t mode;
	int lfd, ret = -1;

	*changed = 0;
	if ((lfd = knownhosts_lock(path, KNOWNHOSTS_LOCK_MS, err, errlen)) ==
	    -1)
		goto err0;
	if (read_all(path, &old, &oldlen, &mode, err, errlen) == -1)
		goto err1;
	if (knownhosts_edit(old != NULL ? old : "", oldlen, name, key, &new,
	    &newlen, changed) == -1) {
		snprintf(err, errlen, "%s: out of memory or file too large",
		    path);
		goto err2;
	}
	if (*changed && file_replace(path, new, newlen, mode, err,
	    errlen) == -1)
		goto err2;
	ret = 0;
err2:
	free(new);
	free(old);
err1:
	close(lfd);
err0:
	return ret;
}
