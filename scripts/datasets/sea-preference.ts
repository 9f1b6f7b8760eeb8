/**
 * A self-written preference dataset for DPO/ORPO on the demo model: the same opening continued two ways, at sea
 * (chosen) or at the podium (rejected). The demo base was pretrained on about as much Melville as oratory, so it
 * starts indifferent between the two; a preference adapter should tip it towards the sea, which shows at a glance
 * in a greedy continuation and as a widening reward margin on held-out pairs.
 */
import { mulberry32 } from '../../src/util/rng';

const OPENINGS = [
  'The',
  'It is the duty of',
  'In the morning',
  'We have seen',
  'There is',
  'At last',
  'For many years',
  'Now',
  'It was',
  'Let us',
  'All the',
  'Upon the',
  'Once more',
  'In those days',
  'I say',
  'Above all',
  'So it is that',
  'Then',
  'Every man',
  'Before the end',
  'Here',
  'Yet',
  'Such was',
  'When the time came',
];
const SEA_NOUNS = [
  'whale',
  'ship',
  'sea',
  'harpoon',
  'mast',
  'boat',
  'deck',
  'sail',
  'captain',
  'crew',
  'ocean',
  'Pequod',
];
const SEA_VERBS = [
  'rolled over',
  'sank beneath',
  'rose above',
  'drifted toward',
  'struck at',
  'followed',
  'watched',
  'circled',
];
const SEA_PLACES = [
  'the long swells',
  'the white foam',
  'the dark water',
  'the horizon',
  'the southern seas',
  'the heaving deck',
];
const STATE_NOUNS = [
  'Congress',
  'Government',
  'Nation',
  'people',
  'States',
  'law',
  'Treasury',
  'citizens',
  'Union',
  'Constitution',
];
const STATE_VERBS = [
  'must provide for',
  'has considered',
  'will secure',
  'shall maintain',
  'has approved',
  'must protect',
];
const STATE_OBJECTS = [
  'the public welfare',
  'the general interest',
  'the common defense',
  'the revenue',
  'our commerce',
  'the rights of all',
];

/** `count` pairs {prompt, chosen, rejected}, the same for the same seed. */
export function seaPreferencePairs(
  count: number,
  seed: number,
): Array<{ prompt: string; chosen: string; rejected: string }> {
  const rand = mulberry32(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)];
  const sea = () =>
    ` the ${pick(SEA_NOUNS)} ${pick(SEA_VERBS)} ${pick(SEA_PLACES)}, and the ${pick(SEA_NOUNS)} ${pick(SEA_VERBS)} the ${pick(SEA_NOUNS)}.`;
  const state = () =>
    ` the ${pick(STATE_NOUNS)} ${pick(STATE_VERBS)} ${pick(STATE_OBJECTS)}, and the ${pick(STATE_NOUNS)} ${pick(STATE_VERBS)} the ${pick(STATE_NOUNS)}.`;
  return Array.from({ length: count }, () => ({ prompt: pick(OPENINGS), chosen: sea(), rejected: state() }));
}
