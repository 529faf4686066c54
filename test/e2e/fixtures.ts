// Shared Playwright fixtures: a page that fails the test on uncaught errors, and a terminal driver reading what a person sees.
import { test as base, expect, type Locator, type Page } from '@playwright/test';

/** The shell prompt at the end of the screen: "... # " or "... $ " with the cursor after it. */
export const PROMPT = /[#$] ?$/;

export class TerminalDriver {
  readonly page: Page;
  readonly region: Locator;
  readonly input: Locator;

  constructor(page: Page) {
    this.page = page;
    this.region = page.getByRole('region', { name: 'Terminal' });
    // xterm's hidden textarea carries keyboard focus and is labelled for assistive technology.
    this.input = page.getByRole('textbox', { name: 'Terminal input' });
  }

  /** The visible screen, one line per row, trailing blanks removed (xterm's DOM renderer). */
  async screen(): Promise<string> {
    return this.region.locator('.xterm-rows').evaluate((rows) =>
      Array.from(rows.children, (row) => (row.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd())
        .join('\n')
        .trimEnd(),
    );
  }

  async lastLine(): Promise<string> {
    const lines = (await this.screen()).split('\n');
    return lines[lines.length - 1] ?? '';
  }

  async waitForPrompt(timeout = 90_000): Promise<void> {
    await expect(async () => {
      expect(await this.lastLine()).toMatch(PROMPT);
    }).toPass({ timeout });
  }

  async focus(): Promise<void> {
    await this.region.click();
    await expect(this.input).toBeFocused();
  }

  /** Types a command line as keystrokes and presses Enter. */
  async run(command: string): Promise<void> {
    await this.focus();
    await this.page.keyboard.type(command);
    await this.page.keyboard.press('Enter');
  }

  /** Waits until a line of the screen matches `pattern` and returns the match. */
  async waitForLine(pattern: RegExp, timeout = 30_000): Promise<RegExpMatchArray> {
    let match: RegExpMatchArray | undefined;
    await expect(async () => {
      const lines = (await this.screen()).split('\n').reverse();
      match = lines.map((line) => line.match(pattern)).find((m) => m !== null) ?? undefined;
      expect(match, `a line matching ${pattern} in:\n${await this.screen()}`).toBeTruthy();
    }).toPass({ timeout });
    return match!;
  }
}

export interface PageProblems {
  errors: string[];
}

export const test = base.extend<{ terminal: TerminalDriver; problems: PageProblems }>({
  problems: [
    async ({ page }, use) => {
      const problems: PageProblems = { errors: [] };
      page.on('pageerror', (error) => problems.errors.push(`pageerror: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.errors.push(`console.error: ${message.text()}`);
      });
      page.on('worker', (worker) => {
        // Errors thrown in the emulator worker surface here, not as pageerror.
        worker.on('console', (message) => {
          if (message.type() === 'error') problems.errors.push(`worker console.error: ${message.text()}`);
        });
      });
      await use(problems);
      expect(problems.errors, 'no uncaught errors or console errors').toEqual([]);
    },
    { auto: true },
  ],
  terminal: async ({ page }, use) => {
    await use(new TerminalDriver(page));
  },
});

export { expect };
