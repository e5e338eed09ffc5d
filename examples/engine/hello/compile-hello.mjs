// Compiles hello.c into a static executable with the host's C compiler (Debian's gcc, from setup.sh).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const HELLO_SOURCE = fileURLToPath(new URL('./hello.c', import.meta.url));

// Without libc, on the two architectures hello.c has raw syscalls for: no loader, no startup code.
const RAW_SYSCALL_ARCHES = new Set(['x64', 'arm64']);

/** The compiler flags, also recorded in the image's history. */
export function helloCompilerFlags(arch = process.arch) {
  const freestanding = RAW_SYSCALL_ARCHES.has(arch);
  return [
    '-Os',
    '-static',
    ...(freestanding ? ['-nostdlib', '-fno-stack-protector'] : ['-DHELLO_LIBC']),
    '-fno-asynchronous-unwind-tables',
    '-fno-ident', // no compiler version in the binary: same bytes from any gcc that emits the same code
    '-Wall',
    '-Wextra',
    '-Werror',
    '-Wl,--build-id=none',
    // One page-aligned segment instead of three: 1 KB instead of 9 KB.
    '-Wl,-z,noseparate-code',
    '-Wl,-z,norelro',
    '-s',
  ];
}

/** Writes the hello binary to `outFile`. */
export async function compileHello(outFile, { cc = process.env.CC ?? 'cc' } = {}) {
  try {
    await promisify(execFile)(cc, [...helloCompilerFlags(), '-o', outFile, HELLO_SOURCE]);
  } catch (err) {
    throw new Error(
      `compiling ${HELLO_SOURCE} with ${cc} failed (is gcc installed? tools/setup.sh): ${err.stderr ?? err.message}`,
    );
  }
}
