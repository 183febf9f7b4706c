/*
 * Telling the world what the supervisor is doing: the process title, and
 * systemd's notify socket (READY=1, STATUS=) without linking libsystemd.
 */
#ifndef STATUS_H
#define STATUS_H

void	status_init(void);
void	status_ready(void);
void	status_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	status_stopping(void);

#endif
