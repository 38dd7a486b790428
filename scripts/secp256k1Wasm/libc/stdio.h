/* The part of <stdio.h> libsecp256k1 names (its default callbacks, unused here); recover.c defines them. */
typedef struct FILE FILE;
extern FILE *stderr;
int fprintf(FILE *file, const char *format, ...);
