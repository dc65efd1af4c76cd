import { readFileSync } from 'node:fs';

export interface ConditionDefinition {
  id: string;
  /** Plain words: the checkbox label (SPEC §2.2). */
  label: string;
  /** Whether the condition can support an LMN (SPEC §2.4 pre-screen). */
  qualifying: boolean;
  /** "None of these": cannot be combined with another condition. */
  exclusive?: boolean;
  /** Issue 10 item 3 — the specific diagnoses the clinician may rely on, with ICD-10-CM codes. */
  icd10: Diagnosis[];
}

export interface Diagnosis {
  /** ICD-10-CM, e.g. `I10`. */
  code: string;
  /** In specific words, as printed on the letter. */
  name: string;
}

export interface SurveyDefinition {
  version: number;
  conditions: ConditionDefinition[];
  /** What the review form starts each covered item's recommended use and duration with. */
  item_defaults: { use: string; duration: string };
}

/** Every diagnosis of the definition, by code, with the condition it belongs to. */
export function diagnosesOf(definition: SurveyDefinition): Map<string, Diagnosis & { condition: string }> {
  const all = new Map<string, Diagnosis & { condition: string }>();
  for (const condition of definition.conditions)
    for (const diagnosis of condition.icd10)
      all.set(diagnosis.code, { ...diagnosis, condition: condition.id });
  return all;
}

/** SPEC §2.2 — the fixed list of conditions comes from a definition file, not from code. */
export function loadSurveyDefinition(
  path: URL = new URL('./definition.json', import.meta.url),
): SurveyDefinition {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as SurveyDefinition;
  const ids = new Set<string>();
  for (const condition of parsed.conditions) {
    if (!/^[a-z0-9_]+$/.test(condition.id) || ids.has(condition.id) || !condition.label) {
      throw new Error(`survey definition: bad or duplicate condition ${JSON.stringify(condition)}`);
    }
    ids.add(condition.id);
    for (const diagnosis of condition.icd10 ?? []) {
      if (!/^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$/.test(diagnosis.code) || !diagnosis.name)
        throw new Error(`survey definition: bad ICD-10-CM diagnosis ${JSON.stringify(diagnosis)}`);
    }
    condition.icd10 ??= [];
  }
  parsed.item_defaults ??= { use: '', duration: '' };
  return parsed;
}

/** US states and DC, by postal code: the survey's "State" and the clinicians' licences. */
export const US_STATES: Readonly<Record<string, string>> = {
  AL: 'Alabama',
  AK: 'Alaska',
  AZ: 'Arizona',
  AR: 'Arkansas',
  CA: 'California',
  CO: 'Colorado',
  CT: 'Connecticut',
  DE: 'Delaware',
  DC: 'District of Columbia',
  FL: 'Florida',
  GA: 'Georgia',
  HI: 'Hawaii',
  ID: 'Idaho',
  IL: 'Illinois',
  IN: 'Indiana',
  IA: 'Iowa',
  KS: 'Kansas',
  KY: 'Kentucky',
  LA: 'Louisiana',
  ME: 'Maine',
  MD: 'Maryland',
  MA: 'Massachusetts',
  MI: 'Michigan',
  MN: 'Minnesota',
  MS: 'Mississippi',
  MO: 'Missouri',
  MT: 'Montana',
  NE: 'Nebraska',
  NV: 'Nevada',
  NH: 'New Hampshire',
  NJ: 'New Jersey',
  NM: 'New Mexico',
  NY: 'New York',
  NC: 'North Carolina',
  ND: 'North Dakota',
  OH: 'Ohio',
  OK: 'Oklahoma',
  OR: 'Oregon',
  PA: 'Pennsylvania',
  RI: 'Rhode Island',
  SC: 'South Carolina',
  SD: 'South Dakota',
  TN: 'Tennessee',
  TX: 'Texas',
  UT: 'Utah',
  VT: 'Vermont',
  VA: 'Virginia',
  WA: 'Washington',
  WV: 'West Virginia',
  WI: 'Wisconsin',
  WY: 'Wyoming',
};
