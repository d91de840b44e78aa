/* SPDX-License-Identifier: Apache-2.0 */
/* provd keygen: a signer's Ed25519 key in the note key format that provd register and provd
 * dataset seal read (--signing-key-file), written owner-only, never over an existing file. */
#include <sodium.h>
#include <stdio.h>

#include "cmd/cmd.h"
#include "util/codec.h"
#include "util/diag.h"
#include "util/keyfile.h"
#include "tlog/note.h"

#define USAGE    "provd keygen --key-file PATH"
#define KEY_NAME "provd-signer" /* the note format names every key; provd ignores the name */

int cmd_keygen(int argc, char **argv)
{
    struct config cfg;
    int rc = cmd_load_config(&cfg, CMD_KEYGEN, USAGE, argc, argv);
    if (rc >= 0)
        return rc;
    struct note_key key;
    struct buf priv = BUF_INIT;
    rc = 1;
    if (!cfg.signing_key_file || !*cfg.signing_key_file) {
        fprintf(stderr, "provd keygen: --key-file PATH is required\nusage: %s\n", USAGE);
        rc = 2;
        goto out;
    }
    if (!note_key_generate(KEY_NAME, &key)) {
        diag_error("cannot generate a key");
        goto out;
    }
    note_key_format_private(&key, &priv);
    if (priv.oom || !keyfile_write(cfg.signing_key_file, "signing key file", priv.data, priv.len))
        goto out;
    char pub[64];
    base64url_encode(key.public_key, sizeof key.public_key, pub);
    printf("%s\n", pub); /* the signer identity provd shows (ed25519 public_key, base64url) */
    rc = 0;
out:
    if (priv.data)
        sodium_memzero(priv.data, priv.cap);
    buf_free(&priv);
    sodium_memzero(&key, sizeof key);
    config_free(&cfg);
    return rc;
}
