/**
 * The rules sluice's own workflows (.github/workflows) keep, as functions over a workflow's
 * text that return what breaks them, so a test can show each rule catches a broken copy.
 */
import { isMap, isScalar, parseDocument } from 'yaml';

type Json = Record<string, unknown>;

/** A `uses:` line as written: the reference and the comment after it. */
interface UsesLine {
  line: number;
  ref: string;
  comment: string;
}

const SHA_PINNED = /^[\w.-]+\/[\w.-]+(\/[^@\s]+)?@[0-9a-f]{40}$/;
const VERSION_COMMENT = /^#\s*v\d+\.\d+\.\d+$/;
const DOCKER_PINNED = /^docker:\/\/[^@\s]+@sha256:[0-9a-f]{64}$/;

/** Every `uses:` of the file, from its lines (comments are not in the parsed YAML). */
export function usesLines(text: string): UsesLine[] {
  const found: UsesLine[] = [];
  text.split('\n').forEach((source, index) => {
    const match = /^\s*(?:-\s+)?uses:\s*(['"]?)([^'"#\s]+)\1\s*(#.*)?$/.exec(source);
    if (match) found.push({ line: index + 1, ref: match[2]!, comment: (match[3] ?? '').trim() });
  });
  return found;
}

/** Every `uses:` the parsed workflow holds (job-level reusable workflows and steps). */
function parsedUses(workflow: Json): string[] {
  const refs: string[] = [];
  for (const job of Object.values(jobsOf(workflow))) {
    if (typeof job.uses === 'string') refs.push(job.uses);
    for (const step of stepsOf(job)) if (typeof step.uses === 'string') refs.push(step.uses);
  }
  return refs;
}

export function jobsOf(workflow: Json): Record<string, Json> {
  return (workflow.jobs ?? {}) as Record<string, Json>;
}

export function stepsOf(job: Json): Json[] {
  return (job.steps ?? []) as Json[];
}

/**
 * Third-party actions pinned to a full commit SHA with a `# vX.Y.Z` comment (Dependabot keeps
 * both); local ones (`./…`) as they are; images by digest.
 */
export function pinningViolations(text: string): string[] {
  const problems: string[] = [];
  const lines = usesLines(text);
  const parsed = parsedUses(parseDocument(text).toJS() as Json);
  if (lines.length !== parsed.length)
    problems.push(
      `${parsed.length} uses: in the workflow but ${lines.length} written one per line as \`uses: ref # vX.Y.Z\``,
    );
  for (const { line, ref, comment } of lines) {
    if (ref.startsWith('./')) continue;
    if (ref.startsWith('docker://')) {
      if (!DOCKER_PINNED.test(ref)) problems.push(`line ${line}: ${ref} is not pinned by digest`);
      continue;
    }
    if (!SHA_PINNED.test(ref))
      problems.push(`line ${line}: ${ref} is not pinned to a 40-character commit SHA`);
    else if (!VERSION_COMMENT.test(comment))
      problems.push(`line ${line}: ${ref} has no \`# vX.Y.Z\` comment naming its version`);
  }
  return problems;
}

/**
 * `permissions: {}` at the top; every job sets its own `permissions`, and each permission it
 * grants carries a comment saying why.
 */
export function permissionViolations(text: string): string[] {
  const problems: string[] = [];
  const doc = parseDocument(text);
  const top = doc.get('permissions', true);
  if (!isMap(top) || top.items.length !== 0) problems.push('top-level permissions is not {}');
  const jobs = doc.get('jobs', true);
  if (!isMap(jobs)) return [...problems, 'no jobs'];
  for (const pair of jobs.items) {
    const name = String(isScalar(pair.key) ? pair.key.value : pair.key);
    const job = pair.value;
    const permissions = isMap(job) ? job.get('permissions', true) : undefined;
    if (!isMap(permissions)) {
      problems.push(`job ${name} sets no permissions map`);
      continue;
    }
    for (const grant of permissions.items) {
      const key = isScalar(grant.key) ? String(grant.key.value) : '?';
      const value = isScalar(grant.value) ? grant.value : undefined;
      if (!value?.comment?.trim())
        problems.push(`job ${name}: permission ${key} has no comment saying why`);
    }
  }
  return problems;
}

/** The permissions a job grants, e.g. `{ contents: 'read' }`. */
export function grants(job: Json): Record<string, string> {
  return (job.permissions ?? {}) as Record<string, string>;
}

/** Every `run:` script of a job, joined. */
export function scripts(job: Json): string {
  return stepsOf(job)
    .map((step) => (typeof step.run === 'string' ? step.run : ''))
    .join('\n');
}

/**
 * The release: triggered by a version tag, the tag checked against package.json, the package
 * published with provenance by a job holding `id-token: write` that needs the checks, and no
 * other job holding an OIDC token.
 */
export function releaseViolations(text: string): string[] {
  const problems: string[] = [];
  const workflow = parseDocument(text).toJS() as Json;
  const on = (workflow.on ?? {}) as Json;
  const tags = ((on.push ?? {}) as Json).tags as string[] | undefined;
  if (!tags?.includes('v*.*.*')) problems.push('not triggered by a pushed v*.*.* tag');
  const jobs = jobsOf(workflow);
  const publishing = Object.entries(jobs).filter(([, job]) => /\bnpm publish\b/.test(scripts(job)));
  if (publishing.length !== 1) problems.push(`${publishing.length} jobs run npm publish, not 1`);
  for (const [name, job] of publishing) {
    const command = /\bnpm publish\b.*$/m.exec(scripts(job))![0];
    if (!command.includes('--provenance'))
      problems.push(`${name}: npm publish without --provenance`);
    if (!command.includes('--access public'))
      problems.push(`${name}: npm publish without --access public`);
    if (grants(job)['id-token'] !== 'write') problems.push(`${name}: no id-token: write`);
    const needs = ([] as string[]).concat((job.needs ?? []) as string[]);
    for (const needed of ['version', 'ci', 'self-test'])
      if (!needs.includes(needed)) problems.push(`${name} does not wait for ${needed}`);
  }
  for (const [name, job] of Object.entries(jobs))
    if (grants(job)['id-token'] && !publishing.some(([publisher]) => publisher === name))
      problems.push(`${name} holds id-token without publishing`);
  const versionCheck = stepsOf(jobs.version ?? {}).find((step) => step.id === 'check');
  if (!versionCheck || !/package\.json/.test(String(versionCheck.run)))
    problems.push('no version job with a `check` step comparing the tag with package.json');
  for (const needed of ['ci', 'self-test']) {
    const called = jobs[needed];
    if (called?.uses !== `./.github/workflows/${needed}.yml`)
      problems.push(`job ${needed} does not call ./.github/workflows/${needed}.yml`);
  }
  return problems;
}
