// `--build-arg` values against the Dockerfile's ARGs (the classic builder's BuildArgs): the meta ARGs before the
// first FROM give the values FROM lines expand with; an ARG in a stage takes the given value, else its default, else
// the meta ARG's; a given value no ARG declares is reported unused.
import { expandInstruction, expandWord, type ArgInstruction } from '../dockerfile/index.ts';

export class BuildArgs {
  readonly #given: Map<string, string>;
  readonly #consumed = new Set<string>();
  readonly #meta = new Map<string, string | undefined>();
  readonly #metaEnv: Record<string, string>;

  /** `given`: --build-arg values in order (resolved by the CLI); `metaArgs`: the ARGs before the first FROM. */
  constructor(given: readonly [string, string][], metaArgs: readonly ArgInstruction[]) {
    this.#given = new Map(given);
    for (const a of metaArgs) {
      // each meta ARG's default may name the ones before it
      for (const decl of expandInstruction(a, this.#definedMeta()).args) {
        if (this.#given.has(decl.name)) this.#consumed.add(decl.name);
        this.#meta.set(decl.name, this.#given.get(decl.name) ?? decl.defaultValue);
      }
    }
    this.#metaEnv = this.#definedMeta();
  }

  #definedMeta(): Record<string, string> {
    return Object.fromEntries([...this.#meta].filter((e): e is [string, string] => e[1] !== undefined));
  }

  /** A word of a FROM line or `COPY --from` expanded with the meta ARGs. */
  expandMeta(word: string): string {
    return expandWord(word, this.#metaEnv);
  }

  /** An ARG in a stage: the value it takes there (undefined when it has none). */
  declare(name: string, defaultValue: string | undefined): string | undefined {
    if (this.#given.has(name)) this.#consumed.add(name);
    return this.#given.get(name) ?? defaultValue ?? this.#meta.get(name);
  }

  /** Given values no ARG of the stages built declared, in the order given. */
  unused(): string[] {
    return [...this.#given.keys()].filter((k) => !this.#consumed.has(k));
  }
}
