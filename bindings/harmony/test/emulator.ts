// Test support (not a test file: `cargo xtask node-test` runs only `*.test.js`): starts the
// real emulator, `$CAIRN_BIN emulator serve --port 0`, and reads the address it listens on.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface RunningEmulator {
  process: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
}

export async function startEmulator(): Promise<RunningEmulator> {
  const bin = process.env.CAIRN_BIN;
  assert.ok(bin, 'CAIRN_BIN names the cairn binary');
  const child = spawn(bin, ['emulator', 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const first: string = await new Promise((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`emulator exited early (${code})`)));
  });
  const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(first);
  assert.ok(match, `unexpected first line: ${first}`);
  return { process: child, baseUrl: match[1] };
}
