import type { PreviewToken } from '../../../src/data/preview';
import { useStudio } from '../../store';

/** Tokens as spans, the loss-carrying ones highlighted. */
function Tokens({ tokens }: { tokens: PreviewToken[] }) {
  return (
    <>
      {tokens.map((t, j) => (
        <span key={j} className={t.loss ? 'tok tok-loss' : 'tok'} title={`token ${t.id}`}>
          {t.text}
        </span>
      ))}
    </>
  );
}

/**
 * The first records rendered as training sees them: tokens that carry loss are highlighted; a preference pair shows
 * its chosen and its rejected sequence one under the other.
 */
export function TokenPreview() {
  const previews = useStudio((s) => s.data.previews);
  const hasModel = useStudio((s) => s.model.info !== null);
  const hasSample = useStudio((s) => (s.data.sample?.length ?? 0) > 0);
  if (!hasSample) return null;
  return (
    <section className="card" aria-labelledby="preview-heading" data-testid="data-preview">
      <h3 id="preview-heading">Preview</h3>
      <p className="hint">
        <span className="tok tok-loss">Highlighted</span> tokens are what the model learns to write; the rest is
        context.
      </p>
      {!hasModel ? <p className="muted">Load a base model to see how its tokenizer splits the records.</p> : null}
      {previews.map((p, i) =>
        p.ok ? (
          <figure key={i} className="token-card" data-testid="token-card">
            {/* The text scrolls in whole lines; the caption stays below it, never cut. */}
            {/* A scroll box: focusable, so keyboard users can scroll it too (axe: scrollable-region-focusable). */}
            <div
              className="token-preview"
              role="region"
              tabIndex={0}
              aria-label={`Example ${i + 1}: ${p.lossTokens} of ${p.tokens.length} tokens carry loss`}
            >
              {p.rejectedAt === undefined ? (
                <Tokens tokens={p.tokens} />
              ) : (
                <>
                  <div className="pair-side" data-testid="preview-chosen">
                    <strong className="small">Chosen</strong> <Tokens tokens={p.tokens.slice(0, p.rejectedAt)} />
                  </div>
                  <div className="pair-side" data-testid="preview-rejected">
                    <strong className="small">Rejected</strong> <Tokens tokens={p.tokens.slice(p.rejectedAt)} />
                  </div>
                </>
              )}
            </div>
            <figcaption className="muted small">
              {p.tokens.length} tokens, {p.lossTokens} with loss
            </figcaption>
          </figure>
        ) : (
          <p key={i} className="engine-error">
            Example {i + 1}: {p.message}
          </p>
        ),
      )}
    </section>
  );
}
