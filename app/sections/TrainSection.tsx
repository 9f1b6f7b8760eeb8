import { useEffect } from 'react';
import { LossChart } from '../components/train/LossChart';
import { MemoryEstimate } from '../components/train/MemoryEstimate';
import { ResumeRuns } from '../components/train/ResumeRuns';
import { ScaleOutPanel } from '../components/train/ScaleOutPanel';
import { SampleTimeline } from '../components/train/SampleTimeline';
import { SmallChart } from '../components/train/SmallChart';
import { TrainControls } from '../components/train/TrainControls';
import { TrainForm } from '../components/train/TrainForm';
import { ViewingNote } from '../components/train/ViewingNote';
import '../components/train/train.css';
import { useStudio } from '../store';
import { refreshDatasets } from '../store/data-actions';
import { watchTrainBoot } from '../store/train-actions';
import { SectionFrame } from './SectionFrame';

/**
 * The Train section: settings (preset first, details folded) beside the estimate and the run's controls, then the
 * live charts across the full width, then the sample timeline.
 */
export function TrainSection() {
  // DPO/ORPO runs log TRL's rewards: their margin and accuracy get charts of their own.
  const rewards = useStudio((s) => s.train.seriesVersion >= 0 && s.train.series.hasRewards);
  // Before the first step the small charts would be empty axes with made-up ranges: they appear with the first point.
  const hasSteps = useStudio((s) => s.train.seriesVersion >= 0 && s.train.series.length > 0);
  useEffect(() => {
    void refreshDatasets();
    return watchTrainBoot();
  }, []);
  return (
    <SectionFrame id="train">
      <ResumeRuns />
      <div className="two-col">
        <div className="col">
          <TrainForm />
        </div>
        <div className="col">
          <TrainControls />
          <MemoryEstimate />
          <ScaleOutPanel />
        </div>
      </div>
      <div className="train-charts">
        <ViewingNote />
        <LossChart />
        {hasSteps ? (
          <div className="small-charts">
            <SmallChart metric="lr" />
            <SmallChart metric="gradNorm" />
            <SmallChart metric="tokensPerSec" />
            {rewards ? <SmallChart metric="margins" /> : null}
            {rewards ? <SmallChart metric="accuracies" /> : null}
          </div>
        ) : null}
        <SampleTimeline />
      </div>
    </SectionFrame>
  );
}
