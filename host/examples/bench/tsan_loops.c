/*
 * The benchmark's `check` workloads (guest-tests/bench/src/workloads.rs) written in C with
 * pthreads, for ThreadSanitizer's cost on the same loops: the benchmark (`tsan.rs`) builds it
 * with and without `-fsanitize=thread` and runs both. Usage: `tsan_loops EXPORT ARG...`, the
 * guest's export name and arguments; prints the workload's time in nanoseconds, or exits 2 for
 * an export it does not have.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void *nothing(void *arg) { return arg; }

static uint64_t spawn_join(unsigned n) {
    uint64_t start = now_ns();
    for (unsigned i = 0; i < n; i++) {
        pthread_t t;
        pthread_create(&t, NULL, nothing, NULL);
        pthread_join(t, NULL);
    }
    return now_ns() - start;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t counter;

static uint64_t uncontended(unsigned n) {
    uint64_t start = now_ns();
    for (unsigned i = 0; i < n; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
    }
    uint64_t t = now_ns() - start;
    if (counter != n) abort();
    return t;
}

static void *increment(void *arg) {
    unsigned n = *(unsigned *)arg;
    for (unsigned i = 0; i < n; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static uint64_t contended(unsigned threads, unsigned n) {
    unsigned per = n / threads;
    pthread_t t[64];
    if (threads > 64) abort();
    uint64_t start = now_ns();
    for (unsigned i = 0; i < threads; i++) pthread_create(&t[i], NULL, increment, &per);
    for (unsigned i = 0; i < threads; i++) pthread_join(t[i], NULL);
    uint64_t took = now_ns() - start;
    if (counter != (uint64_t)per * threads) abort();
    return took;
}

static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static unsigned turn;

static void *pong(void *arg) {
    unsigned n = *(unsigned *)arg;
    pthread_mutex_lock(&lock);
    for (unsigned i = 0; i < n; i++) {
        while (turn % 2 == 0) pthread_cond_wait(&changed, &lock);
        turn++;
        pthread_cond_signal(&changed);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

static uint64_t ping_pong(unsigned n) {
    pthread_t t;
    uint64_t start = now_ns();
    pthread_create(&t, NULL, pong, &n);
    pthread_mutex_lock(&lock);
    for (unsigned i = 0; i < n; i++) {
        turn++;
        pthread_cond_signal(&changed);
        while (turn % 2 == 1) pthread_cond_wait(&changed, &lock);
    }
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
    return now_ns() - start;
}

struct mixed {
    unsigned seed, n;
};

static void *mixed(void *arg) {
    struct mixed *m = arg;
    uint32_t x = m->seed | 1;
    void *ring[64] = {0};
    for (unsigned i = 0; i < m->n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        unsigned char *v = malloc((size_t)16 << (x % 9));
        v[0] = (unsigned char)i;
        unsigned at = (x >> 8) % 64;
        free(ring[at]);
        ring[at] = v;
    }
    for (unsigned i = 0; i < 64; i++) free(ring[i]);
    return NULL;
}

static uint64_t alloc_mixed(unsigned threads, unsigned n) {
    pthread_t t[64];
    struct mixed m[64];
    if (threads > 64) abort();
    uint64_t start = now_ns();
    for (unsigned i = 0; i < threads; i++) {
        m[i] = (struct mixed){i + 1, n};
        pthread_create(&t[i], NULL, mixed, &m[i]);
    }
    for (unsigned i = 0; i < threads; i++) pthread_join(t[i], NULL);
    return now_ns() - start;
}

int main(int argc, char **argv) {
    unsigned a = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 0;
    unsigned b = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 0;
    const char *export = argc > 1 ? argv[1] : "";
    uint64_t ns;
    if (!strcmp(export, "bench_spawn_join")) ns = spawn_join(a);
    else if (!strcmp(export, "bench_uncontended")) ns = uncontended(a);
    else if (!strcmp(export, "bench_contended")) ns = contended(a, b);
    else if (!strcmp(export, "bench_ping_pong")) ns = ping_pong(a);
    else if (!strcmp(export, "bench_alloc")) ns = alloc_mixed(a, b);
    else return 2;
    printf("%llu\n", (unsigned long long)ns);
    return 0;
}
