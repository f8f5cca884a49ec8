/**
 * Text for the search benchmark: words drawn from a made-up vocabulary with Zipf's law, as words are in real
 * text (a few in nearly every message, most rare), from a seeded generator so every run searches the same corpus.
 */
const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'sa', 'tor', 'vel', 'an', 'ei', 'dur', 'nim', 'os', 'ph', 'qua', 'ri', 'thel'];

/** A small fast PRNG (mulberry32): reproducible, good enough to pick words. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Corpus {
  /** Words by rank: words[0] is the most frequent. */
  readonly words: string[];
  readonly #cumulative: Float64Array;
  readonly #random: () => number;

  constructor(vocabulary = 50_000, seed = 42) {
    this.words = Array.from({ length: vocabulary }, (_, rank) => wordOf(rank));
    this.#cumulative = new Float64Array(vocabulary);
    let total = 0;
    for (let rank = 0; rank < vocabulary; rank++) this.#cumulative[rank] = total += 1 / (rank + 1);
    for (let rank = 0; rank < vocabulary; rank++) this.#cumulative[rank]! /= total;
    this.#random = seededRandom(seed);
  }

  /** The share of all words that are the word of this rank. */
  frequency(rank: number): number {
    return this.#cumulative[rank]! - (rank === 0 ? 0 : this.#cumulative[rank - 1]!);
  }

  message(words: number): string {
    const out: string[] = [];
    for (let i = 0; i < words; i++) out.push(this.words[this.#pick()]!);
    return out.join(' ');
  }

  #pick(): number {
    const target = this.#random();
    let low = 0;
    let high = this.#cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.#cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/** A distinct pronounceable word per rank, made of syllables (base 16 digits of the rank, at least two). */
function wordOf(rank: number): string {
  let n = rank + SYLLABLES.length;
  let word = '';
  while (n > 0) {
    word += SYLLABLES[n % SYLLABLES.length];
    n = Math.floor(n / SYLLABLES.length);
  }
  return word;
}
