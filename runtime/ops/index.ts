export { fill } from './fill.js';
export { add, sub, mul, div, binary, type BinaryOpName } from './binary.js';
export { scale } from './scale.js';
export { sum } from './sum.js';
export { matmul, matmulNaive, matmulShape, type MatmulOptions } from './matmul.js';
export { transpose } from './transpose.js';
