/* The shared secret behind the preamble's HMAC. */
#ifndef SECRET_H
#define SECRET_H

#include <stddef.h>

#define SECRET_MAX	1024	/* bytes, without the trailing newline */

struct secret {
	unsigned char	buf[SECRET_MAX + 3];	/* + CR LF NUL */
	size_t		len;
};

int	secret_read(const char *what, const char *path, struct secret *s,
	    char *err, size_t errlen);
int	secret_load(const char *path, struct secret *s, char *err,
	    size_t errlen);
void	secret_wipe(struct secret *s);

#endif
