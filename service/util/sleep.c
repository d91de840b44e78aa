/* SPDX-License-Identifier: Apache-2.0 */
#include "util/sleep.h"

#include <time.h>

void sleep_ms_unless(unsigned ms, atomic_bool *stop)
{
    for (unsigned slept = 0; slept < ms && !atomic_load(stop); slept += 50) {
        unsigned step = ms - slept < 50 ? ms - slept : 50;
        struct timespec ts = {0, (long)step * 1000000L};
        nanosleep(&ts, NULL);
    }
}
