/*
 * The control protocol of ssh-callhomed: what `ssh-callhome --broker`, or
 * any other program, says to the daemon on its control socket.  Pure: this
 * formats and parses lines; the caller owns the socket.
 *
 * THE CONTROL PROTOCOL, VERSION 1
 *
 * The daemon listens on a unix stream socket (--control).  Whoever can
 * connect to it may use it; the daemon logs the peer's credentials.  On
 * connecting, the client reads the daemon's greeting, then sends requests
 * one at a time, reading each reply in full before the next request.
 *
 * Lines.  Every message is one line: bytes ending in LF (no CR), at most
 * CTL_LINE_MAX bytes with the LF, no control byte.  Fields are separated
 * by one space, with none before the first or after the last.  A field
 * that holds "-" alone is absent.  A field that holds a name (a device
 * id, an address) is written as escape.h says: a '\' and three octal
 * digits for a space, '\', '"', a control byte, a byte outside ASCII, a
 * leading '#' and a lone '-' ("rtr\04017" is "rtr 17").  Numbers are decimal digits.  Times are
 * seconds since 1970-01-01 00:00 UTC.  Words in lower case (ok, parked,
 * verified ...) come from fixed sets, listed below; a reader refuses any
 * other.
 *
 * Greeting (daemon):
 *	ssh-callhomed VERSION
 *   VERSION is the highest version the daemon speaks.  A daemon speaks
 *   every version from 1 up, and version 1 unless a client asks for
 *   another; a later version will add a request for that.  So a client
 *   that knows version 1 only checks that VERSION is a number >= 1.
 *
 * Requests (client):
 *	take DEVICE-ID TIMEOUT-MS
 *   The device's parked call.  If none is parked, the daemon waits up to
 *   TIMEOUT-MS (0 to 86400000) for the device to call.  The reply is
 *	ok DEVICE-ID ADDR PORT VERIFY KEYTYPE KEY
 *   and the call's TCP socket comes with it: one descriptor, as
 *   SCM_RIGHTS ancillary data on the bytes of this line (read replies
 *   with recvmsg(2)).  The socket is untouched: the device's SSH banner
 *   is the first thing to read from it.  ADDR is the device's address
 *   and PORT the port it called; VERIFY is how the call was verified;
 *   KEYTYPE KEY is the HOST-KEY of its preamble, or "- -".
 *
 *	list
 *   The fleet: one line for every device the daemon knows, by id,
 *	device DEVICE-ID STATE SINCE ADDR PORT VERIFY CALLS TAKER
 *   then one line for every unknown or failed caller,
 *	unknown DEVICE-ID ADDR REASON FIRST LAST COUNT KEYTYPE KEY
 *   then
 *	end
 *   STATE is parked (a call waits), taken (a client took the call) or
 *   absent (no call, or the device hung up); SINCE is when it entered
 *   that state, or "-" if it never called.  ADDR and PORT are those of
 *   its last call, VERIFY the last call's result, CALLS the number of
 *   its calls; TAKER is "UID:PID" of the client that took the call, and
 *   is there only when STATE is taken.  For an unknown caller, DEVICE-ID
 *   is "-" if none could be read, FIRST and LAST are when it was first
 *   and last seen, and COUNT how often.
 *
 * Any request may instead be answered with
 *	error CODE [TEXT]
 *   where TEXT, for people, runs to the end of the line (its spaces are
 *   kept, anything else is written as in a field).
 *
 * Words:
 *   CODE	bad-request (not a request of this version), unknown (the
 *		registry does not list the device), timeout (it did not call
 *		within TIMEOUT-MS), busy (another client is taking it),
 *		denied (this client may not), unavailable (the daemon is
 *		stopping, or cannot hand the call over).
 *   VERIFY	verified (its HMAC checks out), verified-swapped (with the
 *		operands of the HMAC swapped, for old peers), pinned (its
 *		host key is the one pinned in the registry), unchecked (it
 *		sent an HMAC but there is no secret to check it with),
 *		absent (it sent no HOST-KEY and HMAC, and none was required);
 *		in a list also wrong-hmac and wrong-key (the last call failed
 *		so), or "-" (it never called).
 *   REASON	unlisted (not in the registry), wrong-hmac, wrong-key (not
 *		the pinned host key), no-hmac (no HOST-KEY and HMAC, but a
 *		secret is required), no-preamble (the SSH banner came first,
 *		but a preamble is required), bad-preamble (unreadable), timeout
 *		(no complete preamble in time).
 */
#ifndef CTLPROTO_H
#define CTLPROTO_H

#include <stddef.h>

#include "preamble.h"

#define CTL_VERSION		1
#define CTL_NAME		"ssh-callhomed"	/* the greeting's first word */
#define CTL_LINE_MAX		8192	/* bytes of a line, with its LF */
#define CTL_TIMEOUT_MAX_MS	86400000LL
#define CTL_ADDR_MAX		63	/* bytes of an address, "fe80::1%eth0" */
#define CTL_TEXT_MAX		255	/* bytes of an error's text */

enum ctl_op { CTL_TAKE, CTL_LIST };

struct ctl_request {
	enum ctl_op	 op;
	char		 device_id[PREAMBLE_ID_MAX + 1];	/* take */
	long long	 timeout_ms;				/* take */
};

enum ctl_kind { CTL_OK, CTL_ERROR, CTL_DEVICE, CTL_UNKNOWN, CTL_END };

enum ctl_code {
	CTL_E_BAD_REQUEST, CTL_E_UNKNOWN, CTL_E_TIMEOUT, CTL_E_BUSY,
	CTL_E_DENIED, CTL_E_UNAVAILABLE
};

enum ctl_verify {
	CTL_V_NONE,		/* "-": never called */
	CTL_V_VERIFIED, CTL_V_SWAPPED, CTL_V_PINNED, CTL_V_UNCHECKED,
	CTL_V_ABSENT,
	CTL_V_WRONG_HMAC, CTL_V_WRONG_KEY	/* list only */
};

enum ctl_state { CTL_S_PARKED, CTL_S_TAKEN, CTL_S_ABSENT };

enum ctl_reason {
	CTL_R_UNLISTED, CTL_R_WRONG_HMAC, CTL_R_WRONG_KEY, CTL_R_NO_HMAC,
	CTL_R_NO_PREAMBLE, CTL_R_BAD_PREAMBLE, CTL_R_TIMEOUT,
	CTL_R_UNVERIFIED	/* a verified call of the device is parked */
};

/*
 * One reply line.  Flat, each kind using its own fields: absent strings
 * are "", absent numbers -1 (port 0).
 */
struct ctl_reply {
	enum ctl_kind	 kind;
	char		 device_id[PREAMBLE_ID_MAX + 1]; /* ok device unknown */
	char		 addr[CTL_ADDR_MAX + 1];	/* ok device unknown */
	int		 port;				/* ok device */
	enum ctl_verify	 verify;			/* ok device */
	char		 host_key[PREAMBLE_KEY_MAX + 1]; /* ok unknown */
	enum ctl_state	 state;				/* device */
	long long	 since;				/* device */
	long long	 calls;			/* device; unknown: COUNT */
	long long	 taker_uid, taker_pid;		/* device */
	enum ctl_reason	 reason;			/* unknown */
	long long	 first, last;			/* unknown */
	enum ctl_code	 code;				/* error */
	char		 text[CTL_TEXT_MAX + 1];	/* error */
};

/*
 * The format functions write a line, its LF and a NUL, and return its
 * length with the LF; -1 if a value is invalid or buf is too small.  The
 * parse functions take a line without its LF, and say in err what is
 * wrong with it.
 */
int	ctl_greeting_format(char *buf, size_t bufsz);
int	ctl_greeting_parse(const char *line, size_t len, int *version,
	    char *err, size_t errlen);
int	ctl_request_format(const struct ctl_request *rq, char *buf,
	    size_t bufsz);
int	ctl_request_parse(const char *line, size_t len,
	    struct ctl_request *rq, char *err, size_t errlen);
int	ctl_reply_format(const struct ctl_reply *r, char *buf, size_t bufsz);
int	ctl_reply_parse(const char *line, size_t len, struct ctl_reply *r,
	    char *err, size_t errlen);
const char *
	ctl_code_name(enum ctl_code c);
const char *
	ctl_verify_name(enum ctl_verify v);
const char *
	ctl_state_name(enum ctl_state s);
const char *
	ctl_reason_name(enum ctl_reason r);

#endif
