// A throwaway PostgreSQL server on 127.0.0.1 for the tests: initdb and
// pg_ctl from Debian's postgresql package, run as the `postgres` user when
// the tests run as root (initdb refuses root).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function binDir() {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  if (versions.length === 0) throw new Error('PostgreSQL is not installed: scripts/setup --test installs Debian\'s postgresql');
  versions.sort((a, b) => Number(b) - Number(a));
  return join(root, versions[0], 'bin');
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts a server; returns { url, stop, admin(sql) }. */
export async function startPostgres() {
  const bin = binDir();
  const asRoot = process.getuid?.() === 0;
  const run = (tool, args) => {
    const command = asRoot ? 'runuser' : join(bin, tool);
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
    return execFileSync(command, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  };
  const dir = mkdtempSync(join(tmpdir(), 'kmb-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', 'mkdir', data]);
  run('initdb', ['-D', data, '-U', 'kmb', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  run('pg_ctl', ['-D', data, '-l', join(data, 'server.log'), '-w', '-o', `-p ${port} -k ${data} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  const url = `postgres://kmb@127.0.0.1:${port}/postgres`;
  const { default: pg } = await import('pg');
  return {
    url,
    urlFor: (database) => `postgres://kmb@127.0.0.1:${port}/${database}`,
    async query(sql, database = 'postgres') {
      const client = new pg.Client({ connectionString: `postgres://kmb@127.0.0.1:${port}/${database}` });
      await client.connect();
      try {
        return (await client.query(sql)).rows;
      } finally {
        await client.end();
      }
    },
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
