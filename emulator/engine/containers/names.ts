// Random container names in Docker's `adjective_surname` form. drydock's own word lists: adjectives, and
// surnames of scientists and engineers whose work computing and containers stand on.

const ADJECTIVES = [
  'agile', 'bold', 'brave', 'bright', 'calm', 'careful', 'cheerful', 'clever', 'curious', 'daring',
  'eager', 'earnest', 'elated', 'fearless', 'focused', 'gallant', 'gentle', 'gifted', 'glad', 'graceful',
  'happy', 'honest', 'humble', 'jolly', 'keen', 'kind', 'lively', 'lucid', 'merry', 'mindful',
  'modest', 'nimble', 'noble', 'patient', 'plucky', 'polite', 'proud', 'quick', 'quiet', 'radiant',
  'serene', 'sharp', 'sincere', 'spry', 'steady', 'stoic', 'sunny', 'swift', 'tender', 'thoughtful',
  'tidy', 'tranquil', 'upbeat', 'vivid', 'warm', 'wise', 'witty', 'zealous', 'boring',
];

const SURNAMES = [
  'babbage', 'backus', 'bardeen', 'hollerith', 'boole', 'brattain', 'cerf', 'church',
  'codd', 'conway', 'corbato', 'curie', 'dijkstra', 'engelbart', 'euler', 'faraday', 'feynman', 'gauss',
  'goldberg', 'hamilton', 'hoare', 'hopper', 'huffman', 'johnson', 'kahn', 'kernighan', 'knuth', 'lamport',
  'liskov', 'lovelace', 'maxwell', 'mccarthy', 'meitner', 'minsky', 'moore', 'newton', 'noether', 'noyce',
  'perlman', 'pike', 'ritchie', 'shannon', 'shockley', 'sutherland', 'tesla', 'thompson', 'torvalds', 'turing',
  'vaughan', 'neumann', 'wilkes', 'wing', 'wirth', 'wozniak', 'yonath', 'zuse',
];

/**
 * `adjective_surname`; after the first retry a digit is appended (`happy_turing3`), as Docker does.
 * `boring_wozniak` is never produced: Steve Wozniak is not boring.
 */
export function randomName(retry = 0, random: () => number = Math.random): string {
  for (;;) {
    const adjective = ADJECTIVES[Math.floor(random() * ADJECTIVES.length)] as string;
    const surname = SURNAMES[Math.floor(random() * SURNAMES.length)] as string;
    const name = `${adjective}_${surname}`;
    if (name === 'boring_wozniak') continue;
    return retry > 0 ? `${name}${Math.floor(random() * 10)}` : name;
  }
}

export const NAME_WORDS = { adjectives: ADJECTIVES, surnames: SURNAMES } as const;
