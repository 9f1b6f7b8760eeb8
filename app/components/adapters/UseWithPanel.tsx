import { useState } from 'react';
import { useWithCommands, type UseWithInput } from '../../../src/export/use-with';

/** Copy-paste commands for transformers, vLLM, llama.cpp, Ollama and LM Studio, filled with the adapter's names. */
export function UseWithPanel({ input }: { input: UseWithInput }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = (target: string, code: string) => {
    void navigator.clipboard?.writeText(code).then(
      () => setCopied(target),
      () => setCopied(null),
    );
  };
  return (
    <section aria-labelledby="use-with-heading" data-testid="use-with-panel">
      <h4 id="use-with-heading">Use it with…</h4>
      {useWithCommands(input).map((c) => (
        <div key={c.target} className="use-with" data-testid={`use-with-${c.target}`}>
          <div className="row">
            <strong>{c.title}</strong>
            <span className="muted small">needs {c.needs}</span>
            <button type="button" onClick={() => copy(c.target, c.code)} aria-label={`Copy the ${c.title} commands`}>
              {copied === c.target ? 'Copied' : 'Copy'}
            </button>
          </div>
          <pre>
            <code>{c.code}</code>
          </pre>
        </div>
      ))}
    </section>
  );
}
