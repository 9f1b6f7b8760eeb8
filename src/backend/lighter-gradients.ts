/**
 * The engine's gradient bookkeeping made cheap, installed by every backend's init at one call: tensors saved for a
 * gradient without their clone dispatches (`saved-tensors.ts`), Multiply's gradient without float32 → float32
 * casts (`multiply-gradient.ts`). Both are idempotent.
 */
import { lightenMultiplyGradient } from './multiply-gradient';
import { lightenSavedTensors } from './saved-tensors';

export function lightenGradients(): void {
  lightenSavedTensors();
  lightenMultiplyGradient();
}
