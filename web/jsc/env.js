// The engine-specific parts of the web package's WASI layer (createWasi's env), from what the
// JavaScriptCore shell has: preciseTime() for the clock, printErr for the module's stderr. An app
// embedding JavaScriptCore (iOS JSContext) injects the same functions from Swift, with
// SecRandomCopyBytes behind random (docs/mobile.md).

import { decodeLossy } from '../src/utf8.js';

/**
 * jscEnv returns the WASI env for the jsc shell. The shell has no crypto.getRandomValues, so
 * random bytes come from Math.random: the Go runtime inside the module only seeds its map
 * hashing with them, which ranking does not depend on. An app should inject a real source.
 */
export function jscEnv() {
  return {
    now: () => preciseTime() * 1000,
    wallClock: () => Date.now(),
    random: (b) => { for (let i = 0; i < b.length; i++) b[i] = (Math.random() * 256) | 0; },
    write: (_fd, bytes) => printErr(decodeLossy(bytes)),
  };
}
