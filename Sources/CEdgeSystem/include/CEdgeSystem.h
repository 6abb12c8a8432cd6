#ifndef CEDGESYSTEM_H
#define CEDGESYSTEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/// Opens `path` (relative to the directory `dirfd`) for reading only if every component of the path
/// is already in the kernel's lookup cache (Linux openat2 RESOLVE_CACHED): an event loop may call it,
/// since it never waits for the disk. Returns the descriptor, or -1 with errno EAGAIN when the open
/// would need I/O, or ENOSYS where the kernel cannot promise that. Like `edge_open_record`, it
/// leaves the access time alone when it may.
int edge_open_cached(int dirfd, const char *path);

/// Opens a record file under `dirfd` for reading, blocking: without updating its access time (a
/// read of the cache is not a change the file system needs to write), unless the file belongs to
/// another user.
int edge_open_record(int dirfd, const char *path);

/// Reads up to `count` bytes at `offset` only from the page cache (preadv2 RWF_NOWAIT): returns the
/// bytes read, or -1 with errno EAGAIN when they are not all in memory (or ENOSYS / EOPNOTSUPP where
/// the kernel or file system cannot promise that).
ssize_t edge_pread_nowait(int fd, void *buffer, size_t count, off_t offset);

/// Whether every page of bytes `offset..<offset+count` of `fd` is in the page cache (Linux 6.5's
/// cachestat), so that sending them (sendfile) will not wait for the disk: 1 when all are, 0 when
/// some are not, -1 with errno set where the kernel cannot tell.
int edge_range_is_cached(int fd, off_t offset, size_t count);

/// Extends CRC-32C `crc` (0 to start) with `count` bytes, with the CPU's crc32 instruction. Returns
/// 0 in `*done` when the CPU has none (the caller then uses its own table-driven code).
uint32_t edge_crc32c_hardware(uint32_t crc, const void *bytes, size_t count, int *done);

#endif
