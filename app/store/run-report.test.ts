import { describe, expect, it } from 'vitest';
import { DEFAULT_LORA_CONFIG } from '../../src/spec/lora-config';
import { DEFAULT_TRAIN_CONFIG } from '../../src/spec/train-config';
import { MetricSeries } from './metric-series';
import { metricsCsv, reportMarkdown } from './run-report';

function series(): MetricSeries {
  const s = new MetricSeries();
  s.append({ step: 1, loss: 3.5, lr: 0.001, gradNorm: 2, tokensPerSec: 100 });
  s.append({ step: 2, loss: 3.25, evalLoss: 3.4, lr: 0.0005, gradNorm: 1.5, tokensPerSec: 120 });
  return s;
}

describe('run report', () => {
  it('metrics.csv: one row per step, blank where a step has no value', () => {
    expect(metricsCsv(series())).toBe(
      'step,loss,eval_loss,lr,grad_norm,tokens_per_sec\n1,3.5,,0.001,2,100\n2,3.25,3.4,0.0005,1.5,120\n',
    );
  });

  it('report.md: settings, outcome, first/last/best losses, charts and samples', () => {
    const md = reportMarkdown({
      name: 'ship log',
      spec: { lora: DEFAULT_LORA_CONFIG, train: { ...DEFAULT_TRAIN_CONFIG, steps: 2 } },
      run: { status: 'finished', step: 2, totalSteps: 2, elapsedMs: 4200, message: null },
      series: series(),
      samples: [{ step: 2, index: 0, prompt: 'The sea', text: ' was calm' }],
      charts: { 'loss.png': 'Loss chart' },
    });
    expect(md).toContain('# Run report: ship log');
    expect(md).toContain(`rank ${DEFAULT_LORA_CONFIG.rank}`);
    expect(md).toContain('2 steps');
    expect(md).toContain('**Outcome:** finished, step 2 of 2 in 4.2 s');
    expect(md).toContain('| train loss | 3.5000 | 3.2500 | 3.2500 |');
    expect(md).toContain('| eval loss | 3.4000 | 3.4000 | 3.4000 |');
    expect(md).toContain('![Loss chart](loss.png)');
    expect(md).toContain('### Step 2, prompt 1\n\n```\nThe sea was calm\n```');
  });
});
