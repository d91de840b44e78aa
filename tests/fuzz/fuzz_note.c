/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: signed notes, checkpoints and verifier keys, as `provd verify` reads them
 * from receipts of unknown origin. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlog/note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct note_key key;
    static int ready;
    if (!ready)
        ready = note_key_parse_vkey(
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", &key);
    char err[200], origin[NOTE_NAME_MAX];
    size_t text_len;
    uint64_t tree_size;
    uint8_t root[MERKLE_HASH_LEN];
    if (note_verify(&key, (const char *)data, size, &text_len, err, sizeof err) && text_len > size)
        abort();
    (void)checkpoint_parse((const char *)data, size, origin, &tree_size, root);
    char *s = strndup((const char *)data, size);
    if (s) {
        struct note_key k;
        (void)note_key_parse_vkey(s, &k);
        (void)note_key_parse_private(s, &k);
        free(s);
    }
    return 0;
}
