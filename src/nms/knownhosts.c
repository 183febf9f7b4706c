#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "file.h"
#include "knownhosts.h"
#include "misc.h"

/* ssh's glob: '*' any run of characters, '?' any one; ASCII case folded. */
static int
glob_match(const char *s, size_t slen, const char *p, size_t plen)
{
	size_t si = 0, pi = 0, star_p = (size_t)-1, star_s = 0;

	/* One backtracking point (the last '*') is enough: linear time. */
	while (si < slen) {
		if (pi < plen && p[pi] == '*') {
			star_p = pi++;
			star_s = si;
		} else if (pi < plen && (p[pi] == '?' ||
		    tolower((unsigned char)p[pi]) ==
		    tolower((unsigned char)s[si]))) {
			pi++;
			si++;
		} else if (star_p != (size_t)-1) {
			pi = star_p + 1;
			si = ++star_s;
		} else
			return 0;
	}
	while (pi < plen && p[pi] == '*')
		pi++;
	return pi == plen;
}

/*
 * Does a comma-separated host pattern list name this host, as ssh reads
 * it: 1 if a pattern matches and no negated one ("!pattern") does, -1 if a
 * negated one does, 0 otherwise.  A "[pattern]:port" entry is taken to
 * name the host on some port, since ssh looks a host up that way when it
 * is reached on a port other than 22.
 */
int
knownhosts_pattern_match(const char *list, size_t len, const char *name)
{
	size_t nlen = strlen(name), off = 0, end, plen;
	const char *p, *close;
	int negate, found = 0;

	while (off < len) {
		end = off;
		while (end < len && list[end] != ',')
			end++;
		p = list + off;
		plen = end - off;
		off = end + 1;
		if ((negate = plen > 0 && *p == '!')) {
			p++;
			plen--;
		}
		if (glob_match(name, nlen, p, plen)) {
			if (negate)
				return -1;
			found = 1;
			continue;
		}
		/*
		 * A negation counts only as written: when in doubt, the
		 * line is taken to name the host.
		 */
		if (negate || plen < 4 || *p != '[' ||
		    (close = memchr(p, ']', plen)) == NULL ||
		    close + 1 >= p + plen || close[1] != ':')
			continue;
		if (glob_match(name, nlen, p + 1, (size_t)(close - p) - 1))
			found = 1;
	}
	return found;
}

/* One base64 field of a hashed name: exactly a SHA-1 length, or -1. */
static int
hash_field(const char *f, size_t flen, unsigned char out[SHA_DIGEST_LENGTH])
{
	unsigned char buf[SHA_DIGEST_LENGTH + 3];

	/* 20 bytes are 28 characters, the last one '=' padding. */
	if (flen != 28 || f[27] != '=' || f[26] == '=')
		return -1;
	if (EVP_DecodeBlock(buf, (const unsigned char *)f, (int)flen) !=
	    SHA_DIGEST_LENGTH + 1)
		return -1;
	memcpy(out, buf, SHA_DIGEST_LENGTH);
	return 0;
}

/*
 * Does a hashed name "|1|salt|hash" stand for this host: the hash is
 * HMAC-SHA1 of the lower-case name (ssh lowercases the names it looks up)
 * keyed with the salt.  An entry ssh cannot read names no host.
 */
static int
hashed_match(const char *f, size_t flen, const char *name)
{
	unsigned char salt[SHA_DIGEST_LENGTH], hash[SHA_DIGEST_LENGTH];
	unsigned char md[EVP_MAX_MD_SIZE];
	char lower[KNOWNHOSTS_NAME_MAX + 1];
	const char *bar;
	unsigned int mdlen;
	size_t i, nlen = strlen(name);

	if (flen < 3 || memcmp(f, "|1|", 3) != 0 ||
	    (bar = memchr(f + 3, '|', flen - 3)) == NULL ||
	    hash_field(f + 3, (size_t)(bar - f) - 3, salt) == -1 ||
	    hash_field(bar + 1, flen - (size_t)(bar + 1 - f), hash) == -1 ||
	    nlen > KNOWNHOSTS_NAME_MAX)
		return 0;
	for (i = 0; i < nlen; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	if (HMAC(EVP_sha1(), salt, sizeof(salt), (const unsigned char *)lower,
	    nlen, md, &mdlen) == NULL || mdlen != SHA_DIGEST_LENGTH)
		return 0;
	return CRYPTO_memcmp(md, hash, SHA_DIGEST_LENGTH) == 0;
}

/* The next blank-separated field of line from *i: its start and length. */
static size_t
next_field(const char *line, size_t len, size_t *i, const char **f)
{
	size_t start;

	while (*i < len && (line[*i] == ' ' || line[*i] == '\t'))
		(*i)++;
	start = *i;
	while (*i < len && line[*i] != ' ' && line[*i] != '\t' &&
	    line[*i] != '\r' && line[*i] != '\n')
		(*i)++;
	*f = line + start;
	return *i - start;
}

/*
 * What a known_hosts line (without its newline) is to this name: ours (a
 * line ssh-callhome wrote for it: "name type base64 ssh-callhome"),
 * foreign (any other line that ssh would apply to the name, @revoked
 * excepted), or other (comments, other names, @revoked, lines ssh
 * ignores).  Pure.
 */
enum knownhosts_line
knownhosts_classify(const char *line, size_t len, const char *name)
{
	const char *f, *host;
	size_t i = 0, flen, hlen, n;

	if ((hlen = next_field(line, len, &i, &host)) == 0 || *host == '#')
		return KH_LINE_OTHER;
	if (*host == '@') {
		/* @revoked lines only ever take trust away. */
		if (hlen != sizeof("@cert-authority") - 1 ||
		    memcmp(host, "@cert-authority", hlen) != 0)
			return KH_LINE_OTHER;
		if ((hlen = next_field(line, len, &i, &host)) == 0)
			return KH_LINE_OTHER;
		if (*host == '|' ? hashed_match(host, hlen, name) :
		    knownhosts_pattern_match(host, hlen, name) == 1)
			return KH_LINE_FOREIGN;
		return KH_LINE_OTHER;
	}
	if (*host == '|')
		return hashed_match(host, hlen, name) ? KH_LINE_FOREIGN :
		    KH_LINE_OTHER;
	if (knownhosts_pattern_match(host, hlen, name) != 1)
		return KH_LINE_OTHER;
	/* Ours: the plain name, then exactly type, key and our comment. */
	if (hlen != strlen(name) || strncasecmp(host, name, hlen) != 0)
		return KH_LINE_FOREIGN;
	for (n = 0; (flen = next_field(line, len, &i, &f)) > 0; n++)
		if (n == 2 && (flen != sizeof(KNOWNHOSTS_MARK) - 1 ||
		    memcmp(f, KNOWNHOSTS_MARK, flen) != 0))
			return KH_LINE_FOREIGN;
	/* Trailing blanks or a CR are fine; any other byte is not ours. */
	while (i < len && (line[i] == ' ' || line[i] == '\t' ||
	    line[i] == '\r'))
		i++;
	return n == 3 && i == len ? KH_LINE_OURS : KH_LINE_FOREIGN;
}

/*
 * The file's new text: the lines that ssh-callhome wrote for name are
 * removed and one line "name key ssh-callhome" takes the place of the
 * first of them (or goes at the end); every other line stays as it is.
 * If any line that ssh-callhome did not write applies to name, nothing is
 * edited: KNOWNHOSTS_FOREIGN, with that line's number in *foreign.  Pure,
 * so that it can be tested on buffers.
 */
int
knownhosts_edit(const char *old, size_t oldlen, const char *name,
    const char *key, char **out, size_t *outlen, int *changed,
    size_t *foreign)
{
	size_t nlen = strlen(name), klen = strlen(key), off = 0, len = 0;
	size_t end, linelen, lineno = 0;
	/* "name key mark\n" and snprintf's NUL. */
	size_t add = nlen + klen + sizeof(KNOWNHOSTS_MARK) + 3;
	const char *nl;
	char *buf;
	int placed = 0;

	*out = NULL;
	*outlen = 0;
	*changed = 0;
	*foreign = 0;
	if (oldlen > KNOWNHOSTS_MAX || add > KNOWNHOSTS_MAX)
		return -1;
	/* old, a newline it may lack, one new line and snprintf's NUL. */
	if ((buf = malloc(oldlen + 1 + add)) == NULL)
		return -1;
	while (off < oldlen) {
		nl = memchr(old + off, '\n', oldlen - off);
		end = nl != NULL ? (size_t)(nl - old) + 1 : oldlen;
		linelen = end - off;
		lineno++;
		switch (knownhosts_classify(old + off, nl != NULL ?
		    linelen - 1 : linelen, name)) {
		case KH_LINE_FOREIGN:
			free(buf);
			*foreign = lineno;
			return KNOWNHOSTS_FOREIGN;
		case KH_LINE_OURS:
			if (!placed) {
				len += snprintf(buf + len, add, "%s %s %s\n",
				    name, key, KNOWNHOSTS_MARK);
				placed = 1;
			}
			break;
		case KH_LINE_OTHER:
			memcpy(buf + len, old + off, linelen);
			len += linelen;
			if (nl == NULL)
				buf[len++] = '\n';
			break;
		}
		off = end;
	}
	if (!placed)
		len += snprintf(buf + len, add, "%s %s %s\n", name, key,
		    KNOWNHOSTS_MARK);
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
 * Record "name key ssh-callhome" in the known_hosts file at path: under
 * the lock, read, edit, and replace the file atomically (temporary file,
 * fsync, rename).  *changed is 0 if the file already said exactly that.
 * KNOWNHOSTS_FOREIGN, with err saying which line, if a line that
 * ssh-callhome did not write applies to name: the file is not touched.
 */
int
knownhosts_update(const char *path, const char *name, const char *key,
    int *changed, char *err, size_t errlen)
{
	char *old = NULL, *new = NULL;
	size_t oldlen, newlen, foreign;
	mode_t mode;
	int lfd, r, ret = -1;

	*changed = 0;
	if ((lfd = knownhosts_lock(path, KNOWNHOSTS_LOCK_MS, err, errlen)) ==
	    -1)
		goto err0;
	if (read_all(path, &old, &oldlen, &mode, err, errlen) == -1)
		goto err1;
	r = knownhosts_edit(old != NULL ? old : "", oldlen, name, key, &new,
	    &newlen, changed, &foreign);
	if (r == KNOWNHOSTS_FOREIGN) {
		snprintf(err, errlen, "%s:%zu already holds a line for \"%s\" "
		    "that ssh-callhome did not write", path, foreign, name);
		ret = KNOWNHOSTS_FOREIGN;
		goto err2;
	}
	if (r == -1) {
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
