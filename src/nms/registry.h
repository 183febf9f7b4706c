/*
 * The device registry (ssh-callhomed --devices=FILE): which devices may
 * call, and how each one proves who it is.  Pure: the caller reads the
 * file; this parses its text and answers lookups.
 *
 * THE FILE FORMAT
 *
 * One device per line: its device id, then options, separated by spaces
 * or tabs.  Blank lines and lines whose first non-blank character is '#'
 * are ignored; leading and trailing blanks are too, and so is a CR
 * before the LF.
 *
 *     # DEVICE-ID   [secret-file=PATH] [host-key="TYPE BASE64 [COMMENT]"]
 *     rtr-17
 *     rtr-18        secret-file=/etc/ssh-callhome/rtr-18.secret
 *     rtr-19        host-key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI... root@rtr-19"
 *     rtr\04020     secret-file="/etc/ssh-callhome/rtr 20.secret"
 *
 * DEVICE-ID is the DEVICE-ID its preamble sends, byte for byte: any bytes
 * but control characters, at most 255 of them.  A space, '\', '"', any
 * byte outside printable ASCII, and a leading '#' are written as '\' and
 * three octal digits ("\040" for a space, "\134" for '\', "\042" for '"',
 * "\043" for '#'), as in the control protocol.  Each id appears once.
 *
 * Options, each at most once:
 *
 *   secret-file=PATH
 *	This device's own secret, for the HMAC of its preamble, instead of
 *	the fleet-wide --secret-file.  PATH is absolute.
 *
 *   host-key="TYPE BASE64"
 *	The device's SSH host key, pinned: a call whose HOST-KEY is this
 *	key is the device's.  Paste the line of the device's public key
 *	file (.pub); a comment after the key is ignored.
 *
 * A value with spaces is enclosed in double quotes, and cannot itself
 * contain a double quote; there are no escapes inside quotes.  A line
 * holds at most REGISTRY_LINE_MAX bytes, a file REGISTRY_DEVICES_MAX
 * devices.  An error names the first bad line, e.g.
 *     line 7: duplicate device id "rtr-17" (first on line 3)
 * and the caller prefixes the file's name.
 */
#ifndef REGISTRY_H
#define REGISTRY_H

#include <stddef.h>

#define REGISTRY_LINE_MAX	16384	/* bytes, without the LF */
#define REGISTRY_DEVICES_MAX	100000

struct registry_device {
	const char	*id;
	const char	*secret_file;	/* NULL: the fleet-wide secret */
	const char	*host_key;	/* "TYPE BASE64"; NULL: none pinned */
	size_t		 line;		/* where the file lists it */
};

struct registry {
	struct registry_device	*dev;	/* sorted by id, for lookups */
	size_t			 n;
	char			*text;	/* the strings above point in here */
};

int	registry_parse(const char *buf, size_t len, struct registry *reg,
	    char *err, size_t errlen);
const struct registry_device *
	registry_find(const struct registry *reg, const char *id);
void	registry_free(struct registry *reg);

#endif
