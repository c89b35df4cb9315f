// A WebAssembly SIMD matrix-product loop, assembled here from its bytecode (no toolchain needed)
// and instantiated on the wasm backend's own memory, so it reads and writes tensors in place.
//
// `mm(a, b, c, M, K, N, j0, j1)` (byte addresses a, b, c; counts M, K, N; columns j0 < j1, both
// multiples of 4 with j1 <= N) sets, for i < M and j0 <= j < j1,
//   c[i N + j] = sum_{k < K} a[i K + k] b[k N + j]
// four columns at a time (f32x4 splat of a, multiply, add). M, K >= 1. Rows of b and c are N
// floats apart; the vector loads need no alignment.

const I32 = 0x7f;
const V128 = 0x7b;

/** Unsigned LEB128. */
function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 for the small constants used here. */
function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

// Opcodes.
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const tee = (i: number) => [0x22, ...uleb(i)];
const i32c = (v: number) => [0x41, ...sleb(v)];
const ADD = [0x6a];
const SHL = [0x74];
const LT_U = [0x49];
const LOOP = [0x03, 0x40];
const END = [0x0b];
const brIf = (depth: number) => [0x0d, ...uleb(depth)];
const F32_LOAD = [0x2a, 0x02, 0x00];
const V128_LOAD = [0xfd, ...uleb(0x00), 0x00, 0x00];
const V128_STORE = [0xfd, ...uleb(0x0b), 0x00, 0x00];
const V128_ZERO = [0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0)];
const F32X4_SPLAT = [0xfd, ...uleb(0x13)];
const F32X4_ADD = [0xfd, ...uleb(0xe4)];
const F32X4_MUL = [0xfd, ...uleb(0xe6)];

// Parameters 0..7: a, b, c, M, K, N, j0, j1; locals: i, j, k, ap, bp, rowA, rowC, nb (N * 4), acc.
const [A, B, C, M, K, N, J0, J1] = [0, 1, 2, 3, 4, 5, 6, 7];
const [Li, Lj, Lk, AP, BP, ROWA, ROWC, NB, ACC] = [8, 9, 10, 11, 12, 13, 14, 15, 16];

function body(): number[] {
  const code = [
    ...get(N), ...i32c(2), ...SHL, ...set(NB),
    ...get(A), ...set(ROWA),
    ...get(C), ...set(ROWC),
    ...i32c(0), ...set(Li),
    ...LOOP,
    ...get(J0), ...set(Lj),
    ...LOOP,
    ...V128_ZERO, ...set(ACC),
    ...get(ROWA), ...set(AP),
    ...get(B), ...get(Lj), ...i32c(2), ...SHL, ...ADD, ...set(BP),
    ...i32c(0), ...set(Lk),
    ...LOOP,
    ...get(ACC),
    ...get(AP), ...F32_LOAD, ...F32X4_SPLAT,
    ...get(BP), ...V128_LOAD,
    ...F32X4_MUL, ...F32X4_ADD, ...set(ACC),
    ...get(AP), ...i32c(4), ...ADD, ...set(AP),
    ...get(BP), ...get(NB), ...ADD, ...set(BP),
    ...get(Lk), ...i32c(1), ...ADD, ...tee(Lk), ...get(K), ...LT_U, ...brIf(0),
    ...END,
    ...get(ROWC), ...get(Lj), ...i32c(2), ...SHL, ...ADD, ...get(ACC), ...V128_STORE,
    ...get(Lj), ...i32c(4), ...ADD, ...tee(Lj), ...get(J1), ...LT_U, ...brIf(0),
    ...END,
    ...get(ROWA), ...get(K), ...i32c(2), ...SHL, ...ADD, ...set(ROWA),
    ...get(ROWC), ...get(NB), ...ADD, ...set(ROWC),
    ...get(Li), ...i32c(1), ...ADD, ...tee(Li), ...get(M), ...LT_U, ...brIf(0),
    ...END,
    ...END,
  ];
  const locals = vec([[...uleb(8), I32], [...uleb(1), V128]]);
  return [...uleb(locals.length + code.length), ...locals, ...code];
}

/**
 * The module's bytes: imports `env.memory`, exports `mm`. `shared` declares the import as a
 * shared memory (limits flag 3, at most 65536 pages = 4 GiB): the threaded wasm build's memory
 * links only to a shared import, an unshared one only to an unshared import.
 */
export function simdMatMulModuleBytes(shared = false): Uint8Array<ArrayBuffer> {
  const limits = shared ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(new Array<number[]>(8).fill([I32])), ...vec([])]])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, ...limits]])),
    ...section(3, vec([uleb(0)])),
    ...section(7, vec([[...name('mm'), 0x00, ...uleb(0)]])),
    ...section(10, vec([body()])),
  ];
  return new Uint8Array(bytes);
}

/** `mm` bound to one memory (see the module comment). */
export type SimdMatMul = (a: number, b: number, c: number, m: number, k: number, n: number, j0: number, j1: number) => void;

const instances = new WeakMap<WebAssembly.Memory, SimdMatMul | null>();

/**
 * `mm` instantiated on `memory` (unshared, or shared as the threaded wasm build's is), or null
 * where this engine has no WebAssembly SIMD (the module does not validate) or the memory does
 * not link. Cached per memory.
 */
export function simdMatMulFor(memory: WebAssembly.Memory): SimdMatMul | null {
  const cached = instances.get(memory);
  if (cached !== undefined) return cached;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const bytes = simdMatMulModuleBytes(shared);
  let fn: SimdMatMul | null = null;
  if (WebAssembly.validate(bytes)) {
    try {
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
      fn = instance.exports['mm'] as unknown as SimdMatMul;
    } catch {
      // An engine without shared-memory support for this import: the stock kernel serves there.
      fn = null;
    }
  }
  instances.set(memory, fn);
  return fn;
}
