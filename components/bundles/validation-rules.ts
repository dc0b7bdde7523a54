import type { ProblemCode } from '@/server/problems';

/**
 * The server's bundle checks, in the order it runs them (server/services/bundles/validation.ts, zip.ts). A
 * refused upload is one catalogue problem per check (server/problems.ts); the console shows it against this list:
 * earlier stages passed, later ones were not reached.
 */
export interface BundleRule {
  id: string;
  label: string;
  stage: number;
  /** The problem the server answers when this rule fails. */
  problem: ProblemCode;
}

export const BUNDLE_RULES: BundleRule[] = [
  {
    id: 'zip',
    label: 'A readable, safe zip (no links, traversal, encryption or zip bombs)',
    stage: 0,
    problem: 'bundle.unsafe_zip',
  },
  {
    id: 'layout',
    label: 'Only app/, forms/ and renderers/ at the top level',
    stage: 1,
    problem: 'bundle.invalid_structure',
  },
  { id: 'index', label: 'app/index.html is present', stage: 2, problem: 'bundle.missing_index' },
  {
    id: 'forms',
    label: 'Each form has forms/<name>/schema.json and ui.json, valid JSON objects',
    stage: 3,
    problem: 'bundle.invalid_form',
  },
  {
    id: 'renderers',
    label: 'Renderers sit at renderers/<name>/renderer.jsx',
    stage: 3,
    problem: 'bundle.invalid_renderer',
  },
  {
    id: 'references',
    label: 'Every renderer a form names is bundled or built in',
    stage: 4,
    problem: 'bundle.missing_renderer_reference',
  },
  {
    id: 'core',
    label: 'core_* fields are unchanged from the active version',
    stage: 5,
    problem: 'bundle.core_fields_changed',
  },
];

export type RuleStatus = 'passed' | 'failed' | 'unchecked';

/** Each rule's status when the server refused a bundle with this problem; undefined for other refusals (size…). */
export function ruleStatuses(
  problem: ProblemCode | undefined,
): Array<{ rule: BundleRule; status: RuleStatus }> | undefined {
  const failed = BUNDLE_RULES.find((rule) => rule.problem === problem);
  if (!failed) return undefined;
  return BUNDLE_RULES.map((rule) => ({
    rule,
    status: rule === failed ? 'failed' : rule.stage < failed.stage ? 'passed' : 'unchecked',
  }));
}
