/**
 * The deploy workflow, read as GitHub would read it (actionlint is not installed here, so the
 * structure that matters is asserted instead): pushed to main, tested, then deployed with
 * short-lived OIDC credentials and no stored key, by actions pinned to commits.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { lambdaRuntime } from '../../infra/functions.js';

const text = readFileSync('.github/workflows/deploy.yml', 'utf8');

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: object };
type Job = {
  needs?: string | string[];
  permissions?: Record<string, string>;
  container?: string;
  steps: Step[];
};
const workflow = parse(text) as {
  on: { push?: { branches?: string[] } };
  permissions: Record<string, string>;
  concurrency: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, Job>;
};
const { test, deploy } = workflow.jobs;
const index = (job: Job, match: (s: Step) => boolean) => job.steps.findIndex(match);

describe('the deploy workflow', () => {
  it('runs on a push to main, one at a time, never cancelling a deploy halfway', () => {
    expect(workflow.on.push?.branches).toEqual(['main']);
    expect(workflow.concurrency.group).toMatch(/\S/);
    expect(workflow.concurrency['cancel-in-progress']).toBe(false);
  });

  it("runs the tests (.ci/run) in a job the deploy needs, on Lambda's Node major", () => {
    expect(test?.steps.some((s) => s.run?.includes('.ci/run'))).toBe(true);
    expect(deploy?.needs).toBe('test');
    const major = lambdaRuntime.runtime.replace(/^nodejs(\d+)\.x$/, '$1');
    expect(test?.container).toMatch(new RegExp(`^node:${major}-`));
    const setupNode = deploy?.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(String(setupNode?.with?.['node-version'])).toBe(major);
  });

  it("reads the code and nothing more, save the deploy job's OIDC token", () => {
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(test?.permissions).toBeUndefined();
    expect(deploy?.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
  });

  it('assumes a role named by a repository variable, then deploys production, in that order', () => {
    const credentials = index(deploy!, (s) =>
      Boolean(s.uses?.startsWith('aws-actions/configure-aws-credentials@')),
    );
    // npm run deploy: the slug check on production's table, then sst deploy (scripts/deploy.ts).
    const sstDeploy = index(
      deploy!,
      (s) => s.run?.trim() === 'npm run deploy -- --stage production',
    );
    expect(credentials).toBeGreaterThanOrEqual(0);
    expect(sstDeploy).toBeGreaterThan(credentials);
    const inputs = deploy!.steps[credentials]!.with!;
    expect(inputs['role-to-assume']).toMatch(/^\$\{\{ vars\.[A-Z_]+ \}\}$/);
    expect(Object.keys(inputs).sort()).toEqual([
      'aws-region',
      'role-session-name',
      'role-to-assume',
    ]);
  });

  it('stores no long-lived credential: no access key, no secret of any kind', () => {
    for (const forbidden of [
      'AWS_SECRET_ACCESS_KEY',
      'AWS_ACCESS_KEY_ID',
      'aws-secret-access-key',
      'aws-access-key-id',
      'secrets.',
    ])
      expect(text).not.toContain(forbidden);
  });

  it('pins every action to a full commit SHA, with the version it is beside it', () => {
    const uses = text.split('\n').filter((line) => /^\s*-?\s*uses:/.test(line));
    expect(uses.length).toBeGreaterThanOrEqual(3);
    for (const line of uses)
      expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    // And each step the YAML holds is one of those lines.
    const parsed = Object.values(workflow.jobs).flatMap((j) => j.steps.filter((s) => s.uses));
    expect(parsed).toHaveLength(uses.length);
  });

  it('checks the code out without leaving its token in the working copy', () => {
    for (const job of Object.values(workflow.jobs))
      for (const step of job.steps.filter((s) => s.uses?.startsWith('actions/checkout@')))
        expect(step.with?.['persist-credentials']).toBe(false);
  });
});
