#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <vis.h>

#include "log.h"

static const char *log_ident = PACKAGE;
static int log_level = LOGV_NORMAL;
static int log_syslog;

void
log_init(const char *ident, int verbosity, int use_syslog)
{
	log_ident = ident;
	log_level = verbosity;
	if (use_syslog && !log_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_syslog = use_syslog;
}

int
log_to_syslog(void)
{
	return log_syslog;
}

static void
log_emit(int prio, const char *fmt, va_list ap)
{
	char raw[1024], safe[sizeof(raw) * 4 + 1];

	vsnprintf(raw, sizeof(raw), fmt, ap);
	/*
	 * Device ids, host names and peer bytes end up here: no raw control
	 * byte, not even the CR that VIS_SAFE would let through.
	 */
	strvis(safe, raw, VIS_OCTAL | VIS_NL | VIS_TAB);
	if (log_syslog)
		syslog(prio, "%s", safe);
	else
		fprintf(stderr, "%s: %s\n", log_ident, safe);
}

#define LOG_FN(name, prio, minlevel)			\
void							\
name(const char *fmt, ...)				\
{							\
	va_list ap;					\
							\
	if (log_level < (minlevel))			\
		return;					\
	va_start(ap, fmt);				\
	log_emit((prio), fmt, ap);			\
	va_end(ap);					\
}

LOG_FN(log_error, LOG_ERR, LOGV_QUIET)
LOG_FN(log_warn, LOG_WARNING, LOGV_NORMAL)
LOG_FN(log_info, LOG_INFO, LOGV_NORMAL)
LOG_FN(log_debug, LOG_DEBUG, LOGV_DEBUG)
