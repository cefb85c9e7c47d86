import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/jaeger-sls.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/jaeger-sls.js ...args` to completion (needs a built dist/). */
export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string | Uint8Array; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`jaeger-sls ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Runs `jaeger-sls ...args` in this process with an injected clock (`nowUs`, µs since epoch), the
 * way bin/ does (same program, same error-to-exit-code mapping), capturing stdout and stderr.
 */
export async function runCliInProcess(args: string[], options: { nowUs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const { createProgram } = await import('../../src/cli/program.js');
  const { exitCodeFor, formatError } = await import('../../src/cli/exit-codes.js');
  const { CommanderError } = await import('commander');
  let stdout = '';
  let stderr = '';
  const ctx = {
    out: (t: string) => void (stdout += t.endsWith('\n') ? t : `${t}\n`),
    err: (t: string) => void (stderr += t.endsWith('\n') ? t : `${t}\n`),
    stderrIsTTY: false,
    env: { ...process.env, ...options.env },
    now: () => options.nowUs ?? Date.now() * 1000,
  };
  const argv = ['node', 'jaeger-sls', ...args];
  try {
    await (await createProgram(ctx, argv)).parseAsync(argv);
    return { code: 0, stdout, stderr };
  } catch (err) {
    if (err instanceof CommanderError && err.exitCode === 0) return { code: 0, stdout, stderr };
    stderr += `${formatError(err)}\n`;
    return { code: exitCodeFor(err), stdout, stderr };
  }
}
