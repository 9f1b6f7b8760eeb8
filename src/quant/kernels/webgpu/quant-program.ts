/**
 * The plumbing every quant WebGPU program shares: inputs in binding order (the activation, packed words, scales
 * unless f16, bias when present), a 2-D output laid out with dim 1 on x and dim 0 on y, and a shader key that
 * names everything baked into the WGSL. Subclasses add the workgroup shape, the uniforms and the code.
 */
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import type { PackedMode } from '../../packed';
import { weightVariableNames } from './quant-wgsl';

export interface QuantProgramSpec {
  variableNames: string[];
  variableComponents: number[];
  outputShape: number[];
  dispatch: [number, number, number];
  shaderKey: string;
}

export abstract class QuantProgram implements WebGPUProgram {
  /** Inputs in binding order: activation, packed words, scales (not for f16), bias (when present). */
  variableNames: string[];
  /** Per input: 4 where it is read as a vec4, else 1. */
  variableComponents: number[];
  /** The 2-D output. */
  outputShape: number[];
  /** Everything baked into the WGSL (mode, direction, row count, alignment, bias): one pipeline per key. */
  shaderKey: string;
  /** Output dim 1 on x, dim 0 on y (only used by tfjs's unused getOutputCoords helper). */
  dispatchLayout = { x: [1], y: [0] };
  /** Workgroup counts. */
  dispatch: [number, number, number];
  abstract workgroupSize: [number, number, number];
  /** Runtime i32 sizes, so one compiled pipeline serves every layer of the same key. */
  abstract uniforms: string;
  protected readonly mode: PackedMode;

  constructor(mode: PackedMode, spec: QuantProgramSpec) {
    this.mode = mode;
    this.variableNames = spec.variableNames;
    this.variableComponents = spec.variableComponents;
    this.outputShape = spec.outputShape;
    this.dispatch = spec.dispatch;
    this.shaderKey = spec.shaderKey;
  }

  abstract getUserCode(): string;
}

/**
 * Inputs of a forward program reading x [M, in]: x (as vec4s when `in` is a multiple of 4), the packed weight
 * (words as vec4s), the bias when present.
 */
export function forwardInputs(
  mode: PackedMode,
  inFeatures: number,
  hasBias: boolean,
): { variableNames: string[]; variableComponents: number[]; xAligned: boolean } {
  const xAligned = inFeatures % 4 === 0;
  const variableNames = ['x', ...weightVariableNames(mode), ...(hasBias ? ['bias'] : [])];
  const variableComponents = [xAligned ? 4 : 1, 4, ...variableNames.slice(2).map(() => 1)];
  return { variableNames, variableComponents, xAligned };
}
