#include "config.h"

#include <string.h>

#include "khname.h"

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
