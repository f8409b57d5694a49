// A private PostgreSQL cluster for tests that take the database away from a
// running server: started with scripts/pg-cluster.sh in its own directory
// and port, stopped *without* deleting its data (fast shutdown by signalling
// the postmaster), started again with the script's `start` (which restarts
// an existing cluster on its earlier port), and removed at the end with the
// script's `stop`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../lib/harness.mjs';
import { sleep } from './http.mjs';

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
}

/**
 * Start a cluster in @p dir on @p port.
 * @returns {{url:string, dir:string, stopServer:()=>Promise<void>, startServer:()=>Promise<void>, remove:()=>void}}
 */
export function privateCluster(dir, port) {
  const env = { ...process.env, PD_PG_DIR: dir, PD_PG_PORT: String(port) };
  const start = () => execFileSync('bash', [join(ROOT, 'scripts/pg-cluster.sh'), 'start'], { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120000 }).trim().split('\n').pop();
  const url = start();
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error(`pg-cluster.sh start printed ${JSON.stringify(url)}`);
  // The script keeps the cluster in DIR/data (postmaster.pid there while it runs).
  const pidFile = join(dir, 'data', 'postmaster.pid');
  if (!existsSync(pidFile)) throw new Error(`no ${pidFile}`);

  return {
    url, dir,
    /** Fast shutdown (SIGINT to the postmaster); resolves once it is gone (≤ 30 s). Data stays. */
    async stopServer() {
      if (!existsSync(pidFile)) return;
      const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      process.kill(pid, 'SIGINT');
      // Gone when its pid file is (a clean shutdown removes it; a zombie
      // left unreaped in a container would still answer kill(pid, 0)).
      const gone = () => !existsSync(pidFile) || !alive(pid);
      for (let i = 0; i < 300 && !gone(); i++) await sleep(100);
      if (!gone()) throw new Error(`postmaster ${pid} did not stop within 30 s`);
    },
    /** Start it again on the same data and port; resolves when it accepts connections. */
    async startServer() {
      const again = start();
      if (again !== url) throw new Error(`the cluster came back at ${again}, not ${url}`);
    },
    /** Stop and delete the cluster (the script's `stop`). */
    remove() {
      spawnSync('bash', [join(ROOT, 'scripts/pg-cluster.sh'), 'stop'], { cwd: ROOT, env, stdio: 'ignore', timeout: 120000 });
    },
  };
}
