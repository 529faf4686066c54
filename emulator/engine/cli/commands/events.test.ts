import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../go-template.ts';
import { templateView } from './events.ts';

describe('docker events --format', () => {
  it('names the fields as moby events.Message does, with TimeNano to the digit', () => {
    const line = '{"Type":"container","Action":"die","Actor":{"ID":"abc","Attributes":{"exitCode":"0","name":"web"}},"scope":"local","time":1765140000,"timeNano":1765140000123456789}';
    const view = templateView(JSON.parse(line) as never, line);
    expect(renderTemplate('{{.Time}} {{.TimeNano}} {{.Scope}} {{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}', view as never)).toBe(
      '1765140000 1765140000123456789 local container die abc web',
    );
  });
});
