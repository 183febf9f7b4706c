#include "config.h"

#include <stdio.h>
#include <string.h>

#include "file.h"
#include "hostkey.h"

/*
 * The first key line of a public key file, as "<type> <base64>": the
 * comment is dropped because the preamble and its HMAC carry none.
 */
int
hostkey_parse(const char *text, char *out, size_t outsz, const char **why)
{
	const char *line = text, *nl, *sp1, *end;
	size_t n;

	for (; *line != '\0'; line = nl + 1) {
		line += strspn(line, " \t");
		nl = line + strcspn(line, "\n");
		if (*line == '#' || *line == '\r' || line == nl) {
			if (*nl == '\0')
				break;
			continue;
		}
		end = nl;
		if (end > line && end[-1] == '\r')
			end--;
		/* "<type> <base64>", then anything is the comment. */
		sp1 = memchr(line, ' ', end - line);
		if (sp1 != NULL) {
			const char *sp2 = sp1 + 1;

			while (sp2 < end && *sp2 != ' ' && *sp2 != '\t')
				sp2++;
			end = sp2;
		}
		n = end - line;
		if (preamble_key_ok(line, n, why) == -1)
			return -1;
		if (n >= outsz) {
			*why = "host key is too long";
			return -1;
		}
		memcpy(out, line, n);
		out[n] = '\0';
		return 0;
	}
	*why = "no public key in the file";
	return -1;
}

int
hostkey_load(const char *path, char *out, size_t outsz, char *err,
    size_t errlen)
{
	char buf[PREAMBLE_KEY_MAX * 2];
	const char *why;
	size_t len;
	int ret = -1;

	if (file_read(path, 0, buf, sizeof(buf), &len, err, errlen) == -1)
		return -1;
	if (memchr(buf, '\0', len) != NULL)
		snprintf(err, errlen, "%s: not a public key file (binary data)",
		    path);
	else if (strstr(buf, "PRIVATE KEY-----") != NULL)
		snprintf(err, errlen, "%s: is a private key; name the public "
		    "key (.pub) file", path);
	else if (hostkey_parse(buf, out, outsz, &why) == -1)
		snprintf(err, errlen, "%s: %s", path, why);
	else
		ret = 0;
	/* A private key given by mistake must not linger in memory. */
	explicit_bzero(buf, sizeof(buf));
	return ret;
}
