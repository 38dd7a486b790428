/**
 * Writes src/primitives/secp256k1/secp256k1.wasm: libsecp256k1's public-key recovery compiled to a
 * freestanding WebAssembly module (scripts/secp256k1Wasm/recover.c says what it exports). Run
 * `npx tsx scripts/buildSecp256k1Wasm.ts` after changing the C file or the library version; the
 * output is checked in, so installing and testing Velox needs no C toolchain. This does: clang and
 * wasm-ld (Debian: `apt-get install clang lld`), and the npm registry, which has the library's
 * sources (`npm pack` checks the tarball against the registry's hash): the `secp256k1-wasm`
 * package vendors libsecp256k1 as of 2021 (0.1, with the safegcd modular inversions) in
 * depend/secp256k1; only that folder is used. Its own test suite (src/tests.c, built natively
 * with the flags below) passes.
 *
 * Built with 64-bit wide multiplication only (the 10x26 field and 8x32 scalar): WebAssembly has
 * 64-bit multiplication but not its 128-bit product, so the 5x52 field (what tiny-secp256k1's
 * build uses) calls a helper that emulates it for every limb product. Side by side in Node:
 * 129 µs a recovery against 248. The safegcd inversions of this version, against the exponentiation
 * ladders of the `secp256k1` package's (2019): 86 µs against 129. The endomorphism (GLV), always on
 * since, splits each scalar multiplication in two. The multiplication tables are built at
 * initialize() (ECMULT_WINDOW_SIZE 15, as libsecp256k1's default); building them needs a few MiB
 * of stack, hence the 4 MiB stack.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

const LIBRARY_PACKAGE = 'secp256k1-wasm@2.0.0'
const ROOT = path.resolve(import.meta.dirname, '..')
const SOURCE = path.join(ROOT, 'scripts/secp256k1Wasm')
const OUTPUT = path.join(ROOT, 'src/primitives/secp256k1/secp256k1.wasm')
const STACK_BYTES = 4 * 1024 * 1024
const EXPORTS = ['initialize', 'recover', 'HASH_INPUT', 'SIGNATURE_INPUT', 'PUBLIC_KEY_OUTPUT']

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' })
  if (result.error)
    throw new Error(`${command} could not run (${result.error.message}): see this file's header`)
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`)
}

const work = mkdtempSync(path.join(tmpdir(), 'velox-secp256k1-'))
try {
  run('npm', ['pack', LIBRARY_PACKAGE, '--silent'], work)
  const tarball = readdirSync(work).find((file) => file.endsWith('.tgz'))
  if (!tarball) throw new Error(`npm pack ${LIBRARY_PACKAGE} wrote no tarball`)
  run('tar', ['xzf', tarball], work)
  const library = path.join(work, 'package/depend/secp256k1')
  const object = path.join(work, 'recover.o')
  run(
    'clang',
    [
      '--target=wasm32',
      '-O3',
      '-nostdlib',
      '-ffreestanding',
      `-I${path.join(SOURCE, 'libc')}`,
      `-I${library}`,
      `-I${path.join(library, 'src')}`,
      '-DENABLE_MODULE_RECOVERY=1',
      '-DUSE_FORCE_WIDEMUL_INT64=1',
      '-DECMULT_WINDOW_SIZE=15',
      '-DECMULT_GEN_PREC_BITS=4',
      '-DUSE_EXTERNAL_DEFAULT_CALLBACKS=1',
      '-c',
      path.join(SOURCE, 'recover.c'),
      '-o',
      object,
    ],
    work,
  )
  run(
    'wasm-ld',
    [
      '--no-entry',
      '--strip-all',
      '-z',
      `stack-size=${STACK_BYTES}`,
      ...EXPORTS.map((name) => `--export=${name}`),
      '-o',
      OUTPUT,
      object,
    ],
    work,
  )
  console.log(`wrote ${path.relative(ROOT, OUTPUT)}`)
} finally {
  rmSync(work, { recursive: true, force: true })
}
