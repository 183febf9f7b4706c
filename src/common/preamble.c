#include "config.h"

#include <ctype.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "outbuf.h"
#include "preamble.h"

static const char banner[] = "SSH-";

int
preamble_id_ok(const char *id, const char **why)
{
	size_t i, len = strlen(id);

	if (len == 0) {
		*why = "device id is empty";
		return -1;
	}
	if (len > PREAMBLE_ID_MAX) {
		*why = "device id is longer than 255 bytes";
		return -1;
	}
	for (i = 0; i < len; i++) {
		/* It is written into a line-based protocol and into logs. */
		if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f) {
			*why = "device id contains a control character";
			return -1;
		}
	}
	return 0;
}

static int
keytype_char(int c)
{
	return isalnum(c) || c == '@' || c == '.' || c == '-' || c == '_' ||
	    c == '+';
}

static int
base64_char(int c)
{
	return isalnum(c) || c == '+' || c == '/';
}

/* "<type> <base64>" exactly: one space, no comment, no padding inside. */
int
preamble_key_ok(const char *key, size_t len, const char **why)
{
	size_t i = 0, t, b, pad = 0;

	if (len > PREAMBLE_KEY_MAX) {
		*why = "host key is too long";
		return -1;
	}
	while (i < len && keytype_char((unsigned char)key[i]))
		i++;
	t = i;
	if (t == 0 || t > 64 || i >= len || key[i] != ' ') {
		*why = "host key is not \"<type> <base64>\"";
		return -1;
	}
	b = ++i;
	while (i < len && base64_char((unsigned char)key[i]))
		i++;
	while (i < len && key[i] == '=' && pad < 2) {
		i++;
		pad++;
	}
	if (i != len || i - b < 16 || (i - b) % 4 != 0) {
		*why = "host key data is not base64";
		return -1;
	}
	return 0;
}

int
preamble_hmac(const void *secret, size_t secretlen, const char *msg,
    size_t msglen, char hex[PREAMBLE_HMAC_HEX + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (HMAC(EVP_sha1(), secret, (int)secretlen,
	    (const unsigned char *)msg, msglen, md, &mdlen) == NULL ||
	    mdlen * 2 != PREAMBLE_HMAC_HEX)
		return -1;
	for (i = 0; i < mdlen; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0xf];
	}
	hex[PREAMBLE_HMAC_HEX] = '\0';
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

int
preamble_build(char *buf, size_t bufsz, size_t *len, enum preamble_style style,
    const char *device_id, const char *host_key, const char *hmac_hex)
{
	struct outbuf o = { buf, bufsz, 0, 0 };
	const char *why;

	*len = 0;
	if (style == PREAMBLE_NONE)
		return 0;
	if (preamble_id_ok(device_id, &why) == -1)
		return -1;
	outbuf_puts(&o, "MSG-ID: DEVICE-CONN-INFO\r\nMSG-VER: V1\r\nDEVICE-ID: ");
	outbuf_puts(&o, device_id);
	outbuf_puts(&o, "\r\n");
	if (host_key != NULL) {
		if (preamble_key_ok(host_key, strlen(host_key), &why) == -1 ||
		    hmac_hex == NULL || strlen(hmac_hex) != PREAMBLE_HMAC_HEX)
			return -1;
		outbuf_puts(&o, "HOST-KEY: ");
		outbuf_puts(&o, host_key);
		if (style == PREAMBLE_JUNOS_NUL)
			outbuf_put(&o, "", 1);
		outbuf_puts(&o, "\r\nHMAC: ");
		outbuf_puts(&o, hmac_hex);
		outbuf_puts(&o, "\r\n");
	}
	if (o.full)
		return -1;
	*len = o.len;
	return 0;
}

/*
 * Does the stream at off start with the SSH banner?  1 yes, 0 no, -1 too
 * few bytes to tell.
 */
static int
at_banner(const uint8_t *buf, size_t len, size_t off)
{
	size_t n = len - off < 4 ? len - off : 4;

	if (memcmp(buf + off, banner, n) != 0)
		return 0;
	return n == 4 ? 1 : -1;
}

/*
 * The line at off: its value after "KEY:" and optional blanks, without CR
 * LF and trailing blanks.  Returns a verdict; *next is the following line.
 */
static enum preamble_verdict
line_field(const uint8_t *buf, size_t len, size_t off, const char *key,
    const uint8_t **val, size_t *vlen, size_t *next, const char **why)
{
	size_t klen = strlen(key), end, avail = len - off;
	const uint8_t *lf, *p, *e;

	if (avail > PREAMBLE_LINE_MAX)
		avail = PREAMBLE_LINE_MAX;
	if ((lf = memchr(buf + off, '\n', avail)) == NULL) {
		if (avail == PREAMBLE_LINE_MAX) {
			*why = "preamble line too long";
			return PREAMBLE_BAD;
		}
		/* Fail early on a wrong key rather than wait for the line. */
		if (memcmp(buf + off, key, avail < klen ? avail : klen) != 0)
			goto badkey;
		return PREAMBLE_MORE;
	}
	end = lf - buf;
	if (end - off < klen || memcmp(buf + off, key, klen) != 0)
		goto badkey;
	p = buf + off + klen;
	e = buf + end;
	if (e > p && e[-1] == '\r')
		e--;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*val = p;
	*vlen = e - p;
	*next = end + 1;
	return PREAMBLE_DONE;
badkey:
	*why = "unexpected preamble line";
	return PREAMBLE_BAD;
}

static int
value_is(const uint8_t *val, size_t vlen, const char *want)
{
	return vlen == strlen(want) && memcmp(val, want, vlen) == 0;
}

enum preamble_verdict
preamble_parse(const uint8_t *buf, size_t len, struct preamble *p,
    size_t *used, const char **why)
{
	const uint8_t *val;
	size_t vlen, off = 0, i;
	enum preamble_verdict v;
	int b;

	memset(p, 0, sizeof(*p));
	*used = 0;
	*why = NULL;
	if (len == 0)
		return PREAMBLE_MORE;
	if ((b = at_banner(buf, len, 0)) != 0)
		return b == 1 ? PREAMBLE_DONE : PREAMBLE_MORE;

	if ((v = line_field(buf, len, off, "MSG-ID:", &val, &vlen, &off,
	    why)) != PREAMBLE_DONE)
		return v;
	if (!value_is(val, vlen, "DEVICE-CONN-INFO")) {
		*why = "MSG-ID is not DEVICE-CONN-INFO";
		return PREAMBLE_BAD;
	}
	if ((v = line_field(buf, len, off, "MSG-VER:", &val, &vlen, &off,
	    why)) != PREAMBLE_DONE)
		return v;
	if (!value_is(val, vlen, "V1")) {
		*why = "MSG-VER is not V1";
		return PREAMBLE_BAD;
	}
	if ((v = line_field(buf, len, off, "DEVICE-ID:", &val, &vlen, &off,
	    why)) != PREAMBLE_DONE)
		return v;
	if (vlen > PREAMBLE_ID_MAX || memchr(val, '\0', vlen) != NULL) {
		*why = "DEVICE-ID is too long or contains NUL";
		return PREAMBLE_BAD;
	}
	memcpy(p->device_id, val, vlen);
	if (preamble_id_ok(p->device_id, why) == -1)
		return PREAMBLE_BAD;

	if (off == len)
		return PREAMBLE_MORE;
	if ((b = at_banner(buf, len, off)) != 0) {
		if (b == -1)
			return PREAMBLE_MORE;
		p->present = 1;
		p->lines = 3;
		*used = off;
		return PREAMBLE_DONE;
	}
	if ((v = line_field(buf, len, off, "HOST-KEY:", &val, &vlen, &off,
	    why)) != PREAMBLE_DONE)
		return v;
	while (vlen > 0 && val[vlen - 1] == '\0') {
		p->nul = 1;
		vlen--;
	}
	while (vlen > 0 && (val[vlen - 1] == ' ' || val[vlen - 1] == '\t'))
		vlen--;
	if (preamble_key_ok((const char *)val, vlen, why) == -1)
		return PREAMBLE_BAD;
	memcpy(p->host_key, val, vlen);
	if ((v = line_field(buf, len, off, "HMAC:", &val, &vlen, &off,
	    why)) != PREAMBLE_DONE)
		return v;
	if (vlen != PREAMBLE_HMAC_HEX) {
		*why = "HMAC is not 40 hex digits";
		return PREAMBLE_BAD;
	}
	for (i = 0; i < vlen; i++) {
		if (!isxdigit(val[i])) {
			*why = "HMAC is not 40 hex digits";
			return PREAMBLE_BAD;
		}
		p->hmac[i] = tolower(val[i]);
	}
	p->present = 1;
	p->lines = 5;
	*used = off;
	return PREAMBLE_DONE;
}

/* 0: the HMAC is right; 1: right with swapped operands (if allowed); -1. */
int
preamble_verify(const struct preamble *p, const void *secret, size_t secretlen,
    int allow_swapped)
{
	char hex[PREAMBLE_HMAC_HEX + 1];
	int ret = -1;

	if (p->lines != 5)
		return -1;
	if (preamble_hmac(secret, secretlen, p->host_key, strlen(p->host_key),
	    hex) == 0 && CRYPTO_memcmp(hex, p->hmac, PREAMBLE_HMAC_HEX) == 0)
		ret = 0;
	else if (allow_swapped && preamble_hmac(p->host_key,
	    strlen(p->host_key), secret, secretlen, hex) == 0 &&
	    CRYPTO_memcmp(hex, p->hmac, PREAMBLE_HMAC_HEX) == 0)
		ret = 1;
	explicit_bzero(hex, sizeof(hex));
	return ret;
}
