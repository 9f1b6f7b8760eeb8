import { useDropzone } from 'react-dropzone';
import { useStudio } from '../../store';
import { inspectSelected } from '../../store/model-actions';
import { formatBytes } from '../../format';

const WANTED =
  /(^config\.json|^generation_config\.json|^tokenizer\.json|^tokenizer_config\.json|^special_tokens_map\.json|\.safetensors(\.index\.json)?)$/;

/** Drop zone for a model folder's files: config.json, tokenizer files and the safetensors weights. */
export function ModelDropZone() {
  const dropped = useStudio((s) => s.model.dropped);
  const patchModel = useStudio((s) => s.patchModel);
  const onDrop = (files: File[]) => {
    const kept = files.filter((f) => WANTED.test(f.name));
    // react-dropzone gives folder drops a `path` ("/my-model/config.json"); picked files get "./config.json".
    const folder = (files[0] as File & { path?: string })?.path
      ?.split('/')
      .filter((p) => p && p !== '.')
      .at(-2);
    // Relative paths, not base names: the engine keys files by them, so `onnx/config.json` cannot replace `config.json`.
    const relative = (f: File) => ((f as File & { path?: string }).path ?? f.name).replace(/^(\.?\/)+/, '');
    patchModel({
      dropped: { name: folder ?? 'local model', files: kept.map((f) => ({ name: relative(f), blob: f })) },
    });
    void inspectSelected();
  };
  const { getRootProps, getInputProps, isDragActive, open } = useDropzone({ onDrop, noClick: true, noKeyboard: true });
  const total = dropped?.files.reduce((s, f) => s + f.blob.size, 0) ?? 0;
  return (
    <div {...getRootProps({ className: `dropzone${isDragActive ? ' active' : ''}` })} data-testid="model-dropzone">
      <input {...getInputProps({ 'aria-label': 'Model files' })} />
      <p>
        Drop a model folder or its files here: config.json, tokenizer.json, tokenizer_config.json and the .safetensors
        weights.
      </p>
      <button type="button" onClick={open}>
        Choose files…
      </button>
      {dropped ? (
        <p className="muted" data-testid="model-dropped">
          {dropped.files.length} files · {formatBytes(total)}: {dropped.files.map((f) => f.name).join(', ')}
        </p>
      ) : null}
    </div>
  );
}
