/* SPDX-License-Identifier: Apache-2.0 */
/* Sleeping that a shutdown flag cuts short. */
#ifndef PROVD_UTIL_SLEEP_H
#define PROVD_UTIL_SLEEP_H

#include <stdatomic.h>

/* Sleeps ms milliseconds, waking every 50 ms to return early once *stop is set. */
void sleep_ms_unless(unsigned ms, atomic_bool *stop);

#endif
