/* SPDX-License-Identifier: Apache-2.0 */
/* Static publishing: which tiles a new size needs (publish_changed), and what publisher_init
 * accepts as --tiles-dir (no database needed for either). */
#include "testutil.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry/publish.h"

/* The paths publish_changed emits, joined by spaces. */
struct collected {
    char text[4096];
    size_t n;
    size_t stop_after; /* 0: never stop */
};

static bool collect(void *ctx, const struct tile_path *t)
{
    struct collected *c = ctx;
    char path[TILE_PATH_MAX];
    assert_true(tile_path_format(t, path) > 0);
    size_t len = strlen(c->text);
    snprintf(c->text + len, sizeof c->text - len, "%s%s", len ? " " : "", path);
    c->n++;
    return c->stop_after == 0 || c->n < c->stop_after;
}

static void changed(uint64_t from, uint64_t to, const char *want)
{
    struct collected c = {.text = ""};
    assert_true(publish_changed(from, to, collect, &c));
    assert_string_equal(c.text, want);
}

static void test_changed_tiles(void **state)
{
    (void)state;
    changed(0, 0, "");
    changed(0, 1, "tile/entries/000.p/1 tile/0/000.p/1");
    changed(0, 256, "tile/entries/000 tile/0/000 tile/1/000.p/1");
    changed(0, 300,
            "tile/entries/000 tile/entries/001.p/44 tile/0/000 tile/0/001.p/44 "
            "tile/1/000.p/1");
    /* From 300 to 530: the tile that was partial is now full; level 1 grows to width 2. */
    changed(300, 530,
            "tile/entries/001 tile/entries/002.p/18 tile/0/001 tile/0/002.p/18 "
            "tile/1/000.p/2");
    /* Nothing new: the same size's partial tiles again (idempotent rewrites). */
    changed(530, 530, "tile/entries/002.p/18 tile/0/002.p/18 tile/1/000.p/2");
    /* A full level-1 tile: 65,536 entries, and one more. */
    changed(65535, 65537,
            "tile/entries/255 tile/entries/256.p/1 tile/0/255 tile/0/256.p/1 "
            "tile/1/000 tile/2/000.p/1");
    changed(1000 * 256, 1000 * 256 + 3,
            "tile/entries/x001/000.p/3 tile/0/x001/000.p/3 tile/1/003.p/232 tile/2/000.p/3");
}

static void test_changed_stops(void **state)
{
    (void)state;
    struct collected c = {.text = "", .stop_after = 2};
    assert_false(publish_changed(0, 600, collect, &c));
    assert_int_equal(c.n, 2);
    assert_false(publish_changed(2, 1, collect, &c)); /* shrinking */
}

/* A temporary directory, and a log key. */
struct fixture {
    char dir[64];
    struct note_key key, other;
    struct db_limits limits;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/provd-test-publish-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_true(note_key_generate("publish.test/log", &f->key));
    assert_true(note_key_generate("other.test/log", &f->other));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/checkpoint", f->dir);
    unlink(path);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Writes dir/checkpoint: key's signed checkpoint of size and a root of byte r. */
static void write_checkpoint(const struct fixture *f, const struct note_key *key, uint64_t size,
                             uint8_t r)
{
    uint8_t root[MERKLE_HASH_LEN];
    memset(root, r, sizeof root);
    struct buf text = BUF_INIT, note = BUF_INIT;
    checkpoint_format(key->name, size, root, &text);
    assert_true(note_sign(key, text.data, text.len, &note));
    char path[128];
    snprintf(path, sizeof path, "%s/checkpoint", f->dir);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(note.data, 1, note.len, fp), note.len);
    fclose(fp);
    buf_free(&text);
    buf_free(&note);
}

static void test_init_empty_dir(void **state)
{
    struct fixture *f = *state;
    struct publisher p;
    assert_true(publisher_init(&p, f->dir, "postgresql://unused", &f->limits, &f->key));
    assert_false(p.published);
    assert_null(p.pool); /* no database I/O before publisher_run */
    publisher_free(&p);
}

static void test_init_resumes(void **state)
{
    struct fixture *f = *state;
    write_checkpoint(f, &f->key, 530, 0xab);
    struct publisher p;
    assert_true(publisher_init(&p, f->dir, "postgresql://unused", &f->limits, &f->key));
    assert_true(p.published);
    assert_false(p.checked); /* against the log: once the database answers */
    assert_true(p.size == 530);
    assert_int_equal(p.root[0], 0xab);
    assert_int_equal(p.root[MERKLE_HASH_LEN - 1], 0xab);
    publisher_free(&p);
}

static void test_init_refuses(void **state)
{
    struct fixture *f = *state;
    struct publisher p;
    /* another log's checkpoint */
    write_checkpoint(f, &f->other, 5, 1);
    assert_false(publisher_init(&p, f->dir, "postgresql://unused", &f->limits, &f->key));
    /* not a signed note */
    char path[128];
    snprintf(path, sizeof path, "%s/checkpoint", f->dir);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs("not a checkpoint\n", fp);
    fclose(fp);
    assert_false(publisher_init(&p, f->dir, "postgresql://unused", &f->limits, &f->key));
    /* a missing directory, and a file */
    assert_false(
        publisher_init(&p, "/nonexistent/provd-tiles", "postgresql://unused", &f->limits, &f->key));
    assert_false(publisher_init(&p, path, "postgresql://unused", &f->limits, &f->key));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_changed_tiles),
        cmocka_unit_test(test_changed_stops),
        cmocka_unit_test_setup_teardown(test_init_empty_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_init_resumes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_init_refuses, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
