/*
 * One word of a line-based text format (the device registry, the control
 * protocol): a byte string that can hold any byte but NUL, written so that
 * it holds no white space and no control byte.
 *
 * Written form: every byte outside '!' (0x21) to '~' (0x7e), and every
 * '\' and '"', is a '\' followed by exactly three octal digits ("\040" is
 * a space, "\134" a backslash, "\042" a double quote, "\303\251" a UTF-8
 * e-acute).  So is the first byte of a word that starts with '#'
 * ("\043"), which would read as a comment, or that is "-" alone
 * ("\055"), which stands for an absent value.  The empty string has no
 * written form.  Readers take any other byte from 0x21 up literally, and
 * refuse a '\' that is not followed by three octal digits from 001 to
 * 377.
 */
#ifndef ESCAPE_H
#define ESCAPE_H

#include <stddef.h>

#define ESCAPE_SIZE(n)	(4 * (size_t)(n) + 1)	/* room to write n bytes */

#define ESCAPE_SPACE	0x01	/* free text: spaces are kept as they are */

int	escape_word(const char *in, int flags, char *out, size_t outsz);
int	unescape_word(const char *in, size_t inlen, int flags, char *out,
	    size_t outsz, const char **why);

#endif
