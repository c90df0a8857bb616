// `npm run train` validates a new run on 2,000 fixed users during training (src/cli/train.ts,
// DEFAULT_VALID_USERS), records that in its checkpoints, and leaves a resumed run on what its
// checkpoint says: a checkpoint from before the default (no train.validUsers) keeps validating
// all users. --valid-users 0 asks for all users.
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpointConfig } from '../src/checkpoint.js';
import { syntheticSequences, userItemFile } from './cases/bert4rec-fixtures.js';
import { buildCliBundles } from './cases/cli-bundle.js';

const ROOT = process.cwd();
const USERS = 2100;
let work = '';
let bin = '';
const env = () => ({ ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp/xdg', BERT4REC_CACHE: join(work, 'no-cache') });

function train(args: string[]) {
  const r = spawnSync(process.execPath, [join(bin, 'train.js'), '--data', 'ratings.txt', '--backend', 'wasm', '--config', 'small.json', ...args], { cwd: work, encoding: 'utf8', env: env(), timeout: 300_000 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}
const SUBSET = new RegExp(`validation: 2,000 of the ${USERS.toLocaleString('en-US')} users during training`);

beforeAll(async () => {
  await mkdir(join(ROOT, 'test-artifacts'), { recursive: true });
  work = await mkdtemp(join(ROOT, 'test-artifacts', 'valid-users-'));
  bin = join(work, 'bin');
  await buildCliBundles(bin, ['train']);
  await writeFile(join(work, 'ratings.txt'), userItemFile(syntheticSequences(USERS, 40, 6, 10, 3)));
  await writeFile(join(work, 'small.json'), JSON.stringify({ model: { maxLen: 12, hidden: 16, layers: 1, heads: 2, ffn: 32 } }));
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('train --valid-users default', () => {
  it('a new run validates 2,000 users, records it, and a resume keeps it', async () => {
    const out = train(['--epochs', '1', '--out', 'new']);
    expect(out).toMatch(SUBSET);
    expect(out).toMatch(/final choice on all 2,100 validation users/);
    expect((await readCheckpointConfig(join(work, 'new', 'checkpoint-last'))).train.validUsers).toBe(2000);
    const resumed = train(['--resume', join('new', 'checkpoint-last'), '--out', 'new-resumed']);
    expect(resumed).toContain('resume:');
    expect(resumed).toMatch(SUBSET);
  }, 300_000);

  it('--valid-users 0 validates all users', async () => {
    const out = train(['--epochs', '1', '--valid-users', '0', '--out', 'all']);
    expect(out).not.toMatch(/validation: .* users during training/);
    expect(out).not.toMatch(/final choice on all/);
    expect((await readCheckpointConfig(join(work, 'all', 'checkpoint-last'))).train.validUsers).toBe(0);
  }, 300_000);

  it('a checkpoint without train.validUsers (written before the default) resumes validating all users', async () => {
    train(['--epochs', '1', '--out', 'old']);
    await cp(join(work, 'old', 'checkpoint-last'), join(work, 'old-format'), { recursive: true });
    const file = join(work, 'old-format', 'config.json');
    const config = JSON.parse(await readFile(file, 'utf8'));
    expect(config.train.validUsers).toBe(2000);
    delete config.train.validUsers;
    await writeFile(file, JSON.stringify(config));
    expect((await readCheckpointConfig(join(work, 'old-format'))).train.validUsers).toBeUndefined();
    const resumed = train(['--resume', 'old-format', '--out', 'old-resumed']);
    expect(resumed).toContain('resume:');
    expect(resumed).not.toMatch(/validation: .* users during training/);
  }, 300_000);
});
