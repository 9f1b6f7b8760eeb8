/**
 * Small dense linear algebra in Float64 on the CPU, for adapter merges (tfjs has no SVD). Matrices are row-major
 * `Float64Array`s. The SVD is one-sided Jacobi (Hestenes) on the R factor of a Householder QR: accurate to
 * machine precision, robust to rank deficiency (an untrained LoRA has B = 0), and cheap because merges only ever
 * decompose matrices with a few dozen columns (`lowRankSvd` never forms the full ΔW).
 */

/** A row-major matrix. */
export interface Mat {
  rows: number;
  cols: number;
  data: Float64Array;
}

/** Thin SVD `a = u · diag(s) · vᵀ`: u [rows, k], s [k] descending, v [cols, k], k = min(rows, cols). */
export interface Svd {
  u: Mat;
  s: Float64Array;
  v: Mat;
}

export function mat(rows: number, cols: number, data?: ArrayLike<number>): Mat {
  const d = new Float64Array(rows * cols);
  if (data) d.set(data);
  return { rows, cols, data: d };
}

export function transpose(a: Mat): Mat {
  const t = mat(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) t.data[j * a.rows + i] = a.data[i * a.cols + j];
  return t;
}

export function matmul(a: Mat, b: Mat): Mat {
  if (a.cols !== b.rows) throw new Error(`matmul: ${a.rows}×${a.cols} · ${b.rows}×${b.cols}`);
  const c = mat(a.rows, b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k];
      if (aik === 0) continue;
      const bo = k * b.cols;
      const co = i * b.cols;
      for (let j = 0; j < b.cols; j++) c.data[co + j] += aik * b.data[bo + j];
    }
  }
  return c;
}

/** Thin Householder QR of a tall matrix (rows ≥ cols): q [rows, cols] with orthonormal columns, r [cols, cols]. */
export function qr(a: Mat): { q: Mat; r: Mat } {
  const { rows: m, cols: n } = a;
  if (m < n) throw new Error(`qr needs rows ≥ cols, got ${m}×${n}`);
  const w = new Float64Array(a.data);
  const vs: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const v = new Float64Array(m - j);
    let norm = 0;
    for (let i = j; i < m; i++) norm += w[i * n + j] ** 2;
    norm = Math.sqrt(norm);
    const x0 = w[j * n + j];
    const alpha = x0 >= 0 ? -norm : norm;
    for (let i = j; i < m; i++) v[i - j] = w[i * n + j];
    v[0] -= alpha;
    let vnorm = 0;
    for (let i = 0; i < v.length; i++) vnorm += v[i] * v[i];
    if (vnorm > 0) {
      // Apply H = I − 2vvᵀ/(vᵀv) to the trailing columns.
      for (let c = j; c < n; c++) {
        let dot = 0;
        for (let i = j; i < m; i++) dot += v[i - j] * w[i * n + c];
        const f = (2 * dot) / vnorm;
        for (let i = j; i < m; i++) w[i * n + c] -= f * v[i - j];
      }
    }
    vs.push(vnorm > 0 ? v.map((x) => x / Math.sqrt(vnorm)) : v);
  }
  const r = mat(n, n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) r.data[i * n + j] = w[i * n + j];
  // Q = H0·H1·…·H(n−1) applied to the first n columns of the identity, last reflector first.
  const q = mat(m, n);
  for (let i = 0; i < n; i++) q.data[i * n + i] = 1;
  for (let j = n - 1; j >= 0; j--) {
    const v = vs[j];
    for (let c = 0; c < n; c++) {
      let dot = 0;
      for (let i = j; i < m; i++) dot += v[i - j] * q.data[i * n + c];
      if (dot === 0) continue;
      for (let i = j; i < m; i++) q.data[i * n + c] -= 2 * dot * v[i - j];
    }
  }
  return { q, r };
}

/** One-sided Jacobi SVD of a square matrix; returns columns sorted by descending singular value. */
function jacobiSquare(a: Mat): Svd {
  const n = a.cols;
  const w = new Float64Array(a.data); // columns converge to u·s
  const v = mat(n, n);
  for (let i = 0; i < n; i++) v.data[i * n + i] = 1;
  const eps = 1e-15;
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < a.rows; i++) {
          const wp = w[i * n + p];
          const wq = w[i * n + q];
          alpha += wp * wp;
          beta += wq * wq;
          gamma += wp * wq;
        }
        if (gamma === 0 || Math.abs(gamma) <= eps * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        rotateColumns(w, a.rows, n, p, q, c, s);
        rotateColumns(v.data, n, n, p, q, c, s);
      }
    }
    if (!rotated) break;
  }
  return sortedFactors(w, a.rows, v);
}

function rotateColumns(d: Float64Array, rows: number, n: number, p: number, q: number, c: number, s: number): void {
  for (let i = 0; i < rows; i++) {
    const xp = d[i * n + p];
    const xq = d[i * n + q];
    d[i * n + p] = c * xp - s * xq;
    d[i * n + q] = s * xp + c * xq;
  }
}

/** Splits converged Jacobi columns into u (unit columns), s and v, ordered by descending s. */
function sortedFactors(w: Float64Array, rows: number, v: Mat): Svd {
  const n = v.cols;
  const norms = Array.from({ length: n }, (_, j) => {
    let s = 0;
    for (let i = 0; i < rows; i++) s += w[i * n + j] ** 2;
    return Math.sqrt(s);
  });
  const order = norms.map((_, j) => j).sort((x, y) => norms[y] - norms[x]);
  const u = mat(rows, n);
  const vs = mat(n, n);
  const s = new Float64Array(n);
  order.forEach((j, k) => {
    s[k] = norms[j];
    for (let i = 0; i < rows; i++) u.data[i * n + k] = norms[j] > 0 ? w[i * n + j] / norms[j] : 0;
    for (let i = 0; i < n; i++) vs.data[i * n + k] = v.data[i * n + j];
  });
  return { u, s, v: vs };
}

/** Thin SVD of any matrix (QR first, so the Jacobi sweeps run on a small square factor). */
export function svd(a: Mat): Svd {
  if (a.rows < a.cols) {
    const t = svd(transpose(a));
    return { u: t.v, s: t.s, v: t.u };
  }
  const { q, r } = qr(a);
  const core = jacobiSquare(r);
  return { u: matmul(q, core.u), s: core.s, v: core.v };
}

/**
 * SVD of the product `b · a` (b [m, k], a [k, n], k small) without forming it: QR both factors, decompose the
 * k×k core. Exact up to rounding; this is what merging LoRA deltas needs since ΔW = B·A is low rank by design.
 */
export function lowRankSvd(b: Mat, a: Mat): Svd {
  if (b.cols !== a.rows) throw new Error(`lowRankSvd: ${b.rows}×${b.cols} · ${a.rows}×${a.cols}`);
  if (b.rows < b.cols || a.cols < a.rows) return svd(matmul(b, a));
  const qb = qr(b);
  const qa = qr(transpose(a));
  const core = jacobiSquare(matmul(qb.r, transpose(qa.r))); // [k, k]
  return { u: matmul(qb.q, core.u), s: core.s, v: matmul(qa.q, core.v) };
}
