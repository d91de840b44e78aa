/* Line-oriented logging to stderr: "TIME LEVEL [request-id] message". Thread-safe. */
#ifndef PROVD_UTIL_DIAG_H
#define PROVD_UTIL_DIAG_H

enum diag_level { DIAG_DEBUG, DIAG_INFO, DIAG_WARN, DIAG_ERROR };

void diag_set_level(enum diag_level level);
/* rid may be NULL (no request). */
void diag_msg(enum diag_level level, const char *rid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define diag_info(...)  diag_msg(DIAG_INFO, NULL, __VA_ARGS__)
#define diag_warn(...)  diag_msg(DIAG_WARN, NULL, __VA_ARGS__)
#define diag_error(...) diag_msg(DIAG_ERROR, NULL, __VA_ARGS__)

#endif
