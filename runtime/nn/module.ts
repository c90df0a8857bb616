// Module: a tree of named parameters and sub-modules. Parameters are leaf tensors with
// requiresGrad = true, owned by the module (outside every scope) until dispose().
import type { Backend } from '../backend.js';
import { OpArgumentError } from '../errors.js';
import { keep } from '../scope.js';
import { formatShape, shapesEqual, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { emptyTensor } from '../ops/util.js';
import type { Initializer } from './init.js';
import { Rng } from './rng.js';

/** Where a module allocates its parameters: a Runtime (anything with a backend) or a Backend. */
export type ParamHost = { backend: Backend } | Backend;

function backendOf(host: ParamHost): Backend {
  return 'backend' in host ? host.backend : host;
}

/** What loadStateDict accepts: tensors (any backend) or host arrays, by dotted name. */
export type StateSource = Map<string, Tensor | Float32Array> | Record<string, Tensor | Float32Array>;

/**
 * Base class of layers and models: a tree of named parameters (f32 leaf tensors with
 * requiresGrad, owned until dispose()) and sub-modules, with state dicts and train/eval mode.
 */
export class Module {
  /** Training mode (dropout on). Set through train()/eval(). */
  training = true;
  private readonly ownParams = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  /** Creates, registers and returns a parameter initialised by `init` (host values, uploaded). */
  protected createParameter(host: ParamHost, name: string, shape: Shape, init: Initializer, rng: Rng): Tensor {
    const backend = backendOf(host);
    const data = init(shape, rng);
    if (data.length !== sizeOf(shape)) {
      throw new OpArgumentError('Module', `initializer for '${name}' returned ${data.length} values for shape ${formatShape(shape)}`);
    }
    const t = emptyTensor(backend, shape, 'f32');
    if (data.length) backend.write(t.storage('Module'), data);
    return this.registerParameter(name, t);
  }

  /** Registers an existing f32 tensor as a parameter (the module takes ownership). */
  protected registerParameter(name: string, t: Tensor): Tensor {
    this.checkName(name);
    if (t.dtype !== 'f32') throw new OpArgumentError('Module', `parameter '${name}' must be f32, got ${t.dtype}`);
    keep(t);
    t.requiresGrad = true;
    t.name ??= name;
    this.ownParams.set(name, t);
    return t;
  }

  /** Registers a sub-module; its parameters are named '<name>.<param>'. */
  protected registerModule<M extends Module>(name: string, m: M): M {
    this.checkName(name);
    this.children.set(name, m);
    return m;
  }

  private checkName(name: string): void {
    if (!name || name.includes('.')) throw new OpArgumentError('Module', `invalid name '${name}' (non-empty, no dots)`);
    if (this.ownParams.has(name) || this.children.has(name)) throw new OpArgumentError('Module', `name '${name}' is already registered`);
  }

  /** [dotted name, parameter] pairs, depth-first in registration order. Sets each tensor's name. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.ownParams) {
      const full = prefix + n;
      t.name = full;
      out.push([full, t]);
    }
    for (const [n, m] of this.children) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** [dotted name, module] pairs of all sub-modules (this one is ''). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix.replace(/\.$/, ''), this]];
    for (const [n, m] of this.children) out.push(...m.namedModules(`${prefix}${n}.`));
    return out;
  }

  /** Total number of parameter elements. */
  parameterCount(): number {
    return this.parameters().reduce((s, t) => s + t.size, 0);
  }

  /** The parameters by dotted name. The tensors are the live parameters, not copies. */
  stateDict(): Map<string, Tensor> {
    return new Map(this.namedParameters());
  }

  /**
   * Copies values into the parameters (device copy for tensors on the same backend, upload
   * for host arrays and tensors of another backend). Shapes must match exactly. With strict
   * (default), missing and unexpected keys are errors; all problems are listed in one error.
   */
  async loadStateDict(source: StateSource, { strict = true } = {}): Promise<void> {
    const entries = source instanceof Map ? source : new Map(Object.entries(source));
    const own = this.stateDict();
    const problems: string[] = [];
    for (const [key, value] of entries) {
      const p = own.get(key);
      if (!p) {
        if (strict) problems.push(`unexpected key '${key}'`);
        continue;
      }
      if (value instanceof Tensor) {
        if (value.dtype !== 'f32') problems.push(`'${key}': expected f32, got ${value.dtype}`);
        else if (!shapesEqual(value.shape, p.shape)) problems.push(`'${key}': shape ${formatShape(value.shape)} does not match the parameter's ${formatShape(p.shape)}`);
      } else if (value.length !== p.size) {
        problems.push(`'${key}': ${value.length} values do not fit the parameter's shape ${formatShape(p.shape)}`);
      }
    }
    if (strict) for (const key of own.keys()) if (!entries.has(key)) problems.push(`missing key '${key}'`);
    if (problems.length) throw new OpArgumentError('loadStateDict', problems.join('; '));
    for (const [key, value] of entries) {
      const p = own.get(key);
      if (!p || p.size === 0) continue;
      if (value instanceof Tensor && value.backend === p.backend) {
        p.backend.copy(value.storage('loadStateDict'), p.storage('loadStateDict'), p.size * 4);
      } else {
        const data = value instanceof Tensor ? await value.data() : value;
        p.backend.write(p.storage('loadStateDict'), data as Float32Array);
      }
    }
  }

  /** Sets training mode on this module and all sub-modules. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Frees every parameter (and its gradient). */
  dispose(): void {
    for (const t of this.parameters()) t.dispose();
  }
}

/** An indexable list of sub-modules, named '0', '1', ... */
export class ModuleList<M extends Module = Module> extends Module {
  private readonly items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.push(m);
  }

  push(m: M): M {
    this.registerModule(String(this.items.length), m);
    this.items.push(m);
    return m;
  }

  get(i: number): M {
    const m = this.items[i];
    if (!m) throw new RangeError(`ModuleList: index ${i} out of range (length ${this.items.length})`);
    return m;
  }

  get length(): number {
    return this.items.length;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}

export { Rng };
