import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadTestEnv } from './helpers/env';

/** Migrates the test database once, with the same tool as production (yoyo via tools/db.py). */
export default function globalSetup(): void {
  loadTestEnv();
  const root = join(__dirname, '..');
  execFileSync('sh', [join(root, 'tools', 'py'), 'db', join(root, 'tools', 'db.py'), 'migrate'], { cwd: root, stdio: 'inherit' });
}
