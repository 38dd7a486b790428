/* The part of <string.h> libsecp256k1 uses; recover.c defines them. */
#include <stddef.h>
void *memcpy(void *to, const void *from, size_t n);
void *memset(void *to, int value, size_t n);
int memcmp(const void *a, const void *b, size_t n);
