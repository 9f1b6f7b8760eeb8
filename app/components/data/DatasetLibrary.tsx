import { describePromptFormat, isPromptFormat } from '../../../src/data/prompt-format';
import { useStudio } from '../../store';
import { removeDataset } from '../../store/data-actions';
import { formatBytes, formatDate } from '../../format';

/** Stored datasets: pick the one to train on, delete old ones. */
export function DatasetLibrary() {
  const datasets = useStudio((s) => s.data.datasets);
  const selected = useStudio((s) => s.data.selectedDatasetId);
  const modelId = useStudio((s) => s.model.info?.id ?? null);
  const patchData = useStudio((s) => s.patchData);
  if (datasets.length === 0) return null;
  return (
    <section className="card" aria-labelledby="datasets-heading" data-testid="dataset-library">
      <h3 id="datasets-heading">Stored datasets</h3>
      {/* Narrow screens scroll the table inside the card, never the page. */}
      <div className="table-scroll">
        <table className="table dataset-table">
          <thead>
            <tr>
              <th scope="col">Train on</th>
              <th scope="col">Name</th>
              <th scope="col">Examples</th>
              <th scope="col">Size</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {datasets.map((d) => (
              <tr key={d.id}>
                <td>
                  <input
                    type="radio"
                    name="train-dataset"
                    aria-label={`Train on ${d.name}`}
                    checked={selected === d.id}
                    onChange={() => patchData({ selectedDatasetId: d.id })}
                  />
                </td>
                <td className="name-cell">
                  {d.name}
                  <div className="muted small">
                    {formatDate(d.createdAt)} · {d.tokenizer}
                    {isPromptFormat(d.promptFormat) ? ` · ${describePromptFormat(d.promptFormat)}` : ''}
                  </div>
                  {modelId && d.tokenizer !== modelId ? (
                    <div className="engine-error small">tokenized for another model</div>
                  ) : null}
                </td>
                <td>{d.exampleCount.toLocaleString('en-US')}</td>
                <td>{formatBytes(d.sizeBytes)}</td>
                <td>
                  <button
                    type="button"
                    className="danger"
                    aria-label={`Delete dataset ${d.name}`}
                    onClick={() => void removeDataset(d.id)}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
