/*
 * The Junos outbound-ssh "initiation sequence" (DEVICE-CONN-INFO): built by
 * the device, parsed by the management side.  Pure: no sockets, no files.
 */
#ifndef PREAMBLE_H
#define PREAMBLE_H

#include <stddef.h>
#include <stdint.h>

#define PREAMBLE_ID_MAX		255	/* bytes of DEVICE-ID */
#define PREAMBLE_KEY_MAX	4096	/* bytes of "<type> <base64>" */
#define PREAMBLE_LINE_MAX	(PREAMBLE_KEY_MAX + 16)
#define PREAMBLE_MAX		(3 * 64 + PREAMBLE_ID_MAX + PREAMBLE_LINE_MAX + 64)
#define PREAMBLE_HMAC_HEX	40	/* HMAC-SHA1, lowercase hex */

enum preamble_style {
	PREAMBLE_JUNOS,		/* 3 lines, or 5 with a secret */
	PREAMBLE_JUNOS_NUL,	/* as real Junos: NUL after the HOST-KEY value */
	PREAMBLE_NONE		/* RFC 8071: no preamble at all */
};

/* What a receiver learnt from a preamble. */
struct preamble {
	int	present;	/* 0: the stream started with "SSH-" */
	int	lines;		/* 0, 3 or 5 */
	int	nul;		/* HOST-KEY value ended in NUL */
	char	device_id[PREAMBLE_ID_MAX + 1];
	char	host_key[PREAMBLE_KEY_MAX + 1];
	char	hmac[PREAMBLE_HMAC_HEX + 1];
};

enum preamble_verdict {
	PREAMBLE_BAD = -1,	/* reject; *why says why */
	PREAMBLE_MORE = 0,	/* need more bytes */
	PREAMBLE_DONE = 1	/* *used bytes belong to the preamble */
};

int	preamble_id_ok(const char *id, const char **why);
int	preamble_key_ok(const char *key, size_t len, const char **why);
int	preamble_hmac(const void *secret, size_t secretlen, const char *msg,
	    size_t msglen, char hex[PREAMBLE_HMAC_HEX + 1]);
int	preamble_build(char *buf, size_t bufsz, size_t *len,
	    enum preamble_style style, const char *device_id,
	    const char *host_key, const char *hmac_hex);
enum preamble_verdict
	preamble_parse(const uint8_t *buf, size_t len, struct preamble *p,
	    size_t *used, const char **why);
int	preamble_verify(const struct preamble *p, const void *secret,
	    size_t secretlen, int allow_swapped);

#endif
