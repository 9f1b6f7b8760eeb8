import { describe, expect, it } from 'vitest';
import { lowRankSvd, mat, matmul, qr, svd, transpose, type Mat } from './svd';

function rand(rows: number, cols: number, seed: number): Mat {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  return mat(rows, cols, Array.from({ length: rows * cols }, next));
}

function maxAbsDiff(a: Mat, b: Mat): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

function reconstruct(u: Mat, s: Float64Array, v: Mat): Mat {
  const us = mat(u.rows, u.cols, u.data);
  for (let i = 0; i < u.rows; i++) for (let j = 0; j < u.cols; j++) us.data[i * u.cols + j] *= s[j];
  return matmul(us, transpose(v));
}

function identityError(q: Mat): number {
  const g = matmul(transpose(q), q);
  let m = 0;
  for (let i = 0; i < g.rows; i++)
    for (let j = 0; j < g.cols; j++) m = Math.max(m, Math.abs(g.data[i * g.cols + j] - (i === j ? 1 : 0)));
  return m;
}

describe('qr', () => {
  it('factors a tall matrix into orthonormal Q and upper R', () => {
    const a = rand(9, 4, 1);
    const { q, r } = qr(a);
    expect(maxAbsDiff(matmul(q, r), a)).toBeLessThan(1e-12);
    expect(identityError(q)).toBeLessThan(1e-12);
    for (let i = 1; i < 4; i++) for (let j = 0; j < i; j++) expect(r.data[i * 4 + j]).toBe(0);
  });
  it('handles zero columns (an untrained lora_B)', () => {
    const { q, r } = qr(mat(6, 3));
    expect(identityError(q)).toBeLessThan(1e-12);
    expect(Math.max(...r.data.map(Math.abs))).toBe(0);
  });
});

describe('svd', () => {
  it.each([
    [7, 5],
    [5, 7],
    [6, 6],
  ])('reconstructs a %i×%i matrix with orthonormal factors and sorted values', (rows, cols) => {
    const a = rand(rows, cols, rows * 31 + cols);
    const { u, s, v } = svd(a);
    expect(maxAbsDiff(reconstruct(u, s, v), a)).toBeLessThan(1e-12);
    expect(identityError(u)).toBeLessThan(1e-12);
    expect(identityError(v)).toBeLessThan(1e-12);
    for (let i = 1; i < s.length; i++) expect(s[i]).toBeLessThanOrEqual(s[i - 1]);
  });

  it('matches known singular values', () => {
    // diag(3, 2) rotated on both sides keeps singular values 3 and 2.
    const c = Math.cos(0.3);
    const sn = Math.sin(0.3);
    const rot = mat(2, 2, [c, -sn, sn, c]);
    const a = matmul(matmul(rot, mat(2, 2, [3, 0, 0, 2])), transpose(rot));
    const { s } = svd(a);
    expect(s[0]).toBeCloseTo(3, 12);
    expect(s[1]).toBeCloseTo(2, 12);
  });

  it('lowRankSvd of B·A equals the SVD of the formed product, and truncation is the best rank-k fit', () => {
    const b = rand(40, 6, 7);
    const a = rand(6, 30, 8);
    const full = matmul(b, a);
    const low = lowRankSvd(b, a);
    const ref = svd(full);
    expect(maxAbsDiff(reconstruct(low.u, low.s, low.v), full)).toBeLessThan(1e-11);
    for (let i = 0; i < 6; i++) expect(low.s[i]).toBeCloseTo(ref.s[i], 10);
    // Eckart–Young: the rank-3 truncation error (Frobenius²) equals the sum of the dropped σ².
    const k = 3;
    const trunc = reconstruct(
      mat(
        40,
        k,
        Array.from({ length: 40 * k }, (_, i) => low.u.data[Math.floor(i / k) * 6 + (i % k)]),
      ),
      low.s.slice(0, k),
      mat(
        30,
        k,
        Array.from({ length: 30 * k }, (_, i) => low.v.data[Math.floor(i / k) * 6 + (i % k)]),
      ),
    );
    let err = 0;
    for (let i = 0; i < full.data.length; i++) err += (full.data[i] - trunc.data[i]) ** 2;
    const dropped = low.s.slice(k).reduce((x, y) => x + y * y, 0);
    expect(err).toBeCloseTo(dropped, 9);
  });
});
