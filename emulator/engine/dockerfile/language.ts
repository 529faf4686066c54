// Editor data for Dockerfiles (Monaco highlighting/completion): instruction keywords and their documented flags.

export const dockerfileLanguage = {
  /** Instruction keywords, upper case as conventionally written. */
  keywords: [
    'FROM', 'RUN', 'CMD', 'ENTRYPOINT', 'COPY', 'ADD', 'WORKDIR', 'ENV', 'ARG', 'LABEL', 'EXPOSE', 'USER',
    'VOLUME', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL', 'ONBUILD', 'MAINTAINER',
  ],
  /** Flags each instruction accepts (BuildKit's documented set). */
  flags: {
    FROM: ['--platform'],
    RUN: ['--mount', '--network', '--security'],
    COPY: ['--from', '--chown', '--chmod', '--link', '--parents', '--exclude'],
    ADD: ['--chown', '--chmod', '--link', '--checksum', '--keep-git-dir', '--exclude', '--unpack'],
    HEALTHCHECK: ['--interval', '--timeout', '--start-period', '--start-interval', '--retries'],
  } as Readonly<Record<string, readonly string[]>>,
  /** Parser directive names (`# name=value` at the top of the file). */
  directives: ['syntax', 'escape', 'check'],
} as const;
