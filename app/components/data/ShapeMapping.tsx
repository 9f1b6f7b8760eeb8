import type { ColumnMapping, FieldRole, RecordShape } from '../../../src/data/types';
import { useStudio } from '../../store';
import { setMapping } from '../../store/data-actions';

/** Fields each shape reads (optional ones marked), in the order the editor shows them. */
const SHAPE_FIELDS: Record<RecordShape, { role: FieldRole; optional?: boolean }[]> = {
  text: [{ role: 'text' }],
  'prompt-completion': [{ role: 'prompt' }, { role: 'completion' }, { role: 'system', optional: true }],
  alpaca: [
    { role: 'instruction' },
    { role: 'input', optional: true },
    { role: 'output' },
    { role: 'system', optional: true },
  ],
  chat: [{ role: 'messages' }],
  sharegpt: [{ role: 'messages' }],
  preference: [
    { role: 'prompt', optional: true },
    { role: 'chosen' },
    { role: 'rejected' },
    { role: 'system', optional: true },
  ],
};
const SHAPE_NAMES: Record<RecordShape, string> = {
  text: 'Plain text',
  'prompt-completion': 'Prompt → completion',
  alpaca: 'Alpaca (instruction, input, output)',
  chat: 'Chat messages',
  sharegpt: 'ShareGPT conversations',
  preference: 'Preference pairs (prompt, chosen, rejected)',
};
const SHAPES = Object.keys(SHAPE_NAMES) as RecordShape[];

function isShape(v: string): v is RecordShape {
  return SHAPES.some((s) => s === v);
}

/** The detected record shape and which column feeds which field, with an override. */
export function ShapeMapping() {
  const sample = useStudio((s) => s.data.sample);
  const override = useStudio((s) => s.data.mapping);
  const first = sample?.[0];
  if (!first) return null;
  const mapping: ColumnMapping | null = override ?? first.mapping;
  const keys = first.keys;
  const change = (next: ColumnMapping) => void setMapping(next);
  const setShape = (shape: RecordShape) => {
    const fields: ColumnMapping['fields'] = {};
    for (const f of SHAPE_FIELDS[shape]) if (keys.includes(f.role)) fields[f.role] = f.role;
    if (shape === 'chat')
      change({
        shape,
        fields: { messages: keys.find((k) => k === 'messages') ?? keys[0] },
        roleKey: 'role',
        contentKey: 'content',
      });
    else if (shape === 'sharegpt')
      change({
        shape,
        fields: { messages: keys.find((k) => k === 'conversations') ?? keys[0] },
        roleKey: 'from',
        contentKey: 'value',
      });
    else change({ shape, fields });
  };
  return (
    <fieldset className="card" data-testid="data-shape">
      <legend>Shape and columns</legend>
      <p>
        {sample.map((s) => (
          <span key={s.file} className="block">
            <strong>{s.file}</strong>: {s.format ?? 'unsupported format'} · {s.shapeLabel ?? 'shape not recognised'}
          </span>
        ))}
      </p>
      <div className="form-grid">
        <label htmlFor="data-shape-select">Record shape</label>
        <select
          id="data-shape-select"
          value={mapping?.shape ?? ''}
          onChange={(e) => isShape(e.target.value) && setShape(e.target.value)}
        >
          {mapping ? null : <option value="">Choose…</option>}
          {SHAPES.map((s) => (
            <option key={s} value={s}>
              {SHAPE_NAMES[s]}
            </option>
          ))}
        </select>
        {mapping
          ? SHAPE_FIELDS[mapping.shape].map((f) => (
              <FieldSelect
                key={f.role}
                role={f.role}
                optional={f.optional}
                keys={keys}
                mapping={mapping}
                onChange={change}
              />
            ))
          : null}
      </div>
      {override ? (
        <button type="button" className="link-button" onClick={() => void setMapping(null)}>
          Use the detected mapping
        </button>
      ) : null}
    </fieldset>
  );
}

function FieldSelect(props: {
  role: FieldRole;
  optional?: boolean;
  keys: string[];
  mapping: ColumnMapping;
  onChange: (m: ColumnMapping) => void;
}) {
  const { role, optional, keys, mapping, onChange } = props;
  const id = `data-field-${role}`;
  return (
    <>
      <label htmlFor={id}>
        {role}
        {optional ? ' (optional)' : ''}
      </label>
      <select
        id={id}
        value={mapping.fields[role] ?? ''}
        onChange={(e) => onChange({ ...mapping, fields: { ...mapping.fields, [role]: e.target.value || undefined } })}
      >
        <option value="">{optional ? '— none —' : 'Choose a column…'}</option>
        {keys.map((k) => (
          <option key={k} value={k}>
            {k}
          </option>
        ))}
      </select>
    </>
  );
}
