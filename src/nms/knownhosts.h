/*
 * Recording a device's verified host key in an OpenSSH known_hosts file as
 * "<device-id> <type> <base64> ssh-callhome", so that ssh with
 * HostKeyAlias=<device-id> and StrictHostKeyChecking=yes verifies the
 * device on first contact.  The comment marks the lines ssh-callhome
 * wrote: no other line is ever removed or overridden.
 */
#ifndef KNOWNHOSTS_H
#define KNOWNHOSTS_H

#include <stddef.h>

#include "khname.h"

#define KNOWNHOSTS_MAX		(16 * 1024 * 1024)	/* bytes of the file */
#define KNOWNHOSTS_LOCK_MS	10000	/* wait for another writer */
#define KNOWNHOSTS_NAME_MAX	255	/* a device id, as the preamble allows */
#define KNOWNHOSTS_MARK		"ssh-callhome"	/* our lines' comment */
#define KNOWNHOSTS_FOREIGN	1	/* another's line holds the name */

enum knownhosts_line {
	KH_LINE_OTHER,		/* not about this name, or only @revoked */
	KH_LINE_OURS,		/* written by ssh-callhome for this name */
	KH_LINE_FOREIGN		/* written by someone else, for this name */
};

int	knownhosts_pattern_match(const char *list, size_t len,
	    const char *name);
enum knownhosts_line
	knownhosts_classify(const char *line, size_t len, const char *name);
int	knownhosts_edit(const char *old, size_t oldlen, const char *name,
	    const char *key, char **out, size_t *outlen, int *changed,
	    size_t *foreign);
int	knownhosts_lock(const char *path, int timeout_ms, char *err,
	    size_t errlen);
int	knownhosts_usable(const char *path, char *err, size_t errlen);
int	knownhosts_update(const char *path, const char *name, const char *key,
	    int *changed, char *err, size_t errlen);

#endif
