import { formatShape, type Shape } from './shape.js';

/** A call made with arguments the op cannot accept (shapes, dtypes, disposed tensors). */
export class OpArgumentError extends Error {
  override name = 'OpArgumentError';
  constructor(
    readonly op: string,
    message: string,
  ) {
    super(`${op}: ${message}`);
  }
}

/** Describes tensors for error messages: "a=[2,3] f32, b=[3] f32". */
export function describeArgs(args: Record<string, { shape: Shape; dtype: string } | undefined>): string {
  return Object.entries(args)
    .filter(([, t]) => t)
    .map(([k, t]) => `${k}=${formatShape(t!.shape)} ${t!.dtype}`)
    .join(', ');
}

/** A WebGPU validation or internal error raised while running a kernel. */
export class KernelError extends Error {
  override name = 'KernelError';
  constructor(
    readonly kernel: string,
    readonly kind: 'validation' | 'internal' | 'compile',
    message: string,
  ) {
    super(`kernel '${kernel}' (${kind}): ${message}`);
  }
}

/** The device could not allocate memory. */
export class OutOfMemoryError extends Error {
  override name = 'OutOfMemoryError';
  constructor(
    readonly backend: string,
    readonly bytes: number,
    message: string,
  ) {
    super(`${backend}: out of memory allocating ${bytes} bytes: ${message}. Try a smaller batch size or sequence length.`);
  }
}

/** The GPU device was lost (driver reset, device destroyed, GPU removed). */
export class DeviceLostError extends Error {
  override name = 'DeviceLostError';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(`WebGPU device lost (${reason}): ${message || 'no message'}`);
  }
}

/** No usable backend (e.g. WebGPU was requested but no adapter exists). */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}
