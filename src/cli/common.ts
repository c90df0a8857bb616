// Shared CLI helpers: argument parsing with --help, integer/number flags, error reporting, exit handling.
import { parseArgs } from 'node:util';
import { BackendUnavailableError, createRuntime, DeviceLostError, SafetensorsError, type BackendChoice, type Runtime } from '../../runtime/index.js';
import { CheckpointError } from '../checkpoint.js';
import { ConfigError } from '../config.js';
import { DataFormatError, DatasetError } from '../data/errors.js';
import { DownloadError } from '../data/node/download.js';
import { withNativeStderrFiltered } from './native-stderr.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
}

/**
 * Every command's prologue: `argv` parsed against `options` plus --help/-h. Returns null after
 * writing `help` to stdout when it was asked for; refuses positional arguments unless
 * `positionals` (then they are returned).
 */
export function parseCommand<const O extends Record<string, OptionSpec>>(argv: string[], help: string, options: O, { positionals = false } = {}) {
  const parsed = parseArgs({ args: argv, allowPositionals: true, options: { ...options, help: { type: 'boolean', short: 'h' } } });
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(help);
    return null;
  }
  if (!positionals && parsed.positionals.length) throw new UsageError(`unexpected argument '${parsed.positionals[0]}' (see --help)`);
  return parsed;
}

export function intFlag(name: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name}: expected an integer >= ${min}, got '${value}'`);
  return n;
}

export function numberFlag(name: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`--${name}: expected a number >= ${min}, got '${value}'`);
  return n;
}

export function choiceFlag<T extends string>(name: string, value: string | undefined, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!choices.includes(value as T)) throw new UsageError(`--${name}: expected one of ${choices.join(', ')}, got '${value}'`);
  return value as T;
}

/** Errors the user can act on are printed as one line; anything else keeps its stack. */
export function reportError(e: unknown): void {
  const known = [UsageError, ConfigError, DataFormatError, DatasetError, CheckpointError, DownloadError, BackendUnavailableError, SafetensorsError, DeviceLostError];
  if (known.some((K) => e instanceof K)) console.error(`error: ${(e as Error).message}`);
  else if (e instanceof Error && (e as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') console.error(`error: ${e.message} (see --help)`);
  else if (e instanceof Error && String((e as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')) console.error(`error: ${e.message}`);
  else console.error(e);
}

/** Runs a CLI main: prints known errors as one line, sets the exit code, and exits even if a GPU device thread lingers. */
export function runMain(main: () => Promise<number>): void {
  const exit = (code: number) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), 3000).unref();
  };
  main().then(exit, (e) => {
    reportError(e);
    exit(1);
  });
}

/**
 * The runtime every command uses. 'auto' skips a software WebGPU adapter (lavapipe,
 * SwiftShader) for WASM, which is faster on the same CPU (a training step 1.8 s vs 0.63 s;
 * recommend 54 s vs 0.96 s). Dawn's internal warnings, which it writes straight to stderr
 * while the adapter is requested, are kept out of the output unless `verbose`.
 */
export async function createCliRuntime(backend: BackendChoice, o: { log: (line: string) => void; verbose?: boolean }): Promise<Runtime> {
  const options = { backend, avoidSoftwareAdapter: true } as const;
  if (o.verbose || backend === 'wasm') return createRuntime({ ...options, log: o.log });
  const lines: string[] = []; // our own log lines wait until stderr is back
  try {
    return await withNativeStderrFiltered(() => createRuntime({ ...options, log: (l) => lines.push(l) }));
  } finally {
    for (const l of lines) o.log(l);
  }
}
