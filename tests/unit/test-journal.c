// SPDX-License-Identifier: LGPL-2.1-or-later
// The write-ahead journal: changes land in the directory, a "crash" (a child that exits
// without closing, after which the test throws the unflushed changes away by hand) is undone
// by the replay at the next open, in order; torn and old-epoch records are not replayed; a
// broken header is moved aside; bad names are refused; changes too big for the journal and a
// full journal still work.

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/util-journal.h"

#define JOURNAL_SIZE (8u << 20)

static char *
make_dir(void)
{
    g_autoptr(GError) err = NULL;
    char *dir = g_dir_make_tmp("mvjournal-XXXXXX", &err);
    g_assert_no_error(err);
    return dir;
}

static void
remove_tree(const char *dir)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
    g_assert_cmpint(system(cmd), ==, 0);
}

static char *
read_file(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    char *data = NULL;
    if (!g_file_get_contents(path, &data, NULL, NULL))
        return NULL;
    return data;
}

static bool
exists(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    struct stat st;
    return lstat(path, &st) == 0;
}

static void
put(MvJournal *j, const char *name, const char *text)
{
    g_assert_cmpint(mv_journal_write(j, name, text, strlen(text), 0600), ==, 0);
}

/* Run @changes in a child that opens the journal and exits without closing it: what a crash
 * right after the last change returned leaves (the directory's own changes may or may not have
 * reached the disk; the test decides which are lost). */
static void
crash_after(const char *dir, void (*changes)(MvJournal *))
{
    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        MvJournal *j = NULL;
        if (mv_journal_open(dir, &j) < 0)
            _exit(1);
        changes(j);
        _exit(0);
    }
    int status = 0;
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
test_basic(void)
{
    g_autofree char *dir = make_dir();
    g_autoptr(MvJournal) j = NULL;
    g_assert_cmpint(mv_journal_open(dir, &j), ==, 0);
    g_assert_cmpuint(mv_journal_replayed(j), ==, 0);

    put(j, "a.xml", "<a/>");
    g_autofree char *a = read_file(dir, "a.xml");
    g_assert_cmpstr(a, ==, "<a/>");
    g_autofree char *apath = g_build_filename(dir, "a.xml", NULL);
    struct stat st;
    g_assert_cmpint(stat(apath, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);

    g_assert_cmpint(mv_journal_symlink(j, "autostart/a.xml", apath), ==, 0);
    g_autofree char *link = g_build_filename(dir, "autostart/a.xml", NULL);
    g_autofree char *target = g_file_read_link(link, NULL);
    g_assert_cmpstr(target, ==, apath);
    /* Again: replaces, no EEXIST. */
    g_assert_cmpint(mv_journal_symlink(j, "autostart/a.xml", apath), ==, 0);

    g_assert_cmpint(mv_journal_remove(j, "autostart/a.xml"), ==, 0);
    g_assert_false(exists(dir, "autostart/a.xml"));
    g_assert_cmpint(mv_journal_remove(j, "never-was.xml"), ==, 0);
    g_assert_cmpint(mv_journal_checkpoint(j), ==, 0);
    g_clear_pointer(&j, mv_journal_close);

    /* Nothing left to replay after a clean close. */
    g_assert_cmpint(mv_journal_open(dir, &j), ==, 0);
    g_assert_cmpuint(mv_journal_replayed(j), ==, 0);
    g_clear_pointer(&j, mv_journal_close);
    remove_tree(dir);
}

static void
touch(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *parent = g_path_get_dirname(path);
    g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
    g_assert_true(g_file_set_contents(path, "", 0, NULL));
}

/* Staged files ("<name>.new-XXXXXX") of changes that kill -9 interrupted are removed by the
 * next open; committed files and other names are not. */
static void
test_staged_cleanup(void)
{
    g_autofree char *dir = make_dir();

    /* Real crashes: a child writing as fast as it can, killed at random moments. */
    for (int round = 0; round < 20; round++) {
        pid_t pid = fork();
        g_assert_cmpint(pid, >=, 0);
        if (pid == 0) {
            MvJournal *j = NULL;
            if (mv_journal_open(dir, &j) < 0)
                _exit(1);
            for (unsigned i = 0;; i++) {
                g_autofree char *name = g_strdup_printf("%s/vm%u.xml", i % 2 ? "nested" : ".", i % 7);
                g_autofree char *text = g_strdup_printf("<domain n='%u'/>", i);
                mv_journal_write(j, name + (i % 2 ? 0 : 2), text, strlen(text), 0600);
            }
        }
        g_usleep(g_random_int_range(2000, 20000));
        kill(pid, SIGKILL);
        int status;
        g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    }
    /* And the moment that matters, made certain: staged, not renamed. */
    touch(dir, "vm1.xml.new-Ab12Cd");
    touch(dir, "nested/vm3.xml.new-0x9ZqQ");
    /* Not staged names: kept. */
    touch(dir, "notes.new-abc");
    touch(dir, "vm1.xml.new-Ab12Cd7");
    touch(dir, "vm1.xml.new-Ab-2Cd");

    g_autoptr(MvJournal) j = NULL;
    g_assert_cmpint(mv_journal_open(dir, &j), ==, 0);
    g_assert_cmpuint(mv_journal_removed_staged(j), >=, 2);
    g_autofree char *nested = g_build_filename(dir, "nested", NULL);
    const char *dirs[] = { dir, nested };
    for (unsigned k = 0; k < G_N_ELEMENTS(dirs); k++) {
        g_autoptr(GDir) d = g_dir_open(dirs[k], 0, NULL);
        g_assert_nonnull(d);
        const char *name;
        while ((name = g_dir_read_name(d))) {
            if (g_str_has_prefix(name, "vm") && g_str_has_suffix(name, ".xml")) {
                /* Every definition is whole. */
                g_autofree char *text = read_file(dirs[k], name);
                g_assert_true(g_str_has_prefix(text, "<domain n='") && g_str_has_suffix(text, "'/>"));
                continue;
            }
            g_assert_false(strstr(name, ".xml.new-") && strlen(strstr(name, ".new-")) == 11 &&
                           !strchr(strstr(name, ".new-") + 5, '-'));
        }
    }
    g_assert_true(exists(dir, "notes.new-abc"));
    g_assert_true(exists(dir, "vm1.xml.new-Ab12Cd7"));
    g_assert_true(exists(dir, "vm1.xml.new-Ab-2Cd"));
    g_assert_false(exists(dir, "vm1.xml.new-Ab12Cd"));
    g_assert_false(exists(dir, "nested/vm3.xml.new-0x9ZqQ"));

    /* A second open has nothing left to remove. */
    g_clear_pointer(&j, mv_journal_close);
    g_assert_cmpint(mv_journal_open(dir, &j), ==, 0);
    g_assert_cmpuint(mv_journal_removed_staged(j), ==, 0);
    g_clear_pointer(&j, mv_journal_close);
    remove_tree(dir);
}

static void
test_bad_names(void)
{
    g_autofree char *dir = make_dir();
    g_autoptr(MvJournal) j = NULL;
    g_assert_cmpint(mv_journal_open(dir, &j), ==, 0);
    const char *bad[] = { "", "/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a/", ".journal" };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_cmpint(mv_journal_write(j, bad[i], "x", 1, 0600), ==, -EINVAL);
        g_assert_cmpint(mv_journal_remove(j, bad[i]), ==, -EINVAL);
    }
    g_clear_pointer(&j, mv_journal_close);
    remove_tree(dir);
}

static void
changes_in_order(MvJournal *j)
{
    put(j, "a.xml", "one");
    put(j, "b.xml", "bee");
    put(j, "a.xml", "two");
    put(j, "c.xml", "sea");
    g_assert_cmpint(mv_journal_remove(j, "b.xml"), ==, 0);
    g_assert_cmpint(mv_journal_symlink(j, "autostart/c.xml", "../c.xml"), ==, 0);
}

/* Undo in the directory what a crash may lose: the unflushed changes. */
static void
lose_changes(const char *dir)
{
    g_autofree char *a = g_build_filename(dir, "a.xml", NULL);
    g_autofree char *b = g_build_filename(dir, "b.xml", NULL);
    g_autofree char *c = g_build_filename(dir, "c.xml", NULL);
    g_autofree char *link = g_build_filename(dir, "autostart/c.xml", NULL);
    g_assert_true(g_file_set_contents(a, "one", -1, NULL));
    g_assert_true(g_file_set_contents(b, "bee", -1, NULL));
    g_assert_cmpint(unlink(c), ==, 0);
    g_assert_cmpint(unlink(link), ==, 0);
}

static void
test_replay(void)
{
    g_autofree char *dir = make_dir();
    crash_after(dir, changes_in_order);
    lose_changes(dir);

    g_autoptr(MvJournal) j = NULL;
    g_assert_cmpint(mv_journal_open(dir, &j), ==, 0);
    g_assert_cmpuint(mv_journal_replayed(j), ==, 6);
    g_autofree char *a = read_file(dir, "a.xml");
    g_autofree char *c = read_file(dir, "c.xml");
    g_assert_cmpstr(a, ==, "two");
    g_assert_false(exists(dir, "b.xml"));
    g_assert_cmpstr(c, ==, "sea");
    g_autofree char *link = g_build_filename(dir, "autostart/c.xml", NULL);
    g_autofree char *target = g_file_read_link(link, NULL);
    g_assert_cmpstr(target, ==, "../c.xml");
    g_clear_pointer(&j, mv_journal_close);

    /* The replay ended the epoch: those records are old now and stay unapplied. */
    lose_changes(dir);
    g_assert_cmpint(mv_journal_open(dir, &j), ==, 0);
    g_assert_cmpuint(mv_journal_replayed(j), ==, 0);
    g_autofree char *a2 = read_file(dir, "a.xml");
    g_assert_cmpstr(a2, ==, "one");
    g_clear_pointer(&j, mv_journal_close);
    remove_tree(dir);
}

static ino_t
inode_of(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    struct stat st;
    g_assert_cmpint(lstat(path, &st), ==, 0);
    return st.st_ino;
}

/* A crash that lost nothing: the replay rewrites nothing (a full disk would refuse it). */
static void
test_replay_intact(void)
{
    g_autofree char *dir = make_dir();
    crash_after(dir, changes_in_order);
    ino_t a = inode_of(dir, "a.xml"), c = inode_of(dir, "c.xml"), link = inode_of(dir, "autostart/c.xml");
    g_autoptr(MvJournal) j = NULL;
    g_assert_cmpint(mv_journal_open(dir, &j), ==, 0);
    g_assert_cmpuint(mv_journal_replayed(j), ==, 6);
    g_assert_cmpuint(inode_of(dir, "a.xml"), ==, a);
    g_assert_cmpuint(inode_of(dir, "c.xml"), ==, c);
    g_assert_cmpuint(inode_of(dir, "autostart/c.xml"), ==, link);
    g_autofree char *got = read_file(dir, "a.xml");
    g_assert_cmpstr(got, ==, "two");
    g_clear_pointer(&j, mv_journal_close);
    remove_tree(dir);
}

static void
three_changes(MvJournal *j)
{
    put(j, "a.xml", "first");
    put(j, "b.xml", "second");
    put(j, "c.xml", "third");
}

/* Flip one byte of the journal at @offset. */
static void
flip(const char *dir, off_t offset)
{
    g_autofree char *path = g_build_filename(dir, ".journal", NULL);
    int fd = open(path, O_RDWR);
    g_assert_cmpint(fd, >=, 0);
    unsigned char byte;
    g_assert_cmpint(pread(fd, &byte, 1, offset), ==, 1);
    byte ^= 0x5a;
    g_assert_cmpint(pwrite(fd, &byte, 1, offset), ==, 1);
    close(fd);
}

static void
test_torn_record(void)
{
    g_autofree char *dir = make_dir();
    crash_after(dir, three_changes);
    g_autofree char *a = g_build_filename(dir, "a.xml", NULL);
    g_autofree char *b = g_build_filename(dir, "b.xml", NULL);
    g_autofree char *c = g_build_filename(dir, "c.xml", NULL);
    unlink(a);
    unlink(b);
    unlink(c);
    /* Records are 32 + 5 + 5 + 4 = 46 and 47 bytes from offset 4096: damage the second's data,
     * as a torn write would.  The first is replayed; the replay stops at the second. */
    flip(dir, 4096 + 46 + 32 + 5 + 2);

    g_autoptr(MvJournal) j = NULL;
    g_assert_cmpint(mv_journal_open(dir, &j), ==, 0);
    g_assert_cmpuint(mv_journal_replayed(j), ==, 1);
    g_autofree char *got = read_file(dir, "a.xml");
    g_assert_cmpstr(got, ==, "first");
    g_assert_false(exists(dir, "b.xml"));
    g_assert_false(exists(dir, "c.xml"));
    g_clear_pointer(&j, mv_journal_close);
    remove_tree(dir);
}

static void
test_broken_header(void)
{
    g_autofree char *dir = make_dir();
    crash_after(dir, three_changes);
    flip(dir, 3);

    g_autoptr(MvJournal) j = NULL;
    /* It warns (structured logging: expected messages cannot be matched, so the warning is
     * let through rather than made fatal). */
    GLogLevelFlags fatal = g_log_set_always_fatal(G_LOG_FATAL_MASK);
    g_assert_cmpint(mv_journal_open(dir, &j), ==, 0);
    g_log_set_always_fatal(fatal);
    g_assert_cmpuint(mv_journal_replayed(j), ==, 0);
    /* The old file is kept beside the new one. */
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *e;
    bool aside = false;
    while ((e = g_dir_read_name(d)))
        aside |= g_str_has_prefix(e, ".journal.broken-");
    g_assert_true(aside);
    put(j, "d.xml", "works");
    g_clear_pointer(&j, mv_journal_close);
    remove_tree(dir);
}

static void
big_changes(MvJournal *j)
{
    /* Three 3 MiB files: the third does not fit beside the first two (the journal checkpoints
     * first); a 9 MiB one never fits (flushed directly). */
    gsize len = 3u << 20;
    g_autofree char *data = g_malloc(9u << 20);
    for (int i = 0; i < 3; i++) {
        memset(data, 'a' + i, len);
        g_autofree char *name = g_strdup_printf("big%d", i);
        g_assert_cmpint(mv_journal_write(j, name, data, len, 0644), ==, 0);
    }
    memset(data, 'z', 9u << 20);
    g_assert_cmpint(mv_journal_write(j, "huge", data, 9u << 20, 0644), ==, 0);
    put(j, "after.xml", "after the huge one");
}

static void
test_big(void)
{
    g_autofree char *dir = make_dir();
    crash_after(dir, big_changes);

    g_autoptr(MvJournal) j = NULL;
    g_assert_cmpint(mv_journal_open(dir, &j), ==, 0);
    /* At most the change made after the direct flush was still a record (the checkpoint
     * thread, woken when the journal filled up, may have flushed it too). */
    g_assert_cmpuint(mv_journal_replayed(j), <=, 1);
    g_autofree char *got = read_file(dir, "after.xml");
    g_assert_cmpstr(got, ==, "after the huge one");
    for (int i = 0; i < 3; i++) {
        g_autofree char *name = g_strdup_printf("big%d", i);
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autofree char *data = NULL;
        gsize len = 0;
        g_assert_true(g_file_get_contents(path, &data, &len, NULL));
        g_assert_cmpuint(len, ==, 3u << 20);
        g_assert_cmpint(data[len - 1], ==, 'a' + i);
    }
    g_autofree char *journal = g_build_filename(dir, ".journal", NULL);
    struct stat st;
    g_assert_cmpint(stat(journal, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, JOURNAL_SIZE);
    g_clear_pointer(&j, mv_journal_close);
    remove_tree(dir);
}

static void
failing_change(MvJournal *j)
{
    g_assert_cmpint(mv_journal_write(j, "taken.xml", "data", 4, 0600), <, 0);
}

static void
test_failed_change(void)
{
    g_autofree char *dir = make_dir();
    /* A directory where the file would go: the change fails and nothing is recorded. */
    g_autofree char *sub = g_build_filename(dir, "taken.xml", NULL);
    g_assert_cmpint(mkdir(sub, 0755), ==, 0);
    g_autofree char *inner = g_build_filename(sub, "x", NULL);
    g_assert_true(g_file_set_contents(inner, "x", -1, NULL));
    crash_after(dir, failing_change);
    g_autoptr(MvJournal) j = NULL;
    g_assert_cmpint(mv_journal_open(dir, &j), ==, 0);
    g_assert_cmpuint(mv_journal_replayed(j), ==, 0);
    g_clear_pointer(&j, mv_journal_close);
    remove_tree(dir);
}

static guint64
epoch_on_disk(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, ".journal", NULL);
    int fd = open(path, O_RDONLY);
    g_assert_cmpint(fd, >=, 0);
    guint64 epoch = 0;
    g_assert_cmpint(pread(fd, &epoch, 8, 8), ==, 8);
    close(fd);
    return GUINT64_FROM_LE(epoch);
}

static void
test_idle_checkpoint(void)
{
    g_autofree char *dir = make_dir();
    g_autoptr(MvJournal) j = NULL;
    g_assert_cmpint(mv_journal_open(dir, &j), ==, 0);
    guint64 before = epoch_on_disk(dir);
    /* Let the thread fall asleep with nothing pending first. */
    g_usleep(200 * 1000);
    put(j, "a.xml", "idle");
    g_assert_cmpuint(epoch_on_disk(dir), ==, before);
    /* Two idle seconds start a new epoch on the journal's own thread. */
    for (int i = 0; i < 60 && epoch_on_disk(dir) == before; i++)
        g_usleep(100 * 1000);
    g_assert_cmpuint(epoch_on_disk(dir), ==, before + 1);
    g_clear_pointer(&j, mv_journal_close);
    /* Nothing pending: closing does not start another. */
    g_assert_cmpuint(epoch_on_disk(dir), ==, before + 1);
    remove_tree(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/journal/basic", test_basic);
    g_test_add_func("/journal/bad-names", test_bad_names);
    g_test_add_func("/journal/replay", test_replay);
    g_test_add_func("/journal/replay-intact", test_replay_intact);
    g_test_add_func("/journal/torn-record", test_torn_record);
    g_test_add_func("/journal/broken-header", test_broken_header);
    g_test_add_func("/journal/big", test_big);
    g_test_add_func("/journal/failed-change", test_failed_change);
    g_test_add_func("/journal/idle-checkpoint", test_idle_checkpoint);
    g_test_add_func("/journal/staged-cleanup", test_staged_cleanup);
    return g_test_run();
}
