import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import type { EdgeImStackProps } from '../../infra/props.js';
import { synth } from './fixture.js';

const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/0e1d2c3b-aaaa-bbbb-cccc-1234567890ab';

/** Three shapes of the stack that together hold every construct and option. */
const variants: Record<string, EdgeImStackProps> = {
  'prod with TLS, image built from source': { gateway: { certificateArn: CERT }, alarms: { email: 'ops@example.com' } },
  'dev with a prebuilt ECR image and reserved concurrency': {
    profile: 'dev',
    gateway: { imageUri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/edgeim-gateway:v1' },
    functions: { default: { reservedConcurrency: 100 } },
  },
  'serverless only, JWKS, your alarm topic': {
    gateway: { enabled: false },
    auth: { jwksUrl: 'https://auth.example.com/.well-known/jwks.json' },
    alarms: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:ops' },
    apis: { manageAccountLogRole: false },
  },
};

/** Every acknowledged cdk-nag rule in the tree: `{path, id, reason}` (the CDK stores ids as `Annotation::<id>`). */
function acknowledgments(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id: id.replace(/^annotation::/i, ''), reason }))),
    )
    .filter((a) => a.id.startsWith('AwsSolutions-'));
}

/** The same checks with every acknowledgment ignored: what the stack would be flagged for. */
function unacknowledgedChecks(): AwsSolutionsChecks {
  const pack = new AwsSolutionsChecks();
  (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  return pack;
}

describe('cdk-nag AwsSolutions checks', () => {
  it.each(Object.entries(variants))('%s: no finding left, every acknowledgment says why', (_, props) => {
    const { stack } = synth(props);
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
    const findings = report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')} — ${v.description}`);
    expect(findings).toEqual([]);
    const acks = acknowledgments(stack);
    expect(acks.length).toBeGreaterThan(5);
    for (const a of acks) {
      expect(a.id, a.path).toMatch(/^AwsSolutions-[A-Z0-9]+(\[.+\])?$/);
      expect(a.reason.length, `${a.path} ${a.id}`).toBeGreaterThan(40);
    }
  });

  it('the checks bite: ignoring the acknowledgments, the same stack has findings, each one acknowledged', () => {
    const { stack } = synth({ gateway: { enabled: false } });
    const raw = unacknowledgedChecks().validateScope(stack).violations.map((v) => v.ruleName);
    expect(raw.map((r) => r.replace(/\[.*$/, ''))).toEqual(expect.arrayContaining(['AwsSolutions-IAM4', 'AwsSolutions-SMG4', 'AwsSolutions-APIG4', 'AwsSolutions-L1']));
    const acknowledged = new Set(acknowledgments(stack).map((a) => a.id));
    for (const rule of raw) expect(acknowledged.has(rule) || acknowledged.has(rule.replace(/\[.*$/, '')), rule).toBe(true);
  });
});
