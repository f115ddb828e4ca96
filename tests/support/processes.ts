import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

const TSX = 'node_modules/.bin/tsx';

/** Runs one of the project's commands (as `npm start` / `npm run send` would) with extra env. */
export function runScript(script: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(TSX, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return {
    child,
    output: () => ({ stdout, stderr }),
    async exit(): Promise<{ code: number | null; stdout: string; stderr: string }> {
      if (child.exitCode === null) await once(child, 'exit');
      return { code: child.exitCode, stdout, stderr };
    },
    async waitForOutput(pattern: RegExp, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(stdout)) {
        if (child.exitCode !== null)
          throw new Error(
            `${script} exited (${child.exitCode}) before printing ${pattern}:\n${stdout}\n${stderr}`,
          );
        if (Date.now() > deadline)
          throw new Error(`${script} did not print ${pattern} in time:\n${stdout}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return stdout;
    },
  };
}

export async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}
