/*
 * A bounded buffer that text is appended to: once something does not fit
 * it is full, and stays so, so a writer checks once at the end.
 */
#ifndef OUTBUF_H
#define OUTBUF_H

#include <stddef.h>

struct outbuf {
	char	*buf;
	size_t	 size;
	size_t	 len;
	int	 full;
};

void	outbuf_put(struct outbuf *o, const char *s, size_t n);
void	outbuf_puts(struct outbuf *o, const char *s);

#endif
