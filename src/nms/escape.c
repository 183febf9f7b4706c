#include "config.h"

#include <stdio.h>
#include <string.h>
#include <vis.h>

#include "escape.h"

/* 0..7 for an octal digit, -1 otherwise. */
static int
octal(char c)
{
	return c >= '0' && c <= '7' ? c - '0' : -1;
}

/* The written form of in: its length, or -1 if empty or out is too small. */
int
escape_word(const char *in, int flags, char *out, size_t outsz)
{
	int vis_flags = VIS_OCTAL | VIS_WHITE | VIS_DQ;
	char one[16];	/* vis(3) writes 4 bytes and a NUL, at most */
	size_t n = 0, k;
	const char *p;
	unsigned char c;

	if (in[0] == '\0' || outsz == 0)
		return -1;
	if (flags & ESCAPE_SPACE)
		vis_flags &= ~VIS_SP;
	/*
	 * Byte by byte with vis(3), not strnvis(3): libbsd 0.11's strnvis
	 * writes its NUL one byte past the buffer when the output does not
	 * fit.  Octal for every byte outside '!'..'~', '\' and '"'; also
	 * for the first of a word that is "-" alone (an absent value) or
	 * starts with '#' (a comment in the registry).
	 */
	for (p = in; *p != '\0'; p++) {
		c = (unsigned char)*p;
		if (p == in && !(flags & ESCAPE_SPACE) && (c == '#' ||
		    strcmp(in, "-") == 0))
			snprintf(one, sizeof(one), "\\%03o", c);
		else if (c > ' ' && c < 0x7f && c != '\\' && c != '"') {
			/*
			 * Most bytes of most words are written as they are:
			 * not through vis(3), whose wide-character work per
			 * byte was most of a 10,000-device list's cost.
			 */
			one[0] = (char)c;
			one[1] = '\0';
		} else
			vis(one, c, vis_flags, p[1]);
		k = strlen(one);
		if (k >= outsz - n)
			return -1;
		memcpy(out + n, one, k + 1);
		n += k;
	}
	return (int)n;
}

/*
 * The bytes that in[0..inlen) stands for, NUL-terminated in out (which
 * may be in itself: the result is never longer).  Returns the length, or
 * -1 and why.  Strict, unlike strunvis(3): it is the reading half of a
 * protocol, so one meaning per written form and no NUL smuggled in.
 */
int
unescape_word(const char *in, size_t inlen, int flags, char *out,
    size_t outsz, const char **why)
{
	size_t i, n = 0;
	int d1, d2, d3, v;
	unsigned char c;

	if (inlen == 0) {
		*why = "empty";
		return -1;
	}
	for (i = 0; i < inlen; i++) {
		c = (unsigned char)in[i];
		if (c == '\\') {
			if (inlen - i < 4 || (d1 = octal(in[i + 1])) == -1 ||
			    (d2 = octal(in[i + 2])) == -1 ||
			    (d3 = octal(in[i + 3])) == -1 || d1 > 3 ||
			    (v = d1 * 64 + d2 * 8 + d3) == 0) {
				*why = "'\\' is not followed by three octal "
				    "digits from 001 to 377";
				return -1;
			}
			c = (unsigned char)v;
			i += 3;
		} else if (c < 0x20 || c == 0x7f ||
		    (c == ' ' && !(flags & ESCAPE_SPACE))) {
			*why = "contains white space or a control byte";
			return -1;
		}
		if (n + 1 >= outsz) {
			*why = "too long";
			return -1;
		}
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return (int)n;
}
