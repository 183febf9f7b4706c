#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

/* Letters a host name or an address literal may use; '%' for IPv6 zones. */
static const char hostchars[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_%";

static const char v6chars[] = "0123456789abcdefABCDEF:.";

static int
host_ok(const char *host, size_t len, int v6, const char **why)
{
	const char *zone = v6 ? memchr(host, '%', len) : NULL;
	size_t i;

	if (len == 0) {
		*why = "empty host";
		return -1;
	}
	if (len > SERVER_HOST_MAX) {
		*why = "host name too long";
		return -1;
	}
	for (i = 0; i < len; i++) {
		/* An IPv6 literal is hex, colons and dots up to its zone. */
		if (v6 && (zone == NULL || host + i < zone) &&
		    strchr(v6chars, host[i]) == NULL) {
			*why = "invalid character in IPv6 address";
			return -1;
		}
		if (host[i] == '\0' || (strchr(hostchars, host[i]) == NULL &&
		    !(v6 && host[i] == ':'))) {
			*why = "invalid character in host";
			return -1;
		}
	}
	return 0;
}

int
server_parse(const char *arg, unsigned int defport, struct server *sv,
    const char **why)
{
	const char *host, *port = NULL, *colon, *end;
	size_t hostlen;
	long long n;
	int v6 = 0;

	memset(sv, 0, sizeof(*sv));
	if (arg[0] == '[') {
		if ((end = strchr(arg, ']')) == NULL) {
			*why = "missing ']' after IPv6 address";
			return -1;
		}
		host = arg + 1;
		hostlen = end - host;
		v6 = 1;
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0') {
			*why = "junk after ']'";
			return -1;
		}
	} else if ((colon = strchr(arg, ':')) != NULL &&
	    strchr(colon + 1, ':') != NULL) {
		host = arg;
		hostlen = strlen(arg);
		v6 = 1;
	} else {
		host = arg;
		hostlen = colon != NULL ? (size_t)(colon - arg) : strlen(arg);
		if (colon != NULL)
			port = colon + 1;
	}
	if (host_ok(host, hostlen, v6, why) == -1)
		return -1;
	if (port != NULL) {
		n = strtonum(port, 1, 65535, why);
		if (*why != NULL) {
			*why = "port must be a number from 1 to 65535";
			return -1;
		}
	} else
		n = defport;
	memcpy(sv->host, host, hostlen);
	sv->host[hostlen] = '\0';
	snprintf(sv->port, sizeof(sv->port), "%lld", n);
	snprintf(sv->name, sizeof(sv->name), v6 ? "[%s]:%s" : "%s:%s",
	    sv->host, sv->port);
	*why = NULL;
	return 0;
}
