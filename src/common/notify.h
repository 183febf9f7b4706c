/*
 * Telling the world what a long-running program is doing: systemd's notify
 * socket (READY=1, STATUS=, STOPPING=1) without linking libsystemd, and
 * the process title.  notify_status() sets both, and logs at debug level.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

void	notify_init(void);
void	notify_ready(void);
void	notify_status(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	notify_stopping(void);

#endif
