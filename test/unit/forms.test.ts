import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from 'typebox';
import { defineForm } from '../../src/html/forms.js';

// Issue 9 item 2 — the one mechanism every HTML form is read and validated through.
const Example = defineForm(
  Type.Object({
    name: Type.String({ maxLength: 5, 'x-missing': 'Enter a name.', 'x-invalid': 'Keep it short.' }),
    code: Type.Enum(['AB', 'CD'], { 'x-upper-case': true, 'x-invalid': 'Choose a code.' }),
    days: Type.Integer({ minimum: 1, maximum: 9, 'x-invalid': 'Days from 1 to 9.' }),
    pick: Type.Array(Type.Enum(['a', 'b', 'c']), { minItems: 1, 'x-missing': 'Pick one.' }),
    note: Type.String({ default: '', 'x-as-typed': true }),
  }),
  {
    check: (values, { forbidden }: { forbidden: string }) =>
      values.name === forbidden ? { name: 'Not that name.' } : {},
  },
);

const context = { forbidden: 'nope' };

describe('forms (defineForm)', () => {
  it('coerces text to the declared types, takes repeated fields as a list and fills defaults', () => {
    const one = Example.parse({ name: ' Ada ', code: 'ab', days: '3', pick: 'b', extra: 'ignored' }, context);
    assert.deepEqual(one, {
      ok: true,
      values: { name: 'Ada', code: 'AB', days: 3, pick: ['b'], note: '' },
      input: { name: 'Ada', code: 'AB', days: '3', pick: ['b'] },
    });
    const many = Example.parse({ name: 'Ada', code: 'CD', days: ['4', '5'], pick: ['a', 'c', 'a'] }, context);
    assert.ok(many.ok, JSON.stringify(many));
    assert.deepEqual(many.values.pick, ['a', 'c'], 'a checkbox list is a set');
    assert.equal(many.values.days, 4, 'a single field takes the first value');
  });

  it('keeps free text as typed, and what was typed comes back with the errors', () => {
    const result = Example.parse({ name: 'toolong', code: 'xx', days: 'ten', note: '  spaced  ' }, context);
    assert.equal(result.ok, false);
    assert.deepEqual(result.input, { name: 'toolong', code: 'XX', days: 'ten', note: '  spaced  ' });
  });

  it('gives one plain-words message per field, in the order of the form: missing or invalid', () => {
    const result = Example.parse({ name: '   ', days: '10', pick: ['z'] }, context);
    assert.ok(!result.ok);
    assert.deepEqual(result.errors, {
      name: 'Enter a name.',
      code: 'Choose a code.',
      days: 'Days from 1 to 9.',
      pick: 'Check this answer.',
    });
    const missingList = Example.parse({ name: 'Ada', code: 'AB', days: '1' }, context);
    assert.ok(!missingList.ok);
    assert.deepEqual(missingList.errors, { pick: 'Pick one.' });
  });

  it('runs the form’s own check with its context, on the fields that passed their schema', () => {
    const checked = Example.parse({ name: 'nope', code: 'AB', days: '2', pick: 'a' }, context);
    assert.ok(!checked.ok);
    assert.deepEqual(checked.errors, { name: 'Not that name.' });
    const both = Example.parse({ name: 'nope', code: 'AB', days: '2', pick: 'a' }, { forbidden: 'other' });
    assert.ok(both.ok, JSON.stringify(both));
  });

  it('reads a missing or non-object body as an empty form', () => {
    const result = Example.parse(undefined, context);
    assert.ok(!result.ok);
    assert.deepEqual(Object.keys(result.errors), ['name', 'code', 'days', 'pick']);
    assert.deepEqual(result.input, {});
  });
});
