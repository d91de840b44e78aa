/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: a registration body from the network, through parsing, validation,
 * canonicalisation and signature verification. */
#include <stddef.h>
#include <stdint.h>

#include "core/item.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct item_request req;
    struct problem err;
    if (item_parse((const char *)data, size, &req, &err))
        item_request_free(&req);
    return 0;
}
