import { useDropzone } from 'react-dropzone';
import { useStudio } from '../../store';
import { importAdapter } from '../../store/adapters-actions';

/** Drop zone for a PEFT adapter: its folder, its two files, or a .zip. */
export function AdapterImport() {
  const hasModel = useStudio((s) => s.model.info !== null);
  const onDrop = (files: File[]) => {
    if (files.length > 0) void importAdapter(files.map((f) => ({ name: f.name, blob: f })));
  };
  const { getRootProps, getInputProps, isDragActive, open } = useDropzone({
    onDrop,
    noClick: true,
    noKeyboard: true,
    disabled: !hasModel,
  });
  return (
    <fieldset className="card">
      <legend>Import a PEFT adapter</legend>
      <div {...getRootProps({ className: `dropzone${isDragActive ? ' active' : ''}` })}>
        <input {...getInputProps({ 'aria-label': 'Adapter files' })} />
        <p>Drop an adapter folder (adapter_config.json + adapter_model.safetensors) or its .zip.</p>
        <button type="button" onClick={open} disabled={!hasModel}>
          Choose files…
        </button>
        {!hasModel ? <p className="muted">Load its base model first: the adapter is checked against it.</p> : null}
      </div>
    </fieldset>
  );
}
