/**
 * The server's bundle checks, in the order it runs them (server/services/bundles/validation.ts, zip.ts). A
 * refused upload names the first failed check in `error` ("bundle validation failed: <reason>"); the console
 * shows it against this list: earlier stages passed, later ones were not reached.
 */
export interface BundleRule {
  id: string;
  label: string;
  stage: number;
  /** How the server's reason starts when this rule fails. */
  reasonPrefixes: string[];
}

export const BUNDLE_RULES: BundleRule[] = [
  {
    id: 'zip',
    label: 'A readable, safe zip (no links, traversal, encryption or zip bombs)',
    stage: 0,
    reasonPrefixes: [],
  },
  {
    id: 'layout',
    label: 'Only app/, forms/ and renderers/ at the top level',
    stage: 1,
    reasonPrefixes: ['invalid app bundle structure'],
  },
  { id: 'index', label: 'app/index.html is present', stage: 2, reasonPrefixes: ['missing app/index.html'] },
  {
    id: 'forms',
    label: 'Each form has forms/<name>/schema.json and ui.json, valid JSON objects',
    stage: 3,
    reasonPrefixes: ['invalid form structure'],
  },
  {
    id: 'renderers',
    label: 'Renderers sit at renderers/<name>/renderer.jsx',
    stage: 3,
    reasonPrefixes: ['invalid renderer structure'],
  },
  {
    id: 'references',
    label: 'Every renderer a form names is bundled or built in',
    stage: 4,
    reasonPrefixes: ['missing renderer reference'],
  },
  {
    id: 'core',
    label: 'core_* fields are unchanged from the active version',
    stage: 5,
    reasonPrefixes: ['core_* fields cannot be modified'],
  },
];

export type RuleStatus = 'passed' | 'failed' | 'unchecked';

const VALIDATION_PREFIX = 'bundle validation failed: ';

/** The reason of a validation refusal, or undefined when the error is of another kind (size, format). */
export function validationReason(error: string): string | undefined {
  return error.startsWith(VALIDATION_PREFIX) ? error.slice(VALIDATION_PREFIX.length) : undefined;
}

export function ruleStatuses(reason: string): Array<{ rule: BundleRule; status: RuleStatus }> {
  const failed =
    BUNDLE_RULES.find((rule) => rule.reasonPrefixes.some((prefix) => reason.startsWith(prefix))) ?? BUNDLE_RULES[0];
  return BUNDLE_RULES.map((rule) => ({
    rule,
    status: rule === failed ? 'failed' : rule.stage < failed.stage ? 'passed' : 'unchecked',
  }));
}
