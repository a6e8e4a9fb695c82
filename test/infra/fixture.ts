import { existsSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ContainerImage } from 'aws-cdk-lib/aws-ecs';
import { REPO_ROOT } from '../../infra/bundling.js';
import { EdgeImStack } from '../../infra/edgeim-stack.js';
import type { EdgeImStackProps } from '../../infra/props.js';
import { GATEWAY_DOCKERFILE } from '../../infra/constructs/tcp-gateway.js';

/** The gateway's Dockerfile is in the tree: the stack can build its image from source. */
export const GATEWAY_DOCKERFILE_PRESENT = existsSync(path.join(REPO_ROOT, GATEWAY_DOCKERFILE));

/** Stands in for the gateway image while its Dockerfile is not in the tree. */
export const TEST_IMAGE = ContainerImage.fromRegistry('example.invalid/edgeim-gateway:test');

/**
 * Builds a stack for assertions: no Lambda bundling and no template schema validation
 * (the synth test runs both), so a file's one synthesis takes seconds.
 */
export function synth(props: EdgeImStackProps = {}, id = 'Test'): { stack: EdgeImStack; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  const gateway = props.gateway?.enabled === false || GATEWAY_DOCKERFILE_PRESENT || props.gateway?.image || props.gateway?.imageUri ? props.gateway : { ...props.gateway, image: TEST_IMAGE };
  const stack = new EdgeImStack(app, id, { ...props, ...(gateway ? { gateway } : {}) });
  return { stack, template: Template.fromStack(stack) };
}

/** A stack resource's logical id, by its construct path below the stack. */
export function logicalId(stack: EdgeImStack, constructPath: string): string {
  const child = stack.node.findChild(constructPath.split('/')[0]!);
  let node = child;
  for (const part of constructPath.split('/').slice(1)) node = node.node.findChild(part);
  const cfn = (node.node.defaultChild ?? node) as unknown as { logicalId: string };
  return stack.resolve(cfn.logicalId) as string;
}
