/*
 * Sender recovery for Velox: libsecp256k1's public-key recovery as a freestanding WebAssembly
 * module, built by scripts/buildSecp256k1Wasm.ts. The library's sources are included whole
 * (a single translation unit, as libsecp256k1 is meant to be built); this file adds the few C
 * library functions they call and the module's interface:
 *
 *   initialize()      builds the verification context (the multiplication tables, ~1 MiB, made
 *                     once, ~15 ms); returns 1, or 0 if memory ran out
 *   recover(id)       the public key signed HASH_INPUT with SIGNATURE_INPUT (r, then s, 32 bytes
 *                     big-endian each) and recovery id `id` (0 or 1), written uncompressed to
 *                     PUBLIC_KEY_OUTPUT; returns 1, or 0 if no key recovers (r or s zero or not
 *                     below the group order, r not an x on the curve)
 *
 * The module imports nothing: recovery needs no randomness (the context is a verification one).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- The C library libsecp256k1 calls: a bump allocator (the context is made once, never freed) ---- */

extern unsigned char __heap_base;
static uintptr_t heap_top;

void *malloc(size_t size) {
  if (heap_top == 0) heap_top = (uintptr_t)&__heap_base;
  uintptr_t start = (heap_top + 15) & ~(uintptr_t)15;
  uintptr_t end = start + size;
  uintptr_t available = __builtin_wasm_memory_size(0) * 65536;
  if (end < start) return 0;
  if (end > available && __builtin_wasm_memory_grow(0, (end - available + 65535) / 65536) == (size_t)-1) return 0;
  heap_top = end;
  return (void *)start;
}

/* Declared for util.h's checked_realloc, which nothing calls. */
void *realloc(void *pointer, size_t size) {
  (void)pointer;
  (void)size;
  __builtin_trap();
}

void free(void *pointer) { (void)pointer; }

void abort(void) { __builtin_trap(); }

FILE *stderr;

int fprintf(FILE *file, const char *format, ...) {
  (void)file;
  (void)format;
  return 0;
}

/* Byte loops the compiler must not turn back into calls to themselves. */
__attribute__((no_builtin)) void *memcpy(void *to, const void *from, size_t n) {
  unsigned char *t = to;
  const unsigned char *f = from;
  while (n--) *t++ = *f++;
  return to;
}

__attribute__((no_builtin)) void *memset(void *to, int value, size_t n) {
  unsigned char *t = to;
  while (n--) *t++ = (unsigned char)value;
  return to;
}

__attribute__((no_builtin)) int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (; n; n--, x++, y++)
    if (*x != *y) return *x - *y;
  return 0;
}

/* ---- libsecp256k1 ---- */

#include "src/secp256k1.c"
#include "include/secp256k1_recovery.h"

/* An illegal argument or internal error traps: the caller sees a WebAssembly RuntimeError. */
void secp256k1_default_illegal_callback_fn(const char *message, void *data) {
  (void)message;
  (void)data;
  __builtin_trap();
}

void secp256k1_default_error_callback_fn(const char *message, void *data) {
  (void)message;
  (void)data;
  __builtin_trap();
}

/* ---- The module's interface ---- */

static secp256k1_context *context;
unsigned char HASH_INPUT[32];
unsigned char SIGNATURE_INPUT[64];
unsigned char PUBLIC_KEY_OUTPUT[65];

int initialize(void) {
  context = secp256k1_context_create(SECP256K1_CONTEXT_VERIFY);
  return context != 0;
}

int recover(int recovery_id) {
  secp256k1_ecdsa_recoverable_signature signature;
  secp256k1_pubkey key;
  size_t length = sizeof PUBLIC_KEY_OUTPUT;
  if (context == 0 || recovery_id < 0 || recovery_id > 1) return 0;
  if (!secp256k1_ecdsa_recoverable_signature_parse_compact(context, &signature, SIGNATURE_INPUT, recovery_id))
    return 0;
  if (!secp256k1_ecdsa_recover(context, &key, &signature, HASH_INPUT)) return 0;
  return secp256k1_ec_pubkey_serialize(context, PUBLIC_KEY_OUTPUT, &length, &key, SECP256K1_EC_UNCOMPRESSED);
}
