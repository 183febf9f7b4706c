/*
 * A stand-in NETCONF server for demos and tests, run as sshd's "Subsystem
 * netconf": base:1.0 framing (]]>]]>), a <hello>, and replies to <get> and
 * <close-session>.  It speaks just enough for a client to prove the path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EOM	"]]>]]>"
#define MSG_MAX	(1024 * 1024)

static char msg[MSG_MAX + 1];

/* One message up to the end-of-message mark; 0 at EOF. */
static int
read_msg(void)
{
	size_t len = 0;
	int c;

	while ((c = getchar()) != EOF) {
		if (len == MSG_MAX)
			return -1;
		msg[len++] = (char)c;
		if (len >= 6 && memcmp(msg + len - 6, EOM, 6) == 0) {
			msg[len - 6] = '\0';
			return 1;
		}
	}
	return 0;
}

/* The message-id attribute, quoted either way; "" if none. */
static void
message_id(char *out, size_t outsz)
{
	const char *p = strstr(msg, "message-id="), *bad;
	size_t n;
	char q;

	out[0] = '\0';
	if (p == NULL)
		return;
	p += 11;
	q = *p++;
	if (q != '"' && q != '\'')
		return;
	n = strcspn(p, q == '"' ? "\"" : "'");
	bad = strpbrk(p, "<>&");
	if (n >= outsz || (bad != NULL && bad < p + n))
		return;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* Is there an element "name", with or without a namespace prefix ("nc:")? */
static int
has_element(const char *name)
{
	const char *p, *q;
	size_t n = strlen(name);

	for (p = strchr(msg, '<'); p != NULL; p = strchr(p + 1, '<')) {
		q = p + 1 + strspn(p + 1, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-");
		q = *q == ':' ? q + 1 : p + 1;
		if (strncmp(q, name, n) == 0 && strchr(" \t\r\n/>", q[n]) !=
		    NULL && q[n] != '\0')
			return 1;
	}
	return 0;
}

int
main(void)
{
	char id[128], host[256];
	int r;

	if (gethostname(host, sizeof(host)) == -1)
		strcpy(host, "device");
	host[strcspn(host, "<>&")] = '\0';
	printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<hello xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\">"
	    "<capabilities><capability>urn:ietf:params:netconf:base:1.0"
	    "</capability></capabilities><session-id>%ld</session-id>"
	    "</hello>" EOM, (long)getpid());
	fflush(stdout);
	if (read_msg() != 1 || strstr(msg, "hello") == NULL)
		return 1;
	while ((r = read_msg()) == 1) {
		message_id(id, sizeof(id));
		printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<rpc-reply xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\""
		    " message-id=\"%s\">", id);
		if (has_element("close-session")) {
			printf("<ok/></rpc-reply>" EOM);
			fflush(stdout);
			return 0;
		} else if (has_element("get") || has_element("get-config"))
			printf("<data><system xmlns=\"urn:example:callhome-demo\">"
			    "<hostname>%s</hostname><stub>netconf-stub</stub>"
			    "</system></data></rpc-reply>" EOM, host);
		else
			printf("<rpc-error><error-type>protocol</error-type>"
			    "<error-tag>operation-not-supported</error-tag>"
			    "<error-severity>error</error-severity></rpc-error>"
			    "</rpc-reply>" EOM);
		fflush(stdout);
	}
	return r == 0 ? 0 : 1;
}
