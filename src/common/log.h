/*
 * Logging: one line per event, to stderr or syslog.  Every line is passed
 * through strvis(3) so that bytes from the network, a file or an option can
 * never forge a log line.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

#define LOGV_QUIET	(-1)	/* errors only */
#define LOGV_NORMAL	0	/* one line per attempt and per session */
#define LOGV_DEBUG	1

void	log_init(const char *ident, int verbosity, int use_syslog);
int	log_to_syslog(void);
void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
