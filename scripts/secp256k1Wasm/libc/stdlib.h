/* The part of <stdlib.h> libsecp256k1 uses; recover.c defines them. */
#include <stddef.h>
void *malloc(size_t size);
void *realloc(void *pointer, size_t size);
void free(void *pointer);
void abort(void) __attribute__((noreturn));
