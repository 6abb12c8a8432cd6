// Edge allocates with jemalloc (Debian's libjemalloc-dev), as Varnish does: linking it replaces
// malloc and free for the whole process. Only its control call is declared here; jemalloc.h would
// declare malloc and free a second time beside the C library's.
#include <stddef.h>

int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
