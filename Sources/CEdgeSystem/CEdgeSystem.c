#define _GNU_SOURCE
#include "CEdgeSystem.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#if defined(__linux__) && defined(__has_include)
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#endif
#endif

int edge_open_cached(int dirfd, const char *path) {
#if defined(__linux__) && defined(SYS_openat2) && defined(RESOLVE_CACHED)
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = O_RDONLY | O_CLOEXEC | O_NOATIME;
    how.resolve = RESOLVE_CACHED | RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
    int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    if (fd < 0 && errno == EPERM) {
        // O_NOATIME is only for the file's owner: a directory another user wrote is read without it.
        how.flags = O_RDONLY | O_CLOEXEC;
        fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    }
    return fd;
#else
    (void)dirfd;
    (void)path;
    errno = ENOSYS;
    return -1;
#endif
}

int edge_open_record(int dirfd, const char *path) {
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOATIME);
    if (fd < 0 && errno == EPERM) {
        fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    }
    return fd;
}

ssize_t edge_pread_nowait(int fd, void *buffer, size_t count, off_t offset) {
#if defined(__linux__) && defined(RWF_NOWAIT)
    struct iovec vector = { .iov_base = buffer, .iov_len = count };
    return preadv2(fd, &vector, 1, offset, RWF_NOWAIT);
#else
    (void)fd;
    (void)buffer;
    (void)count;
    (void)offset;
    errno = ENOSYS;
    return -1;
#endif
}

int edge_range_is_cached(int fd, off_t offset, size_t count) {
#if defined(__linux__)
#ifndef SYS_cachestat
#define SYS_cachestat 451
#endif
    // The kernel's own structures (linux/mman.h), spelled out: older headers lack them.
    struct { unsigned long long off, len; } range = { (unsigned long long)offset, (unsigned long long)count };
    struct { unsigned long long nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted; } stat;
    if (count == 0) return 1;
    if (syscall(SYS_cachestat, fd, &range, &stat, 0) != 0) return -1;
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0) return -1;
    unsigned long long first = (unsigned long long)offset / (unsigned long long)page;
    unsigned long long last = ((unsigned long long)offset + count - 1) / (unsigned long long)page;
    return stat.nr_cache >= last - first + 1 ? 1 : 0;
#else
    (void)fd;
    (void)offset;
    (void)count;
    errno = ENOSYS;
    return -1;
#endif
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(uint32_t crc, const unsigned char *bytes, size_t count) {
    uint64_t value = ~crc;
    while (count >= 8) {
        uint64_t word;
        memcpy(&word, bytes, 8);
        value = __builtin_ia32_crc32di(value, word);
        bytes += 8;
        count -= 8;
    }
    uint32_t small = (uint32_t)value;
    while (count > 0) {
        small = __builtin_ia32_crc32qi(small, *bytes);
        bytes += 1;
        count -= 1;
    }
    return ~small;
}
#endif

uint32_t edge_crc32c_hardware(uint32_t crc, const void *bytes, size_t count, int *done) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (__builtin_cpu_supports("sse4.2")) {
        *done = 1;
        return crc32c_sse42(crc, (const unsigned char *)bytes, count);
    }
#endif
    (void)crc;
    (void)bytes;
    (void)count;
    *done = 0;
    return 0;
}
