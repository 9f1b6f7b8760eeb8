import type { ModelFacts } from '../../../src/protocol/model-types';
import { useStudio } from '../../store';
import { formatBytes, formatCount, formatDuration } from '../../format';

/**
 * Facts of the model the user is looking at: the one inspected in the form when it is not the loaded one (the demo
 * loads by itself, so a hub repo being chosen must not show the demo's facts), else the loaded one.
 */
export function ModelFactsCard() {
  const loaded = useStudio((s) => s.model.info);
  const inspection = useStudio((s) => s.model.inspection);
  const candidate = inspection && inspection.label !== loaded?.label ? inspection : null;
  const info = candidate ? null : loaded;
  const facts: ModelFacts | null = candidate?.facts ?? info?.facts ?? null;
  if (!facts) return null;
  return (
    <section className="card" aria-labelledby="model-facts-heading" data-testid="model-facts">
      <h3 id="model-facts-heading">{info ? `Loaded: ${info.label}` : `About ${candidate?.label ?? 'this model'}`}</h3>
      <dl className="facts">
        <dt>Architecture</dt>
        <dd>
          {facts.architecture} ({facts.family})
        </dd>
        <dt>Parameters</dt>
        <dd>{formatCount(facts.parameters)}</dd>
        <dt>Layers · hidden · heads</dt>
        <dd>
          {facts.layers} · {facts.hidden} · {facts.heads} query / {facts.kvHeads} key-value
        </dd>
        <dt>Vocabulary</dt>
        <dd>{facts.vocab.toLocaleString('en-US')} tokens</dd>
        <dt>Context length</dt>
        <dd>{facts.contextLength.toLocaleString('en-US')} tokens</dd>
        {info ? (
          <>
            <dt>Chat template</dt>
            <dd data-testid="model-chat-template">
              {info.hasChatTemplate ? 'yes — chat mode available' : 'none — plain text only'}
            </dd>
            <dt>On the device</dt>
            <dd>
              {info.quant.toUpperCase()} weights, {info.embeddings.toUpperCase()} embeddings ·{' '}
              {formatBytes(info.deviceBytes)} on {info.backend}
            </dd>
            <dt>Loaded in</dt>
            <dd>
              {formatDuration(info.loadMillis)}
              {info.downloadedBytes > 0 ? ` (downloaded ${formatBytes(info.downloadedBytes)})` : ''}
            </dd>
          </>
        ) : null}
      </dl>
    </section>
  );
}
