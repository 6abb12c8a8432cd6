// Counts heap allocations so that HotPathBenchmark can report allocations per operation.
// Preloaded, it forwards every allocation to glibc's own allocator after one relaxed atomic add;
// the benchmark finds `edge_alloc_count` with dlsym and adds an allocs/op column.
//
//   cc -O2 -shared -fPIC -o .build/libedge_alloc_counter.so Benchmarks/alloc-counter/alloc_counter.c
//   LD_PRELOAD=$PWD/.build/libedge_alloc_counter.so .build/release/HotPathBenchmark
//
// glibc only (it forwards to the __libc_* entry points, which avoids dlsym(RTLD_NEXT) and its own
// allocations). realloc counts as an allocation: it may move the block.
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

static _Atomic unsigned long long allocations;

unsigned long long edge_alloc_count(void) {
    return atomic_load_explicit(&allocations, memory_order_relaxed);
}

static inline void count(void) {
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
}

void *malloc(size_t size) {
    count();
    return __libc_malloc(size);
}

void *calloc(size_t count_, size_t size) {
    count();
    return __libc_calloc(count_, size);
}

void *realloc(void *pointer, size_t size) {
    count();
    return __libc_realloc(pointer, size);
}

void *memalign(size_t alignment, size_t size) {
    count();
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    count();
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
    count();
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL) return ENOMEM;
    *out = pointer;
    return 0;
}
