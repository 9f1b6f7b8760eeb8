/**
 * A self-written structured task for the format adapter: a whaling-ship log entry in free prose → one JSON record.
 * The demo base model never saw JSON, so after a few minutes of LoRA training the change is visible at a glance
 * (braces, quoted keys, ISO dates) even where the copied values are still imperfect.
 */
import { MONTHS } from '../../src/tokenizer/strftime';
import { mulberry32 } from '../../src/util/rng';

const SHIPS = [
  'Pequod',
  'Rachel',
  'Bachelor',
  'Jeroboam',
  'Samuel Enderby',
  'Albatross',
  'Town-Ho',
  'Virgin',
  'Rose-Bud',
  'Delight',
  'Grey Gull',
  'Morning Star',
  'Essex',
  'Charles W. Morgan',
  'Acushnet',
  'Nantucket Belle',
  'Lagoda',
  'Catalpa',
  'Sea Swallow',
  'Hopewell',
];
const CAPTAINS = [
  'Ahab',
  'Gardiner',
  'Boomer',
  'Mayhew',
  'Bunger',
  'Coffin',
  'Starbuck',
  'Swain',
  'Folger',
  'Macy',
  'Hussey',
  'Pollard',
  'Bildad',
  'Peleg',
  'Worth',
  'Gifford',
  'Tobey',
  'Chase',
];
const PLACES = [
  'the Azores',
  'Cape Horn',
  'the Cape of Good Hope',
  'the Sea of Japan',
  'the Line',
  'Nantucket',
  'New Bedford',
  'Java Head',
  'the Galapagos',
  'the Cape Verde Islands',
  'the Straits of Sunda',
  'the coast of Peru',
  'the Crozet Islands',
  'Tahiti',
  'the Bay of Islands',
  'the Sandwich Islands',
  'the River Plate',
  'Madagascar',
];
const WINDS = [
  'NE, light',
  'SW, fresh gale',
  'calm',
  'NNW, moderate',
  'E, strong and gusty',
  'S, light airs',
  'W, squally',
  'SE, steady trades',
  'N, whole gale',
];
const NUMBER_WORDS = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

type EventMaker = (pick: <T>(a: readonly T[]) => T, int: (lo: number, hi: number) => number) => string;
const EVENTS: EventMaker[] = [
  (_p, int) => `sighted ${NUMBER_WORDS[int(0, 9)]} sperm whales`,
  (_p, int) => `struck a right whale and lost ${NUMBER_WORDS[int(0, 2)]} irons`,
  (_p, int) => `stowed down ${int(20, 180)} barrels of oil`,
  (p) => `spoke the ship ${p(SHIPS)}`,
  () => 'took in the topgallant sails',
  () => 'lost a whaleboat in the ice',
  (_p, int) => `took ${NUMBER_WORDS[int(0, 4)]} whales before dark`,
  () => 'repaired the main yard',
  () => 'saw no whales all day',
  (p) => `shipped a new harpooneer from ${p(PLACES)}`,
];

/** One log entry: the prose a sailor writes and the record the adapter should emit. */
export interface ShipLogExample {
  prose: string;
  record: string;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Draws `count` examples from `seed`. */
export function shipLogExamples(count: number, seed: number): ShipLogExample[] {
  const rand = mulberry32(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)];
  const out: ShipLogExample[] = [];
  for (let i = 0; i < count; i++) {
    const ship = pick(SHIPS);
    const captain = pick(CAPTAINS);
    const place = pick(PLACES);
    const wind = pick(WINDS);
    const event = pick(EVENTS)(pick, int);
    const [year, month, day] = [int(1820, 1860), int(1, 12), int(1, 28)];
    const dateText = `${day} ${MONTHS[month - 1]} ${year}`;
    const templates = [
      `The ${ship} under Captain ${captain} ${event} off ${place} on ${dateText}; wind ${wind}.`,
      `${dateText}. Captain ${captain} of the ${ship} ${event} near ${place}. Wind ${wind}.`,
      `Off ${place}, ${dateText}: the ${ship} (Captain ${captain}) ${event}, the wind ${wind}.`,
      `Wind ${wind}. On ${dateText} the ${ship}, Captain ${captain}, ${event} off ${place}.`,
    ];
    const record = JSON.stringify({
      ship,
      captain,
      date: `${year}-${pad2(month)}-${pad2(day)}`,
      place,
      event,
      wind,
    });
    out.push({ prose: pick(templates), record });
  }
  return out;
}
