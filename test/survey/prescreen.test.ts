import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSurveyDefinition } from '../../src/survey/definition.js';
import { ageOn, prescreen } from '../../src/survey/prescreen.js';
import { isValidBirthDate } from '../../src/survey/survey.form.js';

const definition = loadSurveyDefinition();
const now = Date.UTC(2026, 10, 28, 12);

describe('survey definition (SPEC §2.2)', () => {
  it('lists the conditions in plain words, with "None of these" as the only non-qualifying one', () => {
    const labels = definition.conditions.map((c) => c.label);
    for (const words of [
      'hypertension',
      'diabetes',
      'obesity',
      'cholesterol',
      'anxiety',
      'Insomnia',
      'arthritis',
    ]) {
      assert.ok(
        labels.some((l) => l.includes(words)),
        `no condition mentions ${words}: ${labels.join(' | ')}`,
      );
    }
    assert.deepEqual(
      definition.conditions.filter((c) => !c.qualifying).map((c) => c.label),
      ['None of these'],
    );
  });
});

describe('prescreen (SPEC §2.4)', () => {
  const adult = { date_of_birth: '1980-04-23', conditions: ['insomnia'], details: '' };

  it('passes an adult with a qualifying condition', () => {
    assert.deepEqual(prescreen(adult, definition, now), { eligible: true });
  });

  it('rejects "None of these" as no_qualifying_condition', () => {
    assert.deepEqual(prescreen({ ...adult, conditions: ['none'] }, definition, now), {
      eligible: false,
      reason: 'no_qualifying_condition',
    });
  });

  it('rejects under 18 as age_ineligible, with the 18th birthday as the boundary', () => {
    assert.deepEqual(prescreen({ ...adult, date_of_birth: '2008-11-29' }, definition, now), {
      eligible: false,
      reason: 'age_ineligible',
    });
    assert.deepEqual(prescreen({ ...adult, date_of_birth: '2008-11-28' }, definition, now), {
      eligible: true,
    });
    assert.equal(ageOn('2008-11-29', now), 17);
    assert.equal(ageOn('2008-11-28', now), 18);
  });

  it('checks age before conditions', () => {
    const result = prescreen(
      { date_of_birth: '2015-01-01', conditions: ['none'], details: '' },
      definition,
      now,
    );
    assert.deepEqual(result, { eligible: false, reason: 'age_ineligible' });
  });

  it('accepts only real past calendar dates as a birth date', () => {
    assert.ok(isValidBirthDate('1980-02-29', now));
    for (const bad of ['1981-02-29', '1980-13-01', '04/23/1980', '2030-01-01', '1800-01-01', '']) {
      assert.ok(!isValidBirthDate(bad, now), bad);
    }
  });
});
