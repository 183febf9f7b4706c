/*
 * Recording a device's verified host key in an OpenSSH known_hosts file as
 * "<device-id> <type> <base64>", so that ssh with HostKeyAlias=<device-id>
 * and StrictHostKeyChecking=yes verifies the device on first contact.
 */
#ifndef KNOWNHOSTS_H
#define KNOWNHOSTS_H

#include <stddef.h>

#define KNOWNHOSTS_MAX		(16 * 1024 * 1024)	/* bytes of the file */
#define KNOWNHOSTS_LOCK_MS	10000	/* wait for another writer */

int	knownhosts_name_ok(const char *name, const char **why);
int	knownhosts_edit(const char *old, size_t oldlen, const char *name,
	    const char *key, char **out, size_t *outlen, int *changed);
int	knownhosts_lock(const char *path, int timeout_ms, char *err,
	    size_t errlen);
int	knownhosts_usable(const char *path, char *err, size_t errlen);
int	knownhosts_update(const char *path, const char *name, const char *key,
	    int *changed, char *err, size_t errlen);

#endif
