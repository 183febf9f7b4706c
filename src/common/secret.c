#include "config.h"

#include <stdio.h>
#include <string.h>

#include "file.h"
#include "secret.h"

/* The length without one trailing LF or CR LF, as editors leave them. */
static size_t
secret_trim(const unsigned char *buf, size_t len)
{
	if (len > 0 && buf[len - 1] == '\n') {
		len--;
		if (len > 0 && buf[len - 1] == '\r')
			len--;
	}
	return len;
}

/*
 * A secret from a private file (FILE_PRIVATE's rules), without the
 * trailing newline.  Errors start with what, then the path: "secret
 * file PATH: ", whichever program reads it.
 */
int
secret_read(const char *what, const char *path, struct secret *s, char *err,
    size_t errlen)
{
	char why[1024];
	size_t len;

	memset(s, 0, sizeof(*s));
	if (file_read(path, FILE_PRIVATE, s->buf, sizeof(s->buf), &len, why,
	    sizeof(why)) == -1)
		goto bad;
	s->len = secret_trim(s->buf, len);
	if (s->len == 0) {
		snprintf(why, sizeof(why), "%s: the %s is empty", path,
		    strcmp(what, "secret file") == 0 ? "secret" : "file");
		goto bad;
	}
	if (s->len > SECRET_MAX) {
		snprintf(why, sizeof(why), "%s: the secret is longer than %d "
		    "bytes", path, SECRET_MAX);
		goto bad;
	}
	return 0;
bad:
	snprintf(err, errlen, "%s %s", what, why);
	secret_wipe(s);
	return -1;
}

int
secret_load(const char *path, struct secret *s, char *err, size_t errlen)
{
	return secret_read("secret file", path, s, err, errlen);
}

void
secret_wipe(struct secret *s)
{
	explicit_bzero(s, sizeof(*s));
}
