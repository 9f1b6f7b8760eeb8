/**
 * Ollama Modelfiles for our GGUF exports: `FROM base.gguf` + `ADAPTER adapter.gguf`, or `FROM merged.gguf`, with a
 * `PARAMETER stop` per end-of-generation token of the tokenizer. ChatML chat templates (the demo model, Qwen) get
 * Ollama's Go-template equivalent, since Ollama does not run the GGUF's Jinja template itself.
 */

export interface ModelfileInput {
  /** `FROM` path (base or merged GGUF). */
  from: string;
  /** `ADAPTER` path, when the adapter stays separate. */
  adapter?: string;
  stopTokens: readonly string[];
  chatTemplate: string | null;
}

const CHATML_TEMPLATE = `{{- if .System }}<|im_start|>system
{{ .System }}<|im_end|>
{{ end }}
{{- range .Messages }}<|im_start|>{{ .Role }}
{{ .Content }}<|im_end|>
{{ end }}<|im_start|>assistant
`;

export function modelfile(input: ModelfileInput): string {
  const lines = [`FROM ${input.from}`];
  if (input.adapter) lines.push(`ADAPTER ${input.adapter}`);
  if (input.chatTemplate?.includes('<|im_start|>')) lines.push(`TEMPLATE """${CHATML_TEMPLATE}"""`);
  for (const stop of input.stopTokens) lines.push(`PARAMETER stop ${JSON.stringify(stop)}`);
  return lines.join('\n') + '\n';
}
