#include "CTempFiles.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/random.h>
#endif

enum { SLOTS = 128, PATH_BYTES = 4096 };
enum { FREE = 0, FILLING = 1, ACTIVE = 2 };

static char paths[SLOTS][PATH_BYTES];
static atomic_int states[SLOTS];

static int register_path(const char *path) {
    size_t n = strlen(path);
    if (n >= PATH_BYTES) return -1;
    for (int i = 0; i < SLOTS; i++) {
        int expected = FREE;
        if (atomic_compare_exchange_strong(&states[i], &expected, FILLING)) {
            memcpy(paths[i], path, n + 1);
            atomic_store(&states[i], ACTIVE);
            return i;
        }
    }
    return -1;
}

void payplan_temp_forget(int slot) {
    if (slot >= 0 && slot < SLOTS) atomic_store(&states[slot], FREE);
}

static void random_bytes(unsigned char *out, size_t n) {
#if defined(__linux__)
    if (getrandom(out, n, 0) == (ssize_t)n) return;
#elif defined(__APPLE__)
    arc4random_buf(out, n);
    return;
#endif
    // A fallback that is unique enough: O_EXCL makes any collision a retry.
    static atomic_ulong counter;
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    unsigned long x = (unsigned long)t.tv_nsec ^ ((unsigned long)getpid() << 20) ^ atomic_fetch_add(&counter, 0x9E3779B9UL);
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        out[i] = (unsigned char)x;
    }
}

int payplan_temp_create(char *path_template, int *slot) {
    static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    size_t n = strlen(path_template);
    *slot = -1;
    if (n < 6 || strcmp(path_template + n - 6, "XXXXXX") != 0) {
        errno = EINVAL;
        return -1;
    }
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned char r[6];
        random_bytes(r, sizeof r);
        for (int i = 0; i < 6; i++) path_template[n - 6 + i] = letters[r[i] % 62];
        // Listed before it exists: a signal between open and the listing
        // cannot leave it behind.
        int s = register_path(path_template);
        int fd = open(path_template, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            *slot = s;
            return fd;
        }
        int saved = errno;
        payplan_temp_forget(s);
        errno = saved;
        if (saved != EEXIST) return -1;
    }
    errno = EEXIST;
    return -1;
}

static const int cleanup_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

static void remove_and_reraise(int sig) {
    int saved = errno;
    for (int i = 0; i < SLOTS; i++) {
        if (atomic_load(&states[i]) == ACTIVE) unlink(paths[i]);
    }
    // Default disposition, then the same signal again: it is delivered when
    // the handler returns, and the process ends as it would have.
    signal(sig, SIG_DFL);
    raise(sig);
    errno = saved;
}

void payplan_temp_remove_on_signals(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = remove_and_reraise;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < sizeof cleanup_signals / sizeof cleanup_signals[0]; i++) sigaddset(&action.sa_mask, cleanup_signals[i]);
    for (size_t i = 0; i < sizeof cleanup_signals / sizeof cleanup_signals[0]; i++) {
        struct sigaction old;
        if (sigaction(cleanup_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN) continue;
        sigaction(cleanup_signals[i], &action, NULL);
    }
}

unsigned payplan_process_umask(void) {
#if defined(__linux__)
    FILE *f = fopen("/proc/self/status", "re");
    if (f) {
        char line[256];
        unsigned mask = 0;
        int found = 0;
        while (fgets(line, sizeof line, f)) {
            if (sscanf(line, "Umask: %o", &mask) == 1) {
                found = 1;
                break;
            }
        }
        fclose(f);
        if (found) return mask;
    }
#endif
    mode_t m = umask(022);
    umask(m);
    return (unsigned)m;
}
