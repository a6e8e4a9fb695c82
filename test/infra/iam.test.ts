import { describe, expect, it } from 'vitest';
import { synth } from './fixture.js';

type Json = any;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: Json;
}

// Prepare: one synthesis for the whole file.
const { stack, template } = synth();
const resources: Record<string, Json> = template.toJSON().Resources;
const idOf = (path: string) => stack.resolve((stack.node.findChild(path.split('/')[0]!).node.findAll().find((c) => c.node.path.endsWith(path)) as Json).logicalId) as string;

/** Every statement of every inline policy attached to a role. */
function statementsOfRole(roleId: string): Statement[] {
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((ref: Json) => ref.Ref === roleId))
    .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
}

function statementsOfFunction(name: string): Statement[] {
  const fn = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(name));
  if (!fn) throw new Error(`no function ${name}`);
  return statementsOfRole(fn[1].Properties.Role['Fn::GetAtt'][0]);
}

const actions = (s: Statement) => [s.Action].flat();
const services = (ss: Statement[]) => new Set(ss.flatMap(actions).map((a) => a.split(':')[0]));
/** Logical ids a statement's resources point at. */
function targets(ss: Statement[], service: string): Set<string> {
  const out = new Set<string>();
  const walk = (v: Json): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      if (typeof v.Ref === 'string') out.add(v.Ref);
      if (Array.isArray(v['Fn::GetAtt'])) out.add(v['Fn::GetAtt'][0]);
      Object.values(v).forEach(walk);
    }
  };
  ss.filter((s) => actions(s).some((a) => a.startsWith(`${service}:`))).forEach((s) => walk(s.Resource));
  return out;
}

/** May send to the queue (and look it up), never consume from it. */
function expectSendOnly(ss: Statement[]): void {
  const sqs = ss.flatMap(actions).filter((a) => a.startsWith('sqs:'));
  expect(sqs).toContain('sqs:SendMessage');
  expect(sqs.filter((a) => !['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'].includes(a))).toEqual([]);
}

const table = (name: string) => idOf(`Storage/${name}/Resource`);
const queue = () => idOf('Fanout/Queue/Resource');

describe('IAM: each function gets only what it uses', () => {
  it('authorizer: reads the JWT secret and nothing else', () => {
    const ss = statementsOfFunction('AuthorizerFunction');
    expect(services(ss)).toEqual(new Set(['secretsmanager']));
    expect(targets(ss, 'secretsmanager')).toEqual(new Set([idOf('Secrets/JwtSecret/Resource')]));
  });

  it.each(['ConnectFunction', 'DisconnectFunction', 'HeartbeatFunction'])('%s: the sessions table only', (name) => {
    const ss = statementsOfFunction(name);
    expect(services(ss)).toEqual(new Set(['dynamodb']));
    expect(targets(ss, 'dynamodb')).toEqual(new Set([table('Sessions')]));
  });

  it('default: the four tables and SendMessage on the job queue', () => {
    const ss = statementsOfFunction('DefaultFunction');
    expect(services(ss)).toEqual(new Set(['dynamodb', 'sqs']));
    expect(targets(ss, 'dynamodb')).toEqual(new Set(['Sessions', 'Timelines', 'Groups', 'Ids'].map(table)));
    expectSendOnly(ss);
    expect(targets(ss, 'sqs')).toEqual(new Set([queue()]));
  });

  it('fanout-job: three tables, consumes the queue and re-enqueues push-all pages, @connections of this API only, offline notices, the gateway credential', () => {
    const ss = statementsOfFunction('FanoutJobFunction');
    expect(services(ss)).toEqual(new Set(['dynamodb', 'sqs', 'execute-api', 'sns', 'secretsmanager']));
    expect(targets(ss, 'dynamodb')).toEqual(new Set(['Sessions', 'Timelines', 'Groups'].map(table)));
    expect(targets(ss, 'sqs')).toEqual(new Set([queue()]));
    expect(ss.flatMap(actions).filter((a) => a.startsWith('sqs:'))).toEqual(
      expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:SendMessage']),
    );
    const manage = ss.filter((s) => actions(s).includes('execute-api:ManageConnections'));
    expect(manage).toHaveLength(1);
    const arn = JSON.stringify(stack.resolve(manage[0]!.Resource));
    expect(arn).toContain(idOf('WebSocketApi/Api/Resource'));
    expect(arn).toContain('/prod/*/@connections/*');
    expect(targets(ss, 'sns')).toEqual(new Set([idOf('OfflineTopic/Resource')]));
    expect(targets(ss, 'secretsmanager')).toEqual(new Set([idOf('Secrets/GatewaySecret/Resource')]));
  });

  it('push-api: the tables, SendMessage, the API keys and the gateway credential (not the JWT secret)', () => {
    const ss = statementsOfFunction('PushApiFunction');
    expect(services(ss)).toEqual(new Set(['dynamodb', 'sqs', 'secretsmanager']));
    expect(targets(ss, 'secretsmanager')).toEqual(new Set([idOf('Secrets/ApiKeys/Resource'), idOf('Secrets/GatewaySecret/Resource')]));
    expectSendOnly(ss);
  });

  it('gateway task: the four tables, SendMessage, the JWT secret and the gateway credential', () => {
    const task = Object.values(resources).find((r) => r.Type === 'AWS::ECS::TaskDefinition');
    const ss = statementsOfRole(task.Properties.TaskRoleArn['Fn::GetAtt'][0]);
    expect(services(ss)).toEqual(new Set(['dynamodb', 'sqs', 'secretsmanager']));
    expect(targets(ss, 'dynamodb')).toEqual(new Set(['Sessions', 'Timelines', 'Groups', 'Ids'].map(table)));
    expect(targets(ss, 'secretsmanager')).toEqual(new Set([idOf('Secrets/JwtSecret/Resource'), idOf('Secrets/GatewaySecret/Resource')]));
    expectSendOnly(ss);
  });

  it('the gateway credential is readable by exactly the task, the job and the push API', () => {
    const secret = idOf('Secrets/GatewaySecret/Resource');
    const readers = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && targets(r.Properties.PolicyDocument.Statement, 'secretsmanager').has(secret))
      .flatMap((r) => r.Properties.Roles.map((ref: Json) => ref.Ref as string));
    const task = Object.values(resources).find((r) => r.Type === 'AWS::ECS::TaskDefinition');
    const roleOf = (fn: string) => Object.entries(resources).find(([k, r]) => r.Type === 'AWS::Lambda::Function' && k.startsWith(fn))![1].Properties.Role['Fn::GetAtt'][0];
    expect(readers.sort()).toEqual([task.Properties.TaskRoleArn['Fn::GetAtt'][0], roleOf('FanoutJobFunction'), roleOf('PushApiFunction')].sort());
  });

  it('no statement grants DynamoDB, SQS or ManageConnections on "*"', () => {
    const all = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
    const risky = all.filter((s) => actions(s).some((a) => /^(dynamodb|sqs|execute-api):/.test(a)));
    expect(risky.length).toBeGreaterThan(10);
    for (const s of risky) {
      for (const r of [s.Resource].flat()) expect(r).not.toBe('*');
      for (const a of actions(s)) expect(a).not.toMatch(/:\*$/);
    }
  });

  it('only the authorizer and the gateway task see the JWT secret setting', () => {
    const fns = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    const withJwt = fns.filter(([, r]) => 'EDGEIM_JWT_SECRET_ARN' in (r.Properties.Environment?.Variables ?? {})).map(([id]) => id);
    expect(withJwt).toHaveLength(1);
    expect(withJwt[0]).toMatch(/^AuthorizerFunction/);
  });
});
